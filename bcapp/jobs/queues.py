"""Queues and job bookkeeping shared by every job module.

Job ids are deterministic (``[prefix]store-{id}-{flow}``; RQ allows only letters, digits,
- and _) so one flow is never queued twice for a store, and a store's jobs can be found and
cancelled at uninstall. RQ keeps every job hash under ``rq:job:{id}`` whatever its queue, so
the ids carry ``RQ_QUEUE_PREFIX`` too: two deployments sharing a Redis never overwrite
each other's jobs.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from flask import current_app
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry

from bcapp.config import current_settings
from bcapp.extensions import redis_ext
from bcapp.models import Store

log = logging.getLogger(__name__)

QUEUE_NAMES = ("orders", "default", "catalog")
_JOB_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def queue_name(name: str) -> str:
    """The Redis name of a queue: ``RQ_QUEUE_PREFIX`` (app config, default none) + name.

    The prefix (also on run-lock keys, :func:`bcapp.locks.lock_key`) keeps
    test runs, or several deployments sharing one Redis, apart.
    """
    return f"{current_settings().rq_queue_prefix}{name}"


def queue(name: str = "default") -> Queue:
    """The named queue on the app's Redis."""
    return Queue(queue_name(name), connection=redis_ext.client, default_timeout=3600)


def job_id(store_id: int, flow: str, key: str | None = None) -> str:
    """Deterministic id of a store's flow job; ``key`` tells apart per-record and dry-run jobs.

    RQ accepts only letters, digits, ``-`` and ``_`` in ids, so anything else in
    ``key`` becomes ``_``.
    """
    base = f"{store_job_prefix(store_id)}{flow}"
    return f"{base}-{_JOB_ID_UNSAFE.sub('_', str(key))}" if key else base


def event_job_id(store_id: int, event_id: int, suffix: str = "") -> str:
    """Id of the job acting on a stored webhook event (``suffix`` for its retries)."""
    return f"{store_job_prefix(store_id)}event-{event_id}{suffix}"


def store_job_prefix(store_id: int) -> str:
    """What every job id of this store (in this deployment) starts with."""
    deployment = _JOB_ID_UNSAFE.sub("_", current_settings().rq_queue_prefix)
    return f"{deployment}store-{store_id}-"


def cancel_store_jobs(store_id: int) -> int:
    """Cancel every queued or scheduled job of a store; returns how many."""
    prefix = store_job_prefix(store_id)
    cancelled = 0
    try:
        for name in QUEUE_NAMES:
            q = queue(name)
            ids = list(q.get_job_ids()) + list(ScheduledJobRegistry(queue=q).get_job_ids())
            for jid in ids:
                if jid.startswith(prefix):
                    job = Job.fetch(jid, connection=q.connection)
                    job.cancel()
                    job.delete()
                    cancelled += 1
    except Exception:  # Redis down must not block an uninstall; jobs re-check the store
        current_app.logger.exception("could not cancel the jobs of store %s", store_id)
    _cancel_queued_runs(store_id)
    return cancelled


def cancel_store_jobs_receiver(sender: object, store: Store, **_: object) -> None:
    """``store_paused`` receiver: the store's queued jobs would only fail; cancel them."""
    cancel_store_jobs(store.id)


def _cancel_queued_runs(store_id: int) -> None:
    """Runs still waiting for a worker will not get one: say so on the dashboard."""
    from bcapp.extensions import db
    from bcapp.models import RunStatus, SyncRun
    from bcapp.models.base import utcnow

    db.session.execute(
        db.update(SyncRun)
        .where(SyncRun.store_id == store_id, SyncRun.status == RunStatus.QUEUED)
        .values(
            status=RunStatus.CANCELLED,
            finished_at=utcnow(),
            message="Cancelled: syncing is paused for this store.",
        )
    )
    db.session.commit()


def queue_stats(names: tuple[str, ...] = QUEUE_NAMES) -> list[tuple[str, int, float]]:
    """(queue, jobs waiting, seconds the oldest has waited) per queue (0 when empty).

    RQ appends at the tail and takes from the head, so the head is the oldest
    (a job put at the front on purpose is younger than it looks: never older).
    """
    stats = []
    now = datetime.now(UTC)
    for name in names:
        q = queue(name)
        depth = q.count
        age = 0.0
        head = q.get_job_ids(0, 1)
        if head:
            job = q.fetch_job(head[0])
            enqueued = job.enqueued_at if job is not None else None
            if enqueued is not None:
                enqueued = enqueued.replace(tzinfo=enqueued.tzinfo or UTC)
                age = max((now - enqueued).total_seconds(), 0.0)
        stats.append((name, depth, age))
    return stats
