"""Cost carrier per storefront: AFAS's second cost-allocation axis, beside the cost centre
(issue 22 point 3). Every body below was validated against AFAS's spec by the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.connectors.afas.settings import AfasSettings
from bcapp.errors import ConfigError
from bcapp.extensions import db
from bcapp.models import Connection
from tests.accounting.test_direct_invoice import invoices_findable
from tests.accounting.test_journal_entry import journal_store, posted
from tests.accounting.test_pickers import afas_orders

BOTH = {"cost_centre": {"1": "WEB", "*": "OUT"}, "cost_carrier": {"1": "KLEDING", "*": "SCHOENEN"}}


def test_a_storefront_gets_its_cost_centre_and_carrier_on_every_afas_line(world):
    world.product("SKU-1")
    world.settings("orders", shipping_cost_article="VERZEND")
    world.settings("mappings", **BOTH)
    order_id = world.order("SKU-1", shipping_cost=4)

    world.export(order_id)

    [erp] = world.erp_orders(order_id)  # FbSalesLines: V1Cd..V5Cd per line
    assert [(ln["ItCd"], ln["V1Cd"], ln["V2Cd"]) for ln in erp["lines"]] == [
        ("SKU-1", "WEB", "KLEDING"), ("VERZEND", "WEB", "KLEDING")]  # fmt: skip


def test_the_default_cost_carrier_covers_other_storefronts(world):
    world.product("SKU-1")
    world.settings("mappings", cost_carrier={"2": "KLEDING", "*": "SCHOENEN"})
    world.export(order_id := world.order("SKU-1"))
    [erp] = world.erp_orders(order_id)
    assert [(ln.get("V1Cd"), ln["V2Cd"]) for ln in erp["lines"]] == [(None, "SCHOENEN")]


def test_a_storefront_without_cost_carrier_is_an_import_error(world):
    world.product("SKU-1")
    world.settings("mappings", cost_centre={"*": "WEB"}, cost_carrier={"2": "KLEDING"})
    world.export(order_id := world.order("SKU-1"))
    assert world.erp_orders(order_id) == []
    [failed] = world.log("order", "failed")
    assert 'Storefront "1"' in failed.message and "cost carrier mapping" in failed.message


def test_the_carrier_follows_its_axis_in_the_afas_settings(world):
    world.product("SKU-1")
    afas_orders(cost_centre_axis=2, cost_carrier_axis=1)
    world.settings("mappings", cost_centre={"*": "KLEDING"}, cost_carrier={"*": "WEB"})
    world.export(order_id := world.order("SKU-1"))
    [erp] = world.erp_orders(order_id)
    assert [(ln["V1Cd"], ln["V2Cd"]) for ln in erp["lines"]] == [("WEB", "KLEDING")]


def test_direct_invoices_and_quotations_carry_both_axes(world):
    world.product("SKU-1")
    invoices_findable(world)
    connection = db.session.execute(db.select(Connection)).scalar_one()
    connectors = {**connection.settings["connectors"],
                  "sales_quotations": {"connector": "BCApp_SalesQuotations"}}  # fmt: skip
    connection.settings = {**connection.settings, "connectors": connectors}
    db.session.commit()
    world.settings("orders", document_type="direct_invoice")
    world.settings("mappings", document_type={"2": "quotation"}, **BOTH)

    world.export(world.order("SKU-1"))
    world.export(world.order("SKU-1", channel_id=2))

    [invoice] = world.afas.tables.invoices.values()  # FbDirectInvoiceLines
    [quotation] = world.afas.tables.quotations.values()  # FbSalesQuotationLines
    assert [(ln["V1Cd"], ln["V2Cd"]) for ln in invoice["lines"]] == [("WEB", "KLEDING")]
    assert [(ln["V1Cd"], ln["V2Cd"]) for ln in quotation["lines"]] == [("OUT", "SCHOENEN")]


def test_a_journal_entry_allocates_both_axes_in_one_element(world):
    world.product("SKU-1", 100)
    journal_store(world, shipping_account="8400")
    world.settings("mappings", **BOTH)
    world.export(world.order("SKU-1", tax_rate=0.21, shipping_cost=10))

    [body] = posted(world)
    elements = body["FiEntryPar"]["Element"]["Objects"][0]["FiEntries"]["Element"]
    by_account = {e["Fields"]["AcNr"]: e for e in elements}
    revenue, shipping = by_account["8000"], by_account["8400"]
    [allocation] = revenue["Objects"][0]["FiDimEntries"]["Element"]
    assert allocation["Fields"] == {"DiC1": "WEB", "DiC2": "KLEDING", "AmDe": 0.0, "AmCr": 100.0}
    [allocation] = shipping["Objects"][0]["FiDimEntries"]["Element"]
    assert (allocation["Fields"]["DiC1"], allocation["Fields"]["DiC2"]) == ("WEB", "KLEDING")
    assert "Objects" not in by_account["1500"]  # VAT is not allocated


def settings(**orders: Any) -> dict[str, Any]:
    return {"environment": "12345", "token": "t", "orders": orders}


def test_the_cost_carrier_cannot_share_the_cost_centres_axis():
    assert AfasSettings.parse(settings()).orders["cost_carrier_axis"] == 2
    with pytest.raises(ConfigError, match="both on cost-allocation axis 1"):
        AfasSettings.parse(settings(cost_carrier_axis=1))
    with pytest.raises(ConfigError, match="Choose another axis for the cost carrier"):
        AfasSettings.parse(settings(cost_centre_axis=3, cost_carrier_axis=3))
    # settings saved before the cost carrier existed, with the cost centre on axis 2
    assert AfasSettings.parse(settings(cost_centre_axis=2)).orders["cost_centre_axis"] == 2


def test_an_order_needing_both_codes_on_one_axis_is_an_import_error(world):
    """Stored settings from before the cost carrier (cost centre on axis 2) keep working,
    but an order that would need two codes on that axis is refused, not half-written."""
    world.product("SKU-1")
    afas_orders(cost_centre_axis=2)
    world.settings("mappings", cost_centre={"*": "KLEDING"}, cost_carrier={"*": "SCHOENEN"})
    world.export(order_id := world.order("SKU-1"))
    assert world.erp_orders(order_id) == []
    [failed] = world.log("order", "failed")
    assert "both on cost-allocation axis 2" in failed.message
