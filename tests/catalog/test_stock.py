"""Stock: the merchant's formula per SKU, shown in the log, sent as absolute adjustments."""

from __future__ import annotations

from bcapp.sandbox.bigcommerce import stock
from tests.catalog.conftest import World


def level(world: World, sku: str) -> int:
    variant = next(v for v in world.bc.variants.values() if v["sku"] == sku)
    return stock.variant_level(world.bc, variant)


def test_formula_with_reserved_chosen_warehouses_and_buffer(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.afas.set_stock("MUG", "HQ", 10, 3)
    world.afas.set_stock("MUG", "SHOP", 5, 1)
    world.afas.set_stock("MUG", "RETURNS", 4, 0)
    world.settings("stock", calculation="on_hand_minus_reserved", warehouses=["HQ", "SHOP"],
                   buffer=2)  # fmt: skip

    run = world.run()

    assert level(world, "MUG") == 9  # (10 - 3) + (5 - 1) - 2
    entry = next(e for e in world.entries(run) if e.entity == "stock")
    assert entry.outcome == "updated" and entry.erp_id == "MUG"
    assert entry.details["formula"] == "on hand 15 (HQ 10 + SHOP 5) − reserved 4 − buffer 2 = 9"
    assert entry.details["ignored_warehouses"] == ["RETURNS"]
    assert "= 9" in entry.message


def test_variant_stock_and_never_below_zero(world: World) -> None:
    world.afas.add_article("SHIRT", "Shirt", dimensions=[("S", ""), ("M", "")])
    world.afas.set_stock("SHIRT", "HQ", 6, 0, dim1="M")
    world.afas.set_stock("SHIRT", "HQ", 1, 3, dim1="S")
    world.settings("stock", calculation="on_hand_minus_reserved")

    run = world.run()

    assert (level(world, "SHIRT-M"), level(world, "SHIRT-S")) == (6, 0)
    entry = next(e for e in world.entries(run) if e.erp_id == "SHIRT-S")
    assert entry.details["formula"].endswith("= 0 (never below 0)")
    adjustments = [c for c in world.writes() if "inventory" in c[1]]
    assert len(adjustments) == 1  # both SKUs in one absolute adjustment


def test_stock_flow_alone_and_unchanged_levels_cost_nothing(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.afas.set_stock("MUG", "HQ", 4)
    world.run()
    world.afas.set_stock("MUG", "HQ", 8)
    world.calls.clear()

    run = world.run("stock")

    assert run.status == "succeeded", run.message
    assert level(world, "MUG") == 8
    assert world.writes() == [("PUT", f"/stores/{world.bc.hash}/v3/inventory/adjustments/absolute")]
    world.calls.clear()
    again = world.run("stock")
    assert world.writes() == [] and again.unchanged == 1


def test_sku_not_in_bigcommerce_is_skipped_with_reason(world: World) -> None:
    world.afas.set_stock("GHOST", "HQ", 3)
    run = world.run("stock")
    entry = next(e for e in world.entries(run) if e.entity == "stock")
    assert entry.outcome == "skipped" and "not in BigCommerce" in entry.message


def test_manage_stock_off_means_no_tracking_and_no_adjustments(world: World) -> None:
    world.settings("stock", manage_stock=False)
    world.afas.add_article("MUG", "Mug")
    world.afas.set_stock("MUG", "HQ", 4)
    world.run()
    product = next(iter(world.bc.products.values()))
    assert product["inventory_tracking"] == "none"
    assert not [c for c in world.writes() if "inventory" in c[1]]
    assert world.run("stock").message.startswith("Stock is not managed")


def test_one_refused_sku_does_not_stop_the_others(world: World) -> None:
    for code in ("A", "B", "C", "D", "E"):
        world.afas.add_article(code, f"Article {code}")
        world.afas.set_stock(code, "HQ", 1)
    world.run()
    from bcapp.sandbox.bigcommerce.catalog import delete_product

    gone = next(p for p in world.bc.products.values() if p["sku"] == "C")
    delete_product(world.bc, gone["id"])  # removed behind our back: BigCommerce refuses the SKU
    for code in ("A", "B", "C", "D", "E"):
        world.afas.set_stock(code, "HQ", 7)

    run = world.run("stock")

    assert (run.updated, run.failed) == (4, 1)
    assert [level(world, c) for c in ("A", "B", "D", "E")] == [7, 7, 7, 7]
    failed = next(e for e in world.entries(run) if e.outcome == "failed")
    assert failed.erp_id == "C" and "not found" in failed.message
