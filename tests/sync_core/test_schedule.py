"""The tick enqueues what is due per store; stale runs are reaped; the CLI runs flows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bcapp.connectors.base import Capability
from bcapp.extensions import db
from bcapp.jobs.queues import job_id
from bcapp.jobs.runtime import set_app
from bcapp.jobs.schedule import tick
from bcapp.locks import RunLock
from bcapp.models import RunStatus, StoreStatus, SyncRun
from bcapp.models.base import utcnow
from bcapp.sync import Outcome
from tests.sync_core.conftest import make_store

pytestmark = pytest.mark.redis


@pytest.fixture
def work(app: Any, rds: Any) -> Any:
    from bcapp.jobs.worker import build_worker

    yield lambda: build_worker(app, simple=True).work(burst=True, with_scheduler=False)
    set_app(None)


def ours(jobs: list[Any]) -> set[str]:
    """Job ids of this test's flows (the real flow modules are scheduled too)."""
    return {j.id.split("store-", 1)[1].split("-", 1)[1] for j in jobs if "-test_" in j.id}


@pytest.fixture
def scheduled_flows(flows: Any) -> None:
    flows("test_hourly", every=60)(lambda ctx: None)
    flows("test_needs_orders", requires={Capability.ORDERS}, every=5)(lambda ctx: None)
    flows("test_stock_switch", group="stock", every=10)(lambda ctx: None)
    flows("test_unscheduled")(lambda ctx: None)
    flows("test_refunds_default_off", group="refunds", every=5)(lambda ctx: None)


def test_tick_enqueues_what_is_due_per_store_settings(app, rds, scheduled_flows):
    store = make_store()
    store.settings = {"flows": {"stock": False}, "schedules": {"test_unscheduled": 15}}
    paused = make_store(status=StoreStatus.NEEDS_REAUTH)
    db.session.commit()
    jobs = tick()
    assert ours(jobs) == {"test_hourly", "test_unscheduled"}
    assert all(f"store-{paused.id}-" not in j.id for j in jobs)
    assert ours(tick()) == set()  # queued runs are not due again
    db.session.execute(db.update(SyncRun).values(status=RunStatus.SUCCEEDED))
    db.session.commit()
    assert ours(tick(utcnow() + timedelta(minutes=10))) == set()
    assert ours(tick(utcnow() + timedelta(minutes=16))) == {"test_unscheduled"}
    store.settings = {"schedules": {"test_hourly": 0, "test_unscheduled": 0}}
    db.session.commit()
    assert ours(tick(utcnow() + timedelta(days=1))) == {"test_stock_switch"}


def test_tick_fails_runs_whose_worker_died(app, rds, store):
    old = utcnow() - timedelta(minutes=30)
    dead = SyncRun(store_id=store.id, flow="test_dead", status=RunStatus.RUNNING, heartbeat_at=old)
    busy = SyncRun(store_id=store.id, flow="test_busy", status=RunStatus.RUNNING, heartbeat_at=old)
    db.session.add_all([dead, busy])
    db.session.commit()
    lock = RunLock(rds, store.id, "test_busy").acquire()  # a long request, not a dead worker
    try:
        tick()
    finally:
        lock.release()
    db.session.refresh(dead)
    db.session.refresh(busy)
    assert dead.status == RunStatus.FAILED and "stopped responding" in dead.message
    assert busy.status == RunStatus.RUNNING


def test_cli_sync_runs_a_flow_for_one_store(app, rds, store, flows):
    @flows("test_cli")
    def cli_flow(ctx: Any) -> None:
        outcome = Outcome.CREATED if not ctx.dry_run else Outcome.UNCHANGED
        ctx.record(outcome, "product", 1, "A")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["sync", "test_cli", "--store", store.store_hash, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{store.store_hash} test_cli: succeeded — Dry run: 1 unchanged" in result.output
    result = runner.invoke(args=["sync", "test_cli", "--store", store.store_hash, "--enqueue"])
    assert result.exit_code == 0 and f"job {job_id(store.id, 'test_cli')} (queued)" in result.output
    result = runner.invoke(args=["sync", "nope"])
    assert result.exit_code != 0
    set_app(None)


def test_tick_queues_housekeeping_once_per_interval(app, rds, work):
    first = {j.id for j in tick() if j.id.startswith("app-")}
    assert len(first) == 2 and any("flush_alerts_job" in j for j in first)
    assert not [j for j in tick() if j.id.startswith("app-")]  # not due again yet
    work()
    from rq.job import Job

    jobs = [Job.fetch(j, connection=rds) for j in first]
    assert all(j.get_status() == "finished" for j in jobs), [j.exc_info for j in jobs]


def test_tick_closes_queued_runs_whose_job_was_lost(app, rds, store):
    old = utcnow() - timedelta(hours=3)
    lost = SyncRun(store_id=store.id, flow="test_lost", status=RunStatus.QUEUED, created_at=old,
                   job_id=job_id(store.id, "test_lost"))  # fmt: skip
    db.session.add(lost)
    db.session.commit()
    tick()
    db.session.refresh(lost)
    assert lost.status == RunStatus.CANCELLED and "lost" in lost.message


def test_cli_tick_once_enqueues_due_flows(app, rds, store, flows):
    flows("test_every_minute", every=1)(lambda ctx: None)
    result = app.test_cli_runner().invoke(args=["tick", "--once"])
    set_app(None)
    assert result.exit_code == 0, result.output
    stmt = db.select(SyncRun.trigger).filter_by(flow="test_every_minute")
    assert db.session.execute(stmt).scalars().all() == ["schedule"]


def test_unsaved_switches_follow_the_settings_defaults(app, rds, scheduled_flows):
    """Refunds start off (bcapp.mapping.rules) until the merchant switches them on."""
    store = make_store()
    db.session.commit()
    assert "test_refunds_default_off" not in ours(tick())
    store.settings = {"flows": {"refunds": True}}
    db.session.commit()
    assert "test_refunds_default_off" in ours(tick(utcnow() + timedelta(days=1)))


def test_stock_is_scheduled_one_way_following_the_catalog_direction(app, rds):
    """Mplus can take stock both ways; the schedule runs only the direction the merchant
    chose, instead of a no-op run of the other every 15 minutes."""
    from bcapp.jobs.schedule import due_flows
    from bcapp.models import Connection
    from bcapp.sync.registry import load_flows

    load_flows()
    store = make_store(connection=False)
    mplus = Connection(store_id=store.id, kind="mplus", settings={}, secrets={})
    due = set(due_flows(store, mplus, utcnow()))
    assert "stock" in due and "stock_to_erp" not in due
    store.settings = {"catalog": {"direction": "store_to_erp"}}
    due = set(due_flows(store, mplus, utcnow()))
    assert "stock_to_erp" in due and "stock" not in due
