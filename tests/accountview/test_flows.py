"""AccountView ⇄ BigCommerce through the real flows, both sandboxes over WSGI (issue 17).

What an AccountView merchant notices: their article groups and articles appear in the
store with "available minus reserved" stock; a paid order lands in AccountView once
(as a sales order or a sales-journal invoice) and a refused one is in the log and in
the error status; customers go both ways without ever bouncing back; and when
AccountView withdraws the authorisation every run says "Reconnect AccountView" and
nothing is half written.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bcapp.extensions import db
from bcapp.models import Binding, Connection, RunStatus
from bcapp.sandbox.bigcommerce.customer_groups import add_group
from bcapp.sandbox.bigcommerce.customers import create_customer
from tests.accountview.world import AccountViewWorld, accountview_world
from tests.conftest import base_config
from tests.orders.conftest import WORLD_CONFIG, deliver, drain


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[AccountViewWorld]:
    with accountview_world(app, redis_url) as w:
        yield w


def ok(run: Any) -> Any:
    assert run.status == RunStatus.SUCCEEDED, run.message
    return run


# -- catalog and stock -------------------------------------------------------------------


def test_groups_and_articles_become_categories_and_products_with_the_stock_formula(
    world: AccountViewWorld,
) -> None:
    world.settings("stock", calculation="on_hand_minus_reserved")
    world.av.add_group("MOK", "Mokken")
    world.av.add_article(
        "MOK-01", "Mok Delfts blauw", price="12.50", group="MOK", available=10, reserved=3
    )
    world.av.add_article("MOK-02", "Mok rood", price="9.95", group="MOK", available=1, reserved=4)
    world.av.add_article("OUD-01", "Oud artikel", price="1.00", blocked=True)

    ok(world.run("catalog"))

    products = {p["sku"]: p for p in world.bc_store.products.values()}
    assert set(products) == {"MOK-01", "MOK-02"}  # the blocked article is not created
    assert products["MOK-01"]["name"] == "Mok Delfts blauw"
    assert Decimal(str(products["MOK-01"]["price"])) == Decimal("12.50")
    [category] = [c for c in world.bc_store.categories.values() if c["name"] == "Mokken"]
    assert category["id"] in products["MOK-01"]["categories"]
    stock = {sku: world.bc_store.stock[("product", p["id"], 1)] for sku, p in products.items()}
    assert stock == {"MOK-01": 7, "MOK-02": 0}  # available minus reserved, never below 0
    [entry] = [e for e in world.log("stock") if e.erp_id == "MOK-01"]
    assert "on hand 10 − reserved 3 = 7" in entry.message

    again = ok(world.run("catalog"))
    assert "created" not in again.message and "updated" not in again.message
    world.av.touch_article("MOK-02", ART_DESC1="Mok rood (nieuw)")
    ok(world.run("catalog"))
    assert products["MOK-02"]["name"] == "Mok rood (nieuw)"


# -- orders ------------------------------------------------------------------------------


def test_an_order_reaches_accountview_once_as_a_sales_order(world: AccountViewWorld) -> None:
    world.connector_settings(orders={"shipping_article": "VERZEND"})
    world.av.add_article("VERZEND", "Verzendkosten", price="0")
    world.product("MOK-01", 12.5)
    world.product("MOK-02", 5)
    order_id = world.order(
        "MOK-01",
        "MOK-02",
        shipping_addresses=[
            {**_address("Damrak 1", "1012 LG"), "first_name": "Piet", "last_name": "Jansen"}
        ],
    )

    ok(world.export(order_id))

    [header] = world.av.orders_with_reference(str(order_id))
    lines = world.av.order_lines(header["ORD_NR"])
    assert [line["ART_CODE"] for line in lines] == ["MOK-01", "MOK-02", "VERZEND"]
    assert lines[-1]["ART_PX"] == Decimal("4.95")  # the store's shipping cost, excl. VAT
    [debtor] = world.av.debtors_with_email("jan@example.com")
    assert header["RPL_INV"] == debtor["SUB_NR"]
    [delivery] = [a for a in world.av.rows("DEL_ADDR") if a["REC_ID"] == header["DEL_CODE"]]
    assert delivery["ADDRESS1"] == "Damrak 1" and delivery["SUB_NR"] == debtor["SUB_NR"]
    assert world.bc_store.orders[order_id]["status_id"] == 9
    [binding] = world.bindings("order")
    assert (binding.bc_id, binding.erp_id) == (str(order_id), header["ORD_NR"])

    ok(world.export(order_id))
    ok(world.run("orders"))
    db.session.execute(db.delete(Binding).filter_by(entity="order"))  # a crash before binding
    db.session.commit()
    world.bc_store.orders[order_id]["status_id"] = 11
    ok(world.export(order_id))
    assert len(world.av.orders_with_reference(str(order_id))) == 1
    assert "Found in the ERP" in world.log("order")[-1].message


def test_an_order_accountview_refuses_is_logged_in_its_words_and_put_in_error_status(
    world: AccountViewWorld,
) -> None:
    world.product("MOK-01")
    order_id = world.order("MOK-01")
    world.av.reject_next_write("Artikel MOK-01 is geblokkeerd voor verkoop.")

    ok(world.export(order_id))

    assert world.av.orders_with_reference(str(order_id)) == []
    [failed] = world.log("order", "failed")
    assert "Artikel MOK-01 is geblokkeerd voor verkoop." in failed.message
    assert failed.bc_id == str(order_id)
    assert world.bc_store.orders[order_id]["status_id"] == 12  # the merchant's error status
    assert world.bindings("order") == []


def test_invoices_are_balanced_sales_journal_pages_found_again_by_reference(
    world: AccountViewWorld,
) -> None:
    world.connector_settings(orders={"order_type": "invoice"})
    world.product("MOK-01", 10)
    order_id = world.order("MOK-01", tax_rate=0.21)
    ok(world.export(order_id))

    [page] = world.av.journal_pages(str(order_id))
    lines = [r for r in world.av.rows("DJ_LINE") if r["PAGE_NR"] == page["PAGE_NR"]]
    assert sum(r.get("AMOUNT", 0) + r.get("VAT_AMT", 0) for r in lines) == 0
    debtor_line = next(r for r in lines if r["ACCT_NR"] == "1300")
    assert debtor_line["AMOUNT"] == Decimal("18.09")  # 10 + 4.95 shipping, plus 21 % VAT
    assert {r["ACCT_NR"] for r in lines} == {"1300", "8000", "8100"}
    [binding] = world.bindings("order")
    assert binding.erp_id == f"VK/{page['PAGE_NR']}"
    db.session.execute(db.delete(Binding).filter_by(entity="order"))
    db.session.commit()
    world.bc_store.orders[order_id]["status_id"] = 11
    ok(world.export(order_id))
    assert len(world.av.journal_pages(str(order_id))) == 1


# -- customers both ways -----------------------------------------------------------------


def test_a_customer_created_in_the_store_becomes_a_debtor(world: AccountViewWorld) -> None:
    ok(world.run("webhooks"))
    with world.bc.lock:
        create_customer(
            world.bc_store,
            {
                "first_name": "Anna",
                "last_name": "de Vries",
                "email": "anna@example.com",
                "company": "Vries BV",
                "addresses": [_bc_address("Speelkamp 105", "3833 LC")],
            },
        )
    deliver(world)
    drain(world)

    [debtor] = world.av.debtors_with_email("anna@example.com")
    assert debtor["ACCT_NAME"] == "Vries BV" and debtor["MAIN_CONT"] == "Anna de Vries"
    assert debtor["ADDRESS1"] == "Speelkamp 105"
    [binding] = world.bindings("customer")
    assert binding.bc_id == "1:anna@example.com" and binding.erp_id == debtor["SUB_NR"]


def test_an_erp_debtor_reaches_the_store_and_does_not_echo_back(world: AccountViewWorld) -> None:
    ok(world.run("webhooks"))
    world.settings("flows", customers_from_erp=True)
    world.settings("customers_from_erp", group_map={"GROOT": "Wholesale"})
    with world.bc.lock:
        wholesale = add_group(world.bc_store, "Wholesale")["id"]
    number = world.av.add_debtor(
        "inkoop@bakkerij.nl",
        "Bakkerij Bol",
        MAIN_CONT="Els Bol",
        RPL_GRP="GROOT",
        ADDRESS1="Markt 3",
        POST_CODE="5611 EB",
        CITY="Eindhoven",
        CNT_CODE="NL",
        TEL_BUS="040-1234567",
    )
    writes_before = len(world.av_writes())

    ok(world.run("customers_from_erp"))

    [account] = world.bc_customers("inkoop@bakkerij.nl")
    assert (account["first_name"], account["last_name"], account["company"]) == (
        "Els",
        "Bol",
        "Bakkerij Bol",
    )
    assert account["customer_group_id"] == wholesale
    assert [
        a["address1"]
        for a in world.bc_store.addresses.values()
        if a["customer_id"] == account["id"]
    ] == ["Markt 3"]
    assert "_password" not in account
    [binding] = world.bindings("customer")
    assert binding.erp_id == number and binding.bc_id == "1:inkoop@bakkerij.nl"

    deliver(world)  # store/customer/created of our own write reaches the app ...
    drain(world)
    assert len(world.av_writes()) == writes_before  # ... and goes nowhere
    assert world.log("customer", "unchanged")

    again = ok(world.run("customers_from_erp"))
    assert "created" not in again.message and "updated" not in again.message


def test_a_store_change_written_to_accountview_is_not_written_back(
    world: AccountViewWorld,
) -> None:
    ok(world.run("webhooks"))
    world.settings("flows", customers_from_erp=True)
    world.av.add_debtor("els@bakkerij.nl", "Els Bol", TEL_BUS="040-1111111")
    ok(world.run("customers_from_erp"))
    [account] = world.bc_customers("els@bakkerij.nl")
    account["_password"] = "the customer's own"  # set in the storefront
    deliver(world)
    drain(world)

    _put_customer(world, account["id"], phone="040-2222222")  # the customer edits the store
    deliver(world)
    drain(world)
    [debtor] = world.av.debtors_with_email("els@bakkerij.nl")
    assert debtor["TEL_BUS"] == "040-2222222"  # reached AccountView
    modified = account["_mtime"]

    run = ok(world.run("customers_from_erp"))  # AccountView lists the debtor as changed ...
    assert account["_mtime"] == modified  # ... but nothing goes back to the store
    assert "updated" not in run.message and "created" not in run.message
    assert account["_password"] == "the customer's own"

    world.av.touch_debtor(debtor["SUB_NR"], TEL_BUS="040-3333333")  # a real ERP change
    ok(world.run("customers_from_erp"))
    assert account["phone"] == "040-3333333"
    assert account["_password"] == "the customer's own"


def test_excluded_fields_and_unknown_groups(world: AccountViewWorld) -> None:
    world.settings("flows", customers_from_erp=True)
    world.settings("customers_from_erp", excluded_fields=["phone"], group_map={"KLEIN": "Retail"})
    with world.bc.lock:
        create_customer(
            world.bc_store,
            {"first_name": "Els", "last_name": "Bol", "email": "els@bakkerij.nl", "phone": "06-1"},
        )
    world.av.add_debtor("els@bakkerij.nl", "Els Bol", TEL_BUS="040-9")
    world.av.add_debtor("kees@klein.nl", "Kees Klein", RPL_GRP="KLEIN")

    ok(world.run("customers_from_erp"))

    [els] = world.bc_customers("els@bakkerij.nl")
    assert els["phone"] == "06-1"  # excluded: the store keeps its own
    assert world.bc_customers("kees@klein.nl") == []
    [skipped] = world.log("debtor", "skipped")
    assert "no customer group 'Retail'" in skipped.message


# -- a withdrawn authorisation -----------------------------------------------------------


def test_a_refused_refresh_asks_to_reconnect_pauses_the_flows_and_writes_nothing(
    world: AccountViewWorld,
) -> None:
    world.product("MOK-01")
    order_id = world.order("MOK-01")
    world.av.revoke_refresh_tokens()  # the merchant withdrew bcapp's access in AccountView
    world.av.expire_access_tokens()

    catalog = world.run("catalog")
    requests = len(world.av.requests)
    export = world.export(order_id)  # the store's flows are paused after the refusal

    assert catalog.status == RunStatus.FAILED
    assert catalog.message.startswith("Reconnect AccountView")
    assert export.status == RunStatus.CANCELLED and "Reconnect your ERP" in export.message
    assert len(world.av.requests) == requests  # a paused flow sends nothing
    assert world.av.rows("SO_HDR") == [] and world.av.rows("CONTACT") == []
    assert world.bindings("order") == [] and world.bindings("customer") == []
    assert world.bc_store.orders[order_id]["status_id"] == 11  # not the order's fault
    assert world.log("order", "failed") == []
    assert world.bc_store.products[world.products["MOK-01"]].get("price") == 10.0
    secrets = db.session.get(Connection, world.connection.id).secrets or {}
    assert secrets.get("client_secret")  # the app registration survived the refusals


# -- helpers -----------------------------------------------------------------------------


def _address(street: str, postal_code: str) -> dict[str, Any]:
    return {
        "street_1": street,
        "zip": postal_code,
        "city": "Amsterdam",
        "country": "Netherlands",
        "country_iso2": "NL",
        "email": "jan@example.com",
    }


def _bc_address(street: str, postal_code: str) -> dict[str, Any]:
    return {
        "first_name": "Anna",
        "last_name": "de Vries",
        "address1": street,
        "city": "Leusden",
        "postal_code": postal_code,
        "country_code": "NL",
    }


def _put_customer(world: AccountViewWorld, customer_id: int, **fields: Any) -> None:
    from bcapp.sync.context import BC_TRANSPORT

    client = httpx.Client(transport=world.app.extensions[BC_TRANSPORT])
    response = client.put(
        f"https://api.bigcommerce.com/stores/{world.store.store_hash}/v3/customers",
        json=[{"id": customer_id, **fields}],
        headers={"X-Auth-Token": world.store.access_token},
    )
    assert response.status_code == 200, response.text
