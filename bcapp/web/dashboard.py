"""The dashboard: runs with live progress, daily charts, webhook health, rate budget, dry run.

Everything here reads the database (and the rate budget in Redis); nothing
calls BigCommerce or the ERP. The runs fragment is polled by htmx while a
run is queued or running, so the bars move without a page reload.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, g, render_template
from sqlalchemy import func

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun, WebhookEvent
from bcapp.models.base import utcnow
from bcapp.web import enqueue, erp
from bcapp.web.session import store_required

bp = Blueprint("dashboard", __name__, url_prefix="/app/dashboard")

CHART_DAYS = 14
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
DRY_RUN_FLOW = "catalog"


@dataclass(frozen=True)
class FlowRuns:
    """One flow's current run (if any) and its last finished one."""

    flow: str
    current: SyncRun | None
    last: SyncRun | None


def progress(run: SyncRun | None) -> int | None:
    """Percent done, or None when the total is unknown (the bar then pulses)."""
    if run is None:
        return None
    if run.status not in ACTIVE:
        return 100
    if not run.total:
        return None
    return min(100, round(100 * (run.seen or 0) / run.total))


def _newest(store_id: int, flow: str, statuses: Any) -> SyncRun | None:
    return db.session.execute(
        db.select(SyncRun)
        .filter_by(store_id=store_id, flow=flow)
        .where(SyncRun.status.in_(statuses))
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


def flow_runs(store_id: int, expected: tuple[str, ...] = ()) -> list[FlowRuns]:
    """Per flow: its newest active run and newest finished one; ``expected`` flows that never
    ran come last. Queried per flow, so thousands of per-order runs cannot hide the catalog."""
    names = db.session.execute(
        db.select(SyncRun.flow, func.max(SyncRun.created_at))
        .where(SyncRun.store_id == store_id)
        .group_by(SyncRun.flow)
        .order_by(func.max(SyncRun.created_at).desc())
    ).all()
    seen = [name for name, _ in names]
    result = [
        FlowRuns(name, _newest(store_id, name, ACTIVE), _newest(store_id, name, FINISHED))
        for name in seen
    ]
    return result + [FlowRuns(name, None, None) for name in expected if name not in seen]


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _utc(column: Any) -> Any:
    """The column as UTC wall time, so days are UTC days whatever the DB session's zone."""
    if db.engine.dialect.name == "postgresql":
        return func.timezone("UTC", column)
    return column  # SQLite stores UTC text


def daily_counts(store_id: int, days: int = CHART_DAYS) -> dict[str, list[Any]]:
    """Orders exported and failures per day (UTC) for the last ``days`` days."""
    start = (utcnow() - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day = func.date(_utc(LogEntry.created_at))
    rows = db.session.execute(
        db.select(day, LogEntry.entity, LogEntry.outcome, func.count())
        .where(LogEntry.store_id == store_id, LogEntry.created_at >= start)
        .where(LogEntry.outcome.in_(("created", "failed")))
        .group_by(day, LogEntry.entity, LogEntry.outcome)
    ).all()
    exported: dict[date, int] = defaultdict(int)
    failed: dict[date, int] = defaultdict(int)
    for when, entity, outcome, count in rows:
        if outcome == "failed":
            failed[_as_date(when)] += count
        elif entity == "order":
            exported[_as_date(when)] += count
    labels = [start.date() + timedelta(days=i) for i in range(days)]
    return {
        "labels": [d.isoformat() for d in labels],
        "exported": [exported[d] for d in labels],
        "failed": [failed[d] for d in labels],
    }


def webhook_health(store: Any) -> dict[str, Any]:
    """Registration state (the ``webhooks`` watchdog's last run), last delivery, deliveries
    in 24 h and processing failures (WebhookEvent rows)."""
    since = utcnow() - timedelta(hours=24)
    base = db.select(func.count()).select_from(WebhookEvent).filter_by(store_id=store.id)
    last = db.session.execute(
        db.select(WebhookEvent)
        .filter_by(store_id=store.id)
        .order_by(WebhookEvent.received_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    watchdog = db.session.execute(
        db.select(SyncRun)
        .filter_by(store_id=store.id, flow="webhooks")
        .where(SyncRun.status.not_in(ACTIVE))
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return {
        "last": last,
        "day_count": db.session.execute(base.where(WebhookEvent.received_at >= since)).scalar(),
        "failed": db.session.execute(base.where(WebhookEvent.status == "failed")).scalar(),
        "watchdog": watchdog,
    }


def budget_snapshot(store: Any) -> Any:
    """The BigCommerce rate budget in use (None when Redis or the helper is unavailable)."""
    shared = current_app.extensions.get("bcapp.bc_budget")  # the demo's in-process budget
    try:
        if shared is not None and getattr(shared, "store_hash", None) == store.store_hash:
            return shared.snapshot()
        from bcapp.bigcommerce.ratelimit import budget_for
        from bcapp.extensions import key_prefix, redis_ext

        return budget_for(store.store_hash, redis_ext.client, namespace=key_prefix()).snapshot()
    except Exception:  # the dashboard must render without Redis
        current_app.logger.info("no rate budget snapshot for %s", store.store_hash)
        return None


def latest_dry_run(store_id: int) -> SyncRun | None:
    return db.session.execute(
        db.select(SyncRun)
        .filter_by(store_id=store_id, dry_run=True)
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def dry_run_entries(run: SyncRun | None, limit: int = 200) -> list[LogEntry]:
    if run is None:
        return []
    return list(
        db.session.execute(
            db.select(LogEntry)
            .filter_by(store_id=run.store_id, run_id=run.id)
            .order_by(LogEntry.id)
            .limit(limit)
        ).scalars()
    )


def runnable_flows(store: Any) -> list[str]:
    """Scheduled flows the merchant may start now: registered, switched on, supported."""
    from bcapp.mapping.rules import rules_for
    from bcapp.sync.registry import FLOWS, PERIODIC, load_flows

    load_flows()
    connection = erp.connection_of(store)
    supported = erp.supported_flows(connection.kind if connection else None)
    rules = rules_for(store)
    names = []
    for name in PERIODIC:
        flow = FLOWS.get(name)
        if flow is None or (flow.needs_connection and connection is None):
            continue
        group = flow.group_name
        if group in erp.FLOW_CAPABILITIES and not (group in supported and rules.enabled(group)):
            continue  # a merchant flow that is off, or that this ERP cannot do
        names.append(name)
    return names


def dashboard_context() -> dict[str, Any]:
    from bcapp.alerts import pending_count

    store = g.store
    dry = latest_dry_run(store.id)
    runnable = runnable_flows(store)
    runs = flow_runs(store.id, tuple(runnable))
    return {
        "runs": runs,
        "runnable": runnable,
        "polling": any(r.current for r in runs),
        "chart": daily_counts(store.id),
        "webhooks": webhook_health(store),
        "budget": budget_snapshot(store),
        "dry_run": dry,
        "dry_entries": dry_run_entries(dry),
        "alerts_pending": pending_count(store),
        "alerts_sent_at": (store.settings or {}).get("alert_state", {}).get("sent_at"),
        "connection": erp.connection_of(store),
        "progress": progress,
        "now": datetime.now(UTC),
    }


@bp.get("")
@store_required
def index() -> Any:
    from bcapp.web.home import render_home

    return render_home()


@bp.get("/runs")
@store_required
def runs_fragment() -> Any:
    """The run cards alone (htmx polls this while something runs)."""
    runs = flow_runs(g.store.id, tuple(runnable_flows(g.store)))
    return render_template(
        "dashboard/_runs.html",
        runs=runs,
        polling=any(r.current for r in runs),
        progress=progress,
    )


@bp.post("/run/<flow>")
@store_required
def run_now(flow: str) -> Any:
    """Start a scheduled flow now (the same job the schedule would queue)."""
    if flow not in runnable_flows(g.store):
        abort(404)
    result = enqueue.enqueue_flow(g.store, flow)
    runs = flow_runs(g.store.id, tuple(runnable_flows(g.store)))
    return render_template(
        "dashboard/_runs.html",
        runs=runs,
        polling=any(r.current for r in runs),
        progress=progress,
        enqueue_error=result.error,
    )


@bp.get("/dry-run")
@store_required
def dry_run_fragment() -> Any:
    run = latest_dry_run(g.store.id)
    return render_template("dashboard/_dry_run.html", dry_run=run, dry_entries=dry_run_entries(run))


@bp.post("/dry-run")
@store_required
def start_dry_run() -> Any:
    """Enqueue a catalog dry run; its outcomes fill the preview table as they are logged."""
    if erp.connection_of(g.store) is None:
        abort(409)
    result = enqueue.enqueue_flow(g.store, DRY_RUN_FLOW, dry_run=True)
    run = latest_dry_run(g.store.id)
    return render_template(
        "dashboard/_dry_run.html",
        dry_run=run,
        dry_entries=dry_run_entries(run),
        enqueue_error=result.error,
    )
