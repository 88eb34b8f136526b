"""The reconciliation skips an order another worker holds, reports it, and tries it next time.

Before: ``bcapp reconcile`` aborted the whole run ("Order 203 is being synced by another
worker", exit 1) as long as a killed worker's 120 s order lock lived.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from bcapp.extensions import db, redis_ext
from bcapp.locks import RunLock
from bcapp.models import Cursor, RunStatus
from tests.conftest import base_config
from tests.orders.conftest import WORLD_CONFIG
from tests.orders.conftest import world as world

pytestmark = pytest.mark.redis


@pytest.fixture
def app_config(tmp_path):
    return base_config(tmp_path, **{**WORLD_CONFIG, "ORDER_LOCK_WAIT": 0.3})


def cursor() -> datetime:
    db.session.expire_all()
    row = db.session.execute(db.select(Cursor).filter_by(flow="orders")).scalar_one()
    return datetime.fromisoformat(row.value)


def test_a_locked_order_is_skipped_reported_and_exported_next_time(world):
    world.product("SKU-1")
    first, held, last = (world.order("SKU-1") for _ in range(3))
    world.bc.clock.advance(600)  # past the reconciliation's re-read overlap
    world.set_status(last, 11)  # modified well after the held one: the cursor would pass it
    lock = RunLock(redis_ext.client, world.store.id, f"order-{held}", ttl=60).acquire()
    try:
        run = world.run("orders")
    finally:
        lock.release()

    assert run.status == RunStatus.SUCCEEDED, run.message
    assert "1 skipped" in run.message
    assert len(world.erp_orders(first)) == 1 and len(world.erp_orders(last)) == 1
    assert world.erp_orders(held) == []
    [skipped] = world.log("order", "skipped")
    assert skipped.bc_id == str(held) and "another worker" in skipped.message
    before = cursor()

    run = world.run("orders")  # the lock is free now: the next run exports it
    assert run.status == RunStatus.SUCCEEDED
    assert len(world.erp_orders(held)) == 1
    assert cursor() > before  # and only then moves past it
    assert len(world.afas.tables.orders) == 3


def test_the_cli_reconcile_exits_zero_with_a_locked_order(world):
    world.product("SKU-1")
    held = world.order("SKU-1")
    lock = RunLock(redis_ext.client, world.store.id, f"order-{held}", ttl=60).acquire()
    try:
        result = world.app.test_cli_runner().invoke(args=["reconcile", "--store", "ord3rs"])
    finally:
        lock.release()
    assert result.exit_code == 0, result.output
    assert "1 skipped" in result.output
