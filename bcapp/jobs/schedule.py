"""The periodic schedule: one tick a minute enqueues, per store, the flows that are due.

A flow is due for a store when

* the store is active (not uninstalled, not waiting for re-authorisation) and
  has an enabled connection whose connector has the flow's capabilities;
* the merchant confirmed the setup and the ERP's credentials are present and not
  refused (:func:`bcapp.onboarding.sync_blocker`);
* the flow is not a per-record one (``Flow.schedulable``: one order, one customer);
* its switch ``store.settings["flows"][group]`` is on (defaults: bcapp.mapping.rules),
  and the flow applies to the store's settings (``Flow.when``: stock goes one way,
  following the catalog direction);
* its interval — ``store.settings["schedules"][flow]`` (or ``[group]``), else
  the flow's default in ``PERIODIC`` — is a positive number of minutes; and
* the store's last (non-dry) run of the flow was created that long ago or more.

Enqueueing goes through :func:`bcapp.jobs.sync.enqueue_flow`, whose job ids
make a second tick (or a second clock process) harmless. The tick also fails
runs whose worker vanished (no heartbeat for ``STALE_AFTER`` and no lock held),
and queues again the webhook events no live job holds any more
(:func:`bcapp.jobs.handoff.recover_events`: after ``EVENT_RECOVERY_SECONDS``), so an
event is never stranded waiting for an operator.

App-wide housekeeping that is not a flow (alert digests, log retention) is
listed in ``MAINTENANCE`` (dotted path → minutes); the tick queues each one
when its interval has passed, as ``maintenance_job(path)``, which gives it the
app context a forked worker lacks.

Run it with ``bcapp tick`` (a loop, the Procfile's ``clock``), as the RQ job
``tick_job``, or from ``rq cron`` with :mod:`bcapp.jobs.cron`.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from rq.exceptions import NoSuchJobError
from rq.job import Job

from bcapp.connectors import find as find_connector
from bcapp.extensions import db, redis_ext
from bcapp.jobs.runtime import app_context
from bcapp.locks import lock_key
from bcapp.models import Connection, RunStatus, Store, StoreStatus, SyncRun
from bcapp.models.base import utcnow
from bcapp.onboarding import sync_blocker
from bcapp.sync.registry import FLOWS, PERIODIC, Flow, load_flows

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=15)
#: Queued runs whose job vanished (Redis flushed, a job overwritten) are closed after this.
ORPHAN_AFTER = timedelta(hours=2)

#: App-wide periodic jobs: dotted path of a no-argument function → minutes between runs.
MAINTENANCE: dict[str, int] = {
    "bcapp.alerts.flush_alerts_job": 1,  # sends a digest only when a store's interval passed
    "bcapp.retention.purge_logs_job": 24 * 60,
}


def interval_minutes(store: Store, flow: Flow) -> int:
    """Minutes between scheduled runs of ``flow`` for ``store`` (0: not scheduled)."""
    from bcapp.mapping.rules import FLOW_NAMES, rules_for

    settings = store.settings or {}
    # The merchant's switches with the settings model's defaults (refunds and order status
    # start off); groups the merchant cannot switch (webhooks) always run.
    if flow.group_name in FLOW_NAMES and not rules_for(store).enabled(flow.group_name):
        return 0
    schedules = settings.get("schedules") or {}
    value = schedules.get(flow.name, schedules.get(flow.group_name, PERIODIC.get(flow.name, 0)))
    try:
        return max(int(value or 0), 0)
    except (TypeError, ValueError):
        return 0


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def last_run(store_id: int, flow: str) -> SyncRun | None:
    stmt = (
        db.select(SyncRun)
        .filter_by(store_id=store_id, flow=flow, dry_run=False)
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    )
    return db.session.execute(stmt).scalar_one_or_none()


def due_flows(store: Store, connection: Connection, now: datetime) -> list[str]:
    """Names of the flows due for ``store`` at ``now``."""
    cls = find_connector(connection.kind)
    capabilities = frozenset(cls.capabilities) if cls else frozenset()
    due = []
    for flow in list(FLOWS.values()):
        if not flow.schedulable:
            continue  # per-record flows (one order, one customer) start from their events
        minutes = interval_minutes(store, flow)
        if not minutes or not flow.requires <= capabilities:
            continue
        if flow.when is not None and not flow.when(store):
            continue
        if _is_due(last_run(store.id, flow.name), minutes, now):
            due.append(flow.name)
    return due


def _is_due(last: SyncRun | None, minutes: int, now: datetime) -> bool:
    if last is None:
        return True
    if last.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        return False
    return _aware(last.created_at) <= now - timedelta(minutes=minutes)


def tick(now: datetime | None = None) -> list[Any]:
    """Enqueue every due flow of every active store; returns the jobs."""
    from bcapp.jobs.sync import enqueue_flow

    now = now or utcnow()
    load_flows()
    reap_stale_runs(now)
    recover_webhook_events()
    jobs = schedule_maintenance()
    stmt = (
        db.select(Store, Connection)
        .join(Connection, Connection.store_id == Store.id)
        .where(Store.status == StoreStatus.ACTIVE, Connection.enabled.is_(True))
    )
    for store, connection in db.session.execute(stmt).all():
        if not store.is_installed:
            continue
        for name in due_flows(store, connection, now):
            if sync_blocker(store, FLOWS[name], connection):
                continue  # setup unfinished, or the ERP's credentials missing or refused
            try:
                jobs.append(enqueue_flow(store.id, name, trigger="schedule"))
            except Exception:  # one store's trouble must not stop the others' schedule
                log.exception("could not enqueue %s for store %s", name, store.id)
    return jobs


def recover_webhook_events() -> int:
    """Queue again the stored webhook events nothing will run; how many (never raises)."""
    from bcapp.jobs.handoff import recover_events

    try:
        return len(recover_events().queued)
    except Exception:  # Redis or the database restarting: the next tick tries again
        log.exception("could not recover stranded webhook events")
        db.session.rollback()
        return 0


def reap_stale_runs(now: datetime) -> int:
    """Close runs nobody will finish; returns how many.

    A running run without heartbeat for STALE_AFTER whose lock is free lost its
    worker; a queued run older than ORPHAN_AFTER whose job is gone lost its job.
    """
    reaped = 0
    stale = db.select(SyncRun).where(
        SyncRun.status == RunStatus.RUNNING, SyncRun.heartbeat_at < now - STALE_AFTER
    )
    for run in db.session.execute(stale).scalars():
        flow = FLOWS.get(run.flow)
        lock = flow.lock_name if flow else run.flow
        if redis_ext.client.exists(lock_key(run.store_id, lock)):
            continue  # still held: a long request, not a dead worker
        _close(run, now, RunStatus.FAILED, "The worker running this sync stopped responding.")
        reaped += 1
    orphans = db.select(SyncRun).where(
        SyncRun.status == RunStatus.QUEUED, SyncRun.created_at < now - ORPHAN_AFTER
    )
    for run in db.session.execute(orphans).scalars():
        if run.job_id and _job_active(run.job_id):
            continue  # waiting for a retry
        _close(run, now, RunStatus.CANCELLED, "The queued job of this run was lost.")
        reaped += 1
    db.session.commit()
    return reaped


def _close(run: SyncRun, now: datetime, status: RunStatus, message: str) -> None:
    run.status, run.finished_at, run.message = status, now, message


def _job_active(jid: str) -> bool:
    from bcapp.jobs.sync import ACTIVE_STATUSES

    try:
        job = Job.fetch(jid, connection=redis_ext.client)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in ACTIVE_STATUSES


def schedule_maintenance() -> list[Any]:
    """Queue each MAINTENANCE job whose interval has passed (a Redis marker per job)."""
    from bcapp.jobs.queues import queue, queue_name

    jobs = []
    for path, minutes in MAINTENANCE.items():
        marker = f"bcapp:due:{queue_name(path)}"
        if not redis_ext.client.set(marker, "1", nx=True, ex=max(int(minutes * 60) - 5, 1)):
            continue
        jid = "app-" + re.sub(r"[^A-Za-z0-9_-]", "_", queue_name(path))
        if _job_active(jid):
            continue
        with contextlib.suppress(NoSuchJobError):
            Job.fetch(jid, connection=redis_ext.client).delete()
        jobs.append(queue("default").enqueue(maintenance_job, path, job_id=jid, result_ttl=600))
    return jobs


def maintenance_job(path: str) -> Any:
    """Run one app-wide periodic function (``MAINTENANCE``) inside the app."""
    from werkzeug.utils import import_string

    with app_context():
        return import_string(path)()


def tick_job() -> int:
    """RQ job (or cron target): one tick; returns how many jobs it enqueued or found."""
    with app_context():
        return len(tick())


def tick_loop(*, every: float = 60.0, iterations: int | None = None) -> None:
    """Tick on every ``every`` seconds boundary until interrupted (the clock process)."""
    done = 0
    while iterations is None or done < iterations:
        try:
            count = tick_job()
            log.info("tick: %s job(s) due", count)
        except Exception:  # a bad tick (database restarting) must not end the clock
            log.exception("tick failed")
        done += 1
        if iterations is None or done < iterations:
            time.sleep(every - (time.time() % every))
