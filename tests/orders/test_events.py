"""Webhook → intake → event job → ERP, through the BigCommerce sandbox's real deliveries.

Faults from the issue: the ERP down for a while, a BigCommerce 429 storm, 20 %
of deliveries dropped, and one delivery five times at once.
"""

from __future__ import annotations

import random
import threading

import httpx
import pytest

from bcapp.extensions import db
from bcapp.jobs.events import handle_event_job
from bcapp.models import WebhookEvent
from bcapp.sync.webhooks import SCOPES
from tests.conftest import clear_redis
from tests.orders.conftest import WORLD_CONFIG, build_world, deliver, drain


@pytest.fixture
def hooked(world):
    """The store with our webhooks registered (by the watchdog flow, as after install)."""
    world.run("webhooks")
    assert len(world.bc_store.hooks) == len(SCOPES)  # one hook per scope
    return world


def test_checkout_webhook_exports_the_order_and_echoes_change_nothing(hooked):
    w = hooked
    w.product("SKU-1")
    order_id = w.order("SKU-1")

    deliver(w)
    drain(w)

    assert len(w.erp_orders(order_id)) == 1
    assert w.bc_order(order_id)["status_id"] == 9
    # Our own status write-back fired statusUpdated + updated; they export nothing more.
    deliver(w)
    drain(w)
    assert len(w.erp_orders(order_id)) == 1
    statuses = {e.scope: e.status for e in w.events() if e.scope.startswith("store/order")}
    assert statuses == {"store/order/created": "processed",
                        "store/order/statusUpdated": "processed",
                        "store/order/updated": "processed"}  # fmt: skip


def test_erp_down_for_a_while_orders_wait_then_all_go_through(hooked):
    w = hooked
    w.product("SKU-1")
    orders = [w.order("SKU-1", billing={"email": f"c{i}@example.com"}) for i in range(5)]
    w.afas.fail_next(503, times=12)

    deliver(w)
    drain(w, rounds=1)  # first attempts hit the outage
    assert any(e.status == "retrying" for e in w.events())
    drain(w)

    for order_id in orders:
        assert len(w.erp_orders(order_id)) == 1, order_id
    assert len(w.afas.tables.orders) == 5


def test_bigcommerce_429_storm_loses_nothing(hooked):
    w = hooked
    w.product("SKU-1")
    orders = [w.order("SKU-1") for _ in range(4)]
    deliver(w)
    w.bc_store.consume_quota(10_000)  # other apps spent the store's quota for this window

    drain(w, rounds=1)
    assert w.erp_orders() == []
    assert {e.status for e in w.events() if e.scope == "store/order/created"} == {"retrying"}

    w.bc.clock.advance(31)  # the window resets
    drain(w)
    for order_id in orders:
        assert len(w.erp_orders(order_id)) == 1


class Dropping(httpx.BaseTransport):
    """Loses a share of deliveries on the way (BigCommerce thinks they arrived)."""

    def __init__(self, app, share: float, seed: int = 7) -> None:
        self.inner = httpx.WSGITransport(app=app)
        self.share, self.random, self.dropped = share, random.Random(seed), 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.random.random() < self.share:
            self.dropped += 1
            return httpx.Response(200, request=request)
        return self.inner.handle_request(request)


def test_dropped_deliveries_are_exported_by_reconciliation(hooked):
    w = hooked
    w.product("SKU-1")
    orders = [w.order("SKU-1") for _ in range(30)]
    dropping = Dropping(w.app, 0.2)

    deliver(w, dropping)
    drain(w)
    missing = [o for o in orders if not w.erp_orders(o)]
    assert dropping.dropped and missing  # the webhooks really lost some orders

    w.run("orders")  # the periodic reconciliation

    for order_id in orders:
        assert len(w.erp_orders(order_id)) == 1
    assert len(w.afas.tables.orders) == 30


def test_customer_scope_is_routed_and_switch_respected(hooked):
    w = hooked
    w.settings("flows", customers=False)
    w.bc_store.emit("store/customer/created", {"type": "customer", "id": 5})
    deliver(w)
    drain(w)
    [event] = [e for e in w.events() if e.scope == "store/customer/created"]
    assert event.status == "ignored"


@pytest.fixture
def pg_app(fresh_pg_url, tmp_path, redis_url):
    from bcapp import create_app
    from tests.conftest import base_config

    app = create_app(base_config(tmp_path, DATABASE_URL=fresh_pg_url, **WORLD_CONFIG))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
    clear_redis(app)


def test_same_order_five_times_at_once_gives_one_erp_order(pg_app):
    """Five events for one order handled by five threads at once (PostgreSQL, real locks)."""

    clear_redis(pg_app)
    w = build_world(pg_app)
    w.run("webhooks")
    w.product("SKU-1")
    order_id = w.order("SKU-1")
    deliver(w)
    [created] = [e for e in w.events() if e.scope == "store/order/created"]
    ids = [created.id]
    for n in range(4):  # four more deliveries of the same order (other content, same order)
        payload = {**created.payload, "scope": "store/order/updated"}
        event = WebhookEvent(store_id=w.store.id, webhook_id=f"dup-{n}", content_hash=f"h{n}",
                             scope="store/order/updated", resource_id=str(order_id),
                             payload=payload)  # fmt: skip
        db.session.add(event)
        db.session.commit()
        ids.append(event.id)
    w.afas.latency = 0.02  # widen the race window
    barrier, errors = threading.Barrier(len(ids)), []

    def work(event_id: int) -> None:
        with pg_app.app_context():
            barrier.wait()
            try:
                handle_event_job(event_id)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    drain(w)  # any event that found the order locked was rescheduled

    assert errors == []
    assert len(w.erp_orders(order_id)) == 1
    assert len(w.afas.debtors_with_email("jan@example.com")) == 1
    clear_redis(pg_app)


def test_same_delivery_five_times_concurrently_is_stored_once(pg_app):

    clear_redis(pg_app)
    w = build_world(pg_app)
    w.run("webhooks")
    w.product("SKU-1")
    order_id = w.order("SKU-1")
    [delivery] = [d for d in w.bc_store.deliveries if d.scope == "store/order/created"]
    from bcapp.sandbox.bigcommerce.webhooks import signed_headers

    headers = signed_headers(w.bc, delivery)
    barrier = threading.Barrier(5)
    codes = []

    def post() -> None:
        client = pg_app.test_client()
        barrier.wait()
        codes.append(client.post("/webhooks/bigcommerce", data=delivery.body,
                                 headers=headers).status_code)  # fmt: skip

    threads = [threading.Thread(target=post) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    drain(w)

    assert codes == [200] * 5
    assert len([e for e in w.events() if e.scope == "store/order/created"]) == 1
    assert len(w.erp_orders(order_id)) == 1
    clear_redis(pg_app)


def test_two_orders_of_one_new_customer_at_once_make_one_relation(pg_app):

    clear_redis(pg_app)
    w = build_world(pg_app)
    w.product("SKU-1")
    orders = [w.order("SKU-1", billing={"email": "new@example.com"}) for _ in range(4)]
    w.afas.latency = 0.02
    barrier, errors, store_id = threading.Barrier(len(orders)), [], w.store.id

    def work(order_id: int) -> None:
        from bcapp.sync.runner import run_flow

        with pg_app.app_context():
            barrier.wait()
            try:
                run_flow(store_id, "order_export", order_id=order_id)
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(o,)) for o in orders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert errors == []
    assert len(w.afas.debtors_with_email("new@example.com")) == 1
    assert all(len(w.erp_orders(o)) == 1 for o in orders)
    clear_redis(pg_app)
