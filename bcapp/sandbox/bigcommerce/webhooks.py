"""Webhook events and deliveries: signing, the retry schedule, blocklisting, deactivation.

Every store change records an event; each active hook whose scope matches gets a
``Delivery``. ``deliver_due`` posts due deliveries (Standard Webhooks signed with
the hook owner's client secret, plus the hook's custom headers). Failures (non-2xx,
errors, answers slower than ``webhook_timeout``) retry after 60 s … 86400 s on the
sandbox clock; after the last retry (~48 h) the hook is deactivated and a notice
recorded. A domain under 90 % success over 2 minutes (once 100 requests were sent)
is blocklisted for 3 minutes per client.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

if TYPE_CHECKING:
    from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox
    from bcapp.sandbox.bigcommerce.state import SandboxStore

RETRY_DELAYS = (60, 180, 300, 600, 900, 1800, 3600, 7200, 21600, 50400, 86400)
WINDOW_S, MIN_REQUESTS, MIN_RATIO, BLOCK_S = 120.0, 100, 0.9, 180.0


@dataclass
class Delivery:
    """One event bound for one hook; ``webhook-id`` stays the same across retries."""

    id: str
    store_hash: str
    hook_id: int
    client_id: str
    url: str
    headers: dict[str, str]
    body: bytes
    scope: str
    next_at: float
    state: str = "pending"  # pending | sending | delivered | failed
    attempts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def payload(self) -> dict[str, Any]:
        """The JSON payload as sent."""
        return json.loads(self.body)


def scope_matches(pattern: str, scope: str) -> bool:
    """``store/order/*`` matches every order scope; otherwise scopes match exactly."""
    if pattern.endswith("/*"):
        return scope.startswith(pattern[:-1])
    return pattern == scope


def record_event(store: SandboxStore, scope: str, data: dict[str, Any]) -> dict[str, Any]:
    """Record an event and queue a delivery for each matching active hook."""
    digest = hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()
    now = store.now()
    event = {
        "scope": scope,
        "store_id": store.store_id,
        "data": data,
        "hash": digest,
        "created_at": int(now),
        "producer": f"stores/{store.hash}",
    }
    store.events.append(event)
    body = json.dumps(event).encode()
    for hook in store.hooks.values():
        if hook["is_active"] and scope_matches(hook["scope"], scope):
            store.deliveries.append(
                Delivery(
                    id=f"msg_{uuid.uuid4().hex}",
                    store_hash=store.hash,
                    hook_id=hook["id"],
                    client_id=hook["client_id"],
                    url=hook["destination"],
                    headers=dict(hook.get("headers") or {}),
                    body=body,
                    scope=scope,
                    next_at=now,
                )
            )
    return event


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Standard Webhooks ``v1,<base64 HMAC-SHA256(id.timestamp.body)>`` keyed by the secret."""
    message = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(sandbox: BigCommerceSandbox, delivery: Delivery) -> dict[str, str]:
    """Custom headers, then the signature headers (the timestamp is real time: the
    receiver checks it against its own clock)."""
    timestamp = int(time.time())
    secret = sandbox.clients.get(delivery.client_id, "")
    return {
        **delivery.headers,
        "Content-Type": "application/json",
        "webhook-id": delivery.id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, delivery.id, timestamp, delivery.body),
    }


def domain_of(url: str) -> str:
    """The host part that blocklisting counts by."""
    return urlsplit(url).hostname or url


def _due(sandbox: BigCommerceSandbox, now: float) -> list[Delivery]:
    due = []
    for store in sandbox.stores.values():
        for delivery in store.deliveries:
            if (
                delivery.state == "pending"
                and delivery.next_at <= now
                and not _blocked(sandbox, delivery, now)
            ):
                due.append(delivery)
    return due


def _blocked(sandbox: BigCommerceSandbox, delivery: Delivery, now: float) -> bool:
    block = sandbox.blocked_domains.get((delivery.client_id, domain_of(delivery.url)))
    return block is not None and block["until"] > now


def deliver_due(sandbox: BigCommerceSandbox, transport: httpx.BaseTransport | None) -> int:
    """Post every due delivery once; returns the number of attempts made."""
    with sandbox.lock:
        due = _due(sandbox, sandbox.clock.now())
        for delivery in due:  # claimed: a concurrent caller (demo thread, panel) skips them
            delivery.state = "sending"
    with httpx.Client(transport=transport, timeout=sandbox.webhook_timeout) as client:
        for delivery in due:
            ok, outcome = _post(sandbox, client, delivery)
            with sandbox.lock:
                _record(sandbox, delivery, ok, outcome)
    return len(due)


def _post(
    sandbox: BigCommerceSandbox, client: httpx.Client, delivery: Delivery
) -> tuple[bool, str]:
    started = time.monotonic()
    try:
        response = client.post(
            delivery.url, content=delivery.body, headers=signed_headers(sandbox, delivery)
        )
    except Exception as exc:  # network errors, or an app mounted with WSGITransport raising
        return False, f"{type(exc).__name__}: {exc}"
    elapsed = time.monotonic() - started
    if elapsed > sandbox.webhook_timeout:
        return False, f"timeout after {elapsed:.1f}s (HTTP {response.status_code})"
    if not 200 <= response.status_code < 300:
        return False, f"HTTP {response.status_code}"
    return True, f"HTTP {response.status_code}"


def _record(sandbox: BigCommerceSandbox, delivery: Delivery, ok: bool, outcome: str) -> None:
    now = sandbox.clock.now()
    delivery.attempts.append({"at": now, "ok": ok, "outcome": outcome})
    _count_for_domain(sandbox, delivery, ok, now, outcome)
    if ok:
        delivery.state = "delivered"
        return
    delivery.state = "pending"
    failures = sum(1 for a in delivery.attempts if not a["ok"])
    if failures <= len(RETRY_DELAYS):
        delivery.next_at = now + RETRY_DELAYS[failures - 1]
        return
    delivery.state = "failed"
    _deactivate(sandbox, delivery, now)


def _deactivate(sandbox: BigCommerceSandbox, delivery: Delivery, now: float) -> None:
    store = sandbox.stores.get(delivery.store_hash)
    hook = store.hooks.get(delivery.hook_id) if store else None
    if store is None or hook is None:
        return
    hook["is_active"], hook["_deactivated"], hook["updated_at"] = False, True, int(now)
    store.notices.append(
        {
            "at": int(now),
            "kind": "hook_deactivated",
            "hook_id": hook["id"],
            "client_id": hook["client_id"],
            "to": list(store.admin_emails) or [store.owner["email"]],
            "message": f"Webhook {hook['id']} ({hook['scope']} → {hook['destination']}) was "
            "deactivated after its final retry failed.",
        }
    )


def _count_for_domain(
    sandbox: BigCommerceSandbox,
    delivery: Delivery,
    ok: bool,
    now: float,
    outcome: str,
) -> None:
    key = (delivery.client_id, domain_of(delivery.url))
    log = [entry for entry in sandbox.delivery_log.get(key, []) if entry[0] > now - WINDOW_S]
    log.append((now, ok))
    sandbox.delivery_log[key] = log
    if len(log) < MIN_REQUESTS:
        return
    ratio = sum(1 for _, success in log if success) / len(log)
    if ratio < MIN_RATIO and not (
        key in sandbox.blocked_domains and sandbox.blocked_domains[key]["until"] > now
    ):
        sandbox.blocked_domains[key] = {
            "until": now + BLOCK_S,
            "since": now,
            "ratio": ratio,
            "reasons": [
                {
                    "failure_description": outcome,
                    "count": len(log) - sum(ok for _, ok in log),
                    "timestamp": int(now),
                }
            ],
        }
