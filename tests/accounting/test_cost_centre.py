"""Cost centre per storefront on the AFAS lines (a cost-allocation axis code)."""

from __future__ import annotations


def test_storefront_cost_centre_on_every_afas_line(world):
    world.product("SKU-1")
    world.settings("orders", shipping_cost_article="VERZEND")
    world.settings("mappings", cost_centre={"1": "WEB", "*": "OTHER"})
    order_id = world.order("SKU-1", shipping_cost=4)

    world.export(order_id)

    [erp] = world.erp_orders(order_id)  # validated against AFAS's spec by the sandbox
    assert [(ln["ItCd"], ln["V1Cd"]) for ln in erp["lines"]] == [("SKU-1", "WEB"),
                                                                 ("VERZEND", "WEB")]  # fmt: skip


def test_the_default_cost_centre_covers_other_storefronts(world):
    world.product("SKU-1")
    world.settings("mappings", cost_centre={"2": "B2B", "*": "OTHER"})
    world.export(order_id := world.order("SKU-1"))
    [erp] = world.erp_orders(order_id)
    assert [ln["V1Cd"] for ln in erp["lines"]] == ["OTHER"]


def test_a_storefront_without_cost_centre_is_an_import_error(world):
    world.product("SKU-1")
    world.settings("mappings", cost_centre={"2": "B2B"})
    world.export(order_id := world.order("SKU-1"))
    assert world.erp_orders(order_id) == []
    [failed] = world.log("order", "failed")
    assert 'Storefront "1"' in failed.message and "cost centre mapping" in failed.message
