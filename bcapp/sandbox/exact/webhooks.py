"""Webhook deliveries signed the way Exact signs them: a HashCode inside the body.

There is no signature header. The body is ``{"Content":{…},"HashCode":"…"}`` where
``HashCode`` is the upper-case hex HMAC-SHA256 of the exact ``Content`` JSON text,
keyed with the app's webhook secret [V E1 ``Webhook/Authenticatable.php``]. So
``Content`` is serialised once and those bytes are both signed and sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import httpx

from bcapp.sandbox.exact.state import DivisionData, Event


@dataclass(frozen=True)
class Delivery:
    """One callback: where it went, the raw body, and the app's HTTP status (None: not sent)."""

    url: str
    body: bytes
    status: int | None = None


def hashcode(content: str, secret: str) -> str:
    return hmac.new(secret.encode(), content.encode(), hashlib.sha256).hexdigest().upper()


def body_for(event: Event, div: DivisionData, client_id: str, secret: str, host: str) -> bytes:
    """The signed callback body for one event."""
    content = json.dumps(
        {
            "Topic": event.topic,
            "ClientId": client_id,
            "Division": div.code,
            "Action": event.action,
            "Key": event.key,
            "ExactOnlineEndpoint": f"{host}/api/v1/{div.code}/{event.endpoint}",
            "EventCreatedOn": event.created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        },
        separators=(",", ":"),
    )
    return f'{{"Content":{content},"HashCode":"{hashcode(content, secret)}"}}'.encode()


def deliveries(
    div: DivisionData, client_id: str, secret: str, host: str
) -> list[tuple[str, bytes]]:
    """(callback URL, body) for every queued event and matching subscription; clears the queue."""
    out = []
    for event in div.events:
        for sub in div.rows("WebhookSubscriptions"):
            if sub["Topic"] == event.topic:
                out.append((sub["CallbackURL"], body_for(event, div, client_id, secret, host)))
    div.events.clear()
    return out


def post(url: str, body: bytes, transport: httpx.BaseTransport) -> int | None:
    """POST one callback through ``transport``; the status, or None when it failed."""
    headers = {"Content-Type": "application/json"}
    try:
        with httpx.Client(transport=transport, timeout=10.0) as client:
            return client.post(url, content=body, headers=headers).status_code
    except httpx.HTTPError:
        return None
