"""Jobs on a real RQ SimpleWorker against Redis: dedupe, retries with backoff, locks, pauses."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from bcapp.errors import ReauthorizationRequired, RetryableSyncError
from bcapp.extensions import db
from bcapp.jobs.queues import cancel_store_jobs, job_id, queue
from bcapp.jobs.runtime import set_app
from bcapp.jobs.sync import enqueue_flow, enqueue_replay, enqueue_retry
from bcapp.jobs.worker import build_worker
from bcapp.locks import RunLock
from bcapp.models import LogEntry, RunStatus, StoreStatus, SyncRun
from bcapp.sync import Outcome, run_flow
from bcapp.sync.context import SyncContext
from tests.conftest import base_config

pytestmark = pytest.mark.redis


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    import uuid

    return base_config(
        tmp_path,
        RQ_QUEUE_PREFIX=f"test-sync-{uuid.uuid4().hex[:8]}-",
        SYNC_RETRY_INTERVALS=[7, 60],
    )


@pytest.fixture
def work(app: Any, rds: Any) -> Any:
    """Run a SimpleWorker in burst mode on the three queues (no scheduler: tests move time)."""

    def burst() -> None:
        build_worker(app, simple=True).work(burst=True, with_scheduler=False)

    yield burst
    set_app(None)


def runs(store: Any, flow: str | None = None) -> list[SyncRun]:
    stmt = db.select(SyncRun).filter_by(store_id=store.id).order_by(SyncRun.id)
    if flow:
        stmt = stmt.filter_by(flow=flow)
    db.session.expire_all()
    return list(db.session.execute(stmt).scalars())


def scheduled_in(job: Job) -> float:
    """Seconds from now until the retry of ``job`` comes due."""
    registry = ScheduledJobRegistry(queue=queue(job.origin.rsplit("-", 1)[-1]))
    when = registry.get_scheduled_time(job.id)
    return (when - datetime.now(UTC)).total_seconds()


def release_scheduled(job: Job) -> None:
    """Let the retry come due now (what RQ's scheduler does when its time comes)."""
    q = queue(job.origin.rsplit("-", 1)[-1])
    ScheduledJobRegistry(queue=q).remove(job)
    q.enqueue_job(Job.fetch(job.id, connection=q.connection))


def test_deterministic_job_ids_dedupe(app, rds, store, flows, work):
    calls: list[int] = []
    flows("test_sync", queue="catalog")(lambda ctx: calls.append(1))
    first = enqueue_flow(store.id, "test_sync")
    second = enqueue_flow(store.id, "test_sync")
    assert first.id == second.id == f"{app.config['RQ_QUEUE_PREFIX']}store-{store.id}-test_sync"
    assert queue("catalog").count == 1 and len(runs(store)) == 1
    dry = enqueue_flow(store.id, "test_sync", dry_run=True)
    assert dry.id.endswith("-dry")
    work()
    assert calls == [1, 1]
    assert [r.status for r in runs(store)] == [RunStatus.SUCCEEDED, RunStatus.SUCCEEDED]
    again = enqueue_flow(store.id, "test_sync")  # the finished job makes room for a new one
    assert again.get_status() == JobStatus.QUEUED and len(runs(store)) == 3


def test_retryable_error_is_retried_with_backoff_and_retry_after(app, rds, store, flows, work):
    attempts: list[int] = []

    @flows("test_flaky")
    def flaky(ctx: SyncContext) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RetryableSyncError("AFAS answered 503.")
        if len(attempts) == 2:
            raise RetryableSyncError("Rate limited by BigCommerce.", retry_after=900)
        ctx.record(Outcome.CREATED, "product", 1, "A")

    job = enqueue_flow(store.id, "test_flaky")
    work()
    job.refresh()
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 1
    assert 5 < scheduled_in(job) <= 7  # the first backoff step
    (run,) = runs(store)
    assert run.status == RunStatus.QUEUED and "Trying again in 7 s" in run.message
    release_scheduled(job)
    work()
    job.refresh()
    assert 890 < scheduled_in(job) <= 900  # retry_after beats the 60 s backoff: a reschedule
    assert job.retries_left == 0
    assert "Rate limited" in runs(store)[0].message
    release_scheduled(job)
    work()
    (run,) = runs(store)
    assert (run.status, run.created, len(attempts)) == (RunStatus.SUCCEEDED, 1, 3)


def test_retries_run_out_and_bugs_are_not_retried(app, rds, store, flows, work):
    flows("test_down")(lambda ctx: (_ for _ in ()).throw(RetryableSyncError("ERP down")))
    flows("test_bug")(lambda ctx: {}["boom"])
    down = enqueue_flow(store.id, "test_down")
    work()
    for _ in range(2):
        release_scheduled(down)
        work()
    assert down.get_status(refresh=True) == JobStatus.FAILED
    run = runs(store, "test_down")[0]
    assert run.status == RunStatus.FAILED and run.message == "Gave up after 3 attempts: ERP down"
    bug = enqueue_flow(store.id, "test_bug")
    work()
    assert bug.get_status(refresh=True) == JobStatus.FAILED
    assert bug.id in FailedJobRegistry(queue=queue("default")).get_job_ids()
    assert "KeyError" in runs(store, "test_bug")[0].message


def test_the_lock_refuses_a_second_concurrent_run(app, rds, store, flows, work):
    seen: list[str] = []

    @flows("test_stock", lock="catalog")
    def stock(ctx: SyncContext) -> None:
        seen.append("stock")

    @flows("test_products", lock="catalog", queue="catalog")
    def products(ctx: SyncContext) -> None:
        seen.append("products")
        with pytest.raises(RetryableSyncError, match="Another catalog run"):
            run_flow(store.id, "test_stock")  # a second worker starting stock meanwhile
        seen.append("products done")

    enqueue_flow(store.id, "test_products")
    work()
    assert seen == ["products", "products done"]
    # A job that meets a held lock is retried later instead of waiting.
    holder = RunLock(rds, store.id, "catalog").acquire()
    try:
        job = enqueue_flow(store.id, "test_stock")
        work()
        assert job.get_status(refresh=True) == JobStatus.SCHEDULED
        assert 25 < scheduled_in(job) <= 30
    finally:
        holder.release()
    release_scheduled(job)
    work()
    assert seen[-1] == "stock"


def test_lock_is_renewed_while_held_and_loss_stops_the_run(app, rds, store):
    lock = RunLock(rds, store.id, "catalog", ttl=0.3).acquire()
    time.sleep(0.7)  # over twice the TTL: only renewal keeps it
    assert rds.exists(lock.key) and not lock.lost
    rds.delete(lock.key)  # expired while the worker was frozen
    time.sleep(0.3)
    assert lock.lost
    lock.release()
    ctx = SyncContext(store, None, SyncRun(store_id=store.id, flow="x"), flow="x", lock=lock)
    with pytest.raises(RetryableSyncError, match="lost its lock"):
        ctx.heartbeat()


def test_a_job_for_an_uninstalled_store_does_nothing(app, rds, store, flows, work):
    called: list[int] = []
    flows("test_noop")(lambda ctx: called.append(1))
    job = enqueue_flow(store.id, "test_noop")
    store.status, store.access_token = StoreStatus.UNINSTALLED, None  # uninstalled meanwhile
    db.session.commit()
    work()
    assert called == [] and job.return_value(refresh=True) == "cancelled"
    assert runs(store)[0].status == RunStatus.CANCELLED


def test_reauthorization_pauses_the_stores_jobs(app, rds, store, flows, work):
    called: list[str] = []

    @flows("test_export", queue="orders")
    def export(ctx: SyncContext) -> None:
        called.append("export")
        raise ReauthorizationRequired("403 Forbidden: missing scope store_v2_orders")

    flows("test_later", queue="catalog")(lambda ctx: called.append("later"))
    enqueue_flow(store.id, "test_export")
    later = enqueue_flow(store.id, "test_later")
    work()
    db.session.refresh(store)
    assert called == ["export"] and store.status == StoreStatus.NEEDS_REAUTH
    assert not Job.exists(later.id, connection=rds)  # cancelled and deleted, never run
    assert runs(store, "test_later")[0].status == RunStatus.CANCELLED


def test_cancel_store_jobs_cancels_scheduled_retries_too(app, rds, store, flows, work):
    flows("test_down")(lambda ctx: (_ for _ in ()).throw(RetryableSyncError("ERP down")))
    enqueue_flow(store.id, "test_down")
    work()
    assert cancel_store_jobs(store.id) == 1
    assert runs(store)[0].status == RunStatus.CANCELLED


def test_retry_and_replay_run_the_entitys_handler(app, rds, store, flows, work):
    from tests.sync_core.conftest import make_store

    got: list[dict[str, Any]] = []

    @flows.retry("test_order", direction="bc_to_erp")
    def retry_order(ctx: SyncContext, *, bc_id=None, erp_id=None, payload=None) -> None:
        got.append({"bc_id": bc_id, "erp_id": erp_id, "payload": payload})
        ctx.record(Outcome.CREATED, "test_order", bc_id, "ERP-1")

    entry = LogEntry(store_id=store.id, direction="bc_to_erp", entity="test_order", bc_id="100",
                     outcome="failed", request={"reference": "100", "lines": [1]})  # fmt: skip
    db.session.add(entry)
    db.session.commit()
    enqueue_retry(store.id, "test_order", bc_id=100)
    enqueue_retry(store.id, "test_order", bc_id=100)  # a double click queues one job
    enqueue_replay(entry.id, store_id=store.id)
    work()
    assert got == [
        {"bc_id": 100, "erp_id": None, "payload": None},
        {"bc_id": "100", "erp_id": None, "payload": {"reference": "100", "lines": [1]}},
    ]
    logged = db.session.execute(db.select(LogEntry).filter_by(outcome="created")).scalars().all()
    assert {e.direction for e in logged} == {"bc_to_erp"}
    other = make_store()
    with pytest.raises(Exception, match="no longer exists"):
        enqueue_replay(entry.id, store_id=other.id)


def test_a_job_enqueued_without_retry_gets_the_standard_policy(app, rds, store, flows, work):
    from bcapp.sync.runner import open_run

    flows("test_down")(lambda ctx: (_ for _ in ()).throw(RetryableSyncError("ERP down")))
    run = open_run(store, "test_down")
    job = queue("default").enqueue(
        "bcapp.jobs.sync.run_flow_job",
        kwargs={"store_id": store.id, "flow": "test_down", "run_id": run.id},
        job_id=job_id(store.id, "test_down"),
    )
    work()
    job.refresh()
    assert job.get_status() == JobStatus.SCHEDULED and job.retries_left == 1
    assert 5 < scheduled_in(job) <= 7


def test_delayed_enqueue_and_a_replay_whose_entry_vanished(app, rds, store, flows, work):
    flows("test_later")(lambda ctx: None)
    job = enqueue_flow(store.id, "test_later", delay=120)
    assert job.get_status() == JobStatus.SCHEDULED and 115 < scheduled_in(job) <= 120
    assert enqueue_flow(store.id, "test_later").id == job.id  # still the same job

    @flows.retry("test_thing")
    def retry_thing(ctx: SyncContext, **ids: Any) -> None:
        raise AssertionError("must not run")

    entry = LogEntry(store_id=store.id, direction="app", entity="test_thing", outcome="failed",
                     request={"x": 1})  # fmt: skip
    db.session.add(entry)
    db.session.commit()
    replay_job = enqueue_replay(entry.id)
    db.session.delete(entry)  # purged by retention before the worker got to it
    db.session.commit()
    work()
    assert replay_job.get_status(refresh=True) == JobStatus.FINISHED
    run = runs(store, "replay")[0]
    assert run.status == RunStatus.FAILED and run.message == "That log entry no longer exists."


def test_enqueue_with_redis_down_leaves_no_run_waiting(app, rds, store, flows):
    import redis

    flows("test_any")(lambda ctx: None)
    app.extensions["bcapp.redis"] = redis.Redis.from_url("redis://127.0.0.1:1/0")
    with pytest.raises(redis.ConnectionError):
        enqueue_flow(store.id, "test_any")
    app.extensions["bcapp.redis"] = None
    assert all(r.status != RunStatus.QUEUED for r in runs(store))


def test_job_ids_carry_the_deployment_prefix(app, rds, store, flows):
    """RQ keeps job hashes under rq:job:{id} whatever the queue: two deployments sharing a
    Redis (RQ_QUEUE_PREFIX) must not queue into, or cancel, each other's store-1 jobs."""
    flows("test_sync", queue="catalog")(lambda ctx: None)
    ours = enqueue_flow(store.id, "test_sync")
    app.config["RQ_QUEUE_PREFIX"] = "other:deploy/"  # another deployment, same store id
    theirs = enqueue_flow(store.id, "test_sync")
    assert theirs.id == f"other_deploy_store-{store.id}-test_sync" != ours.id
    assert cancel_store_jobs(store.id) == 1  # theirs only
    assert ours.get_status(refresh=True) == "queued"
    for key in rds.scan_iter("*other_deploy_*"):
        rds.delete(key)
    for key in rds.scan_iter("*other:deploy/*"):
        rds.delete(key)
