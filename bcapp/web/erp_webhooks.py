"""ERP webhook intake (e.g. Exact Online): verify, store (deduplicated), queue, answer fast.

``POST /webhooks/<kind>/<token>`` for every ERP whose connector class carries a
webhook hook (:class:`~bcapp.connectors.hooks.WebhookVerifier`, in the ERP's own
package); Exact's callbacks arrive at ``/webhooks/exact/<token>``. Exact sends no
signature header and no custom headers, hence the token in the path. So:

1. the body is bounded (:data:`MAX_BODY`, 413 beyond); a kind without the hook is 404;
2. the path token names the store's connection (:func:`bcapp.sync.erp_webhooks.callback_token`,
   compared in constant time); an unknown token, another ERP's connection or an
   uninstalled store is 401;
3. the hook verifies the body with the connection's settings (Exact: the HashCode,
   an HMAC-SHA256 of the raw Content with the app's webhook secret, in constant
   time, and the division): a forged or tampered body is 401 and nothing is stored;
4. the event is stored as a :class:`~bcapp.models.WebhookEvent` with scope
   ``<kind>/<topic>``, deduplicated per store by the hash of the content the hook
   names (Exact repeats a delivery as the same Content text), and the flow the
   hook names for the topic is queued through :func:`bcapp.jobs.sync.enqueue_flow`
   (its deterministic job id keeps one run queued per store and flow). A
   duplicate, a topic we do not follow or a flow the merchant switched off is
   answered 200 and not queued.

No ERP call happens here. If Redis is down the event stays "received" and the
flow's periodic run reads the change anyway.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from flask import Blueprint, abort, request
from sqlalchemy.exc import IntegrityError

from bcapp.connectors import registry
from bcapp.connectors.hooks import ErpEvent, WebhookRefused, WebhookVerifier, webhooks_of
from bcapp.extensions import db
from bcapp.mapping.rules import FLOW_NAMES, rules_for
from bcapp.models import Connection, Store, WebhookEvent
from bcapp.models.base import utcnow
from bcapp.sync.erp_webhooks import connection_id_for

bp = Blueprint("erp_webhooks", __name__)
log = logging.getLogger(__name__)

#: An Exact event is a few hundred bytes; anything near this is not an ERP's event.
MAX_BODY = 64 * 1024


class Refused(Exception):
    """A delivery answered with ``status``, logged with ``reason``, never stored."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@bp.post("/webhooks/<kind>/<token>")
def erp_intake(kind: str, token: str) -> Any:
    """200 for a stored, duplicate or ignored event; 401/413 for what we refuse."""
    cls = registry().get(kind)
    verifier = webhooks_of(cls)
    if cls is None or verifier is None:
        abort(404)
    label = cls.label
    if (request.content_length or 0) > MAX_BODY:
        return _refuse(label, Refused(413, "body too large"))
    body = request.get_data(cache=False)
    try:
        if len(body) > MAX_BODY:
            raise Refused(413, "body too large")
        connection, store = _connection_for(kind, token)
        event = _verified(verifier, body, connection)
    except Refused as refused:
        return _refuse(label, refused)
    _store_and_queue(store, kind, label, event)
    return "", 200


def _connection_for(kind: str, token: str) -> tuple[Connection, Store]:
    connection_id = connection_id_for(token)
    connection = db.session.get(Connection, connection_id) if connection_id else None
    if connection is None or connection.kind != kind:
        raise Refused(401, "unknown callback token")
    store = db.session.get(Store, connection.store_id)
    if store is None or not store.is_installed:
        raise Refused(401, "the store has not installed the app")
    return connection, store


def _verified(verifier: WebhookVerifier, body: bytes, connection: Connection) -> ErpEvent:
    try:
        return verifier.verify(body, connection.connector_settings())
    except WebhookRefused as exc:
        raise Refused(401, exc.message) from exc


def _store_and_queue(store: Store, kind: str, label: str, event: ErpEvent) -> None:
    digest = hashlib.sha256(event.content).hexdigest()
    row = WebhookEvent(
        store_id=store.id,
        webhook_id=f"{kind}:{digest[:40]}",
        content_hash=digest,
        scope=f"{kind}/{event.topic}"[:128],
        resource_id=event.key[:64],
        payload=dict(event.payload),
        received_at=utcnow(),
    )
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # the same delivery again
        db.session.rollback()
        return
    flow = event.flow
    if flow is None or (flow in FLOW_NAMES and not rules_for(store).enabled(flow)):
        _finish(row, "ignored")
        return
    try:
        from bcapp.jobs.sync import enqueue_flow

        enqueue_flow(store.id, flow, trigger="webhook")
    except Exception:  # Redis down, or the flow cannot run: the periodic run reads it
        log.exception("could not queue %s for store %s after a %s event", flow, store.id, label)
        return
    _finish(row, "processed")


def _finish(row: WebhookEvent, status: str) -> None:
    row.status, row.processed_at = status, utcnow()
    db.session.commit()


def _refuse(label: str, refused: Refused) -> Any:
    log.warning("%s webhook refused (%s): %s [from %s]", label, refused.status, refused.reason,
                request.remote_addr)  # fmt: skip
    return {"error": refused.reason}, refused.status
