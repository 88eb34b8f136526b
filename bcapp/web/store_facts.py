"""What the store calls things, for the settings pages: its order status labels and channels.

A merchant renames "Awaiting Shipment" to "Downloaded" in BigCommerce and then looks
for "Downloaded" in our status lists; a multi-storefront merchant knows their
storefronts by name, not by channel id. So the order and catalog settings show the
store's own labels and channel names, read from BigCommerce.

The page must not hang on BigCommerce: the read has a short timeout and a budget
that refuses rather than waits, the result is kept per process for a few minutes,
and when BigCommerce cannot be read the page falls back to the built-in labels
(and says so) instead of failing.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from flask import current_app

from bcapp.errors import BcappError
from bcapp.mapping.rules import BC_ORDER_STATUSES

log = logging.getLogger(__name__)

#: How long the labels are reused (seconds); a failed read is retried sooner.
CACHE_SECONDS = 300
FAILED_CACHE_SECONDS = 30
#: Seconds a settings page waits for BigCommerce at most (per request, no retries).
FETCH_TIMEOUT = 3.0
_CACHE_KEY = "bcapp.store_facts"


@dataclass(frozen=True)
class StoreFacts:
    """Order status labels (id → the label the merchant sees) and channels (id → name)."""

    statuses: dict[int, str]
    channels: dict[int, str] = field(default_factory=dict)
    #: False: BigCommerce could not be read; ``statuses`` are the built-in labels.
    live: bool = True

    def channel_hint(self) -> str:
        """ "1 Main shop, 2 Outlet" for a field's hint; empty when unknown."""
        return ", ".join(f"{cid} {name}" for cid, name in sorted(self.channels.items()))


def store_facts(store: Any) -> StoreFacts:
    """The store's labels and channels, from the per-process cache or BigCommerce."""
    cache: dict[int, tuple[float, StoreFacts]] = current_app.extensions.setdefault(_CACHE_KEY, {})
    lock: threading.Lock = current_app.extensions.setdefault(_CACHE_KEY + ".lock", threading.Lock())
    now = time.monotonic()
    with lock:
        hit = cache.get(store.id)
    if hit is not None and hit[0] > now:
        return hit[1]
    facts = _read(store)
    ttl = CACHE_SECONDS if facts.live else FAILED_CACHE_SECONDS
    with lock:
        cache[store.id] = (now + ttl, facts)
    return facts


def check_channels(store: Any, raw: Any, values: dict[str, Any], errors: dict[str, str]) -> None:
    """Refuse a posted storefront the store does not have (when BigCommerce can be read):
    at the form, not as a failed run an hour later."""
    if "channels" not in raw or "channels" in errors or not values.get("channels"):
        return
    facts = store_facts(store)
    if not facts.live or not facts.channels:
        return
    missing = [str(c) for c in values["channels"] if int(c) not in facts.channels]
    if missing:
        errors["channels"] = (f"Your store has no storefront {', '.join(missing)}. "
                              f"Your channels: {facts.channel_hint()}.")  # fmt: skip


def _read(store: Any) -> StoreFacts:
    from bcapp.bigcommerce.client import BigCommerceClient
    from bcapp.bigcommerce.ratelimit import budget_for
    from bcapp.extensions import key_prefix, redis_ext
    from bcapp.sync.context import BC_TRANSPORT

    if not store.access_token:
        return StoreFacts(dict(BC_ORDER_STATUSES), live=False)
    client = BigCommerceClient(
        store.store_hash, store.access_token,
        api_url=current_app.config.get("BC_API_URL", "https://api.bigcommerce.com"),
        transport=current_app.extensions.get(BC_TRANSPORT),
        budget=budget_for(
            store.store_hash, redis_ext.client, namespace=key_prefix(), max_wait=0.5
        ),
        timeout=FETCH_TIMEOUT, max_retries=0,
    )  # fmt: skip
    try:
        statuses = {int(row["id"]): _label(row) for row in client.orders.statuses()}
        channels = {int(c["id"]): str(c.get("name") or c["id"]) for c in client.store.channels()}
    except (BcappError, httpx.HTTPError, redis.RedisError) as exc:  # a revoked token too
        log.warning("store %s: settings page uses built-in labels: %s", store.store_hash, exc)
        return StoreFacts(dict(BC_ORDER_STATUSES), live=False)
    finally:
        client.close()
    return StoreFacts({**BC_ORDER_STATUSES, **statuses}, channels)


def _label(row: dict[str, Any]) -> str:
    """ "Downloaded (Awaiting Shipment)" for a renamed status, else the status's name."""
    system = str(row.get("system_label") or row.get("name") or "").strip()
    system = system or BC_ORDER_STATUSES.get(int(row["id"]), str(row["id"]))
    custom = str(row.get("custom_label") or "").strip()
    return f"{custom} ({system})" if custom and custom != system else system
