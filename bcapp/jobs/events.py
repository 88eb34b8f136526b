"""Acting on stored webhook events: ``handle_event_job(event_id)`` on the "orders" queue.

The intake (``bcapp.web.webhooks``) stores each delivery and hands it over
(:mod:`bcapp.jobs.handoff`). Here an event only *names* a record: the flow re-reads
the order or customer from BigCommerce and decides by its current state, so events
may arrive late, twice or out of order without harm. :data:`ROUTES` says what each
subscribed scope (``bcapp.sync.webhooks.SCOPES``; a test keeps the two in step) runs:

* ``store/order/created|updated|statusUpdated`` → flow ``order_export``;
* ``store/customer/created|updated`` and ``store/customer/address/created|updated|deleted``
  (the customer named in ``data.address.customer_id``) → flow ``customer_export``;
* ``store/shipment/created`` → ``shipment_export`` while the store leads shipments;
* ``store/app/uninstalled`` (handled by the uninstall callback), and any scope not
  listed, is marked ignored.

A RetryableSyncError (ERP down, BigCommerce 429, the order locked by another
worker) is retried under the one retry policy of :mod:`bcapp.jobs.retry`: RQ runs
the same job again later (the event says "retrying"); after the last attempt the
event is marked failed, and the orders reconciliation still exports the order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from rq.job import get_current_job

from bcapp import logs
from bcapp.errors import RetryableSyncError
from bcapp.extensions import db
from bcapp.jobs import retry
from bcapp.jobs.handoff import requeue_stored_events, retry_later
from bcapp.jobs.runtime import app_context
from bcapp.models import WebhookEvent
from bcapp.models.base import utcnow
from bcapp.sync.shipments import event_route

log = logging.getLogger(__name__)

#: Kept for callers of the old name; the intervals are the one policy's (:mod:`bcapp.jobs.retry`).
RETRY_INTERVALS = retry.DEFAULT_INTERVALS

#: What an event asks for: (settings switch, flow, options), or None to ignore it.
Plan = tuple[str, str, dict[str, Any]] | None
Route = Callable[[WebhookEvent], Plan]


def _order(event: WebhookEvent) -> Plan:
    return "orders", "order_export", {"order_id": int(event.payload["data"]["id"])}


def _customer(event: WebhookEvent) -> Plan:
    return "customers", "customer_export", {"customer_id": int(event.payload["data"]["id"])}


def _customer_address(event: WebhookEvent) -> Plan:
    """An address event names the address; its customer is re-read and updated as a whole."""
    data = event.payload["data"]
    customer_id = (data.get("address") or {}).get("customer_id")
    if not customer_id:
        return None
    return "customers", "customer_export", {"customer_id": int(customer_id)}


#: Scope → the event's route; None: the scope is subscribed to, but its events need no job.
ROUTES: dict[str, Route | None] = {
    "store/order/created": _order,
    "store/order/updated": _order,
    "store/order/statusUpdated": _order,
    "store/customer/created": _customer,
    "store/customer/updated": _customer,
    "store/customer/address/created": _customer_address,
    "store/customer/address/updated": _customer_address,
    "store/customer/address/deleted": _customer_address,
    "store/shipment/created": event_route,  # None unless the store leads shipments
    "store/app/uninstalled": None,  # the uninstall callback does the work
}
ORDER_SCOPES = frozenset(s for s, r in ROUTES.items() if r is _order)
CUSTOMER_SCOPES = frozenset(s for s, r in ROUTES.items() if r in (_customer, _customer_address))
SHIPMENT_SCOPE = "store/shipment/created"


def route(scope: str) -> Route | None:
    """The event's handler, or None to ignore the event."""
    return ROUTES.get(scope)


def handle_event_job(event_id: int, attempt: int = 0) -> str:
    """Run the flow an event asks for; returns the event's new status."""
    with app_context(), logs.bound():
        retry.ensure_policy()  # a job queued by an older version has none
        event = db.session.get(WebhookEvent, event_id)
        if event is None or event.status in ("processed", "ignored"):
            return "gone" if event is None else event.status
        logs.bind(webhook_id=event.webhook_id)
        try:
            status, error = _handle(event), ""
        except RetryableSyncError as exc:
            if get_current_job() is None:  # run inline (tests, a shell): queue the retry
                return _retry_inline(event, attempt, exc)
            wait = retry.plan(exc.retry_after)
            _finish(event, "retrying" if wait is not None else "failed", exc.message)
            if wait is None:
                log.warning("event %s gave up: %s", event.id, exc.message)
            raise  # RQ runs this job again after ``wait`` s, or records the failure
        except Exception as exc:
            retry.stop()
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


def _retry_inline(event: WebhookEvent, attempt: int, exc: RetryableSyncError) -> str:
    """Outside a worker nothing retries the call: schedule the event's job under the policy."""
    wait = retry.wait_for(attempt, exc.retry_after)
    status = "failed" if wait is None else "retrying"
    if wait is not None:
        db.session.rollback()
        retry_later(event, wait)
    _finish(event, status, exc.message)
    return status


def _finish(event: WebhookEvent, status: str, error: str) -> None:
    db.session.rollback()
    event = db.session.get(WebhookEvent, event.id) or event
    event.status, event.error = status, error[:2000]
    if status in ("processed", "ignored"):
        event.processed_at = utcnow()
    db.session.commit()


__all__ = ["ROUTES", "handle_event_job", "requeue_stored_events", "route"]
