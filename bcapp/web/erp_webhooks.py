"""ERP webhook intake (Exact Online): verify, store (deduplicated), queue the flow, answer fast.

``POST /webhooks/exact/<token>``. Exact sends no signature header and no custom
headers: the body is ``{"Content":{…},"HashCode":"…"}`` where HashCode is the
HMAC-SHA256 of the raw Content text with the app's webhook secret. So:

1. the body is bounded (:data:`MAX_BODY`, 413 beyond);
2. the path token names the store's connection (:func:`bcapp.sync.erp_webhooks.callback_token`,
   compared in constant time); an unknown token, another ERP's connection or an
   uninstalled store is 401;
3. the HashCode is checked in constant time with the connection's webhook secret
   (:func:`bcapp.connectors.exact.webhooks.verify_hashcode`): a forged or tampered
   body is 401 and nothing is stored;
4. the event is stored as a :class:`~bcapp.models.WebhookEvent` with scope
   ``exact/<Topic>``, deduplicated per store by the hash of its Content (Exact
   repeats a delivery as the same text), and the flow that reads the change is
   queued through :func:`bcapp.jobs.sync.enqueue_flow` (its deterministic job id
   keeps one run queued per store and flow). A duplicate, a topic we do not
   follow or a flow the merchant switched off is answered 200 and not queued.

No ERP call happens here. If Redis is down the event stays "received" and the
flow's periodic run reads the change anyway.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, request
from sqlalchemy.exc import IntegrityError

from bcapp.connectors.exact.webhooks import ENVELOPE, InvalidHashCode, verify_hashcode
from bcapp.connectors.exact.webhooks import WebhookEvent as Event
from bcapp.extensions import db
from bcapp.mapping.rules import FLOW_NAMES, rules_for
from bcapp.models import Connection, Store, WebhookEvent
from bcapp.models.base import utcnow
from bcapp.sync.erp_webhooks import TOPIC_FLOWS, connection_id_for

bp = Blueprint("erp_webhooks", __name__)
log = logging.getLogger(__name__)

#: An Exact event is a few hundred bytes; anything near this is not one.
MAX_BODY = 64 * 1024
KIND = "exact"


class Refused(Exception):
    """A delivery answered with ``status``, logged with ``reason``, never stored."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@bp.post("/webhooks/exact/<token>")
def exact_intake(token: str) -> Any:
    """200 for a stored, duplicate or ignored event; 401/413 for what we refuse."""
    if (request.content_length or 0) > MAX_BODY:
        return _refuse(Refused(413, "body too large"))
    body = request.get_data(cache=False)
    try:
        if len(body) > MAX_BODY:
            raise Refused(413, "body too large")
        connection, store = _connection_for(token)
        event = _verified(body, connection)
    except Refused as refused:
        return _refuse(refused)
    _store_and_queue(store, event, body)
    return "", 200


def _connection_for(token: str) -> tuple[Connection, Store]:
    connection_id = connection_id_for(token)
    connection = db.session.get(Connection, connection_id) if connection_id else None
    if connection is None or connection.kind != KIND:
        raise Refused(401, "unknown callback token")
    store = db.session.get(Store, connection.store_id)
    if store is None or not store.is_installed:
        raise Refused(401, "the store has not installed the app")
    return connection, store


def _verified(body: bytes, connection: Connection) -> Event:
    secret = str(connection.connector_settings().get("webhook_secret") or "")
    try:
        event = verify_hashcode(body, secret)
    except InvalidHashCode as exc:
        raise Refused(401, f"HashCode: {exc.message}") from exc
    division = int((connection.settings or {}).get("division") or 0)
    if division and event.division != division:
        raise Refused(401, f"event for division {event.division}, connected to {division}")
    return event


def _store_and_queue(store: Store, event: Event, body: bytes) -> None:
    match = ENVELOPE.match(body)
    digest = hashlib.sha256(match["content"] if match else body).hexdigest()
    row = WebhookEvent(
        store_id=store.id,
        webhook_id=f"{KIND}:{digest[:40]}",
        content_hash=digest,
        scope=f"{KIND}/{event.topic}"[:128],
        resource_id=event.key[:64],
        payload=_payload(event),
        received_at=utcnow(),
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same delivery again
        db.session.rollback()
        return
    flow = TOPIC_FLOWS.get(event.topic)
    if flow is None or (flow in FLOW_NAMES and not rules_for(store).enabled(flow)):
        _finish(row, "ignored")
        return
    try:
        from bcapp.jobs.sync import enqueue_flow

        enqueue_flow(store.id, flow, trigger="webhook")
    except Exception:  # Redis down, or the flow cannot run: the periodic run reads it
        log.exception("could not queue %s for store %s after an Exact event", flow, store.id)
        return
    _finish(row, "processed")


def _payload(event: Event) -> dict[str, Any]:
    names = ("topic", "action", "key", "division", "endpoint", "client_id", "created_on")
    return {name: getattr(event, name) for name in names}


def _finish(row: WebhookEvent, status: str) -> None:
    row.status, row.processed_at = status, utcnow()
    db.session.commit()


def _refuse(refused: Refused) -> Any:
    log.warning("Exact webhook refused (%s): %s [from %s]", refused.status, refused.reason,
                request.remote_addr)  # fmt: skip
    return {"error": refused.reason}, refused.status
