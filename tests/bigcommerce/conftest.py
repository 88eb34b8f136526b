"""Fixtures for the BigCommerce client tests.

``bc_api`` is a tiny BigCommerce stand-in for httpx.MockTransport: routes are
``(method, path regex) → handler``, and every answer carries the
``X-Rate-Limit-*`` headers of a fixed-window quota kept on a fake clock (the
clock moves only when someone sleeps), answering 429 as BigCommerce documents
when the quota is spent. ``make_client`` builds a real BigCommerceClient on it,
with every request validated against BigCommerce's OpenAPI files.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.ratelimit import LocalBudget
from tests.bigcommerce.openapi_check import ValidatingTransport, spec_index

STORE = "abc123"
TOKEN = "token-abc"
API = "https://api.bigcommerce.com"

Handler = Callable[[httpx.Request, re.Match[str]], httpx.Response]


class FakeClock:
    """Time that moves only when a budget sleeps: tests see exact waits and take no time."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@dataclass
class FakeQuota:
    """A fixed-window quota: ``quota`` requests per ``window_ms``, windows aligned to the clock."""

    clock: FakeClock
    quota: int = 150
    window_ms: int = 30_000
    used: int = 0
    window_start: float = field(default=0.0)
    others: int = 0  # requests other apps spent in the first window before ours

    def _roll(self) -> None:
        now_ms = self.clock() * 1000
        if now_ms >= self.window_start + self.window_ms:
            windows = (now_ms - self.window_start) // self.window_ms
            self.window_start += windows * self.window_ms
            self.used = 0

    def take(self) -> tuple[bool, dict[str, str]]:
        if not self.window_start:
            self.window_start = self.clock() * 1000
            self.used, self.others = self.others, 0
        self._roll()
        allowed = self.used < self.quota
        if allowed:
            self.used += 1
        reset = int(self.window_start + self.window_ms - self.clock() * 1000)
        return allowed, {
            "X-Rate-Limit-Time-Window-Ms": str(self.window_ms),
            "X-Rate-Limit-Time-Reset-Ms": str(reset),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Requests-Left": str(self.quota - self.used),
        }


class FakeBigCommerce:
    """Routes plus a quota; ``requests`` records every request that reached it."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.quota = FakeQuota(clock)
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[httpx.Request] = []
        self.throttled = 0

    def route(self, method: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append((method, re.compile(f"^/stores/{STORE}{pattern}$"), handler))
            return handler

        return register

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        allowed, headers = self.quota.take()
        if not allowed:
            self.throttled += 1
            return httpx.Response(429, headers=headers, json=too_many())
        for method, pattern, handler in self.routes:
            match = pattern.match(request.url.path)
            if method == request.method and match:
                response = handler(request, match)
                for name, value in headers.items():
                    response.headers.setdefault(name, value)
                return response
        return httpx.Response(
            404,
            json={
                "status": 404,
                "title": "The requested resource was not found.",
                "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
            },
        )

    def bodies(self, method: str | None = None) -> list[Any]:
        return [
            json.loads(r.content)
            for r in self.requests
            if r.content and (not method or r.method == method)
        ]


def too_many() -> dict[str, Any]:
    return {
        "status": 429,
        "title": "Too many requests",
        "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
    }


def page(
    records: list[Any], current: int, total_pages: int, per_page: int, total: int
) -> dict[str, Any]:
    """A v3 list answer with ``meta.pagination`` as BigCommerce sends it."""
    return {
        "data": records,
        "meta": {
            "pagination": {
                "total": total,
                "count": len(records),
                "per_page": per_page,
                "current_page": current,
                "total_pages": total_pages,
                "links": {"current": f"?page={current}&limit={per_page}"},
            }
        },
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bc(clock: FakeClock) -> FakeBigCommerce:
    return FakeBigCommerce(clock)


@pytest.fixture(scope="session")
def specs() -> Any:
    """The spec index, or None where ../shared is absent (requests then go unchecked).

    The client's behaviour tests run either way; only the conformance check needs the
    vendor files (tests/sandbox_bc/test_conformance.py skips without them).
    """
    index = spec_index()
    if index is None:
        warnings.warn(
            "../shared/bigcommerce-openapi is absent (set BCAPP_SHARED_DIR): "
            "client requests are not checked against the spec",
            stacklevel=1,
        )
    return index


@pytest.fixture
def make_client(
    bc: FakeBigCommerce, clock: FakeClock, specs: Any
) -> Iterator[Callable[..., BigCommerceClient]]:
    """Build clients on ``bc``; every request they send is checked against the spec."""
    made: list[BigCommerceClient] = []

    def factory(
        *, budget: Any = None, check_responses: bool = False, **kwargs: Any
    ) -> BigCommerceClient:
        transport = ValidatingTransport(
            httpx.MockTransport(bc), specs, check_responses=check_responses
        )
        budget = budget or LocalBudget(STORE, clock=clock, sleep=clock.sleep)
        client = BigCommerceClient(
            STORE, TOKEN, api_url=API, transport=transport, budget=budget, **kwargs
        )
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()
