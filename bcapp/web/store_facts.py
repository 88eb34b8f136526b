"""What the store calls things, for the settings pages: its order status labels and channels,
and for the mapping tables its payment methods, shipping methods and tax classes.

A merchant renames "Awaiting Shipment" to "Downloaded" in BigCommerce and then looks
for "Downloaded" in our status lists; a multi-storefront merchant knows their
storefronts by name, not by channel id; nobody knows by heart how BigCommerce spells
the payment method an order carries. So the settings offer the store's own labels,
channel names and values, read from BigCommerce: payment methods from the store's
payment settings and its recent orders (an order carries the name the mapping is
matched against), shipping methods from its shipping zones (and recent orders), tax
classes from its tax settings.

The page must not hang on BigCommerce: the read has a short timeout and a budget
that refuses rather than waits, the result is kept per process for a few minutes,
and when BigCommerce cannot be read the page falls back to the built-in labels
(and says so) instead of failing.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import redis
from flask import current_app

from bcapp.config import current_settings
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
    return _cached(store, "labels", _read)


def known_statuses(store: Any) -> dict[int, str]:
    """The store's status labels if this process read them lately, else the built-in ones;
    never a request (for pages that read only the database, like the dashboard)."""
    cache = current_app.extensions.get(f"{_CACHE_KEY}.labels", {})
    hit = cache.get(store.id)
    if hit is not None and hit[0] > time.monotonic():
        return dict(hit[1].statuses)
    return dict(BC_ORDER_STATUSES)


def forget(store: Any) -> None:
    """Drop the cached facts of ``store`` (after a change the merchant expects to see)."""
    for name in ("labels", "mappings", "groups"):
        current_app.extensions.get(f"{_CACHE_KEY}.{name}", {}).pop(store.id, None)


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


def bc_client(store: Any) -> Any:
    """A BigCommerce client for a web request: short timeout, no retries, a budget that
    refuses rather than waits. None when the store has no token."""
    from bcapp.bigcommerce.budget_redis import budget_for
    from bcapp.bigcommerce.client import BigCommerceClient
    from bcapp.extensions import key_prefix, redis_ext
    from bcapp.sync.context import BC_TRANSPORT

    if not store.access_token:
        return None
    return BigCommerceClient(
        store.store_hash, store.access_token,
        api_url=current_settings().bc_api_url,
        transport=current_app.extensions.get(BC_TRANSPORT),
        budget=budget_for(
            store.store_hash, redis_ext.client, namespace=key_prefix(), max_wait=0.5
        ),
        timeout=FETCH_TIMEOUT, max_retries=0,
    )  # fmt: skip


#: What a failed read of BigCommerce raises (a revoked token too).
READ_ERRORS = (BcappError, httpx.HTTPError, redis.RedisError)


def _read(store: Any) -> StoreFacts:
    client = bc_client(store)
    if client is None:
        return StoreFacts(dict(BC_ORDER_STATUSES), live=False)
    try:
        statuses = {int(row["id"]): _label(row) for row in client.orders.statuses()}
        channels = {int(c["id"]): str(c.get("name") or c["id"]) for c in client.store.channels()}
    except READ_ERRORS as exc:
        log.warning("store %s: settings page uses built-in labels: %s", store.store_hash, exc)
        return StoreFacts(dict(BC_ORDER_STATUSES), live=False)
    finally:
        client.close()
    return StoreFacts({**BC_ORDER_STATUSES, **statuses}, channels)


# -- the mapping tables' left column ------------------------------------------------------------


@dataclass(frozen=True)
class CustomerGroups:
    """The store's customer groups (id → name): the classification table is keyed by id,
    which no merchant knows by heart."""

    names: dict[int, str] = field(default_factory=dict)
    live: bool = True


def customer_groups(store: Any) -> CustomerGroups:
    """The store's customer groups (cached like the labels; read only for that table)."""
    return _cached(store, "groups", _read_groups)


def _read_groups(store: Any) -> CustomerGroups:
    client = bc_client(store)
    if client is None:
        return CustomerGroups(live=False)
    try:
        rows = list(client.customers.groups())
    except READ_ERRORS as exc:
        log.warning("store %s: classification without group names: %s", store.store_hash, exc)
        return CustomerGroups(live=False)
    finally:
        client.close()
    return CustomerGroups({int(g["id"]): str(g.get("name") or g["id"]) for g in rows if "id" in g})


#: BigCommerce's built-in tax class: id 0, never listed by ``/v2/tax_classes``.
DEFAULT_TAX_CLASS = "Default Tax Class"
RECENT_ORDERS = 100
MAX_ZONES = 20
#: Recent orders whose shipping method is read (one request each: the names orders carry).
SHIPPING_ORDERS = 5
#: Seconds the mapping page waits for all of the store's values together.
MAPPING_DEADLINE = 5.0


@dataclass(frozen=True)
class MappingFacts:
    """The store's own values for the mapping tables (names as orders carry them)."""

    payment_methods: tuple[str, ...] = ()
    shipping_methods: tuple[str, ...] = ()
    tax_classes: tuple[str, ...] = (DEFAULT_TAX_CLASS,)
    live: bool = True

    def values(self, table: str) -> tuple[str, ...]:
        """The offered left-column values of a mapping table."""
        return {
            "payment": self.payment_methods,
            "shipping": self.shipping_methods,
            "carrier": self.shipping_methods,
            "payment_terms": self.payment_methods,
            "payment_journal": self.payment_methods,
            "tax": self.tax_classes,
        }.get(table, ())


def mapping_facts(store: Any) -> MappingFacts:
    """The store's payment/shipping methods and tax classes (cached like the labels)."""
    return _cached(store, "mappings", _read_mapping_facts)


def _read_mapping_facts(store: Any) -> MappingFacts:
    """Several requests (settings, zones, recent orders): together at most MAPPING_DEADLINE."""
    client = bc_client(store)
    if client is None:
        return MappingFacts(live=False)
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(_mapping_values, client).result(timeout=MAPPING_DEADLINE)
    except (concurrent.futures.TimeoutError, *READ_ERRORS) as exc:
        log.warning("store %s: mapping pickers without store values: %r", store.store_hash, exc)
        return MappingFacts(live=False)
    finally:
        pool.shutdown(wait=False)
        client.close()


def _mapping_values(client: Any) -> MappingFacts:
    orders = _recent_orders(client)
    payment = [m.get("name", "") for m in client.v2("GET", "/payments/methods") or []]
    payment += [o.get("payment_method", "") for o in orders]
    shipping = _zone_methods(client) + _order_shipping_methods(client, orders[:SHIPPING_ORDERS])
    classes = client.v2("GET", "/tax_classes") or []
    taxes = [DEFAULT_TAX_CLASS] + [t.get("name", "") for t in classes]
    return MappingFacts(_unique(payment), _unique(shipping), _unique(taxes))


def _recent_orders(client: Any) -> list[dict[str, Any]]:
    params = {"limit": RECENT_ORDERS, "sort": "date_created:desc"}
    return list(client.v2("GET", "/orders", params=params) or [])


def _zone_methods(client: Any) -> list[str]:
    names: list[str] = []
    for zone in (client.v2("GET", "/shipping/zones") or [])[:MAX_ZONES]:
        for method in client.v2("GET", f"/shipping/zones/{int(zone['id'])}/methods") or []:
            names.append(str(method.get("name") or ""))
    return names


def _order_shipping_methods(client: Any, orders: list[dict[str, Any]]) -> list[str]:
    """The names orders actually carry (a carrier's method reads "UPS® (Ground)")."""
    names: list[str] = []
    for order in orders:
        rows = client.v2("GET", f"/orders/{int(order['id'])}/shipping_addresses") or []
        names += [str(r.get("shipping_method") or "") for r in rows]
    return names


def _unique(values: list[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        text = str(value or "").strip()
        if text and text.casefold() not in {s.casefold() for s in seen}:
            seen[text] = None
    return tuple(seen)


def _cached(store: Any, name: str, read: Any) -> Any:
    """``read(store)``, kept per process and store for CACHE_SECONDS (failures 30 s)."""
    key = f"{_CACHE_KEY}.{name}"
    cache: dict[int, tuple[float, Any]] = current_app.extensions.setdefault(key, {})
    lock: threading.Lock = current_app.extensions.setdefault(_CACHE_KEY + ".lock", threading.Lock())
    now = time.monotonic()
    with lock:
        hit = cache.get(store.id)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = read(store)
    ttl = CACHE_SECONDS if getattr(value, "live", True) else FAILED_CACHE_SECONDS
    with lock:
        cache[store.id] = (now + ttl, value)
    return value


def _label(row: dict[str, Any]) -> str:
    """ "Downloaded (Awaiting Shipment)" for a renamed status, else the status's name."""
    system = str(row.get("system_label") or row.get("name") or "").strip()
    system = system or BC_ORDER_STATUSES.get(int(row["id"]), str(row["id"]))
    custom = str(row.get("custom_label") or "").strip()
    return f"{custom} ({system})" if custom and custom != system else system
