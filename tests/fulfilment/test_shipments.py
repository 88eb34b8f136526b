"""ERP delivery notes → BigCommerce shipments (and back when the store leads)."""

from __future__ import annotations

from typing import Any

from bcapp.models import RunStatus
from tests.fulfilment.conftest import exported
from tests.orders.conftest import World


def shipments_of(world: World, order_id: int) -> list[dict[str, Any]]:
    return [s for s in world.bc_store.shipments.values() if s["order_id"] == order_id]


def line_id(world: World, order_id: int, sku: str) -> int:
    return next(p["id"] for p in world.bc_store.order_products.values()
                if p["order_id"] == order_id and p["sku"] == sku)  # fmt: skip


def test_partial_then_full_shipment_with_tracking(world: World) -> None:
    order_id, number = exported(world, ("CAP", 2), ("MUG", 1))
    first = world.afas.add_packing_slip(number, [("CAP", 1)], tracking="3SABC123", carrier="PostNL")
    run = world.run("shipments")
    assert run.status == RunStatus.SUCCEEDED, run.message
    [shipment] = shipments_of(world, order_id)
    assert shipment["tracking_number"] == "3SABC123"
    assert shipment["tracking_carrier"] == "postnl"
    assert shipment["items"] == [{"order_product_id": line_id(world, order_id, "CAP"),
                                  "product_id": world.skus["CAP"], "quantity": 1}]  # fmt: skip
    assert world.bc_order(order_id)["status_id"] == 3  # Partially Shipped
    [binding] = world.bindings("shipment")
    assert (binding.bc_id, binding.erp_id) == (f"{order_id}:{shipment['id']}", first)

    world.afas.add_packing_slip(number, [("CAP", 1), ("MUG", 1)], tracking="1Z999", carrier="UPS")
    world.run("shipments")
    second = shipments_of(world, order_id)[1]
    assert second["shipping_provider"] == "ups" and second["tracking_number"] == "1Z999"
    assert world.bc_order(order_id)["status_id"] == 2  # Shipped
    assert len(world.bindings("shipment")) == 2


def test_same_note_again_and_slip_not_ready(world: World) -> None:
    order_id, number = exported(world, ("CAP", 2))
    slip = world.afas.add_packing_slip(number, [("CAP", 1)], ready=False)
    world.run("shipments")
    assert shipments_of(world, order_id) == []
    world.afas.report_ready(slip)
    world.run("shipments")
    world.afas.report_ready(slip)  # modified again in AFAS: comes once more
    run = world.run("shipments", full=True)
    assert len(shipments_of(world, order_id)) == 1
    assert run.unchanged == 1 and run.created == 0


def test_bad_lines_are_skipped_with_bigcommerce_words(world: World) -> None:
    _, number = exported(world, ("CAP", 1), ("MUG", 1))
    world.product("HAT")
    too_many = world.afas.add_packing_slip(number, [("CAP", 3)])
    gone = world.afas.add_packing_slip(number, [("HAT", 1)])
    good = world.afas.add_packing_slip(number, [("MUG", 1)])
    run = world.run("shipments")
    assert (run.created, run.skipped) == (1, 2)
    skipped = {e.erp_id: e for e in world.log("shipment", "skipped")}
    assert "greater than the quantity left to ship (1)" in skipped[too_many].message
    assert "no line for SKU HAT" in skipped[gone].message
    assert skipped[too_many].request["erp_id"] == too_many  # kept for Replay
    assert [b.erp_id for b in world.bindings("shipment")] == [good]


def test_crash_after_create_binds_the_existing_shipment(world: World) -> None:
    from bcapp.extensions import db
    from bcapp.models import Binding

    order_id, number = exported(world, ("CAP", 2))
    world.afas.add_packing_slip(number, [("CAP", 1)])
    world.run("shipments")
    db.session.execute(db.delete(Binding).where(Binding.entity == "shipment"))  # lost the bind
    db.session.commit()
    world.run("shipments", full=True)
    assert len(shipments_of(world, order_id)) == 1
    assert len(world.bindings("shipment")) == 1


def test_retry_from_the_log_after_the_merchant_fixes_the_order(world: World) -> None:
    from bcapp.sync.runner import retry

    order_id, number = exported(world, ("CAP", 1))
    slip = world.afas.add_packing_slip(number, [("CAP", 2)])
    world.run("shipments")
    assert world.log("shipment", "skipped")
    world.afas.tables.packing_slips[slip]["lines"][0]["Quantity"] = 1.0  # ERP corrected
    run = retry(world.store.id, "shipment", erp_id=slip)
    assert run.status == RunStatus.SUCCEEDED and run.created == 1, run.message
    assert len(shipments_of(world, order_id)) == 1


def test_note_for_two_addresses_makes_one_shipment_per_address(world: World) -> None:
    from tests.orders.conftest import BILLING

    world.product("CAP")
    world.product("MUG")
    office = {**BILLING, "street_1": "Damrak 1", "first_name": "Office"}
    order_id = world.order(lines=[{"product_id": world.skus["CAP"], "quantity": 1},
                                  {"product_id": world.skus["MUG"], "quantity": 1, "address": 1}],
                           shipping_addresses=[BILLING, office])  # fmt: skip
    world.export(order_id)
    [erp] = world.erp_orders(order_id)
    world.afas.add_packing_slip(erp["OrderNumber"], [("CAP", 1), ("MUG", 1)], tracking="T9")
    run = world.run("shipments")
    assert run.created == 1, run.message
    made = shipments_of(world, order_id)
    assert len(made) == 2 and {s["order_address_id"] for s in made} == {
        p["order_address_id"] for p in world.bc_store.order_products.values()
        if p["order_id"] == order_id}  # fmt: skip
    assert world.bc_order(order_id)["status_id"] == 2
    [binding] = world.bindings("shipment")
    assert sorted(binding.data["shipment_ids"]) == sorted(s["id"] for s in made)
