"""The store's webhook subscriptions: registered at install, watched by a periodic flow.

Flow ``webhooks`` (no ERP needed, every :data:`WATCH_EVERY` minutes, and once
right after install via :func:`enqueue_registration`) makes the store have
exactly one active hook of ours per scope in :data:`SCOPES`, pointing at
``{APP_URL}/webhooks/bigcommerce`` with the store's secret in ``X-Bcapp-Hook``
(:func:`bcapp.bigcommerce.webhooks.ensure_webhooks` does the comparing).

A hook the watchdog had to re-create or re-activate means BigCommerce was not
delivering for a while (it deactivates a hook after ~48 h of failures). That is
logged as a *failed* ``webhook`` entry, so the merchant's failure digest
(:mod:`bcapp.alerts`) carries it, naming since when deliveries were off: the
hook's deactivation time when BigCommerce reports it, else the last event we
received for that scope. The orders reconciliation covers the gap meanwhile.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from bcapp.bigcommerce.store import Hook
from bcapp.bigcommerce.webhooks import HOOK_HEADER, WebhookChange, hook_header_value
from bcapp.config import current_settings
from bcapp.extensions import db
from bcapp.models import Store, WebhookEvent
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Direction, Outcome
from bcapp.sync.registry import register_flow

log = logging.getLogger(__name__)

#: What the flows need: order export, customer upserts, and the uninstall notice.
SCOPES = (
    "store/order/created",
    "store/order/updated",
    "store/order/statusUpdated",
    "store/customer/created",
    "store/customer/updated",
    # an address change is not a customer change in BigCommerce: these keep the ERP's current
    "store/customer/address/created",
    "store/customer/address/updated",
    "store/customer/address/deleted",
    "store/shipment/created",
    "store/app/uninstalled",
)
INTAKE_PATH = "/webhooks/bigcommerce"
WATCH_EVERY = 15
ENTITY = "webhook"


def destination() -> str:
    """Where BigCommerce delivers: the app's public URL plus the intake path."""
    return str(current_settings().app_url).rstrip("/") + INTAKE_PATH


def hook_headers(store: Store) -> dict[str, str]:
    """The custom header that names the store and proves the delivery is for it."""
    return {HOOK_HEADER: hook_header_value(store.store_hash, store.webhook_secret or "")}


@register_flow("webhooks", queue="default", group="webhooks", direction=Direction.APP,
               every=WATCH_EVERY, needs_connection=False)  # fmt: skip
def watch_webhooks(ctx: SyncContext, **_: Any) -> str:
    """Create missing hooks, re-activate deactivated ones, fix headers; alert about gaps."""
    if not ctx.install.webhook_secret:
        ctx.install.webhook_secret = secrets.token_urlsafe(32)
        ctx.commit()
    before = {h.hook_id: h for h in ctx.store.hooks()}
    first_time = not before
    changes = ctx.store.ensure_webhooks(destination(), SCOPES, hook_headers(ctx.install))
    for change in changes:
        old = before.get(change.hook_id) if change.hook_id is not None else None
        _record(ctx, change, old, first_time=first_time)
    ctx.commit()
    if not changes:
        return f"All {len(SCOPES)} webhooks are active."
    return "; ".join(change.describe() for change in changes)


def _record(ctx: SyncContext, change: WebhookChange, old: Hook | None, *, first_time: bool) -> None:
    gap = change.action == "reactivated" or (change.action == "created" and not first_time)
    if not gap:
        outcome = Outcome.CREATED if change.action == "created" else Outcome.UPDATED
        ctx.record(outcome, ENTITY, change.hook_id, None, change.describe().capitalize() + ".")
        return
    since = _off_since(ctx, change.scope, old)
    when = since.strftime("%Y-%m-%d %H:%M UTC") if since else "an unknown time"
    what = "was deactivated by BigCommerce" if change.action == "reactivated" else "was missing"
    message = (
        f"The {change.scope} webhook {what}: deliveries were off since {when}. "
        "It is active again; the orders reconciliation exports anything missed."
    )
    details = {"scope": change.scope, "off_since": since, "action": change.action}
    ctx.record(Outcome.FAILED, ENTITY, change.hook_id, None, message, details=details)


def _off_since(ctx: SyncContext, scope: str, old: Hook | None) -> datetime | None:
    """When deliveries stopped: the deactivation stamp, else our last event of that scope."""
    if old is not None and not old.is_active and old.updated_at is not None:
        return old.updated_at
    last = db.session.execute(
        db.select(db.func.max(WebhookEvent.received_at)).where(
            WebhookEvent.store_id == ctx.install.id, WebhookEvent.scope == scope
        )
    ).scalar()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=UTC)
    return last
