"""Enqueue flows and run them in RQ workers.

``enqueue_flow(store_id, flow, *, key=None, trigger="manual", dry_run=False, full=False,
delay=None, **options) -> Job`` is what the web layer, webhooks, the tick and
the CLI call. The job id is ``store-{id}-{flow}`` (plus ``-key`` for per-record
jobs, ``-dry`` for dry runs and ``-full`` for full runs), so asking twice while
the job is queued, running or waiting for a retry returns the same job. A new
job opens its :class:`SyncRun` at once (status queued), so the dashboard shows it.

``run_flow_job`` runs the flow through :func:`bcapp.sync.runner.run_flow`. A
RetryableSyncError is retried under the one retry policy of :mod:`bcapp.jobs.retry`
(RQ's ``Retry`` after ``SYNC_RETRY_INTERVALS``, no earlier than the error's
``retry_after``); any other failure is not retried. When the retries run out the
run stays failed with the reason.

``enqueue_retry(store_id, entity, bc_id=..|erp_id=..)`` and
``enqueue_replay(log_entry_id)`` back the activity log's Retry and Replay buttons.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from rq import Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus, get_current_job

from bcapp.errors import ConfigError, RetryableSyncError
from bcapp.extensions import db, redis_ext
from bcapp.jobs import retry
from bcapp.jobs.queues import job_id, queue
from bcapp.jobs.runtime import app_context
from bcapp.models import LogEntry, RunStatus, Store, SyncRun
from bcapp.models.base import utcnow

log = logging.getLogger(__name__)

#: Kept for callers of the old name; the policy lives in :mod:`bcapp.jobs.retry`.
DEFAULT_RETRY_INTERVALS = retry.DEFAULT_INTERVALS
#: Job timeouts per queue (seconds): catalog runs are long, order exports must not hang.
JOB_TIMEOUTS = {"orders": 600, "default": 3600, "catalog": 4 * 3600}
ACTIVE_STATUSES = frozenset(
    {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
)


def enqueue_flow(
    store_id: int,
    flow: str,
    *,
    key: str | None = None,
    trigger: str = "manual",
    dry_run: bool = False,
    full: bool = False,
    delay: float | None = None,
    **options: Any,
) -> Job:
    """Queue ``flow`` for a store, or return the job already queued/running/scheduled for it.

    Raises:
        ConfigError: unknown flow, or the store is not installed.
    """
    from bcapp.sync.registry import get_flow

    spec = get_flow(flow).for_options(options)
    key = key or ("dry" if dry_run else "full" if full else None)
    jid = job_id(store_id, flow, key)
    q = queue(spec.queue)
    existing = active_job(jid)
    if existing is not None:
        return existing
    store = db.session.get(Store, store_id)
    if store is None or not store.is_installed:
        raise ConfigError("The store has not installed the app.")
    from bcapp.sync.runner import open_run

    run = open_run(store, flow, trigger=trigger, dry_run=dry_run, full=full, job_id=jid)
    job = q.create_job(
        run_flow_job,
        args=(store_id, flow),
        kwargs={**options, "run_id": run.id, "dry_run": dry_run, "full": full, "trigger": trigger},
        job_id=jid,
        timeout=JOB_TIMEOUTS.get(spec.queue, 3600),
        retry=retry_policy(),
        result_ttl=3600,
        failure_ttl=7 * 86400,
        description=f"{flow} for store {store_id}",
    )
    try:
        if delay:
            return q.schedule_job(job, utcnow() + timedelta(seconds=delay), unique=True)
        return q.enqueue_job(job, unique=True)
    except DuplicateJobError:  # another process enqueued it between our check and now
        db.session.delete(run)
        db.session.commit()
        return Job.fetch(jid, connection=q.connection)
    except Exception as exc:  # Redis down: the run must not wait for a job that never came
        run.status, run.finished_at = RunStatus.CANCELLED, utcnow()
        run.message = f"Could not queue the run: {exc}"
        db.session.commit()
        raise


def active_job(jid: str) -> Job | None:
    """The job ``jid`` if it is queued, running or scheduled; a finished one is deleted."""
    try:
        job = Job.fetch(jid, connection=redis_ext.client)
    except NoSuchJobError:
        return None
    if job.get_status(refresh=False) in ACTIVE_STATUSES:
        return job
    job.delete()  # finished or failed: make room for the new one under the same id
    return None


def retry_policy() -> Retry:
    """The one retry policy (:func:`bcapp.jobs.retry.policy`)."""
    return retry.policy()


def run_flow_job(store_id: int, flow: str, run_id: int | None = None, **options: Any) -> str:
    """The RQ job: run one flow for one store; returns the run's final status."""
    from bcapp.sync.runner import run_flow

    with app_context():
        retry.ensure_policy()
        try:
            run = run_flow(store_id, flow, run_id=run_id, **options)
        except RetryableSyncError as exc:
            _plan_retry(exc, run_id)
            raise
        except Exception:
            retry.stop()
            raise
        return str(run.status) if run is not None else str(RunStatus.CANCELLED)


def _plan_retry(exc: RetryableSyncError, run_id: int | None) -> None:
    """Let RQ retry no earlier than ``exc.retry_after``; tell the run what happens next."""
    job = get_current_job()
    run = db.session.get(SyncRun, run_id) if run_id is not None else None
    delay = retry.plan(exc.retry_after)
    if delay is None:
        if run is not None and job is not None:
            run.message = f"Gave up after {retry.attempts(job)} attempts: {exc.message}"
            db.session.commit()
        return
    if run is not None:
        run.status = RunStatus.QUEUED
        run.message = f"{exc.message} Trying again in {_human(delay)}."
        run.finished_at = None
        db.session.commit()


def defer_retry(job: Job, retry_after: float | None) -> int:
    """Make the coming retry wait at least ``retry_after`` s (:func:`bcapp.jobs.retry.defer`)."""
    return retry.defer(job, retry_after)


def _human(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def enqueue_retry(
    store_id: int, entity: str, *, bc_id: Any = None, erp_id: Any = None, trigger: str = "retry"
) -> Job:
    """The log's Retry button: re-sync one record from its latest state."""
    if bc_id is None and erp_id is None:
        raise ValueError("enqueue_retry() needs bc_id or erp_id")
    ident = f"bc-{bc_id}" if bc_id is not None else f"erp-{erp_id}"
    return enqueue_flow(store_id, "retry", key=f"{entity}:{ident}", trigger=trigger,
                        entity=entity, bc_id=bc_id, erp_id=erp_id)  # fmt: skip


def enqueue_replay(
    log_entry_id: int, *, store_id: int | None = None, mapping: str = "current"
) -> Job:
    """The log's Replay button: re-send a log entry's stored request.

    Pass ``store_id`` from the web layer: an entry of another store is refused.
    ``mapping`` "original" maps the record with the field-mapping version the entry
    used; "current" with the store's current one.
    """
    entry = db.session.get(LogEntry, log_entry_id)
    if entry is None or (store_id is not None and entry.store_id != store_id):
        raise ConfigError("That log entry no longer exists.")
    if entry.request is None:
        raise ConfigError("This log entry has no stored request to replay.")
    options: dict[str, Any] = {"mapping": "original"} if mapping == "original" else {}
    return enqueue_flow(entry.store_id, "replay", key=f"log-{entry.id}", trigger="replay",
                        log_entry_id=entry.id, **options)  # fmt: skip


def enqueue_registration(sender: Any, store: Any, **_: Any) -> None:
    """``store_installed`` receiver: queue the ``webhooks`` flow (never call BigCommerce here)."""
    try:
        enqueue_flow(store.id, "webhooks", trigger="install")
    except Exception:  # the watchdog registers them on its next tick anyway
        log.exception("could not queue webhook registration for store %s", store.store_hash)
