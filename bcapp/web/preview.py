"""What the first sync would do, shown before the merchant presses "Start syncing".

Two parts, neither of which writes anything:

* the catalog dry run's counts per record type (a dry run job; its outcomes are
  logged, so the counts come from the log entries of that run);
* the orders that would be exported now: the ones the order reconciliation would
  pick up (modified since an hour before the install, in an export status, from an
  exported storefront, not exported yet), each with its current status by the
  store's own label. Read from BigCommerce in the request, with the settings
  pages' short timeout; when BigCommerce cannot be read the page says so.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import func

from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.models import Binding, LogEntry, SyncRun
from bcapp.web import erp
from bcapp.web.store_facts import READ_ERRORS, bc_client, store_facts

log = logging.getLogger(__name__)

#: Orders listed by name; more are counted.
ORDER_ROWS = 25
#: The reconciliation's first run looks back this far before the install (bcapp.sync.orders).
LOOK_BACK = timedelta(hours=1)
PREVIEW_FLOW = "catalog"


@dataclass(frozen=True)
class WaitingOrder:
    """One order the first sync would export."""

    bc_id: int
    created: str
    customer: str
    total: str
    status: str


@dataclass
class FirstSyncPreview:
    """The catalog dry run (its run and counts per record type) and the waiting orders."""

    dry_run: SyncRun | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    orders: list[WaitingOrder] = field(default_factory=list)
    more_orders: int = 0
    orders_read: bool = True
    export_statuses: list[str] = field(default_factory=list)

    @property
    def dry_run_active(self) -> bool:
        return self.dry_run is not None and self.dry_run.status in ("queued", "running")


def latest_catalog_dry_run(store_id: int) -> SyncRun | None:
    return db.session.execute(
        db.select(SyncRun)
        .filter_by(store_id=store_id, flow=PREVIEW_FLOW, dry_run=True)
        .order_by(SyncRun.created_at.desc(), SyncRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def outcome_counts(run: SyncRun | None) -> dict[str, dict[str, int]]:
    """Record type → outcome → how many, from the run's log entries."""
    if run is None:
        return {}
    rows = db.session.execute(
        db.select(LogEntry.entity, LogEntry.outcome, func.count())
        .where(LogEntry.store_id == run.store_id, LogEntry.run_id == run.id)
        .where(LogEntry.outcome != "info")
        .group_by(LogEntry.entity, LogEntry.outcome)
    ).all()
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for entity, outcome, count in rows:
        counts[entity][outcome] = int(count)
    return dict(counts)


def catalog_part(store: Any) -> FirstSyncPreview:
    """The catalog dry run alone (what the preview fragment polls)."""
    run = latest_catalog_dry_run(store.id)
    return FirstSyncPreview(dry_run=run, counts=outcome_counts(run))


def first_sync_preview(store: Any) -> FirstSyncPreview:
    """Both parts of the preview for ``store`` (see the module docstring)."""
    preview = catalog_part(store)
    rules = rules_for(store)
    labels = store_facts(store).statuses
    preview.export_statuses = [labels.get(i, str(i)) for i in sorted(rules.orders.export_statuses)]
    if not rules.enabled("orders"):
        return preview
    try:
        waiting = waiting_orders(store)
    except READ_ERRORS as exc:
        log.warning("store %s: order preview not read: %s", store.store_hash, exc)
        preview.orders_read = False
        return preview
    preview.orders = [_row(o, labels) for o in waiting[:ORDER_ROWS]]
    preview.more_orders = max(0, len(waiting) - ORDER_ROWS)
    return preview


def waiting_orders(store: Any) -> list[dict[str, Any]]:
    """The orders the first reconciliation would export (raw v2 rows, oldest first)."""
    client = bc_client(store)
    if client is None:
        return []
    rules = rules_for(store).orders
    installed = store.installed_at or datetime.now(UTC)
    since = (installed if installed.tzinfo else installed.replace(tzinfo=UTC)) - LOOK_BACK
    try:
        rows = [
            row
            for row in client.orders.iterate(min_date_modified=since.isoformat())
            if rules.exports(int(row.get("status_id") or 0))
            and rules.from_exported_channel(int(row.get("channel_id") or 1))
        ]
    finally:
        client.close()
    done = _exported(store, [int(r["id"]) for r in rows])
    return [r for r in rows if int(r["id"]) not in done]


def _exported(store: Any, bc_ids: list[int]) -> set[int]:
    connection = erp.connection_of(store)
    if connection is None or not bc_ids:
        return set()
    found = db.session.execute(
        db.select(Binding.bc_id).where(
            Binding.connection_id == connection.id,
            Binding.entity == "order",
            Binding.bc_id.in_([str(i) for i in bc_ids]),
        )
    ).scalars()
    return {int(b) for b in found}


def _row(order: dict[str, Any], labels: dict[int, str]) -> WaitingOrder:
    billing = order.get("billing_address") or {}
    name = " ".join(x for x in (billing.get("first_name"), billing.get("last_name")) if x)
    status_id = int(order.get("status_id") or 0)
    return WaitingOrder(
        bc_id=int(order["id"]),
        created=_when(order.get("date_created")),
        customer=name or str(billing.get("email") or ""),
        total=f"{order.get('currency_code') or ''} {_money(order.get('total_inc_tax'))}".strip(),
        status=labels.get(status_id, str(status_id)),
    )


def _when(value: Any) -> str:
    """A v2 date (RFC 2822) as "2026-05-01 14:03 UTC"."""
    try:
        return parsedate_to_datetime(str(value)).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return str(value or "")


def _money(value: Any) -> str:
    try:
        return f"{Decimal(str(value or 0)):.2f}"
    except InvalidOperation:
        return str(value)
