"""Retention: activity-log entries (and the payloads they carry) are deleted after N days.

N is the store's ``general.log_retention_days`` (default ``LOG_RETENTION_DAYS``,
30). Payloads live only in ``LogEntry.request/response/details``, so deleting
the entry deletes them. Finished runs older than the window go too, except
each flow's most recent run, which the dashboard shows as "last run".
Deletion is batched so a first purge of a large log does not hold one huge
transaction. Called by ``bcapp purge-logs`` and the periodic schedule
(:func:`purge_logs_job`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func

from bcapp.config import current_settings
from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.models import LogEntry, RunStatus, Store, SyncRun
from bcapp.models.base import utcnow

log = logging.getLogger(__name__)

BATCH = 5000
FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


@dataclass(frozen=True)
class Purged:
    store_hash: str
    entries: int
    runs: int
    cutoff: datetime


def retention_days(store: Store) -> int:
    """The store's setting, else the server's ``LOG_RETENTION_DAYS`` (else 30)."""
    if "log_retention_days" in ((store.settings or {}).get("general") or {}):
        return rules_for(store).general.log_retention_days
    return int(current_settings().log_retention_days or 30)


def cutoff_for(store: Store, now: datetime | None = None) -> datetime:
    """Entries created before this moment are past the store's retention."""
    return (now or utcnow()) - timedelta(days=retention_days(store))


def _delete_entries(store_id: int, cutoff: datetime) -> int:
    deleted = 0
    while True:
        ids = (
            db.session.execute(
                db.select(LogEntry.id)
                .where(LogEntry.store_id == store_id, LogEntry.created_at < cutoff)
                .limit(BATCH)
            )
            .scalars()
            .all()
        )
        if not ids:
            return deleted
        db.session.execute(db.delete(LogEntry).where(LogEntry.id.in_(ids)))
        db.session.commit()
        deleted += len(ids)


def _delete_runs(store_id: int, cutoff: datetime) -> int:
    """Old finished runs, keeping each flow's newest one."""
    newest = (
        db.select(func.max(SyncRun.id))
        .where(SyncRun.store_id == store_id)
        .group_by(SyncRun.flow)
        .scalar_subquery()
    )
    result = db.session.execute(
        db.delete(SyncRun)
        .where(SyncRun.store_id == store_id, SyncRun.created_at < cutoff)
        .where(SyncRun.status.in_(FINISHED), SyncRun.id.not_in(newest))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return getattr(result, "rowcount", 0) or 0


def purge_store(store: Store, now: datetime | None = None) -> Purged:
    """Delete the store's log entries and finished runs past its retention."""
    cutoff = cutoff_for(store, now)
    entries = _delete_entries(store.id, cutoff)
    runs = _delete_runs(store.id, cutoff)
    return Purged(store.store_hash, entries, runs, cutoff)


def purge_all(now: datetime | None = None) -> list[Purged]:
    """Purge every store (uninstalled ones too: their logs age out the same way)."""
    stores = db.session.execute(db.select(Store)).scalars().all()
    results = [purge_store(store, now) for store in stores]
    for r in results:
        if r.entries or r.runs:
            log.info("purged %s log entries and %s runs of %s", r.entries, r.runs, r.store_hash)
    return results


def purge_logs_job() -> int:
    """RQ job for the periodic schedule; returns how many entries were deleted."""
    return sum(r.entries for r in purge_all())
