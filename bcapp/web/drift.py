"""The drift report page: where the store and the ERP disagree, from the newest drift run.

A summary (differences by kind), a paged table of the differences, each with a
link to the record's history (an order's lineage, a product's log entries) and
the fix the app can make (re-sync that product, export that order: the log's
Retry on the difference's own entry), a button that runs the report now, and
the whole report as CSV. The report itself is the "drift" flow
(:mod:`bcapp.sync.drift`); this page only reads its log entries.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, g, render_template, request
from sqlalchemy import func

from bcapp.extensions import db
from bcapp.models import LogEntry, SyncRun
from bcapp.web.session import store_required

bp = Blueprint("drift", __name__, url_prefix="/app/drift")

FLOW = "drift"
OUTCOME = "drift"
PAGE_SIZE = 50
#: What each kind is called on the page, in the summary's order.
KIND_LABELS = {
    "only_in_erp": "In the ERP, not in the store",
    "only_in_store": "In the store, not in the ERP",
    "price": "Price differs",
    "stock": "Stock differs",
    "order_not_in_erp": "Order waiting, not in the ERP",
    "store_order_missing": "Exported order gone from the store",
    "customer": "Customer details differ",
}
#: The fix the app can make, per kind (the log's Retry of the entry), and its button's words.
FIXES = {
    "only_in_erp": "Sync this product",
    "price": "Re-sync this product",
    "stock": "Re-sync this product",
    "order_not_in_erp": "Export this order",
}
CSV_COLUMNS = ("kind", "sku", "bc_id", "erp_id", "store", "erp", "message")


def latest_run(store_id: int) -> SyncRun | None:
    """The newest drift run of the store (queued, running or finished)."""
    return db.session.execute(
        db.select(SyncRun)
        .filter_by(store_id=store_id, flow=FLOW)
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def last_finished(store_id: int) -> SyncRun | None:
    """The newest drift run that finished (its entries are the report)."""
    return db.session.execute(
        db.select(SyncRun)
        .filter_by(store_id=store_id, flow=FLOW)
        .where(SyncRun.finished_at.is_not(None))
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _entries(run: SyncRun, kind: str = "") -> Any:
    query = db.select(LogEntry).where(LogEntry.run_id == run.id, LogEntry.outcome == OUTCOME)
    if kind:
        query = query.where(LogEntry.details["kind"].as_string() == kind)
    return query.order_by(LogEntry.id)


def summary(run: SyncRun) -> dict[str, int]:
    """Differences per kind, in :data:`KIND_LABELS` order (kinds with none left out)."""
    kind = LogEntry.details["kind"].as_string()
    rows = db.session.execute(
        db.select(kind, func.count())
        .where(LogEntry.run_id == run.id, LogEntry.outcome == OUTCOME)
        .group_by(kind)
    ).all()
    counts = {str(k): int(n) for k, n in rows}
    return {k: counts[k] for k in KIND_LABELS if counts.get(k)}


@bp.get("")
@store_required
def index() -> Any:
    """The summary and one page of the table."""
    kind = request.args.get("kind", "") if request.args.get("kind") in KIND_LABELS else ""
    page = max(1, request.args.get("page", 1, type=int) or 1)
    report = last_finished(g.store.id)
    rows: list[LogEntry] = []
    if report is not None:
        query = _entries(report, kind).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        rows = list(db.session.execute(query).scalars())
    return render_template(
        "drift/index.html",
        report=report,
        current=latest_run(g.store.id),
        counts=summary(report) if report is not None else {},
        entries=rows[:PAGE_SIZE],
        has_next=len(rows) > PAGE_SIZE,
        page=page,
        kind=kind,
        kinds=KIND_LABELS,
        fixes=FIXES,
        active_section="drift",
    )


@bp.get("/report.csv")
@store_required
def export_csv() -> Any:
    """Every difference of the newest finished report, one CSV row each."""
    report = last_finished(g.store.id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    if report is not None:
        for entry in db.session.execute(_entries(report)).scalars():
            details = entry.details or {}
            writer.writerow([details.get("kind", ""), details.get("sku", ""), entry.bc_id or "",
                             entry.erp_id or "", details.get("store", ""),
                             details.get("erp", ""), entry.message])  # fmt: skip
    name = f"drift-{g.store.store_hash}-{report.id if report else 'none'}.csv"
    return Response(
        out.getvalue(),
        200,
        {
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f"attachment; filename={name}",
        },
    )
