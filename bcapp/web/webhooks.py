"""Webhook intake: verify, store (deduplicated), enqueue after commit, answer 200 fast.

BigCommerce signs each delivery with Standard Webhooks (``webhook-id``,
``webhook-timestamp``, ``webhook-signature``; HMAC key = the app's client
secret) and we also put a per-store secret in each hook's custom headers
(``X-Bcapp-Hook``: ``{store_hash}.{secret}``), so a delivery must prove both
that BigCommerce sent it and which store it belongs to. Nothing slow happens
here: BigCommerce blocklists a domain whose success ratio falls below 90 %,
so the request only verifies, inserts one row and pushes one job id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from typing import Any

from flask import Blueprint, current_app, request
from sqlalchemy.exc import IntegrityError
from standardwebhooks.webhooks import Webhook

from bcapp.extensions import db
from bcapp.models import Store, WebhookEvent

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


@bp.record_once
def _connect_install_signal(state: Any) -> None:
    """Queue webhook registration after each install (the receiver only enqueues)."""
    from bcapp.signals import store_installed
    from bcapp.sync.webhooks import enqueue_registration

    store_installed.connect(enqueue_registration)

HOOK_HEADER = "X-Bcapp-Hook"
MAX_BODY = 256 * 1024
#: The job that acts on a stored event (the orders/customers flows register handlers there).
EVENT_JOB = "bcapp.jobs.events.handle_event_job"


class Refused(Exception):
    """A delivery we answer with ``status`` and log with ``reason``."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def hook_header_value(store_hash: str, secret: str) -> str:
    """The custom-header value a store's hooks carry (see ``bigcommerce.webhooks``)."""
    return f"{store_hash}.{secret}"


def _verifier() -> Webhook:
    cached = current_app.extensions.get("bcapp.webhook_verifier")
    if cached is None:
        secret = current_app.config["BC_CLIENT_SECRET"].encode()
        cached = Webhook(base64.b64encode(secret).decode())
        current_app.extensions["bcapp.webhook_verifier"] = cached
    return cached


def _verify_signature(body: bytes) -> None:
    try:
        _verifier().verify(body, dict(request.headers), json_parse=False)
    except Exception as exc:  # the library raises ValueError/binascii errors on junk too
        raise Refused(401, f"signature: {exc}") from exc


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise Refused(400, "body is not JSON") from exc
    if not isinstance(payload, dict):
        raise Refused(400, "body is not a JSON object")
    scope, producer, data = payload.get("scope"), payload.get("producer"), payload.get("data")
    if not isinstance(scope, str) or not scope.startswith("store/"):
        raise Refused(400, "missing or invalid scope")
    if not isinstance(producer, str) or not producer.startswith("stores/"):
        raise Refused(400, "missing or invalid producer")
    if scope != "store/app/uninstalled" and not isinstance(data, dict):
        raise Refused(400, "missing data")
    return payload


def _store_for(payload: dict[str, Any]) -> Store:
    """The payload's store, if the per-store header names it with the right secret."""
    store_hash = payload["producer"].removeprefix("stores/")
    named, _, secret = request.headers.get(HOOK_HEADER, "").partition(".")
    store = db.session.execute(
        db.select(Store).filter_by(store_hash=store_hash)
    ).scalar_one_or_none()
    expected = (store.webhook_secret or "") if store is not None else ""
    ok = hmac.compare_digest(secret.encode(), expected.encode()) and bool(expected)
    if not (ok and hmac.compare_digest(named.encode(), store_hash.encode())):
        raise Refused(401, f"store secret does not match store {store_hash!r}")
    if store is None or not store.is_installed:
        raise Refused(401, f"store {store_hash!r} is not installed")
    return store


def content_hash(payload: dict[str, Any]) -> str:
    """Same event → same hash: scope, data and BigCommerce's created_at (kept on retries)."""
    key = json.dumps(
        [payload["scope"], payload.get("data"), payload.get("created_at")],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(key.encode()).hexdigest()


def _save(store: Store, payload: dict[str, Any]) -> WebhookEvent | None:
    """Insert the event; None when it is a duplicate (by webhook-id or by content)."""
    data = payload.get("data") or {}
    event = WebhookEvent(
        store_id=store.id,
        webhook_id=request.headers.get("webhook-id", "")[:128],
        content_hash=content_hash(payload),
        scope=payload["scope"],
        resource_id=str(data.get("id", data.get("orderId", "")))[:64],
        payload=payload,
    )
    db.session.add(event)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return event


def enqueue_event(event: WebhookEvent) -> bool:
    """Queue the event's job; False if Redis is down (the sweeper re-queues stored events)."""
    from bcapp.jobs.queues import queue

    try:
        queue("orders").enqueue(
            EVENT_JOB,
            event.id,
            job_id=f"store-{event.store_id}-event-{event.id}",
            result_ttl=0,
            failure_ttl=7 * 86400,
        )
        return True
    except Exception:
        log.exception("could not enqueue webhook event %s; it stays stored", event.id)
        return False


@bp.post("/webhooks/bigcommerce")
def intake() -> Any:
    """Answer 200 for a stored or duplicate event; 400/401/413 for what we refuse."""
    if (request.content_length or 0) > MAX_BODY:
        return _refuse(Refused(413, "body too large"))
    body = request.get_data(cache=False)
    try:
        _verify_signature(body)
        payload = _parse(body)
        store = _store_for(payload)
    except Refused as refused:
        return _refuse(refused)
    event = _save(store, payload)
    if event is not None:
        enqueue_event(event)
    return "", 200


def _refuse(refused: Refused) -> Any:
    log.warning(
        "webhook refused (%s): %s [webhook-id=%s, from %s]",
        refused.status,
        refused.reason,
        request.headers.get("webhook-id", "-")[:128],
        request.remote_addr,
    )
    return {"error": refused.reason}, refused.status
