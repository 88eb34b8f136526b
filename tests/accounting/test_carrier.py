"""Shipping method and carrier reach AFAS: delivery type (DtId) and transporter (TrPt)."""

from __future__ import annotations


def test_delivery_type_and_transporter_reach_the_afas_order(world):
    world.product("SKU-1")
    world.settings("mappings", shipping={"Flat Rate": "1"}, carrier={"Flat Rate": "POSTNL"})
    order_id = world.order("SKU-1")

    world.export(order_id)

    [erp] = world.erp_orders(order_id)
    # (the sandbox accepted the body only after validating it against AFAS's own spec)
    assert (erp["fields"]["DtId"], erp["fields"]["TrPt"]) == (1, "POSTNL")


def test_a_shipping_method_missing_from_the_carrier_table_is_an_import_error(world):
    world.product("SKU-1")
    world.settings("mappings", carrier={"Express": "DHL"})
    order_id = world.order("SKU-1")  # shipped "Flat Rate"

    world.export(order_id)

    assert world.erp_orders(order_id) == []
    [failed] = world.log("order", "failed")
    assert '"Flat Rate"' in failed.message and "carrier mapping" in failed.message
    assert world.bc_order(order_id)["status_id"] == 12  # the merchant's error status


def test_no_carrier_table_sends_no_transporter(world):
    world.product("SKU-1")
    order_id = world.order("SKU-1")
    world.export(order_id)
    [erp] = world.erp_orders(order_id)
    assert "TrPt" not in erp["fields"]
