"""The activity log: what moved, which way, with which result; detail, Retry/Replay, lineage,
and retrying many failed records at once (selected ones, or every failure of a run).

Every query is scoped to ``g.store``: an id typed into a URL that belongs to
another store is a 404, exactly like an id that does not exist. Rows name their
record as the merchant knows it (order #, SKU, e-mail; :mod:`bcapp.web.wording`)
and status numbers in messages become the store's own status labels.

Unchanged records are counted on their run, not listed one row each; a preview
(dry run) lists them, and the page says so where a merchant would look for them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, abort, g, render_template, request
from sqlalchemy import or_

from bcapp.extensions import db
from bcapp.models import Binding, LogEntry, SyncRun
from bcapp.web import enqueue, erp, params
from bcapp.web.access import edit_required
from bcapp.web.session import store_required
from bcapp.web.store_facts import store_facts

bp = Blueprint("activity", __name__, url_prefix="/app")

PAGE_SIZE = 50
DIRECTIONS = {"erp_to_bc": "ERP → BigCommerce", "bc_to_erp": "BigCommerce → ERP", "app": "App"}
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")
LINEAGE_ENTITIES = ("order", "shipment", "credit_note", "refund")


@dataclass(frozen=True)
class Filters:
    """The log's filters as the query string carries them."""

    direction: str = ""
    entity: str = ""
    outcome: str = ""
    date_from: str = ""
    date_to: str = ""
    q: str = ""
    run: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> Filters:
        """The filters of a query string; an out-of-range number or date is a 400."""
        return cls(
            direction=args.get("direction", "") if args.get("direction") in DIRECTIONS else "",
            entity=params.text_arg(args, "entity", 32),
            outcome=args.get("outcome", "") if args.get("outcome") in OUTCOMES else "",
            date_from=params.day_arg(args, "date_from"),
            date_to=params.day_arg(args, "date_to"),
            q=params.text_arg(args, "q", 200),
            run=params.int_arg(args, "run", None),
            page=params.int_arg(args, "page", 1) or 1,
        )

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as link arguments (empty ones left out), with ``changes`` applied."""
        values = {**self.__dict__, **changes}
        return {k: v for k, v in values.items() if v not in ("", None) and (k, v) != ("page", 1)}


def _iso_day(value: str) -> str:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()
    except ValueError:
        return ""


def filtered_query(store_id: int, f: Filters) -> Any:
    """The store's log entries matching the filters, newest first."""
    query = db.select(LogEntry).where(LogEntry.store_id == store_id)
    for column, value in (
        (LogEntry.direction, f.direction),
        (LogEntry.entity, f.entity),
        (LogEntry.outcome, f.outcome),
    ):
        if value:
            query = query.where(column == value)
    if f.run:
        query = query.where(LogEntry.run_id == f.run)
    if f.date_from:
        query = query.where(LogEntry.created_at >= _day_start(f.date_from))
    if f.date_to:
        query = query.where(LogEntry.created_at < _day_start(f.date_to) + timedelta(days=1))
    if f.q:
        like = f"%{f.q}%"
        query = query.where(
            or_(LogEntry.bc_id == f.q, LogEntry.erp_id == f.q, LogEntry.message.ilike(like))
        )
    return query.order_by(LogEntry.created_at.desc(), LogEntry.id.desc())


def _day_start(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def entities(store_id: int) -> list[str]:
    """The entity names this store's log holds (for the filter's options)."""
    rows = db.session.execute(
        db.select(LogEntry.entity).where(LogEntry.store_id == store_id).distinct()
    ).scalars()
    return sorted(rows)


@bp.get("/activity")
@store_required
def index() -> Any:
    f = Filters.from_args(request.args)
    query = filtered_query(g.store.id, f)
    rows = list(
        db.session.execute(query.offset((f.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).scalars()
    )
    run = db.session.get(SyncRun, f.run) if f.run else None
    context = {
        "entries": rows[:PAGE_SIZE],
        "has_next": len(rows) > PAGE_SIZE,
        "filters": f,
        "directions": DIRECTIONS,
        "outcomes": OUTCOMES,
        "entities": entities(g.store.id),
        "run": run if run is not None and run.store_id == g.store.id else None,
        "status_labels": store_facts(g.store).statuses,
        "retryable": retryable_entities(),
        "active_section": "activity",
    }
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "log":
        return render_template("activity/_table.html", **context)
    return render_template("activity/index.html", **context)


def store_entry(entry_id: int) -> LogEntry:
    """The log entry ``entry_id`` of the current store, or 404."""
    entry = db.session.execute(
        db.select(LogEntry).filter_by(id=entry_id, store_id=g.store.id)
    ).scalar_one_or_none()
    if entry is None:
        abort(404)
    return entry


def pretty(payload: Any) -> str:
    """Indented JSON of a stored payload, redacted again in case an old row predates redaction."""
    if payload is None:
        return ""
    from bcapp.sync.records import redact

    return json.dumps(redact(payload), indent=2, sort_keys=True, ensure_ascii=False, default=str)


@bp.get("/activity/<int:entry_id>")
@store_required
def detail(entry_id: int) -> Any:
    entry = store_entry(entry_id)
    run = db.session.get(SyncRun, entry.run_id) if entry.run_id else None
    return render_template(
        "activity/detail.html",
        status_labels=store_facts(g.store).statuses,
        entry=entry,
        resolved_by=later_success(entry) if entry.outcome == "failed" else None,
        run=run if run is not None and run.store_id == g.store.id else None,
        request_text=pretty(entry.request),
        response_text=pretty(entry.response),
        details_text=pretty(entry.details),
        directions=DIRECTIONS,
        active_section="activity",
    )


def later_success(entry: LogEntry) -> LogEntry | None:
    """A later entry that synced the same record (a retry or the next run fixed it)."""
    if entry.bc_id is not None:
        same_record = LogEntry.bc_id == entry.bc_id
    else:
        same_record = LogEntry.erp_id == entry.erp_id
    return db.session.execute(
        db.select(LogEntry)
        .where(LogEntry.store_id == entry.store_id, LogEntry.entity == entry.entity, same_record)
        .where(LogEntry.id > entry.id, LogEntry.outcome.in_(("created", "updated", "unchanged")))
        .order_by(LogEntry.id)
        .limit(1)
    ).scalar_one_or_none()


@bp.post("/activity/<int:entry_id>/retry")
@store_required
@edit_required
def retry(entry_id: int) -> Any:
    """Re-sync the record from its latest state (the sync core's retry handler)."""
    return _requeue(store_entry(entry_id), replay=False)


@bp.post("/activity/<int:entry_id>/replay")
@store_required
@edit_required
def replay(entry_id: int) -> Any:
    """Re-send the stored (redacted) request through the entity's retry handler."""
    mapping = "original" if request.form.get("mapping") == "original" else "current"
    return _requeue(store_entry(entry_id), replay=True, mapping=mapping)


def _requeue(entry: LogEntry, *, replay: bool, mapping: str = "current") -> Any:
    result = enqueue.enqueue_retry(g.store, entry, replay=replay, mapping=mapping)
    status = 202 if not result.error else 409
    return render_template("activity/_requeued.html", result=result, replay=replay), status


def retryable_entities() -> frozenset[str]:
    """Record types that have a retry handler (only their failures get a checkbox)."""
    from bcapp.sync.registry import RETRY_HANDLERS, load_flows

    load_flows()
    return frozenset(RETRY_HANDLERS)


@bp.post("/activity/list-unchanged/<flow>")
@store_required
@edit_required
def list_unchanged(flow: str) -> Any:
    """Run a scheduled flow once more, listing its unchanged records in the log too."""
    from bcapp.web.dashboard import runnable_flows

    if flow not in runnable_flows(g.store):
        abort(404)
    result = enqueue.enqueue_flow(g.store, flow, show_unchanged=True)
    status = 409 if result.error else 202
    return render_template("activity/_listing.html", result=result, flow=flow), status


#: At most this many records are retried by one bulk action.
BULK_LIMIT = 500
RETRYABLE = ("failed", "skipped")


@bp.post("/activity/retry")
@store_required
@edit_required
def bulk_retry() -> Any:
    """Retry the selected failed entries (``entry``, repeated) or every failure of ``run``.

    One retry per record, even when a record failed several times; each is its own job
    (so one bad record cannot hold up the others) under the record's retry job id.
    """
    entries = bulk_entries(request.form.getlist("entry"), request.form.get("run", ""))
    queued, problems = 0, []
    for entry in entries:
        result = enqueue.enqueue_retry(g.store, entry, replay=False)
        if result.error:
            problems.append((entry, result.error))
        else:
            queued += 1
    status = 202 if queued or not problems else 409
    return render_template(
        "activity/_bulk_requeued.html", queued=queued, problems=problems, asked=len(entries)
    ), status


def bulk_entries(ids: list[str], run: str) -> list[LogEntry]:
    """The store's failed/skipped entries named by id or run, one per record, newest first."""
    query = db.select(LogEntry).where(
        LogEntry.store_id == g.store.id,
        LogEntry.outcome.in_(RETRYABLE),
        LogEntry.entity.in_(retryable_entities()),
    )
    numbers = [int(i) for i in ids if str(i).isdigit()][:BULK_LIMIT]
    if run.isdigit():
        query = query.where(LogEntry.run_id == int(run))
    elif numbers:
        query = query.where(LogEntry.id.in_(numbers))
    else:
        return []
    rows = db.session.execute(query.order_by(LogEntry.id.desc()).limit(BULK_LIMIT)).scalars()
    unique: dict[tuple[str, Any, Any], LogEntry] = {}
    for entry in rows:
        unique.setdefault((entry.entity, entry.bc_id, entry.erp_id), entry)
    return list(unique.values())


@bp.get("/lineage/order/<bc_id>")
@store_required
def lineage(bc_id: str) -> Any:
    """One page from a BigCommerce order to its ERP order, shipments and credit notes."""
    bc_id = params.clean_text(bc_id, 64)
    bindings = order_bindings(bc_id)
    erp_ids = {b.erp_id for b in bindings}
    return render_template(
        "activity/lineage.html",
        bc_id=bc_id,
        bindings=bindings,
        entries=lineage_entries(bc_id, erp_ids),
        directions=DIRECTIONS,
        active_section="activity",
    )


def order_bindings(bc_id: str) -> list[Binding]:
    """Bindings of the order and of records hanging off it (``{order}:{id}`` or data)."""
    connection = erp.connection_of(g.store)
    if connection is None:
        return []
    rows = db.session.execute(
        db.select(Binding)
        .where(Binding.connection_id == connection.id)
        .where(Binding.entity.in_(LINEAGE_ENTITIES))
        .where(or_(Binding.bc_id == bc_id, Binding.bc_id.like(f"{bc_id}:%")))
    ).scalars()
    return sorted(rows, key=lambda b: (LINEAGE_ENTITIES.index(b.entity), b.synced_at or 0))


def lineage_entries(bc_id: str, erp_ids: set[str], limit: int = 500) -> list[LogEntry]:
    """Log entries of the order and its shipments, refunds and credit notes, oldest first.

    A flow links a dependent record to its order by logging ``bc_id`` as
    ``"{order_id}:{record_id}"`` (found by SQL), or by ``details["order_bc_id"]``
    / ``details["erp_order_id"]`` (found among the newest dependent entries).
    """
    scoped = db.select(LogEntry).where(
        LogEntry.store_id == g.store.id, LogEntry.entity.in_(LINEAGE_ENTITIES)
    )
    direct = or_(LogEntry.bc_id == bc_id, LogEntry.bc_id.like(f"{bc_id}:%"))
    if erp_ids:
        direct = or_(direct, LogEntry.erp_id.in_(erp_ids))
    found = {e.id: e for e in db.session.execute(scoped.where(direct).limit(limit)).scalars()}
    recent = scoped.where(LogEntry.entity != "order").order_by(LogEntry.id.desc()).limit(limit)
    for entry in db.session.execute(recent).scalars():
        if entry.id not in found and _linked_by_details(entry, bc_id, erp_ids):
            found[entry.id] = entry
    return sorted(found.values(), key=lambda e: (e.created_at, e.id))[:limit]


def _linked_by_details(entry: LogEntry, bc_id: str, erp_ids: set[str]) -> bool:
    details = entry.details or {}
    if str(details.get("order_bc_id", "")) == bc_id:
        return True
    return str(details.get("erp_order_id", "")) in erp_ids
