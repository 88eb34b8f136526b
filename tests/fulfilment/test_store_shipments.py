"""Store-led shipments: a BigCommerce shipment becomes an AFAS delivery note with its tracking."""

from __future__ import annotations

from typing import Any

from bcapp.models import RunStatus
from bcapp.sandbox.bigcommerce.shipments import create_shipment
from bcapp.sync.shipments import event_route
from tests.fulfilment.conftest import exported
from tests.orders.conftest import World


def ship_in_store(world: World, order_id: int, sku: str, quantity: int, **extra: Any) -> int:
    """A shipment made in the control panel (or by a shipping app)."""
    line = next(p for p in world.bc_store.order_products.values()
                if p["order_id"] == order_id and p["sku"] == sku)  # fmt: skip
    body = {
        "order_address_id": line["order_address_id"],
        "items": [{"order_product_id": line["id"], "quantity": quantity}],
        **extra,
    }
    with world.bc.lock:
        return create_shipment(world.bc_store, world.bc_order(order_id), body)["id"]


def notes_for(world: World, number: str) -> list[dict[str, Any]]:
    return [s for s in world.afas.tables.packing_slips.values() if s["OrderNumber"] == number]


def test_webhook_shipment_becomes_a_delivery_note(world: World) -> None:
    world.settings("fulfilment", shipment_source="store")
    order_id, number = exported(world, ("CAP", 2))
    shipment_id = ship_in_store(world, order_id, "CAP", 1, tracking_number="1Z42",
                                shipping_provider="ups")  # fmt: skip
    run = world.run("shipment_export", order_id=order_id, shipment_id=shipment_id)
    assert run.status == RunStatus.SUCCEEDED and run.created == 1, run.message
    [note] = notes_for(world, number)
    assert note["TrackTrace"] == "ups 1Z42"
    assert note["CustomerReference"] == f"{order_id}/{shipment_id}"
    assert [(ln["ItemCode"], ln["Quantity"]) for ln in note["lines"]] == [("CAP", 1.0)]
    [binding] = world.bindings("shipment")
    assert binding.bc_id == f"{order_id}:{shipment_id}"
    assert binding.erp_id == note["DeliveryNoteNumber"]

    again = world.run("shipment_export", order_id=order_id, shipment_id=shipment_id)
    assert again.unchanged == 1 and len(notes_for(world, number)) == 1


def test_sweep_sends_what_the_webhook_missed_and_no_echo_to_the_store(world: World) -> None:
    world.settings("fulfilment", shipment_source="store")
    order_id, number = exported(world, ("CAP", 1), ("MUG", 1))
    ship_in_store(world, order_id, "CAP", 1, tracking_number="T1")
    ship_in_store(world, order_id, "MUG", 1, tracking_number="T2")
    run = world.run("shipments")
    assert run.status == RunStatus.SUCCEEDED and run.created == 2, run.message
    assert len(notes_for(world, number)) == 2
    assert world.run("shipments").created == 0
    # switching to ERP-led: the delivery notes we made are bound, never shipped back
    world.settings("fulfilment", shipment_source="erp")
    erp_led = world.run("shipments")
    assert erp_led.created == 0 and erp_led.unchanged == 2
    assert len(world.bc_store.shipments) == 2


def test_webhook_ignored_while_the_erp_leads(world: World) -> None:
    order_id, number = exported(world, ("CAP", 1))
    shipment_id = ship_in_store(world, order_id, "CAP", 1)
    run = world.run("shipment_export", order_id=order_id, shipment_id=shipment_id)
    assert "come from the ERP" in run.message and notes_for(world, number) == []


def test_event_route_names_the_flow_only_while_the_store_leads(world: World) -> None:
    class Event:
        store_id = world.store.id
        payload = {"scope": "store/shipment/created",
                   "data": {"type": "shipment", "id": 7, "orderId": 101}}  # fmt: skip

    assert event_route(Event()) is None  # the ERP leads: the echo of our own shipment
    world.settings("fulfilment", shipment_source="store")
    assert event_route(Event()) == (
        "shipments",
        "shipment_export",
        {"order_id": 101, "shipment_id": 7},
    )


def test_crash_between_delivery_note_and_bind_makes_no_second_note(world: World) -> None:
    from bcapp.extensions import db
    from bcapp.models import Binding

    world.settings("fulfilment", shipment_source="store")
    order_id, number = exported(world, ("CAP", 2))
    shipment_id = ship_in_store(world, order_id, "CAP", 1, tracking_number="T1")
    world.run("shipment_export", order_id=order_id, shipment_id=shipment_id)
    db.session.execute(db.delete(Binding).where(Binding.entity == "shipment"))  # lost the bind
    db.session.commit()
    world.run("shipment_export", order_id=order_id, shipment_id=shipment_id)
    [note] = notes_for(world, number)
    assert note["CustomerReference"] == f"{order_id}/{shipment_id}"
    assert len(world.bindings("shipment")) == 1
    # and with the binding lost again, the ERP-led flow still recognises the note as the store's
    db.session.execute(db.delete(Binding).where(Binding.entity == "shipment"))
    db.session.commit()
    world.settings("fulfilment", shipment_source="erp")
    assert world.run("shipments").created == 0
    assert len(world.bc_store.shipments) == 1
