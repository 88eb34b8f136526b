"""The accountant's features through the MplusKASSA sandbox: what Mplus received."""

from __future__ import annotations

from bcapp.extensions import db
from bcapp.mapping.rules import with_section
from bcapp.mapping.validation import validate_section
from bcapp.models import Binding
from tests.mplus.test_order_flow import Shop

B2B = {"company": "Bakkerij de Vries BV",
       "form_fields": [{"name": "VAT number", "value": "NL 8192.34.567.B01"}]}  # fmt: skip


def save(shop: Shop, section: str, **values: object) -> None:
    current = dict(shop.store.settings.get(section) or {})
    clean, errors = validate_section(section, values, current=current)
    assert errors == {}
    shop.store.settings = with_section(shop.store.settings, section, clean)
    db.session.commit()


def relation(shop: Shop) -> dict:
    [found] = [r for r in shop.state.relations.values() if r.get("email") == "jan@example.com"]
    return found


def test_vat_number_reaches_the_mplus_relation(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    order_id = shop.order("1001", billing=B2B)

    shop.export(order_id)

    assert relation(shop)["vatNumber"] == "NL819234567B01"
    assert len(shop.mplus_orders(order_id)) == 1


def test_malformed_vat_number_is_not_sent_to_mplus(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    bad = {**B2B, "form_fields": [{"name": "VAT number", "value": "NL-ABC"}]}
    shop.export(shop.order("1001", billing=bad))
    assert not relation(shop).get("vatNumber")


def test_reference_template_is_the_mplus_ext_order_id(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    save(shop, "orders", reference_template="BC-{order_id}")
    order_id = shop.order("1001")

    shop.export(order_id)
    shop.export(order_id)

    orders = [o for o in shop.state.orders.values() if o["extOrderId"] == f"BC-{order_id}"]
    assert len(orders) == 1 and len(shop.state.orders) == 1


def test_delivery_method_reaches_mplus_and_carrier_table_is_not_offered(shop: Shop) -> None:
    from bcapp.connectors.base import OrderFeature
    from bcapp.connectors.mplus.connector import MplusConnector

    shop.product("1001", 12.95, article=1001)
    save(shop, "mappings", shipping={"Flat Rate": "POST"})
    order_id = shop.order("1001")
    shop.export(order_id)
    [order] = shop.mplus_orders(order_id)
    assert order["deliveryMethod"] == "POST"
    assert OrderFeature.CARRIER not in MplusConnector.order_features  # no such Mplus field


def test_order_becomes_an_mplus_direct_invoice_once(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    save(shop, "orders", document_type="direct_invoice")
    order_id = shop.order("1001", billing=B2B)

    shop.export(order_id)
    shop.export(order_id)

    assert shop.mplus_orders(order_id) == []
    [invoice] = shop.state.invoices.values()  # saveInvoice, validated against the WSDL
    assert invoice["extInvoiceId"] == str(order_id)
    assert invoice["invoiceType"] == "INVOICE-TYPE-DIRECT-INVOICE"
    assert [line["articleNumber"] for line in invoice["lineList"]["line"]] == [1001]
    assert invoice["relationNumber"] == relation(shop)["relationNumber"]
    assert shop.bindings("order") == {str(order_id): invoice["invoiceId"]}
    assert shop.mplus.invalid_requests == []


def test_an_mplus_invoice_already_there_is_bound_not_booked_again(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    save(shop, "orders", document_type="direct_invoice")
    order_id = shop.order("1001")
    shop.export(order_id)
    db.session.execute(db.delete(Binding).filter_by(entity="order"))
    db.session.commit()
    shop.bc_store.orders[order_id]["status_id"] = 11

    save(shop, "orders", document_type="sales_order")  # switched back meanwhile
    shop.export(order_id)

    assert len(shop.state.invoices) == 1 and shop.mplus_orders(order_id) == []
    assert list(shop.bindings("order")) == [str(order_id)]


def test_order_becomes_an_mplus_proposal_once(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    save(shop, "orders", document_type="quotation")
    order_id = shop.order("1001")

    shop.export(order_id)
    db.session.execute(db.delete(Binding).filter_by(entity="order"))  # lost before the bind
    db.session.commit()
    shop.bc_store.orders[order_id]["status_id"] = 11
    shop.export(order_id)

    assert shop.mplus_orders(order_id) == [] and shop.state.invoices == {}
    [proposal] = shop.state.proposals.values()  # saveProposal, validated against the WSDL
    assert proposal["extProposalId"] == str(order_id)
    assert [line["articleNumber"] for line in proposal["lineList"]["line"]] == [1001]
    assert shop.bindings("order") == {str(order_id): proposal["proposalId"]}
    assert shop.mplus.invalid_requests == []
