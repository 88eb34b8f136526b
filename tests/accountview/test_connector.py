"""AccountViewConnector against the sandbox: what the contract suite does not pin down.

The connect wizard's calls, check() in a merchant's words, change polling through a
bulk import that stamped many rows in one second, debtor numbers from a range, the
order instructions on a sales order, and invoices that cannot be booked.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bcapp.connectors import make_connector
from bcapp.connectors.accountview import authorize_url, companies, complete_connect
from bcapp.connectors.accountview.connector import AccountViewConnector
from bcapp.connectors.base import (
    Address,
    Customer,
    MemoryCredentials,
    OrderInstructions,
    secret_fields,
)
from bcapp.errors import ConfigError, FatalSyncError
from bcapp.sandbox.accountview import DEFAULT_REDIRECT, AccountViewSandbox
from tests.connectors.factory_accountview import AccountViewHandle, credentials, settings
from tests.connectors.test_contract import customer


def build(sandbox: AccountViewSandbox, **more: Any) -> AccountViewConnector:
    connector = make_connector(
        "accountview", settings(sandbox, **more), credentials=credentials(sandbox),
        transport=sandbox.transport(), record=True, clock=sandbox.clock.timestamp,
    )  # fmt: skip
    assert isinstance(connector, AccountViewConnector)
    return connector


def data_reads(sandbox: AccountViewSandbox) -> int:
    return sum(1 for r in sandbox.requests if r["path"].lower() == "accountviewdata"
               and r["method"] == "GET")  # fmt: skip


# -- connecting ------------------------------------------------------------------------------


def test_the_wizard_connects_in_a_new_window_and_gets_the_company_list() -> None:
    sandbox = AccountViewSandbox(companies=(("DEMO", "Demo Webshop BV"), ("TWO", "Tweede BV")))
    values = settings(sandbox)
    url = authorize_url(values, DEFAULT_REDIRECT, "state-1")
    with httpx.Client(transport=sandbox.transport()) as browser:
        callback = browser.get(url).headers["location"]
    store = MemoryCredentials({"client_secret": values["client_secret"]})

    listed = complete_connect(values, redirect_uri=DEFAULT_REDIRECT, callback_url=callback,
                              state="state-1", credentials=store,
                              transport=sandbox.transport())  # fmt: skip

    assert [c.description for c in listed] == ["Demo Webshop BV", "Tweede BV"]
    assert store.read()["refresh_token"] and store.read()["client_secret"]
    assert companies(values, store, transport=sandbox.transport()) == listed
    with pytest.raises(ConfigError, match="did not match"):
        complete_connect(values, redirect_uri=DEFAULT_REDIRECT, callback_url=callback,
                         state="other", credentials=store,
                         transport=sandbox.transport())  # fmt: skip


def test_the_schema_hides_the_client_secret_and_names_the_choices() -> None:
    schema = AccountViewConnector.settings_schema
    assert secret_fields(schema) == {"client_secret"}
    orders = schema["properties"]["orders"]["properties"]
    assert orders["order_type"]["enum"] == ["sales_order", "invoice"]
    stock = schema["properties"]["stock"]["properties"]
    assert stock["available_field"]["default"] == "QTY_AVAIL"
    assert stock["reserved_field"]["default"] == "QTY_RES"


def test_check_speaks_the_merchants_language() -> None:
    sandbox = AccountViewSandbox()
    build(sandbox).check()
    with pytest.raises(ConfigError, match="cannot open company"):
        build(sandbox, company_id="someone-elses").check()
    with pytest.raises(ConfigError, match="no business object XX9"):
        build(sandbox, business_objects={"articles": "XX9"}).check()
    with pytest.raises(ConfigError, match="no field QTY_NOPE"):
        build(sandbox, stock={"reserved_field": "QTY_NOPE"}).check()
    with pytest.raises(ConfigError, match="client id and secret"):
        make_connector("accountview", {"client_id": "x"})


# -- change polling --------------------------------------------------------------------------


def test_a_bulk_import_stamped_in_one_second_is_read_once_without_looping() -> None:
    sandbox = AccountViewSandbox()
    connector = build(sandbox)  # page size 4
    codes = AccountViewHandle(sandbox).seed_products(11)
    bulk = datetime(2026, 3, 1, 12, 0, 0)
    for code in codes[1:10]:  # nine rows share one stamp: more than two pages
        sandbox.article(code)["CNG_DATE"] = bulk
    sandbox.clock.now = bulk
    sandbox.touch_article(codes[10])  # stamped the same second, too
    sandbox.clock.advance(5)
    sandbox.touch_article(codes[0])  # the latest change

    seen: list[str] = []
    cursor = None
    for batch in connector.fetch_products(None):
        seen += [p.erp_id for p in batch.records]
        cursor = batch.cursor or cursor
    assert sorted(seen) == sorted(codes) and len(seen) == len(codes)
    assert seen[-1] == codes[0]
    before = data_reads(sandbox)
    assert [p for b in connector.fetch_products(cursor) for p in b.records] == []
    assert data_reads(sandbox) - before == 1


# -- debtors ---------------------------------------------------------------------------------


def test_new_debtors_are_numbered_from_the_merchants_range() -> None:
    sandbox = AccountViewSandbox()
    sandbox.add_debtor("first@example.com", "First", number="20000")
    connector = build(sandbox, customers={"numbering": "range", "range_from": 20000,
                                          "range_to": 20002})  # fmt: skip
    AccountViewConnector._range_hints.clear()
    assert connector.upsert_customer(customer("a@example.com")) == "20001"
    assert connector.upsert_customer(customer("b@example.com")) == "20002"
    with pytest.raises(ConfigError, match="range 20000–20002 is full"):
        connector.upsert_customer(customer("c@example.com"))
    [row] = sandbox.debtors_with_email("a@example.com")
    assert row["ACCT_NR"] == "1300"  # the collective account


def test_an_update_leaves_blank_fields_and_the_search_code_alone() -> None:
    sandbox = AccountViewSandbox()
    number = sandbox.add_debtor("els@example.com", "Els Bol", SRC_CODE="ELSB", TEL_BUS="040-1")
    connector = build(sandbox)
    connector.upsert_customer(Customer("els@example.com", "Els", "Bol-Jansen"), number)
    row = sandbox.debtor(number)
    assert row["ACCT_NAME"] == "Els Bol-Jansen"
    assert row["SRC_CODE"] == "ELSB" and row["TEL_BUS"] == "040-1"


# -- orders ----------------------------------------------------------------------------------


def test_a_sales_order_carries_vat_codes_ship_method_and_a_delivery_address() -> None:
    sandbox = AccountViewSandbox()
    handle = AccountViewHandle(sandbox)
    connector = build(sandbox)
    debtor = connector.upsert_customer(customer())
    order = handle.make_order("555001", customer())
    shipping = Address(first_name="Piet", last_name="Jansen", street="Damrak 1",
                       postal_code="1012 LG", city="Amsterdam", country_code="NL")  # fmt: skip
    order = type(order)(**{**order.__dict__, "shipping_addresses": (shipping,)})
    todo = OrderInstructions(tax_codes={"": "2"}, delivery_method="DHL",
                             article_numbers={handle._seeded[0]: handle._seeded[1]})  # fmt: skip

    number = connector.create_order(order, debtor, todo)

    [header] = sandbox.orders_with_reference("555001")
    assert header["ORD_NR"] == number and header["SHIP_MTH"] == "DHL"
    [address] = [a for a in sandbox.rows("DEL_ADDR") if a["REC_ID"] == header["DEL_CODE"]]
    assert address["DEL_NAME"] == "Piet Jansen"
    lines = sandbox.order_lines(number)
    assert [ln["VAT_CODE"] for ln in lines] == ["2", "2"]
    assert lines[0]["ART_CODE"] == handle._seeded[1]  # the number the instructions gave
    assert connector.create_order(order, debtor, todo) == number  # a repeat finds it
    assert len(sandbox.rows("DEL_ADDR")) == 1


def test_an_invoice_without_a_vat_code_for_its_rate_is_refused_naming_the_rate() -> None:
    sandbox = AccountViewSandbox()
    handle = AccountViewHandle(sandbox)
    connector = build(sandbox, orders={"order_type": "invoice", "vat_codes": ["9=2"]})
    order = handle.make_order("555002", customer())
    with pytest.raises(FatalSyncError, match="No AccountView VAT code for 21 %"):
        connector.create_order(order, connector.upsert_customer(customer()))
    assert sandbox.rows("DJ_PAGE") == []
    booked = connector.create_order(
        order, connector.upsert_customer(customer()), OrderInstructions(tax_codes={"": "1"})
    )
    assert booked == f"VK/{sandbox.journal_pages('555002')[0]['PAGE_NR']}"
    assert connector.find_order("555002") == booked
    total = sum(ln.price_inc_tax * ln.quantity for ln in order.lines)
    [debit] = [r for r in sandbox.rows("DJ_LINE") if r.get("SUB_NR")]
    assert debit["AMOUNT"] == total == Decimal("36.30")
