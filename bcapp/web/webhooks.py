"""Webhook intake: verify, store (deduplicated), enqueue after commit, answer 200 fast.

BigCommerce signs each delivery with Standard Webhooks (``webhook-id``,
``webhook-timestamp``, ``webhook-signature``; HMAC key = the app's client
secret) and we also put a per-store secret in each hook's custom headers
(``X-Bcapp-Hook``: ``{store_hash}.{secret}``), so a delivery must prove both
that BigCommerce sent it and which store it belongs to. Nothing slow happens
here: BigCommerce blocklists a domain whose success ratio falls below 90 %,
so the request only verifies, inserts its row (sharing the INSERT and commit
with the deliveries beside it, :mod:`bcapp.web.group_commit`) and answers;
the new event ids reach the workers in one Redis call per batch
(:mod:`bcapp.jobs.handoff`, which also makes sure none is stranded).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any, cast

from flask import Blueprint, current_app, request
from sqlalchemy import Table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from standardwebhooks.webhooks import Webhook
from werkzeug.exceptions import RequestEntityTooLarge

from bcapp import logs, metrics
from bcapp.config import current_settings
from bcapp.extensions import db
from bcapp.jobs.handoff import (  # the hand-off lives in the jobs layer; names kept for callers
    EVENT_JOB,
    HANDOFF_LIST,
    enqueue_event,
    enqueue_events,
    hand_over,
    handoff_key,
)
from bcapp.jobs.sync import enqueue_registration
from bcapp.models import Store, WebhookEvent
from bcapp.models.base import utcnow
from bcapp.signals import store_installed, store_uninstalled
from bcapp.web.group_commit import COLUMNS, GroupCommit, Row, Unstorable
from bcapp.web.limits import close_connection

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


@bp.record_once
def _connect_install_signal(state: Any) -> None:
    """Queue webhook registration after each install (the receiver only enqueues)."""
    store_installed.connect(enqueue_registration)
    store_uninstalled.connect(forget_store)


HOOK_HEADER = "X-Bcapp-Hook"
#: The Standard Webhooks headers the verifier reads (the rest of the request's are not copied).
SIGNED = ("webhook-id", "webhook-timestamp", "webhook-signature")
_SIGNED_ENVIRON = tuple((h, "HTTP_" + h.upper().replace("-", "_")) for h in SIGNED)
#: BigCommerce's scopes: ``store/`` and slash-separated words (``store/cart/lineItem/created``).
SCOPE = re.compile(r"store(?:/[A-Za-z_*]+){1,8}")
MAX_BODY = 256 * 1024
STORE_CACHE = "bcapp.webhook_stores"
GROUP_COMMIT = "bcapp.webhook_group_commit"


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
        secret = current_settings().bc_client_secret.encode()
        cached = Webhook(base64.b64encode(secret).decode())
        current_app.extensions["bcapp.webhook_verifier"] = cached
    return cached


def _verify_signature(body: bytes) -> None:
    try:
        environ = request.environ
        headers = {h: environ.get(key, "") for h, key in _SIGNED_ENVIRON}
        _verifier().verify(body, headers, json_parse=False)
    except Exception as exc:  # the library raises ValueError/binascii errors on junk too
        raise Refused(401, f"signature: {exc}") from exc


def _parse(body: bytes) -> dict[str, Any]:
    """The delivery as a dict, or Refused(400) for anything we could not store as sent.

    Besides the shape BigCommerce sends, the body must hold what PostgreSQL's ``json``
    takes: no NUL character, no lone surrogate, no NaN or infinity; and nest no deeper
    than :data:`MAX_DEPTH` (a 100,000-deep body made Python's parser recurse to death).
    """
    try:
        payload = json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise Refused(400, "body is not JSON") from exc
    if not isinstance(payload, dict):
        raise Refused(400, "body is not a JSON object")
    problem = _unstorable(payload)
    if problem:
        raise Refused(400, problem)
    scope, producer, data = payload.get("scope"), payload.get("producer"), payload.get("data")
    if not isinstance(scope, str) or len(scope) > 128 or not SCOPE.fullmatch(scope):
        raise Refused(400, "missing or invalid scope")
    if not isinstance(producer, str) or not PRODUCER.fullmatch(producer):
        raise Refused(400, "missing or invalid producer")
    if scope != "store/app/uninstalled" and not isinstance(data, dict):
        raise Refused(400, "missing data")
    if data is not None and not isinstance(data, dict):
        raise Refused(400, "data is not an object")
    for key in ("id", "orderId"):
        if not _is_ref((data or {}).get(key, 0)):
            raise Refused(400, f"invalid data.{key}")
    return payload


#: ``stores/{hash}``, as BigCommerce names a store.
PRODUCER = re.compile(r"stores/[a-z0-9]{1,32}")
#: How deep a delivery may nest (BigCommerce's nest three levels).
MAX_DEPTH = 32


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unstorable(value: Any, depth: int = 0) -> str:
    """Why ``value`` cannot be stored as JSON by PostgreSQL ("" when it can)."""
    if depth > MAX_DEPTH:
        return "body nests too deep"
    if isinstance(value, str):
        return "" if _clean(value) else "text holds a NUL character or a lone surrogate"
    if isinstance(value, float) and not math.isfinite(value):
        return "number out of range"
    if isinstance(value, dict):
        for key, item in value.items():
            problem = _unstorable(key, depth + 1) or _unstorable(item, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = _unstorable(item, depth + 1)
            if problem:
                return problem
    return ""


def _clean(text: str) -> bool:
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_ref(value: Any) -> bool:
    """An id in ``data``: a whole number that fits 64 bits, or a short string (cart ids)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 2**63
    return isinstance(value, str) and len(value) <= 64


@dataclass(frozen=True)
class StoreKey:
    """What the intake needs of a store: its id, hook secret and whether it is installed."""

    id: int
    secret: str
    installed: bool
    at: float


def _lookup(store_hash: str, *, fresh: bool = False) -> StoreKey | None:
    """The store's key, from a short per-process cache (a SELECT and a decrypt saved per hit).

    ``WEBHOOK_STORE_CACHE_SECONDS`` (default 10) bounds how long an uninstall or a
    rotated secret takes to be seen; a secret that does not match is re-read at once,
    and the event job re-checks the store anyway.
    """
    cache: dict[str, StoreKey] = current_app.extensions.setdefault(STORE_CACHE, {})
    ttl = float(current_settings().webhook_store_cache_seconds)
    hit = cache.get(store_hash)
    if hit is not None and not fresh and time.monotonic() - hit.at < ttl:
        return hit
    store = db.session.execute(
        db.select(Store).filter_by(store_hash=store_hash)
    ).scalar_one_or_none()
    if store is None:
        cache.pop(store_hash, None)
        return None
    key = StoreKey(store.id, store.webhook_secret or "", store.is_installed, time.monotonic())
    db.session.rollback()  # end the read transaction: the connection goes back to the pool
    cache[store_hash] = key
    return key


def forget_store(sender: Any, store: Any, **_: Any) -> None:
    """``store_uninstalled`` receiver: drop the store from this process's intake cache."""
    current_app.extensions.get(STORE_CACHE, {}).pop(store.store_hash, None)


def _store_for(payload: dict[str, Any]) -> StoreKey:
    """The payload's store, if the per-store header names it with the right secret."""
    store_hash = payload["producer"].removeprefix("stores/")
    named, _, secret = request.headers.get(HOOK_HEADER, "").partition(".")
    key = _lookup(store_hash)
    if key is not None and not _matches(secret, key.secret):
        key = _lookup(store_hash, fresh=True)  # rotated since it was cached?
    ok = key is not None and _matches(secret, key.secret)
    if not (ok and hmac.compare_digest(named.encode(), store_hash.encode())):
        raise Refused(401, f"store secret does not match store {store_hash!r}")
    if key is not None and not key.installed:
        key = _lookup(store_hash, fresh=True)  # reinstalled since it was cached?
    if key is None or not key.installed:
        raise Refused(401, f"store {store_hash!r} is not installed")
    return key


def _matches(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def content_hash(payload: dict[str, Any]) -> str:
    """Same event → same hash: scope, data and BigCommerce's created_at (kept on retries)."""
    key = json.dumps(
        [payload["scope"], payload.get("data"), payload.get("created_at")],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(key.encode()).hexdigest()


def _save(store: StoreKey, payload: dict[str, Any], body: bytes) -> int | None:
    """Store the event (committed on return); its id, or None for a duplicate.

    Both unique constraints (webhook-id, content) turn a re-delivery into no row,
    without an exception, a rollback or a second statement. On PostgreSQL the
    request shares its INSERT and commit with the deliveries arriving beside it
    (:mod:`bcapp.web.group_commit`), which also hands the new events over.
    """
    data = payload.get("data") or {}
    row = Row(
        store_id=store.id,
        webhook_id=webhook_id(request.environ),
        content_hash=content_hash(payload),
        scope=payload["scope"],
        resource_id=str(data.get("id", data.get("orderId", "")))[:64],
        payload_json=_as_text(body, payload),
        received_at=utcnow(),
    )
    committer = _group_commit()
    if committer is not None:
        try:
            return committer.submit(row)
        except Unstorable as exc:  # what _parse let through and PostgreSQL still refused
            raise Refused(400, f"unstorable: {exc}") from exc
    table = cast(Table, WebhookEvent.__table__)
    values = dict(zip(COLUMNS, row.values(), strict=True)) | {"payload": payload}
    stmt = sqlite_insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        event_id = conn.execute(stmt).scalar()
    if event_id is not None:
        hand_over([(event_id, store.id)])
    return event_id


def _as_text(body: bytes, payload: dict[str, Any]) -> str:
    """The body as stored: as received when it is UTF-8 (BigCommerce's), else re-encoded."""
    try:
        return body.decode()
    except UnicodeDecodeError:  # JSON in UTF-16/32 parses too
        return json.dumps(payload)


def _group_commit() -> GroupCommit | None:
    """This app's group commit on PostgreSQL, None on SQLite (built on first use).

    SQLite (the demo) has one writer at a time anyway: there each delivery
    commits on its own.
    """
    extensions = current_app.extensions
    if GROUP_COMMIT not in extensions:
        url = db.engine.url
        committer = None
        if url.get_backend_name() == "postgresql":
            # psycopg (13 MB) is loaded only where the database is PostgreSQL
            from bcapp.web.pg_writer import PgWriter

            dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
            committer = GroupCommit(PgWriter(dsn), hand_over)
        extensions[GROUP_COMMIT] = committer
    return extensions[GROUP_COMMIT]


@bp.post("/webhooks/bigcommerce")
def intake() -> Any:
    """Answer 200 for a stored or duplicate event; 400/401/413 for what we refuse."""
    with metrics.WEBHOOK_INTAKE_SECONDS.time():
        answer, outcome = _intake()
    metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()
    return answer


def _intake() -> tuple[Any, str]:
    """The intake's answer and its outcome label (stored, duplicate, refused_<status>)."""
    request.max_content_length = MAX_BODY  # enforced while reading, chunked bodies too
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        close_connection()  # the rest stays unread: end the connection instead
        return _refuse(Refused(413, "body too large")), "refused_413"
    try:
        _verify_signature(body)
        payload = _parse(body)
        logs.bind(webhook_id=webhook_id(request.environ))
        store = _store_for(payload)
        logs.bind(store_hash=payload["producer"].removeprefix("stores/"))
        event_id = _save(store, payload, body)  # stored and handed over, or a duplicate
    except Refused as refused:
        return _refuse(refused), f"refused_{refused.status}"
    return ("", 200), "stored" if event_id is not None else "duplicate"


def webhook_id(environ: Any) -> str:
    """The delivery's ``webhook-id``: printable ASCII, at most 128 characters."""
    value = environ.get("HTTP_WEBHOOK_ID", "")
    if not WEBHOOK_ID.fullmatch(value):
        raise Refused(400, "invalid webhook-id")
    return str(value)


WEBHOOK_ID = re.compile(r"[\x21-\x7e]{1,128}")


def _refuse(refused: Refused) -> Any:
    log.warning(
        "webhook refused (%s): %s [webhook-id=%s, from %s]",
        refused.status,
        refused.reason,
        request.headers.get("webhook-id", "-")[:128],
        request.remote_addr,
    )
    return {"error": refused.reason}, refused.status


#: The intake's hand-over under its former name.
hand_over_many = hand_over

__all__ = ["EVENT_JOB", "HANDOFF_LIST", "bp", "enqueue_event", "enqueue_events", "hand_over",
           "hand_over_many", "handoff_key", "intake"]  # fmt: skip
