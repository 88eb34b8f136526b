"""Exact webhook callbacks: verify the HashCode, then read what the event names.

There is no signature header. The body is ``{"Content":{…},"HashCode":"…"}`` and
``HashCode`` is the upper-case hex HMAC-SHA256 of the *raw text* of the ``Content``
object (the bytes between ``{"Content":`` and ``,"HashCode":"``), keyed with the
app's webhook secret [V E1 ``Webhook/Authenticatable.php``]. So we check the raw
bytes, never a re-serialisation, and compare in constant time.

An event only names a record (``Topic``, ``Action``, ``Key``, the endpoint); the
flow reads the record itself, and the periodic sync catches anything missed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

from bcapp.errors import BcappError

ENVELOPE = re.compile(
    rb'^\s*\{"Content":(?P<content>.*),"HashCode":"(?P<hash>[0-9A-Fa-f]*)"\}\s*$', re.S
)
#: The topics the connector subscribes to (issue 18).
TOPICS = ("Items", "StockPositions", "SalesOrders", "GoodsDeliveries")


class InvalidHashCode(BcappError):
    """A callback whose HashCode does not match (forged, tampered or wrongly keyed): 401."""


@dataclass(frozen=True)
class WebhookEvent:
    """What one verified callback says."""

    topic: str
    action: str
    key: str
    division: int
    endpoint: str
    client_id: str = ""
    created_on: str = ""


def hashcode(content: bytes, secret: str) -> str:
    """Exact's HashCode of a ``Content`` text: upper-case hex HMAC-SHA256."""
    return hmac.new(secret.encode(), content, hashlib.sha256).hexdigest().upper()


def verify_hashcode(raw_body: bytes, secret: str) -> WebhookEvent:
    """The event of a callback whose HashCode is right; InvalidHashCode otherwise.

    Args:
        raw_body: the request body exactly as received.
        secret: the app's webhook secret from Exact's app registration.
    """
    if not secret:
        raise InvalidHashCode("No Exact Online webhook secret is configured.")
    match = ENVELOPE.match(raw_body)
    if match is None:
        raise InvalidHashCode("The body is not an Exact Online webhook (Content and HashCode).")
    expected = hashcode(match["content"], secret)
    if not hmac.compare_digest(expected, match["hash"].decode().upper()):
        raise InvalidHashCode("The HashCode does not match the content: refused.")
    return _event(match["content"])


def _event(content: bytes) -> WebhookEvent:
    try:
        data: Any = json.loads(content)
        return WebhookEvent(
            topic=str(data["Topic"]),
            action=str(data.get("Action") or ""),
            key=str(data.get("Key") or "").lower(),
            division=int(str(data["Division"])),
            endpoint=str(data.get("ExactOnlineEndpoint") or ""),
            client_id=str(data.get("ClientId") or ""),
            created_on=str(data.get("EventCreatedOn") or ""),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidHashCode(f"The webhook content is not readable ({exc}).") from exc
