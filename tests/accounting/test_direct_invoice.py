"""Orders booked as AFAS direct invoices (FbDirectInvoice), exactly once."""

from __future__ import annotations

from bcapp.extensions import db
from bcapp.mapping.rules import with_section
from bcapp.models import Connection


def invoices_findable(world) -> None:
    """The merchant imported BCApp_SalesInvoices and named it (GetConnectors → Sales invoices)."""
    connection = db.session.execute(db.select(Connection)).scalar_one()
    connectors = dict(connection.settings.get("connectors") or {})
    connectors["sales_invoices"] = {"connector": "BCApp_SalesInvoices"}
    connection.settings = {**connection.settings, "connectors": connectors}
    db.session.commit()


def test_order_becomes_a_direct_invoice_once(world):
    world.product("SKU-1", 20)
    invoices_findable(world)
    world.settings("orders", document_type="direct_invoice", shipping_cost_article="VERZEND")
    world.settings("mappings", shipping={"Flat Rate": "1"}, carrier={"Flat Rate": "POSTNL"})
    order_id = world.order("SKU-1", shipping_cost=5)

    world.export(order_id)

    assert world.erp_orders() == []  # no sales order
    [invoice] = world.afas.tables.invoices.values()
    assert invoice["CustomerReference"] == str(order_id)
    assert [line["ItCd"] for line in invoice["lines"]] == ["SKU-1", "VERZEND"]
    assert "DtId" not in invoice["fields"] and "TrPt" not in invoice["fields"]  # not on invoices
    [binding] = world.bindings("order")
    assert binding.erp_id == invoice["InvoiceNumber"]

    for binding in world.bindings("order"):  # lost between create and bind
        db.session.delete(binding)
    db.session.commit()
    world.set_status(order_id, 11)
    world.export(order_id)
    assert len(world.afas.tables.invoices) == 1  # found again by its reference


def test_direct_invoices_need_a_lookup_connector(world):
    world.product("SKU-1")
    world.settings("orders", document_type="direct_invoice")
    order_id = world.order("SKU-1")

    world.export(order_id)

    assert world.afas.tables.invoices == {}
    [failed] = world.log("order", "failed")
    assert "BCApp_SalesInvoices" in failed.message and "sales invoices" in failed.message


def test_switching_from_orders_to_invoices_books_nothing_twice(world):
    world.product("SKU-1")
    invoices_findable(world)
    order_id = world.order("SKU-1")
    world.export(order_id)
    for binding in world.bindings("order"):
        db.session.delete(binding)
    db.session.commit()
    world.set_status(order_id, 11)

    world.settings("orders", document_type="direct_invoice")
    world.export(order_id)

    assert len(world.erp_orders(order_id)) == 1 and world.afas.tables.invoices == {}


def test_a_document_the_erp_cannot_make_is_an_import_error(shop):
    """Mplus has no financial mutations (its WSDL writes no ledger entries)."""
    shop.product("1001", 12.95, article=1001)
    shop.store.settings = with_section(shop.store.settings, "orders",
                                       {"document_type": "journal_entry"})  # fmt: skip
    db.session.commit()
    order_id = shop.order("1001")
    shop.export(order_id)
    [failed] = shop.log("order", "failed")
    assert "cannot book orders as journal entry" in failed.message
    assert shop.mplus_orders(order_id) == []


def test_a_storefront_of_its_own_books_direct_invoices(world):
    world.product("SKU-1")
    invoices_findable(world)
    world.settings("mappings", document_type={"1": "direct_invoice", "2": "sales_order"})
    order_id = world.order("SKU-1")  # placed on storefront 1

    world.export(order_id)

    assert world.erp_orders() == []
    [invoice] = world.afas.tables.invoices.values()
    assert invoice["CustomerReference"] == str(order_id)


def test_a_b2b_storefront_gets_quotations(world):
    """Seed 002's "Angebot erstellen": orders of the marked storefront become AFAS quotations."""
    world.product("SKU-1")
    connection = db.session.execute(db.select(Connection)).scalar_one()
    connectors = {**(connection.settings.get("connectors") or {}),
                  "sales_quotations": {"connector": "BCApp_SalesQuotations"}}  # fmt: skip
    connection.settings = {**connection.settings, "connectors": connectors}
    db.session.commit()
    world.settings("mappings", document_type={"1": "quotation"})
    order_id = world.order("SKU-1")

    world.export(order_id)
    world.export(order_id)

    assert world.erp_orders() == [] and world.afas.tables.invoices == {}
    [quotation] = world.afas.tables.quotations.values()  # FbSalesQuotation, spec-validated
    assert quotation["CustomerReference"] == str(order_id)
    assert [line["ItCd"] for line in quotation["lines"]] == ["SKU-1"]
    [binding] = world.bindings("order")
    assert binding.erp_id == quotation["QuotationNumber"]
