"""ERP credit invoices → BigCommerce refunds (quote first), through both sandboxes."""

from __future__ import annotations

from typing import Any

from bcapp.extensions import db
from bcapp.models import Binding, RunStatus
from tests.fulfilment.conftest import exported
from tests.orders.conftest import World


def refunds_of(world: World, order_id: int) -> list[dict[str, Any]]:
    return [r for r in world.bc_store.refunds.values() if r["order_id"] == order_id]


def test_partial_then_full_refund_through_the_provider(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 2), ("MUG", 1), shipping_cost=0)  # 30.00 by card
    first = world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    run = world.run("refunds")
    assert run.status == RunStatus.SUCCEEDED and run.created == 1, run.message
    [refund] = refunds_of(world, order_id)
    assert [(i["item_type"], i["quantity"]) for i in refund["items"]] == [("PRODUCT", 1)]
    assert refund["payments"][0]["provider_id"] == "stripe" and not refund["payments"][0]["offline"]
    assert world.bc_order(order_id)["status_id"] == 14  # Partially Refunded
    [binding] = world.bindings("credit_note")
    assert (binding.bc_id, binding.erp_id) == (f"{order_id}:{refund['id']}", first)

    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00"), ("MUG", 1, "10.00")])
    world.run("refunds")
    assert world.bc_order(order_id)["status_id"] == 4  # Refunded
    assert float(world.bc_order(order_id)["refunded_amount"]) == 30.0
    lines = [p for p in world.bc_store.order_products.values() if p["order_id"] == order_id]
    assert all(p["quantity_refunded"] == p["quantity"] for p in lines)


def test_offline_payment_is_recorded_and_the_merchant_told(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 2), payment_method="Cash on Delivery")
    note = world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    world.run("refunds")
    [refund] = refunds_of(world, order_id)
    assert refund["payments"][0]["offline"] is True
    assert world.bc_order(order_id)["status_id"] == 14
    [entry] = world.log("credit_note", "created")
    assert entry.erp_id == note and "by hand" in entry.message
    assert "Cash on Delivery" in entry.details["manual_action"]


def test_partial_amount_is_an_order_level_refund(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 2))
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "4.00")])  # a goodwill credit
    world.run("refunds")
    [refund] = refunds_of(world, order_id)
    assert [(i["item_type"], i["requested_amount"]) for i in refund["items"]] == [("ORDER", 4.0)]
    assert world.bc_order(order_id)["status_id"] == 14


def test_credit_over_paid_is_skipped_and_the_rest_goes_on(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 1))
    other, _ = exported(world, ("MUG", 1))
    too_much = world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00"), ("FEE", 1, "50")])
    fine = world.afas.add_credit_invoice(str(other), [("MUG", 1, "10.00")])
    run = world.run("refunds")
    assert (run.created, run.skipped) == (1, 1)
    [skipped] = world.log("credit_note", "skipped")
    assert skipped.erp_id == too_much
    assert "exceeds the amount paid" in skipped.message
    assert skipped.request["erp_id"] == too_much
    assert refunds_of(world, order_id) == [] and len(refunds_of(world, other)) == 1
    assert [b.erp_id for b in world.bindings("credit_note")] == [fine]


def test_never_twice_also_after_a_crash_before_the_bind(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 2))
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    world.run("refunds")
    again = world.run("refunds", full=True)
    assert again.unchanged == 1
    db.session.execute(db.delete(Binding).where(Binding.entity == "credit_note"))
    db.session.commit()
    recovered = world.run("refunds", full=True)
    assert recovered.created == 1, recovered.message
    assert len(refunds_of(world, order_id)) == 1
    assert len(world.bindings("credit_note")) == 1


def test_credited_shipping_is_a_shipping_refund(world: World) -> None:
    from bcapp.models import Connection

    connection = db.session.execute(db.select(Connection)).scalar_one()
    connection.settings = {**connection.settings, "orders": {"shipping_item_code": "SHIP"}}
    db.session.commit()
    order_id, _ = exported(world, ("CAP", 1))  # 10.00 + 4.95 shipping
    world.afas.add_article("SHIP", "Shipping")
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00"), ("SHIP", 1, "4.95")])
    run = world.run("refunds")
    assert run.created == 1, run.message
    [refund] = refunds_of(world, order_id)
    assert sorted((i["item_type"], i["requested_amount"]) for i in refund["items"]) == [
        ("PRODUCT", 10.0),
        ("SHIPPING", 4.95),
    ]
    assert world.bc_order(order_id)["status_id"] == 4  # all paid money is back


def test_credit_for_an_order_the_app_never_exported_is_skipped(world: World) -> None:
    order_id = world.order(lines=[{"product_id": world.product("CAP"), "quantity": 1}])
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])  # typed in AFAS by hand
    run = world.run("refunds")
    assert run.skipped == 1 and refunds_of(world, order_id) == []
    assert "not exported by this app" in world.log("credit_note", "skipped")[0].message
