"""How many requests a store has in flight: the whole store, and endpoints with their own rule.

The quota per window (150 or 450 per 30 s, more on Enterprise) is what binds a
sync; at a realistic 100-200 ms per request one connection sends at most 5-10
requests a second, so a Pro store's 15 a second needs several in flight. The
store's in-flight limit (``BC_MAX_IN_FLIGHT``) caps them per process; every
request still takes its permit from the one shared budget
(:mod:`~bcapp.bigcommerce.ratelimit`, Redis in production), so workers and
concurrent requests together never send more than the window allows.

BigCommerce dropped its general "3 concurrent requests" rule in 2023, but some
endpoints state their own limit in the API reference (``ENDPOINT_LIMITS``);
a request over it is refused with 429. Those are kept here per process, too.
Across workers the same 429 can still come (another worker holds the one slot
of a price-list upsert): the client tells it from a spent quota by the
requests still left in its headers and retries after a short pause, without
marking the window spent.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

#: Requests in flight per store and process when the configuration does not say: at
#: 150 ms a request, 8 reach ~53 a second, an Enterprise-sized 1,500 per 30 s.
DEFAULT_MAX_IN_FLIGHT = 8


@dataclass(frozen=True)
class EndpointLimit:
    """An endpoint's own concurrency limit, as the API reference states it."""

    methods: frozenset[str]
    pattern: re.Pattern[str]
    limit: int
    source: str

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and self.pattern.match(path) is not None


def _limit(methods: str, pattern: str, limit: int, source: str) -> EndpointLimit:
    return EndpointLimit(frozenset(methods.split()), re.compile(pattern), limit, source)


WRITES = "POST PUT DELETE"
ALL = "GET " + WRITES
#: Per-endpoint limits (v3 paths) from ``bigcommerce-openapi`` and ``bigcommerce-notes.md``.
ENDPOINT_LIMITS: tuple[EndpointLimit, ...] = (
    # "concurrency limit 1; running in parallel on the same store gives 429"
    _limit("PUT", r"^/pricelists/records$", 1, "price lists: batch upsert"),
    _limit("POST", r"^/pricelists/records$", 10, "price lists: batch create"),
    _limit("GET", r"^/catalog/trees/\d+/categories$", 1, "category-trees_catalog.v3.yml"),
    _limit(WRITES, r"^/customers$", 3, "customers.v3.yml: create/update/delete"),
    _limit(ALL, r"^/customers/addresses$", 10, "customers.v3.yml: addresses"),
    _limit(ALL, r"^/catalog/categories", 40, "categories_catalog.v3.yml"),
    _limit(ALL, r"^/inventory/locations", 50, "locations.v3.yml"),
    # The inventory guide: wait for a 200 before sending the next bulk adjustment.
    _limit(WRITES, r"^/inventory/adjustments/", 1, "inventory-adjustments.mdx"),
)


def endpoint_limit(method: str, version: str, path: str) -> EndpointLimit | None:
    """The limit of ``method path`` (a v3 path without the store prefix), if it has one."""
    if version != "v3":
        return None
    path = path.split("?", 1)[0].rstrip("/") or "/"
    return next((rule for rule in ENDPOINT_LIMITS if rule.matches(method, path)), None)


class StoreSlots:
    """The in-flight slots of one store in this process: the store's and its endpoints'."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._store = threading.BoundedSemaphore(self.limit)
        self._endpoints = {rule: threading.BoundedSemaphore(rule.limit) for rule in ENDPOINT_LIMITS}

    @contextmanager
    def hold(self, method: str, version: str, path: str) -> Iterator[None]:
        """Hold a slot for one request: the endpoint's first (if it has a rule), then the store's.

        Always in that order, so two threads never wait on each other's slot.
        """
        rule = endpoint_limit(method, version, path)
        endpoint = self._endpoints[rule] if rule is not None else None
        if endpoint is not None:
            endpoint.acquire()
        try:
            with self._store:
                yield
        finally:
            if endpoint is not None:
                endpoint.release()


_registry_lock = threading.Lock()
_registry: dict[tuple[str, int], StoreSlots] = {}


def slots_for(store_hash: str, limit: int) -> StoreSlots:
    """The process's slots for a store (every client of the store in this process shares them)."""
    with _registry_lock:
        slots = _registry.get((store_hash, limit))
        if slots is None:
            slots = _registry[(store_hash, limit)] = StoreSlots(limit)
        return slots
