"""An order shipped to two addresses: every line keeps its destination in the ERP (issue 22.7).

AFAS and Mplus both take one delivery address per document (FbSales ``DlAd``/``ExAd``;
Mplus ``Order.deliveryAddress``, no address on a line), so the order becomes one document
per address: its lines, its shipping cost as BigCommerce charged it for that address, the
first under the order's reference and the next under ``-2``. What is checked is what the
sandboxes received (AFAS bodies validated against AFAS's OpenAPI, Mplus against the WSDL).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bcapp.extensions import db
from bcapp.models import Binding, Connection
from tests.mplus.test_order_flow import Shop

HOME = {"first_name": "Jan", "last_name": "de Vries", "street_1": "Keizersgracht 12",
        "city": "Amsterdam", "zip": "1015 CX", "country": "Netherlands", "country_iso2": "NL",
        "email": "jan@example.com", "shipping_method": "Flat Rate",
        "shipping_cost": 4.95}  # fmt: skip
OFFICE = {"first_name": "Jan", "last_name": "de Vries", "company": "De Vries BV",
          "street_1": "Stationsplein 7", "city": "Utrecht", "zip": "3511 ED",
          "country": "Netherlands", "country_iso2": "NL", "email": "jan@example.com",
          "shipping_method": "Express", "shipping_cost": 6.5}  # fmt: skip


def two_address_order(world: Any, **spec: Any) -> int:
    """Two of SKU-1 home, one SKU-2 to the office; 21% VAT; shipping 4.95 + 6.50 (ex)."""
    lines = [{"product_id": world.skus["SKU-1"], "quantity": 2, "address": 0},
             {"product_id": world.skus["SKU-2"], "quantity": 1, "address": 1}]  # fmt: skip
    return world.order(lines=lines, shipping_addresses=[HOME, OFFICE], tax_rate=0.21, **spec)


def with_delivery_addresses(world: Any) -> None:
    """The merchant imported the BCApp_DeliveryAddresses GetConnector (named in the settings)."""
    connection = db.session.execute(db.select(Connection)).scalar_one()
    connectors = {"delivery_addresses": {"connector": "BCApp_DeliveryAddresses"}}
    connection.settings = {**connection.settings, "connectors": connectors}
    db.session.commit()


def afas_documents(world: Any, order_id: int) -> dict[str, dict[str, Any]]:
    return {o["CustomerReference"]: o for o in world.afas.tables.orders.values()
            if o["CustomerReference"].split("-")[0] == str(order_id)}  # fmt: skip


def lines_of(document: dict[str, Any]) -> list[tuple[str, float, Decimal]]:
    return [(ln["ItCd"], ln["QuUn"], Decimal(str(ln["Upri"]))) for ln in document["lines"]]


def test_sandbox_order_charges_shipping_per_address(world):
    world.product("SKU-1", 20)
    world.product("SKU-2", 30)
    order_id = two_address_order(world)

    order = world.bc_order(order_id)
    rows = [a for a in world.bc_store.order_addresses.values() if a["order_id"] == order_id]
    assert [(a["shipping_method"], a["cost_ex_tax"], a["cost_inc_tax"]) for a in rows] == [
        ("Flat Rate", "4.9500", "5.9895"), ("Express", "6.5000", "7.8650")]  # fmt: skip
    assert order["shipping_cost_ex_tax"] == "11.4500"  # the order's shipping is their sum
    lines = [p for p in world.bc_store.order_products.values() if p["order_id"] == order_id]
    assert [p["order_address_id"] for p in lines] == [rows[0]["id"], rows[1]["id"]]


def test_afas_gets_one_sales_order_per_address_once(world):
    world.product("SKU-1", 20)
    world.product("SKU-2", 30)
    world.afas.add_article("VERZEND", "Verzendkosten")
    world.settings("orders", shipping_cost_article="VERZEND")
    with_delivery_addresses(world)
    order_id = two_address_order(world)

    world.export(order_id)
    world.export(order_id)  # a repeat
    world.run("orders")  # and the reconciliation

    docs = afas_documents(world, order_id)
    assert sorted(docs) == [str(order_id), f"{order_id}-2"]
    home, office = docs[str(order_id)], docs[f"{order_id}-2"]
    assert lines_of(home) == [("SKU-1", 2.0, Decimal("24.2")), ("VERZEND", 1.0, Decimal("5.9895"))]
    assert lines_of(office) == [("SKU-2", 1.0, Decimal("36.3")), ("VERZEND", 1.0, Decimal("7.865"))]
    assert home["fields"]["ExAd"].endswith("Keizersgracht 12, 1015 CX Amsterdam, NL")
    assert office["fields"]["ExAd"].startswith("De Vries BV, Jan de Vries, Stationsplein 7")
    # The office became a linked delivery address of the relation (the order added it) and
    # its document points at it (DlAd; the sandbox refuses one that is not the debtor's).
    # Home is the relation's own address: no linked address, no DlAd.
    [relation] = world.afas.debtors_with_email("jan@example.com")
    linked = {a["Rs"]: a["AddressId"] for a in relation["DeliveryAddresses"]}
    assert list(linked) == ["Utrecht"]
    assert office["fields"]["DlAd"] == linked["Utrecht"]
    assert "DlAd" not in home["fields"]
    assert home["DebtorId"] == office["DebtorId"] == relation["DebtorId"]

    [binding] = world.bindings("order")
    assert binding.erp_id == home["OrderNumber"]
    documents = {str(order_id): home["OrderNumber"], f"{order_id}-2": office["OrderNumber"]}
    assert binding.data["documents"] == documents
    [created] = world.log("order", "created")  # the lineage page lists this entry
    assert "2 ERP orders, one per shipping address" in created.message
    assert office["OrderNumber"] in created.message and created.details["total"]["ok"] is True


def test_a_crash_between_the_documents_creates_only_the_missing_one(world):
    world.product("SKU-1", 20)
    world.product("SKU-2", 30)
    order_id = two_address_order(world)
    world.export(order_id)
    docs = afas_documents(world, order_id)
    first = docs[str(order_id)]["OrderNumber"]
    # The worker died after AFAS took the first document: no second one, no binding.
    del world.afas.tables.orders[docs[f"{order_id}-2"]["OrderNumber"]]
    db.session.execute(db.delete(Binding).filter_by(entity="order"))
    db.session.commit()
    world.set_status(order_id, 11)

    world.export(order_id)

    again = afas_documents(world, order_id)
    assert sorted(again) == [str(order_id), f"{order_id}-2"]
    assert again[str(order_id)]["OrderNumber"] == first  # not booked a second time
    assert [ln["ItCd"] for ln in again[f"{order_id}-2"]["lines"]] == ["SKU-2"]
    [binding] = world.bindings("order")
    assert binding.erp_id == first and len(binding.data["documents"]) == 2


def test_a_one_address_order_is_one_document_as_before(world):
    world.product("SKU-1", 20)
    with_delivery_addresses(world)
    order_id = world.order("SKU-1")

    world.export(order_id)

    [erp] = world.erp_orders(order_id)
    assert "DlAd" not in erp["fields"]  # shipped to the relation's own address
    [binding] = world.bindings("order")
    assert "documents" not in binding.data
    [created] = world.log("order", "created")
    assert created.message.startswith(f"Exported as ERP order {binding.erp_id}.")


def test_mplus_gets_one_order_per_address_once(shop: Shop) -> None:
    shop.product("1001", 20, article=1001)
    shop.product("1002", 30, article=1002)
    lines = [{"product_id": shop.products["1001"], "quantity": 2, "address": 0},
             {"product_id": shop.products["1002"], "quantity": 1, "address": 1}]  # fmt: skip
    body = {"lines": lines, "shipping_addresses": [HOME, OFFICE], "tax_rate": 0.21}
    from bcapp.sandbox.bigcommerce.checkout import create_order
    from tests.mplus.test_order_flow import BILLING

    with shop.bc.lock:
        order_id = create_order(shop.bc_store, {**body, "billing_address": BILLING})["id"]

    shop.export(order_id)
    shop.export(order_id)

    orders = {o["extOrderId"]: o for o in shop.state.orders.values()}
    assert sorted(orders) == [str(order_id), f"{order_id}-2"]
    home, office = orders[str(order_id)], orders[f"{order_id}-2"]
    assert [ln["articleNumber"] for ln in home["lineList"]["line"]] == [1001]
    assert [ln["articleNumber"] for ln in office["lineList"]["line"]] == [1002]
    assert home["deliveryAddress"]["city"] == "Amsterdam"
    assert office["deliveryAddress"]["city"] == "Utrecht"
    assert office["deliveryMethod"] == "Express"
    # Each Mplus order carries its own share; together they are what the customer paid.
    paid = round(Decimal(shop.bc_store.orders[order_id]["total_inc_tax"]) * 100)
    assert home["totalInclAmount"] + office["totalInclAmount"] == paid
    payments = [p["amount"] for o in (home, office) for p in o["paymentList"]["payment"]]
    assert sum(payments) == paid
    assert shop.bindings("order") == {str(order_id): home["orderId"]}
    assert shop.mplus.invalid_requests == []


def test_mplus_after_a_crash_between_the_orders_books_only_the_missing_one(shop: Shop) -> None:
    from bcapp.sandbox.bigcommerce.checkout import create_order
    from tests.mplus.test_order_flow import BILLING

    shop.product("1001", 20, article=1001)
    shop.product("1002", 30, article=1002)
    lines = [{"product_id": shop.products["1001"], "quantity": 1, "address": 0},
             {"product_id": shop.products["1002"], "quantity": 1, "address": 1}]  # fmt: skip
    spec = {"lines": lines, "shipping_addresses": [HOME, OFFICE], "billing_address": BILLING}
    with shop.bc.lock:
        order_id = create_order(shop.bc_store, spec)["id"]
    shop.export(order_id)
    first = next(o["orderId"] for o in shop.state.orders.values()
                 if o["extOrderId"] == str(order_id))  # fmt: skip
    # The worker died after Mplus took the first order: no second one, no binding.
    shop.state.orders = {k: o for k, o in shop.state.orders.items()
                         if o["extOrderId"] != f"{order_id}-2"}  # fmt: skip
    db.session.execute(db.delete(Binding).filter_by(entity="order"))
    db.session.commit()
    with shop.bc.lock:
        shop.bc_store.orders[order_id]["status_id"] = 11

    shop.export(order_id)

    refs = sorted(o["extOrderId"] for o in shop.state.orders.values())
    assert refs == [str(order_id), f"{order_id}-2"]
    assert shop.bindings("order") == {str(order_id): first}
    assert shop.mplus.invalid_requests == []


def test_a_packing_slip_of_the_second_document_ships_to_its_address(world):
    world.product("SKU-1", 20)
    world.product("SKU-2", 30)
    order_id = two_address_order(world)
    world.export(order_id)
    office = afas_documents(world, order_id)[f"{order_id}-2"]

    world.afas.add_packing_slip(office["OrderNumber"], [("SKU-2", 1)], tracking="3SOFFICE")
    world.run("shipments")

    [shipment] = [s for s in world.bc_store.shipments.values() if s["order_id"] == order_id]
    rows = [a for a in world.bc_store.order_addresses.values() if a["order_id"] == order_id]
    assert shipment["order_address_id"] == rows[1]["id"]  # the office
    assert shipment["tracking_number"] == "3SOFFICE"
    assert [i["product_id"] for i in shipment["items"]] == [world.skus["SKU-2"]]
    assert world.bc_order(order_id)["status_id"] == 3  # Partially Shipped: home still open


def test_the_lineage_page_lists_every_document(world, client):
    from bcapp.models import StoreUser
    from tests.web.conftest import Session, open_app

    db.session.add(StoreUser(store_id=world.store.id, bc_user_id=1, is_owner=True,
                             email="o@x.test"))  # fmt: skip
    db.session.commit()
    world.product("SKU-1", 20)
    world.product("SKU-2", 30)
    order_id = two_address_order(world)
    world.export(order_id)
    docs = afas_documents(world, order_id)

    session = Session(client, open_app(client, world.store.store_hash))
    page = session.get(f"/app/lineage/order/{order_id}").text

    assert docs[str(order_id)]["OrderNumber"] in page
    assert docs[f"{order_id}-2"]["OrderNumber"] in page and f"{order_id}-2" in page


def test_every_line_to_the_second_address_is_one_document_to_that_address(world):
    world.product("SKU-1", 20)
    lines = [{"product_id": world.skus["SKU-1"], "quantity": 1, "address": 1}]
    order_id = world.order(lines=lines, shipping_addresses=[HOME, OFFICE])

    world.export(order_id)

    [erp] = world.erp_orders(order_id)  # under the order's own reference
    assert "Stationsplein 7" in erp["fields"]["ExAd"]
    [binding] = world.bindings("order")
    assert "documents" not in binding.data


def test_a_journal_entry_books_an_order_to_two_addresses_once_as_a_whole(world):
    """A ledger books revenue, not parcels: one FiEntries for the whole order, no ``-2``."""
    from tests.accounting.test_journal_entry import journal_store, lines_of, posted

    world.product("SKU-1", 20)
    world.product("SKU-2", 30)
    journal_store(world, shipping_account="8400")
    order_id = two_address_order(world)

    world.export(order_id)
    world.export(order_id)  # a repeat finds the entry

    [body] = posted(world)
    debtor, *rest = lines_of(body)
    assert debtor["InId"] == str(order_id)
    # everything the customer paid (both addresses' lines and shipping) is on the one entry
    order = world.bc_order(order_id)
    assert Decimal(str(debtor["AmDe"])) == Decimal(order["total_inc_tax"]).quantize(Decimal("0.01"))
    shipping = [ln for ln in rest if ln["AcNr"] == "8400"]
    assert sum(Decimal(str(ln["AmCr"])) for ln in shipping) == Decimal("11.45")
    [binding] = world.bindings("order")
    assert "documents" not in (binding.data or {})
    assert afas_documents(world, order_id) == {}  # no sales documents at all
