"""Acting on stored webhook events: ``handle_event_job(event_id)`` on the "orders" queue.

The intake (``bcapp.web.webhooks``) stores each delivery and enqueues this job
after commit. Here an event only *names* a record: the flow re-reads the order
or customer from BigCommerce and decides by its current state, so events may
arrive late, twice or out of order without harm.

* ``store/order/created|updated|statusUpdated`` → flow ``order_export``;
* ``store/customer/created|updated`` → flow ``customer_export``;
* anything else (``store/app/uninstalled`` is handled by the uninstall
  callback) is marked ignored.

A RetryableSyncError (ERP down, BigCommerce 429, the order locked by another
worker) re-schedules the same event after :data:`RETRY_INTERVALS` (no earlier
than the error's ``retry_after``), a reschedule on RQ's scheduler, never a
sleeping worker. After the last attempt the event is marked failed; the orders
reconciliation still exports the order on its next run.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app

from bcapp.errors import RetryableSyncError
from bcapp.extensions import db
from bcapp.jobs.runtime import app_context
from bcapp.models import WebhookEvent
from bcapp.models.base import utcnow

log = logging.getLogger(__name__)

RETRY_INTERVALS = (5, 30, 120, 600, 1800, 3600)
ORDER_SCOPES = frozenset(
    {"store/order/created", "store/order/updated", "store/order/statusUpdated"}
)
CUSTOMER_SCOPES = frozenset({"store/customer/created", "store/customer/updated"})


def _order(event: WebhookEvent) -> tuple[str, str, dict[str, Any]] | None:
    return "orders", "order_export", {"order_id": int(event.payload["data"]["id"])}


def _customer(event: WebhookEvent) -> tuple[str, str, dict[str, Any]] | None:
    return "customers", "customer_export", {"customer_id": int(event.payload["data"]["id"])}


SHIPMENT_SCOPE = "store/shipment/created"


def route(scope: str) -> Callable[[WebhookEvent], tuple[str, str, dict[str, Any]] | None] | None:
    """The event's handler: (settings switch, flow, options), or None to ignore the event."""
    if scope in ORDER_SCOPES:
        return _order
    if scope in CUSTOMER_SCOPES:
        return _customer
    if scope == SHIPMENT_SCOPE:
        from bcapp.sync.shipments import event_route

        return event_route  # None unless the store leads shipments
    return None


def handle_event_job(event_id: int, attempt: int = 0) -> str:
    """Run the flow an event asks for; returns the event's new status."""
    with app_context():
        event = db.session.get(WebhookEvent, event_id)
        if event is None or event.status in ("processed", "ignored"):
            return "gone" if event is None else event.status
        try:
            status, error = _handle(event), ""
        except RetryableSyncError as exc:
            status, error = _reschedule(event, attempt, exc), exc.message
        except Exception as exc:
            _finish(event, "failed", f"{type(exc).__name__}: {exc}")
            raise
        _finish(event, status, error)
        return status


def _handle(event: WebhookEvent) -> str:
    from bcapp.mapping.rules import rules_for
    from bcapp.models import Store
    from bcapp.onboarding import sync_blocker
    from bcapp.sync.runner import run_flow

    handler = route(event.scope)
    planned = handler(event) if handler else None
    store = db.session.get(Store, event.store_id)
    if planned is None or store is None or not store.is_installed:
        return "ignored"
    switch, flow, options = planned
    if not rules_for(store).enabled(switch) or sync_blocker(store):
        return "ignored"  # switched off; or setup unfinished / ERP credentials to fix
    if flow == "order_export" and _already_exported(store.id, options["order_id"]):
        return "processed"  # an echo of our own status write-back, or a later change
    run_flow(event.store_id, flow, trigger="webhook", **options)
    return "processed"


def _already_exported(store_id: int, order_id: int) -> bool:
    """True when the order is bound and finished: no run, no lock, no BigCommerce call needed."""
    from bcapp.models import Binding, Connection
    from bcapp.sync.orders import ORDER, is_done

    binding = db.session.execute(
        db.select(Binding)
        .join(Connection, Connection.id == Binding.connection_id)
        .where(Connection.store_id == store_id, Binding.entity == ORDER,
               Binding.bc_id == str(order_id))
    ).scalar_one_or_none()  # fmt: skip
    return is_done(binding)


def _reschedule(event: WebhookEvent, attempt: int, exc: RetryableSyncError) -> str:
    from bcapp.jobs.queues import event_job_id, queue

    intervals = current_app.config.get("EVENT_RETRY_INTERVALS") or RETRY_INTERVALS
    if attempt >= len(intervals):
        log.warning("event %s gave up after %s attempts: %s", event.id, attempt + 1, exc.message)
        return "failed"
    delay = max(float(intervals[attempt]), math.ceil(exc.retry_after or 0))
    db.session.rollback()
    queue("orders").enqueue_in(
        timedelta(seconds=delay), handle_event_job, event.id, attempt + 1,
        job_id=event_job_id(event.store_id, event.id, f"-retry-{attempt + 1}"),
        result_ttl=0, failure_ttl=7 * 86400,
    )  # fmt: skip
    return "retrying"


def _finish(event: WebhookEvent, status: str, error: str) -> None:
    db.session.rollback()
    event = db.session.get(WebhookEvent, event.id) or event
    event.status, event.error = status, error[:2000]
    if status in ("processed", "ignored"):
        event.processed_at = utcnow()
    db.session.commit()


def requeue_stored_events(store_id: int | None = None, *, older_than: float = 60.0) -> int:
    """Queue again the events still "received" after ``older_than`` s (Redis was down at intake)."""
    from bcapp.web.webhooks import enqueue_event

    cutoff = utcnow() - timedelta(seconds=older_than)
    stmt = db.select(WebhookEvent).where(
        WebhookEvent.status == "received", WebhookEvent.received_at < cutoff
    )
    if store_id is not None:
        stmt = stmt.where(WebhookEvent.store_id == store_id)
    return sum(1 for event in db.session.execute(stmt).scalars() if enqueue_event(event))
