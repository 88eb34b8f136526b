"""Endpoints with their own concurrency limit, and the requests each store has in flight.

BigCommerce has no general concurrency limit any more (the "3 concurrent
requests" rule left the guide in 2023), but the API reference states a limit
for some endpoints; a request beyond it is refused with 429 while the store's
quota still has requests left (the rate headers say so). The price-list batch
upsert is the strict one: one at a time per store. The table is kept here,
apart from the client's own (:mod:`bcapp.bigcommerce.concurrency`), so a test
through the sandbox catches a client that forgets a rule.

A request is *in flight* from its arrival until its answer leaves, which is
``BigCommerceSandbox.latency`` later on the sandbox clock.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

#: (methods, v3 path pattern, concurrent requests allowed), from ../shared/bigcommerce-openapi.
LIMITS: tuple[tuple[frozenset[str], re.Pattern[str], int], ...] = tuple(
    (frozenset(methods.split()), re.compile(pattern), limit)
    for methods, pattern, limit in (
        ("PUT", r"^/pricelists/records$", 1),
        ("POST", r"^/pricelists/records$", 10),
        ("GET", r"^/catalog/trees/\d+/categories$", 1),
        ("POST PUT DELETE", r"^/customers$", 3),
        ("GET POST PUT DELETE", r"^/customers/addresses$", 10),
        ("GET POST PUT DELETE", r"^/catalog/categories", 40),
        ("GET POST PUT DELETE", r"^/inventory/locations", 50),
    )
)


def rule_for(method: str, version: str, path: str) -> int | None:
    """Index of the limit that covers ``method path`` (``path`` after ``/v3``), if any."""
    if version != "v3":
        return None
    for index, (methods, pattern, _limit) in enumerate(LIMITS):
        if method in methods and pattern.match(path):
            return index
    return None


class InFlight:
    """Requests in flight per store and endpoint rule (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: Counter[tuple[str, int]] = Counter()
        #: The most requests the store had in flight at once (tests and the bench read it).
        self.peak: Counter[str] = Counter()
        self._total: Counter[str] = Counter()

    def enter(self, store_hash: str, rule: int | None) -> bool:
        """Count a request in; False when its endpoint's limit is reached (answer 429)."""
        with self._lock:
            if rule is not None:
                if self._count[(store_hash, rule)] >= LIMITS[rule][2]:
                    return False
                self._count[(store_hash, rule)] += 1
            self._total[store_hash] += 1
            self.peak[store_hash] = max(self.peak[store_hash], self._total[store_hash])
            return True

    def leave(self, store_hash: str, rule: int | None) -> None:
        """The request's answer left."""
        with self._lock:
            if rule is not None:
                self._count[(store_hash, rule)] -= 1
            self._total[store_hash] -= 1
