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
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, g, redirect, render_template, request
from sqlalchemy import func

from bcapp.extensions import db
from bcapp.mapping.rules import merged, with_section
from bcapp.models import LogEntry, SyncRun
from bcapp.web.access import edit_required
from bcapp.web.session import app_url, store_required

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
    return _page()


def _page(errors: dict[str, str] | None = None, status: int = 200) -> Any:
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
        tolerances=merged(g.store.settings)["drift"],
        errors=errors or {},
        active_section="drift",
    ), status


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


#: The tolerance fields: name → (parse, smallest, largest, what it is called in an error).
LIMITS: dict[str, tuple[Any, Any, Any, str]] = {
    "price_tolerance": (Decimal, Decimal("0"), Decimal("1000"), "The price tolerance"),
    "stock_tolerance": (int, 0, 100_000, "The stock tolerance"),
    "order_grace_minutes": (int, 0, 10_080, "The waiting time for orders"),
}


def parse_tolerances(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """The posted tolerances, and a sentence per field that is not a number in range."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, (kind, low, high, label) in LIMITS.items():
        raw = (form.get(name) or "").strip().replace(",", ".")
        try:
            value = kind(raw)
        except (ValueError, InvalidOperation):
            errors[name] = f"{label} must be a number."
            continue
        if not low <= value <= high:
            errors[name] = f"{label} must be between {low} and {high}."
            continue
        values[name] = str(value) if kind is Decimal else value
    return values, errors


@bp.post("/tolerances")
@store_required
@edit_required
def save_tolerances() -> Any:
    """The merchant's tolerances: what counts as a price or stock difference."""
    values, errors = parse_tolerances(request.form)
    if errors:
        return _page(errors, 422)  # like every settings form: the fields say what to fix
    g.store.settings = with_section(g.store.settings, "drift", values)
    db.session.commit()
    return redirect(app_url("drift.index"), 303)
