"""How the web layer asks for work: a queued SyncRun plus an RQ job, never the work itself.

A button in the app (dry run, Retry, Replay, run now) creates the run row at
once, so the dashboard shows it queued before a worker picks it up, and
enqueues the sync core's job with that run id. The job function is named by
its dotted path, so this module does not import the worker's code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app

from bcapp.extensions import db
from bcapp.models import RunStatus, Store, SyncRun

JOB_FUNCTION = "bcapp.jobs.sync.run_flow_job"


@dataclass(frozen=True)
class Enqueued:
    """What happened: the queued runs, or a sentence for the merchant."""

    runs: tuple[SyncRun, ...] = ()
    error: str = ""


def _flows_for(name: str) -> list[Any]:
    """Registered flows called ``name``, or of the settings group ``name``."""
    from bcapp.sync.registry import FLOWS, flows_in_group, load_flows

    load_flows()
    if name in FLOWS:
        return [FLOWS[name]]
    return flows_in_group(name)


def _job_id(store_id: int, flow: str, options: dict[str, Any]) -> str:
    from bcapp.jobs.queues import job_id

    suffix = "-".join(str(v) for v in options.values() if v is not None)
    base = job_id(store_id, flow)
    if not suffix:
        return base
    return base + "-" + "".join(c if c.isalnum() or c in "-_" else "_" for c in suffix)


def enqueue_flow(
    store: Store, name: str, *, dry_run: bool = False, trigger: str = "manual", **options: Any
) -> Enqueued:
    """Queue flow (or flow group) ``name`` for ``store``; one run row per flow."""
    flows = _flows_for(name)
    if not flows:
        return Enqueued(error=f"The {name.replace('_', ' ')} flow is not available yet.")
    runs = []
    for flow in flows:
        run = SyncRun(
            store_id=store.id, flow=flow.name, status=RunStatus.QUEUED, trigger=trigger,
            dry_run=dry_run,
        )  # fmt: skip
        db.session.add(run)
        db.session.commit()
        error = _enqueue_job(store, flow, run, options)
        if error:
            return Enqueued(tuple(runs), error)
        runs.append(run)
    return Enqueued(tuple(runs))


def _enqueue_job(store: Store, flow: Any, run: SyncRun, options: dict[str, Any]) -> str:
    """Put the job on the flow's queue; on failure cancel the run and say why."""
    from bcapp.jobs.queues import queue

    try:
        job = queue(flow.queue).enqueue(
            JOB_FUNCTION,
            kwargs={
                "store_id": store.id, "flow": flow.name, "run_id": run.id,
                "dry_run": run.dry_run, "trigger": run.trigger, **options,
            },
            job_id=_job_id(store.id, flow.name, options),
            result_ttl=3600,
            failure_ttl=86400,
        )  # fmt: skip
    except Exception as exc:  # Redis down: say so instead of a 500
        current_app.logger.exception("could not enqueue %s for store %s", flow.name, store.id)
        run.status, run.message = RunStatus.CANCELLED, f"Could not queue the run: {exc}"
        db.session.commit()
        return "The job queue is not reachable right now; try again in a minute."
    run.job_id = job.id
    db.session.commit()
    return ""


def enqueue_retry(store: Store, entry: Any, *, replay: bool) -> Enqueued:
    """Retry (re-fetch latest state) or Replay (stored request) one log entry's record."""
    if replay:
        if entry.request is None:
            return Enqueued(error="This entry has no stored request to replay.")
        return enqueue_flow(store, "replay", log_entry_id=entry.id)
    if entry.bc_id is None and entry.erp_id is None:
        return Enqueued(error="This entry names no record to retry.")
    return enqueue_flow(
        store, "retry", entity=entry.entity, bc_id=entry.bc_id, erp_id=entry.erp_id
    )
