"""The ERP's own webhooks: subscribed when the merchant connects, re-checked by a watchdog.

An ERP with ``Capability.ERP_WEBHOOKS`` (Exact Online) announces changes to a
callback URL of ours; the announcement only names a record, so the intake
(:mod:`bcapp.web.erp_webhooks`) stores it and queues the flow that reads the
change (the connector's webhook hook names it: Exact's ``TOPIC_FLOWS`` in
:mod:`bcapp.connectors.exact.hooks`). The periodic runs of those flows go on, so a
lost callback costs at most one interval.

The callback URL is ``{APP_URL}/webhooks/{kind}/{token}``; the token is
``{connection id}.{HMAC of it with the app's SECRET_KEY}`` (:func:`callback_token`),
so it names the store's connection and cannot be guessed, and nothing needs
storing (rotating SECRET_KEY moves every callback: the watchdog subscribes the
new URL on its next run). Exact cannot send custom headers, hence the path.

Flow ``erp_webhooks`` (every :data:`WATCH_EVERY` minutes, and queued by the
connect step: ``enqueue_flow(store_id, "erp_webhooks", trigger="connect")``)
asks the connector to subscribe what is missing; each subscription it had to
make is logged.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from bcapp.config import current_settings
from bcapp.connectors.base import Capability, ErpWebhookConnector
from bcapp.errors import ConfigError
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Direction, Outcome
from bcapp.sync.registry import register_flow

#: Minutes between watchdog runs: a check costs one ERP call (Exact: 5,000 a day).
WATCH_EVERY = 360
ENTITY = "erp_webhook"


def callback_token(connection_id: int) -> str:
    """The path token that names a connection: ``{id}.{HMAC-SHA256(SECRET_KEY, id)[:32]}``."""
    key = str(current_settings().secret_key or "").encode()
    mac = hmac.new(key, f"erp-webhook:{connection_id}".encode(), hashlib.sha256).hexdigest()
    return f"{connection_id}.{mac[:32]}"


def connection_id_for(token: str) -> int | None:
    """The connection a callback token names, or None when it is not one of ours."""
    ident = token.partition(".")[0]
    if not ident.isdigit() or len(token) > 64:
        return None
    expected = callback_token(int(ident))
    return int(ident) if hmac.compare_digest(expected.encode(), token.encode()) else None


def callback_url(kind: str, connection_id: int) -> str:
    """Where the ERP delivers a connection's events."""
    base = str(current_settings().app_url).rstrip("/")
    return f"{base}/webhooks/{kind}/{callback_token(connection_id)}"


@register_flow("erp_webhooks", requires={Capability.ERP_WEBHOOKS}, group="erp_webhooks",
               direction=Direction.APP, every=WATCH_EVERY)  # fmt: skip
def watch_erp_webhooks(ctx: SyncContext, **_: Any) -> str:
    """Make the ERP deliver its change events to this connection's callback URL."""
    connector, connection = ctx.connector, ctx.connection
    if not isinstance(connector, ErpWebhookConnector) or connection is None:
        raise ConfigError("This ERP connection cannot announce its changes.")
    url = callback_url(connection.kind, connection.id)
    if ctx.dry_run:
        return f"Would make {connector.label} announce its changes to {url}."
    made = connector.ensure_erp_webhooks(url)
    for topic in made:
        ctx.record(Outcome.CREATED, ENTITY, None, topic,
                   f"{connector.label} now announces {topic} changes to the app.",
                   details={"topic": topic})  # fmt: skip
    ctx.commit()
    if not made:
        return f"{connector.label} announces its changes to the app."
    return f"Subscribed {', '.join(made)}."
