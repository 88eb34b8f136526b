"""store/shipment/created → intake → event job → ERP delivery note, with the sandbox's deliveries.

The watchdog registers ``store/shipment/created`` and ``bcapp.jobs.events`` routes it
to ``shipments.event_route``: the path is proven against BigCommerce's payload.
"""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.jobs import events
from bcapp.sync import shipments
from bcapp.sync import webhooks as watchdog
from tests.fulfilment.conftest import exported
from tests.fulfilment.test_store_shipments import notes_for, ship_in_store
from tests.orders.conftest import World, deliver, drain

SCOPE = "store/shipment/created"


@pytest.fixture
def wired(world: World) -> World:
    assert SCOPE in watchdog.SCOPES and events.route(SCOPE) is shipments.event_route
    world.run("webhooks")
    return world


def test_store_shipment_webhook_makes_one_delivery_note(wired: World) -> None:
    w = wired
    w.settings("fulfilment", shipment_source="store")
    order_id, number = exported(w, ("CAP", 2))
    ship_in_store(w, order_id, "CAP", 2, tracking_number="JVGL123")
    deliver(w)
    drain(w)
    [note] = notes_for(w, number)
    assert "JVGL123" in note["TrackTrace"]
    statuses: dict[str, Any] = {e.scope: e.status for e in w.events()}
    assert statuses[SCOPE] == "processed"
    deliver(w)  # redeliveries and echoes change nothing
    drain(w)
    assert len(notes_for(w, number)) == 1


def test_erp_led_shipment_webhook_is_ignored(wired: World) -> None:
    w = wired
    _, number = exported(w, ("CAP", 1))
    w.afas.add_packing_slip(number, [("CAP", 1)], tracking="3S1")
    w.run("shipments")  # our own BigCommerce shipment fires store/shipment/created
    deliver(w)
    drain(w)
    assert [e.status for e in w.events() if e.scope == SCOPE] == ["ignored"]
    assert len(notes_for(w, number)) == 1  # only the ERP's own packing slip
