"""The periodic reconciliation: what it exports, its cursor, and what it leaves alone."""

from __future__ import annotations

from datetime import datetime

from bcapp.extensions import db
from bcapp.models import Cursor


def cursor_value(world):
    db.session.expire_all()
    row = db.session.execute(db.select(Cursor).filter_by(flow="orders")).scalar_one_or_none()
    return row.value if row else None


def test_exports_what_should_be_in_the_erp_and_moves_the_cursor(world):
    world.product("SKU-1")
    wanted = [world.order("SKU-1") for _ in range(3)]
    pending = world.order("SKU-1", status_id=1)

    run = world.run("orders")

    assert all(len(world.erp_orders(o)) == 1 for o in wanted)
    assert world.erp_orders(pending) == []
    assert run.created == 4  # three orders and their one customer
    first = cursor_value(world)
    assert first is not None

    world.bc.clock.advance(600)
    world.set_status(pending, 11)  # paid later: modified after the cursor
    world.run("orders")
    assert len(world.erp_orders(pending)) == 1
    assert datetime.fromisoformat(cursor_value(world)) > datetime.fromisoformat(first)
    assert len(world.afas.tables.orders) == 4


def test_history_before_install_is_left_alone(world):
    world.product("SKU-1")
    old = world.order("SKU-1")
    world.bc_store.orders[old]["_mtime"] -= 3 * 86400  # last touched three days before install
    new = world.order("SKU-1")

    world.run("orders")

    assert world.erp_orders(old) == []
    assert len(world.erp_orders(new)) == 1


def test_failed_order_stays_failed_until_the_merchant_acts(world):
    world.product("SKU-1")
    world.product("GONE")
    world.afas.tables.articles.pop("GONE")
    order_id = world.order("GONE")
    world.run("orders")
    world.run("orders")  # in the error status now: not retried on every run
    assert len(world.log("order", "failed")) == 1
    assert world.bc_order(order_id)["status_id"] == 12


def test_events_stored_while_redis_was_down_are_queued_again(world):
    """The intake keeps an event it could not enqueue; the clock's next tick re-queues it.

    The reconciliation alone would not find this order (its change is outside the window):
    the stored event is what carries it, through the tick's recovery of stranded events.
    """
    from datetime import timedelta

    from bcapp.jobs.schedule import recover_webhook_events
    from bcapp.models import WebhookEvent
    from bcapp.models.base import utcnow
    from tests.orders.conftest import drain

    world.product("SKU-1")
    order_id = world.order("SKU-1", status_id=1)  # not exportable yet: reconciliation skips it
    world.set_status(order_id, 11)
    world.bc_store.orders[order_id]["_mtime"] -= 3 * 86400  # outside the reconciliation window
    payload = {"scope": "store/order/statusUpdated", "data": {"type": "order", "id": order_id},
               "producer": "stores/ord3rs", "created_at": 1}  # fmt: skip
    db.session.add(
        WebhookEvent(
            store_id=world.store.id,
            webhook_id="lost",
            content_hash="lost",
            scope=payload["scope"],
            resource_id=str(order_id),
            payload=payload,
            received_at=utcnow() - timedelta(minutes=10),
        )
    )
    db.session.commit()

    world.run("orders")
    assert world.erp_orders(order_id) == []  # the window alone would never find it
    assert recover_webhook_events() == 1  # what `bcapp tick` does every minute
    drain(world)

    assert len(world.erp_orders(order_id)) == 1
    assert world.events()[-1].status == "processed"


def test_orders_from_storefronts_not_chosen_stay_out_of_the_erp(world):
    world.product("SKU-1")
    outlet = world.bc_store.add_storefront("Outlet")
    world.settings("orders", channels=[outlet])
    web = world.order("SKU-1")  # the first storefront
    shop = world.order("SKU-1", channel_id=outlet)

    world.run("orders")

    assert world.erp_orders(web) == [] and len(world.erp_orders(shop)) == 1
    run = world.export(web)  # the webhook's path says why, too
    assert "from storefront 1" in run.message and "not exported" in run.message
    assert world.erp_orders(web) == []
    world.settings("orders", channels=[])  # every storefront again
    world.export(web)
    assert len(world.erp_orders(web)) == 1
