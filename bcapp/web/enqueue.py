"""How the web layer asks for work: through the job layer, never doing the work itself.

Buttons in the app (catalog dry run, Retry, Replay) call
:mod:`bcapp.jobs.sync`, which opens a queued SyncRun at once (so the dashboard
shows it before a worker picks it up) and enqueues the job under a
deterministic id, so a double click queues nothing twice. This module turns
that into a result the templates can show, including a sentence for the
merchant when the queue is unreachable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from bcapp.errors import BcappError
from bcapp.extensions import db
from bcapp.models import LogEntry, Store, SyncRun


@dataclass(frozen=True)
class Enqueued:
    """What happened: the run that was queued (or already was), or a sentence."""

    run: SyncRun | None = None
    error: str = ""


def _run_of(job: Any) -> SyncRun | None:
    """The SyncRun the job layer opened for ``job`` (it passes ``run_id`` to the job)."""
    run_id = (getattr(job, "kwargs", None) or {}).get("run_id")
    return db.session.get(SyncRun, run_id) if run_id is not None else None


def _call(fn: Any, *args: Any, **kwargs: Any) -> Enqueued:
    try:
        job = fn(*args, **kwargs)
    except BcappError as exc:
        return Enqueued(error=exc.message)
    except Exception:  # Redis down: say so instead of a 500
        current_app.logger.exception("could not enqueue %s%s", getattr(fn, "__name__", fn), args)
        db.session.rollback()
        return Enqueued(error="The job queue is not reachable right now; try again in a minute.")
    return Enqueued(run=_run_of(job))


def enqueue_flow(
    store: Store,
    flow: str,
    *,
    dry_run: bool = False,
    full: bool = False,
    show_unchanged: bool = False,
) -> Enqueued:
    """Queue ``flow`` for ``store`` now (``dry_run``: record what it would change;
    ``full``: from the start, ignoring the saved cursor; ``show_unchanged``: list the
    unchanged records in the log too, not only count them)."""
    from bcapp.jobs import sync

    options = {"show_unchanged": True} if show_unchanged else {}
    return _call(
        sync.enqueue_flow, store.id, flow, trigger="manual", dry_run=dry_run, full=full, **options
    )


def enqueue_retry(
    store: Store, entry: LogEntry, *, replay: bool, mapping: str = "current"
) -> Enqueued:
    """Retry (re-fetch the latest state) or Replay (the stored request) one entry's record.

    ``mapping``: Replay with the "current" field mapping or the "original" version.
    """
    from bcapp.jobs import sync

    if replay:
        return _call(sync.enqueue_replay, entry.id, store_id=store.id, mapping=mapping)
    if entry.bc_id is None and entry.erp_id is None:
        return Enqueued(error="This entry names no record to retry.")
    return _call(sync.enqueue_retry, store.id, entry.entity, bc_id=entry.bc_id, erp_id=entry.erp_id)
