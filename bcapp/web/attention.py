"""The dashboard's "Needs attention" list: what the merchant must look at, alerts or not.

Three kinds of item, most urgent first:

* the ERP connection (credentials missing or refused: every flow is paused);
* scheduled flows whose last run failed, or finished with failed records;
* orders whose last export failed (the export also moved them to the merchant's
  error status in BigCommerce), each linking to its log entry with Retry, plus
  one "retry all" for the lot.

It reads only the database, like the rest of the dashboard.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus
from bcapp.models.base import utcnow
from bcapp.onboarding import connection_problem, current_connection
from bcapp.web.erp_oauth import oauth_erp
from bcapp.web.wording import flow_label

#: Failed orders older than this are left to the activity log.
ORDER_WINDOW = timedelta(days=30)
ORDERS_LISTED = 10
#: Outcomes that settle an order: its newest one says whether it is in the ERP.
SETTLING = ("created", "updated", "unchanged", "failed")


@dataclass(frozen=True)
class Item:
    """One line of the list: what is wrong, and where to fix it."""

    kind: str  # "connection" | "run" | "order"
    text: str
    endpoint: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    link_text: str = ""
    #: the link opens the ERP's sign-in in a new window ("Reconnect Exact Online")
    popup_kind: str = ""


@dataclass
class Attention:
    items: list[Item] = field(default_factory=list)
    failed_orders: int = 0
    failed_order_ids: list[int] = field(default_factory=list)  # log entry ids, for retry all

    def __bool__(self) -> bool:
        return bool(self.items)


def needs_attention(store: Any, runs: Sequence[Any]) -> Attention:
    """Everything the merchant should act on, for the dashboard."""
    result = Attention()
    connection = current_connection(store)
    problem = connection_problem(connection)
    if problem:
        result.items.append(_connection_item(connection, problem))
    result.items += _run_items(runs)
    entries, count = failed_orders(store.id)
    result.failed_orders, result.failed_order_ids = count, [e.id for e in entries]
    for entry in entries[:ORDERS_LISTED]:
        said = entry.message or ""
        text = (
            f"Order #{entry.bc_id}: {said}"
            if said.lower().startswith("not exported")
            else (f"Order #{entry.bc_id} was not exported: {said}")
        )
        args = {"entry_id": entry.id}
        result.items.append(Item("order", text, "activity.detail", args, "Open and retry"))
    return result


def _connection_item(connection: Any, problem: str) -> Item:
    """The paused connection; for a sign-in ERP the "Reconnect …" button opens its sign-in."""
    erp = oauth_erp(connection.kind if connection is not None else None)
    if erp is None or connection.refused_at is None:
        return Item("connection", problem, "settings.index", {}, "Reconnect")
    args = {"kind": erp.kind, "back": "settings"}
    return Item("connection", problem, "connect.start", args, f"Reconnect {erp.label}", erp.kind)


def _run_items(runs: Sequence[Any]) -> list[Item]:
    """Scheduled flows whose last run failed or failed records. One record's runs (an order
    export) are left out: their record is listed itself, and an interrupted one is retried."""
    from bcapp.sync.registry import FLOWS, load_flows

    load_flows()
    items = []
    for flow_runs in runs:
        last = flow_runs.last
        if last is None or flow_runs.current is not None or last.dry_run:
            continue
        if getattr(FLOWS.get(flow_runs.flow), "per_record", False):
            continue
        name = flow_label(flow_runs.flow)
        if last.status == RunStatus.FAILED:
            text = f"{name}: the last run failed: {last.message}"
        elif last.status == RunStatus.SUCCEEDED and last.failed and flow_runs.flow != "orders":
            text = f"{name}: {last.failed} record(s) failed in the last run."
        else:
            continue
        args = {"run": last.id, "outcome": "failed"} if last.failed else {"run": last.id}
        items.append(Item("run", text, "activity.index", args, "Show in the log"))
    return items


def failed_orders(store_id: int) -> tuple[list[LogEntry], int]:
    """Orders whose newest export outcome is a failure (newest first), and how many."""
    since = utcnow() - ORDER_WINDOW
    newest = (
        db.select(func.max(LogEntry.id))
        .where(LogEntry.store_id == store_id, LogEntry.entity == "order")
        .where(LogEntry.outcome.in_(SETTLING), LogEntry.created_at >= since)
        .where(LogEntry.bc_id.is_not(None))
        .group_by(LogEntry.bc_id)
    )
    failed = db.select(LogEntry).where(LogEntry.id.in_(newest), LogEntry.outcome == "failed")
    count = db.session.execute(db.select(func.count()).select_from(failed.subquery())).scalar()
    entries = db.session.execute(failed.order_by(LogEntry.id.desc()).limit(200)).scalars()
    return list(entries), int(count or 0)
