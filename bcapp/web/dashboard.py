"""The dashboard: what needs attention, runs with live progress, daily charts, webhook
health, rate budget, alerts, the catalog preview and the full resync.

Everything here reads the database (and the rate budget in Redis); nothing
calls BigCommerce or the ERP (except "Send a test alert", which the merchant
waits for, with a short timeout). The runs fragment is polled by htmx while a
run is queued or running, so the bars move without a page reload. Cards keep
one fixed order (:func:`bcapp.web.wording.flow_order`), whatever ran last.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request
from sqlalchemy import func

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun, WebhookEvent
from bcapp.models.base import utcnow
from bcapp.web import enqueue, erp
from bcapp.web.access import edit_required
from bcapp.web.attention import needs_attention
from bcapp.web.erp_budget import erp_budget
from bcapp.web.session import store_required
from bcapp.web.store_facts import known_statuses
from bcapp.web.wording import flow_order

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
    """Per flow: its newest active run and newest finished one, in one fixed order;
    ``expected`` flows that never ran show too. Queried per flow, so thousands of
    per-order runs cannot hide the catalog."""
    names = db.session.execute(
        db.select(SyncRun.flow).where(SyncRun.store_id == store_id).distinct()
    ).scalars()
    flows = sorted({*names, *expected}, key=flow_order)
    return [
        FlowRuns(name, _newest(store_id, name, ACTIVE), _newest(store_id, name, FINISHED))
        for name in flows
    ]


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
        from bcapp.bigcommerce.budget_redis import budget_for
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
            .where(LogEntry.outcome.not_in(("unchanged", "info")))  # what would change
            .order_by(LogEntry.id)
            .limit(limit)
        ).scalars()
    )


def runnable_flows(store: Any) -> list[str]:
    """Scheduled flows the merchant may start now: registered, schedulable (not one
    record's), switched on and supported by the ERP, in the dashboard's order."""
    from bcapp.mapping.rules import rules_for
    from bcapp.sync.registry import FLOWS, PERIODIC, load_flows

    load_flows()
    connection = erp.connection_of(store)
    supported = erp.supported_flows(connection.kind if connection else None)
    rules = rules_for(store)
    names = []
    for name in PERIODIC:
        flow = FLOWS.get(name)
        if flow is None or not flow.schedulable:
            continue
        if flow.needs_connection and connection is None:
            continue
        if flow.when is not None and not flow.when(store):
            continue  # stock goes one way, following the catalog direction
        group = flow.group_name
        if group in erp.FLOW_CAPABILITIES and not (group in supported and rules.enabled(group)):
            continue  # a merchant flow that is off, or that this ERP cannot do
        if not flow.requires <= _capabilities(connection):
            continue
        names.append(name)
    return sorted(names, key=flow_order)


def _capabilities(connection: Any) -> frozenset[Any]:
    from bcapp.connectors import registry

    cls = registry().get(connection.kind) if connection is not None else None
    return frozenset(getattr(cls, "capabilities", ())) if cls else frozenset()


def dashboard_context() -> dict[str, Any]:
    from bcapp.alerts import channels, pending_count

    store = g.store
    dry = latest_dry_run(store.id)
    runnable = runnable_flows(store)
    runs = flow_runs(store.id, tuple(runnable))
    return {
        "runs": runs,
        "runnable": runnable,
        "polling": any(r.current for r in runs),
        "attention": needs_attention(store, runs),
        "chart": daily_counts(store.id),
        "webhooks": webhook_health(store),
        "budget": budget_snapshot(store),
        "erp_budget": erp_budget(erp.connection_of(store)),
        "dry_run": dry,
        "dry_entries": dry_run_entries(dry),
        "resync": latest_resync_preview(store.id),
        "alerts_pending": pending_count(store),
        "alert_channels": channels(store),
        "alerts_sent_at": (store.settings or {}).get("alert_state", {}).get("sent_at"),
        "connection": erp.connection_of(store),
        "status_labels": known_statuses(store),
        "progress": progress,
        "now": datetime.now(UTC),
    }


def _runs_fragment(enqueue_error: str = "") -> Any:
    """The run cards (polled while something runs) and, swapped out of band, the
    "Needs attention" list, which changes as runs finish."""
    runs = flow_runs(g.store.id, tuple(runnable_flows(g.store)))
    cards = render_template(
        "dashboard/_runs.html",
        runs=runs,
        polling=any(r.current for r in runs),
        progress=progress,
        enqueue_error=enqueue_error,
        status_labels=known_statuses(g.store),
    )
    attention = render_template(
        "dashboard/_attention.html",
        attention=needs_attention(g.store, runs),
        oob=True,
        status_labels=known_statuses(g.store),
    )
    return cards + attention


@bp.get("/runs")
@store_required
def runs_fragment() -> Any:
    """The run cards alone (htmx polls this while something runs)."""
    return _runs_fragment()


@bp.post("/run/<flow>")
@store_required
@edit_required
def run_now(flow: str) -> Any:
    """Start a scheduled flow now (the same job the schedule would queue); with
    ``show_unchanged`` its unchanged records are listed in the log too."""
    if flow not in runnable_flows(g.store):
        abort(404)
    show = bool(request.form.get("show_unchanged"))
    result = enqueue.enqueue_flow(g.store, flow, show_unchanged=show)
    return _runs_fragment(result.error)


@bp.get("/dry-run")
@store_required
def dry_run_fragment() -> Any:
    run = latest_dry_run(g.store.id)
    return render_template("dashboard/_dry_run.html", dry_run=run, dry_entries=dry_run_entries(run))


@bp.post("/dry-run")
@store_required
@edit_required
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


# -- full resync: a full dry run first, then the merchant confirms -----------------------------


def latest_resync_preview(store_id: int) -> SyncRun | None:
    """The newest full dry run of the catalog (the resync's preview), if any."""
    return db.session.execute(
        db.select(SyncRun)
        .filter_by(store_id=store_id, flow=DRY_RUN_FLOW, dry_run=True, full=True)
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _resync_fragment(status: int = 200, **extra: Any) -> Any:
    run = latest_resync_preview(g.store.id)
    return render_template("dashboard/_resync.html", resync=run, **extra), status


@bp.get("/resync")
@store_required
def resync_fragment() -> Any:
    return _resync_fragment()


@bp.post("/resync/preview")
@store_required
@edit_required
def resync_preview() -> Any:
    """Queue a full dry run of the catalog: what a full resync would change."""
    if erp.connection_of(g.store) is None:
        abort(409)
    result = enqueue.enqueue_flow(g.store, DRY_RUN_FLOW, dry_run=True, full=True)
    return _resync_fragment(enqueue_error=result.error)


@bp.post("/resync")
@store_required
@edit_required
def resync() -> Any:
    """The confirmed resync: every catalog flow from the start (as ``bcapp resync`` does)."""
    from bcapp.sync.registry import flows_in_group

    if not request.form.get("confirm"):
        return _resync_fragment(409, enqueue_error="Confirm the full resync first.")
    errors = [enqueue.enqueue_flow(g.store, f.name, full=True).error
              for f in flows_in_group(DRY_RUN_FLOW) if f.schedulable]  # fmt: skip
    message = next((e for e in errors if e), "")
    return _resync_fragment(enqueue_error=message, resync_started=not message)


@bp.post("/test-alert")
@store_required
@edit_required
def test_alert() -> Any:
    """Send a test digest through each channel that is on; say what happened."""
    from bcapp.alerts import channels, send_test

    results = send_test(g.store)
    return render_template(
        "dashboard/_test_alert.html", results=results, alert_channels=channels(g.store)
    )
