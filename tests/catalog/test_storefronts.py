"""Multi-storefront: synced products are sold on the chosen storefronts, categories go into
the first one's tree (AFAS sandbox → catalog flow → BigCommerce sandbox)."""

from __future__ import annotations

import pytest

from bcapp.bigcommerce.store import channels
from bcapp.mapping.validation import validate_section
from tests.catalog.conftest import World


def channels_of(world: World, sku: str) -> set[int]:
    product = world.product_by_sku(sku)
    return {c for p, c in world.bc.channel_assignments if p == product["id"]}


def test_default_sells_new_products_on_the_first_storefront(world: World) -> None:
    world.afas.add_article("MUG", "Mug", group="G1")

    run = world.run()

    assert run.status == "succeeded", run.message
    assert channels_of(world, "MUG") == {1}
    again = world.run()
    assert again.status == "succeeded" and again.updated == again.created == 0
    assignments = ("PUT", f"/stores/{world.bc.hash}/v3/catalog/products/channel-assignments")
    assert world.writes().count(assignments) == 1  # the second run had nothing to assign


def test_new_products_go_on_exactly_the_chosen_storefronts_and_categories_in_its_tree(
    world: World,
) -> None:
    outlet = world.bc.add_storefront("Outlet")
    world.settings("catalog", channels=[outlet])
    world.afas.add_article("MUG", "Mug", group="G1")

    run = world.run()

    assert run.status == "succeeded", run.message
    assert channels_of(world, "MUG") == {outlet}  # taken off the first storefront
    outlet_tree = next(t["id"] for t in world.bc.trees.values() if outlet in t["channels"])
    category = world.binding("category", "G1")
    assert category is not None
    assert world.bc.categories[int(category.bc_id)]["tree_id"] == outlet_tree
    assert any("storefront(s) " + str(outlet) in e.message for e in world.entries(run))


def test_adding_a_storefront_puts_every_synced_product_on_it_and_keeps_the_others(
    world: World,
) -> None:
    for sku in ("MUG", "CUP"):
        world.afas.add_article(sku, sku.title())
    assert world.run().status == "succeeded"
    outlet = world.bc.add_storefront("Outlet")
    kiosk = world.bc.add_storefront("Kiosk")
    mug = world.product_by_sku("MUG")
    world.bc.channel_assignments.add((mug["id"], kiosk))  # the merchant's own choice

    world.settings("catalog", channels=[1, outlet])
    run = world.run()

    assert run.status == "succeeded", run.message
    assert channels_of(world, "CUP") == {1, outlet}
    assert channels_of(world, "MUG") == {1, outlet, kiosk}  # never taken off one


def test_a_product_deleted_in_bigcommerce_fails_alone(world: World) -> None:
    for sku in ("MUG", "CUP"):
        world.afas.add_article(sku, sku.title())
    assert world.run().status == "succeeded"
    outlet = world.bc.add_storefront("Outlet")
    gone = world.product_by_sku("MUG")["id"]
    del world.bc.products[gone]

    world.settings("catalog", channels=[outlet])
    run = world.run()

    assert channels_of(world, "CUP") == {1, outlet}  # assigned before: never taken off one
    failed = world.entries(run, outcome="failed")
    assert [e.bc_id for e in failed] == [str(gone)]
    assert "storefront" in failed[0].message


def test_dry_run_says_what_it_would_assign_and_assigns_nothing(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    assert world.run().status == "succeeded"
    outlet = world.bc.add_storefront("Outlet")
    world.settings("catalog", channels=[outlet])

    run = world.run(dry_run=True)

    assert any("Would put 1 product(s) on storefront(s)" in e.message for e in world.entries(run))
    assert channels_of(world, "MUG") == {1}


def test_a_storefront_without_a_category_tree_is_named_in_the_error(world: World) -> None:
    bare = world.bc.add_storefront("No tree", with_tree=False)
    world.settings("catalog", channels=[bare])
    world.afas.add_article("MUG", "Mug", group="G1")

    run = world.run()

    assert run.status == "failed"
    assert f"Storefront {bare} has no category tree" in run.message


def test_storefront_setting_is_validated() -> None:
    values, errors = validate_section("catalog", {"channels": "2, 1, 2"})
    assert values["channels"] == [2, 1] and not errors
    _, errors = validate_section("catalog", {"channels": ""})
    assert "at least one storefront" in errors["channels"]
    _, errors = validate_section("orders", {"channels": "web"})
    assert "whole numbers" in errors["channels"]
    values, errors = validate_section("orders", {"channels": ""})
    assert values["channels"] == [] and not errors


def test_a_storefront_that_does_not_exist_fails_the_run_once_with_its_number(
    world: World,
) -> None:
    world.afas.add_article("MUG", "Mug")
    world.settings("catalog", channels=[1, 7])

    run = world.run()

    assert run.status == "failed"
    assert "Storefront(s) 7 do not exist in BigCommerce" in run.message
    assigns = [c for c in world.writes() if c[1].endswith("/channel-assignments")]
    assert assigns == []  # not one refused request per product


def test_assignments_in_flight_beside_a_refused_one_are_settled_and_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(channels, "ROWS_PER_REQUEST", 2)  # one product per request
    skus = [f"MUG{i}" for i in range(6)]
    for sku in skus:
        world.afas.add_article(sku, sku.title())
    assert world.run().status == "succeeded"
    outlet = world.bc.add_storefront("Outlet")
    world.settings("catalog", channels=[1, outlet])
    gone = world.product_by_sku("MUG3")
    del world.bc.products[gone["id"]]  # its request (of one product) is refused outright

    failed = world.run()

    assert failed.status == "failed"
    assert "not found" in failed.message
    # Every request sent was settled: each product BigCommerce put on the storefronts is
    # recorded (committed), the ones before the refused one certainly; none is left unknown.
    recorded = {s for s in skus if _recorded(world, s) == [1, outlet]}
    others = [s for s in skus if s != "MUG3"]
    assert recorded == {s for s in others if channels_of(world, s) == {1, outlet}}
    assert {"MUG0", "MUG1", "MUG2"} <= recorded and "MUG3" not in recorded
    world.calls.clear()

    world.run()  # the next run sends only what is left (the deleted product is refused again)

    assigns = [c for c in world.writes() if c[1].endswith("/channel-assignments")]
    assert 1 <= len(assigns) <= len(skus) - len(recorded)


def _recorded(world: World, sku: str) -> list[int] | None:
    binding = world.binding("product", sku)
    assert binding is not None
    return (binding.data or {}).get("channels")


def test_products_are_assigned_page_by_page_and_every_one_arrives(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bindings are read a page at a time (memory stays one page); every page's
    products still reach the storefront, and a second run finds nothing left to do."""
    from bcapp.sync import storefronts

    monkeypatch.setattr(storefronts, "PAGE", 2)
    for sku in ("A", "B", "C", "D", "E"):
        world.afas.add_article(sku, f"Article {sku}", group="G1")

    run = world.run()

    assert run.status == "succeeded", run.message
    assert all(channels_of(world, sku) == {1} for sku in ("A", "B", "C", "D", "E"))
    again = world.run()
    assert again.status == "succeeded" and again.updated == again.created == 0
