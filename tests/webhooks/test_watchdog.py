"""Webhook registration and the watchdog, against the BigCommerce sandbox's hooks engine."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from bcapp.alerts import pending_count
from bcapp.sync.webhooks import SCOPES
from tests.orders.conftest import WORLD_CONFIG, deliver, drain
from tests.orders.conftest import world as world

OUR_HOOKS = {
    "store/order/created", "store/order/updated", "store/order/statusUpdated",
    "store/customer/created", "store/customer/updated", "store/shipment/created",
    "store/customer/address/created", "store/customer/address/updated",
    "store/customer/address/deleted", "store/app/uninstalled",
}  # fmt: skip


@pytest.fixture
def app_config(tmp_path):
    from tests.conftest import base_config

    return base_config(tmp_path, **WORLD_CONFIG)


def hooks(w):
    return list(w.bc_store.hooks.values())


def test_registration_creates_each_scope_once_with_the_store_secret(world):
    world.run("webhooks")
    assert {h["scope"] for h in hooks(world)} == OUR_HOOKS
    for hook in hooks(world):
        assert hook["destination"] == "https://app.example.com/webhooks/bigcommerce"
        assert hook["headers"] == {"X-Bcapp-Hook": "ord3rs.hook-secret"}
        assert hook["is_active"]
    run = world.run("webhooks")
    assert run.message == f"All {len(SCOPES)} webhooks are active."
    assert len(hooks(world)) == len(SCOPES)  # one hook per scope


class Down(httpx.BaseTransport):
    """The app's domain answers 503 (a broken deploy)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, request=request)


def test_deactivated_hook_is_reactivated_and_the_merchant_told_since_when(world):
    world.run("webhooks")
    world.product("SKU-1")
    order_id = world.order("SKU-1")
    started = datetime.fromtimestamp(int(world.bc.clock.now()), tz=UTC)
    for _ in range(15):  # BigCommerce retries for ~48 h, then deactivates the hook
        deliver(world, Down())
        world.bc.clock.advance(90_000)
    created = next(h for h in hooks(world) if h["scope"] == "store/order/created")
    assert not created["is_active"]

    run = world.run("webhooks")

    assert created["is_active"]
    [alert] = world.log("webhook", "failed")
    assert "store/order/created" in alert.message and "deliveries were off since" in alert.message
    off_since = datetime.fromisoformat(alert.details["off_since"])
    assert off_since > started
    assert "reactivated" in run.message
    assert pending_count(world.store) >= 1  # the failure digest will carry it
    world.run("orders")  # and the reconciliation covers the gap
    assert len(world.erp_orders(order_id)) == 1


def test_deleted_hook_is_recreated_naming_the_last_event(world):
    world.run("webhooks")
    world.product("SKU-1")
    world.order("SKU-1")
    deliver(world)
    drain(world)
    gone = next(h for h in hooks(world) if h["scope"] == "store/order/created")
    del world.bc_store.hooks[gone["id"]]

    world.run("webhooks")

    assert {h["scope"] for h in hooks(world)} == OUR_HOOKS
    [alert] = world.log("webhook", "failed")
    assert "was missing" in alert.message
    assert "an unknown time" not in alert.message


def test_rotated_secret_fixes_the_headers_quietly(world):
    world.run("webhooks")
    world.store.webhook_secret = "new-secret"
    from bcapp.extensions import db

    db.session.commit()
    world.run("webhooks")
    assert {h["headers"]["X-Bcapp-Hook"] for h in hooks(world)} == {"ord3rs.new-secret"}
    assert world.log("webhook", "failed") == []


def test_install_signal_only_enqueues_registration(world):
    from bcapp.jobs.queues import queue
    from bcapp.signals import store_installed

    store_installed.send(world.app, store=world.store)

    assert hooks(world) == []  # nothing called BigCommerce in the request
    jobs = queue("default").jobs
    assert [j.args[1] for j in jobs] == ["webhooks"]
