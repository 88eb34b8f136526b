"""The BigCommerce REST client for one store: requests, budget, retries, paging, batches.

Every request goes through :meth:`BigCommerceClient.request`, which

1. takes a permit from the store's shared :mod:`~bcapp.bigcommerce.ratelimit` budget,
   and an in-flight slot (:mod:`~bcapp.bigcommerce.concurrency`: the store's
   ``max_in_flight`` and the endpoint's own limit, if BigCommerce states one),
2. sends it with ``X-Auth-Token`` and a timeout on the worker's shared
   ``httpx.Client`` (one connection pool per process),
3. folds the answer's ``X-Rate-Limit-*`` headers back into the budget, and
4. turns a refusal into bcapp's error tree (:mod:`~bcapp.bigcommerce.errors`).

A 429 waits ``X-Rate-Limit-Time-Reset-Ms`` and retries (at most ``max_retries``
times) when that is short; a long reset raises ``RateLimited(retry_after=...)``
so the job is rescheduled. Reads are retried after 5xx and timeouts with a
short backoff; writes are not (BigCommerce asks for longer waits before retrying
writes, which the job queue's backoff gives). A 429 that still reports requests
left is an endpoint's own concurrency limit (another worker holds its slot), not
a spent window: it is retried after a short pause and does not empty the budget.

The client is thread-safe: :meth:`BigCommerceClient.pipeline` runs calls on up
to ``max_in_flight`` threads, so a flow keeps the quota busy at real latencies.

Resources (``client.products``, ``client.orders``, ...) live in
:mod:`bcapp.bigcommerce.resources`; they speak in BigCommerce's JSON and leave
canonical mapping to ``bigcommerce/mapping.py``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

from bcapp import metrics
from bcapp.bigcommerce.budget_redis import budget_for
from bcapp.bigcommerce.concurrency import DEFAULT_MAX_IN_FLIGHT, StoreSlots, slots_for
from bcapp.bigcommerce.errors import ApiError, transport_error
from bcapp.bigcommerce.pipeline import Pipeline
from bcapp.bigcommerce.ratelimit import Budget, LocalBudget, RateLimitHeaders
from bcapp.bigcommerce.resources import (
    catalog,
    categories,
    customers,
    hooks,
    inventory,
    orders,
    store,
)
from bcapp.bigcommerce.resources.paging import MAX_PAGE, BatchResult, chunked, last_page, query

__all__ = [
    "API_URL",
    "MAX_PAGE",
    "BatchResult",
    "BigCommerceClient",
    "chunked",
    "client_for",
    "query",
]

if TYPE_CHECKING:
    from bcapp.bigcommerce.resources.orders import Refunds

log = logging.getLogger(__name__)

API_URL = "https://api.bigcommerce.com"
#: 429s without rate-limit headers mean the platform is under load: back off like this.
LOAD_BACKOFF = (1.0, 2.0, 4.0)
#: Backoff between retries of a read after a 5xx or timeout.
READ_BACKOFF = (0.5, 1.0, 2.0)
#: Pauses before retrying a 429 for an endpoint's own concurrency limit (quota left).
BUSY_BACKOFF = (0.1, 0.2, 0.4, 0.8, 1.6)
IDEMPOTENT = frozenset({"GET", "HEAD"})

_shared_lock = threading.Lock()
_shared: dict[int, httpx.Client] = {}


def shared_http(timeout: float = 20.0) -> httpx.Client:
    """The worker process's one ``httpx.Client`` (re-created after a fork)."""
    pid = os.getpid()
    with _shared_lock:
        client = _shared.get(pid)
        if client is None or client.is_closed:
            client = httpx.Client(
                timeout=timeout, limits=httpx.Limits(max_keepalive_connections=20)
            )
            _shared.clear()  # a forked child must not reuse its parent's sockets
            _shared[pid] = client
        return client


class BigCommerceClient:
    """An API client for one store.

    Args:
        store_hash: the store's hash (``stores/{hash}``).
        access_token: the store's OAuth token.
        api_url: API base (``BC_API_URL``); the sandbox serves the same paths.
        transport: an httpx transport (tests mount the sandbox with ``httpx.WSGITransport``).
        budget: the store's shared rate budget; default an in-process one.
        timeout: seconds for connect/read/write/pool.
        http: an ``httpx.Client`` to share; default the process's shared one.
        max_retries: retries after a 429 (or a failed read) before giving up.
        max_in_flight: requests this process sends to the store at once (``BC_MAX_IN_FLIGHT``).
        slots: the in-flight slots to hold; default the process's for this store.

    Attributes:
        calls: requests sent so far (retries included), for logs and the benchmark.
    """

    products: catalog.Products
    variants: catalog.Variants
    options: catalog.Options
    images: catalog.Images
    custom_fields: catalog.CustomFields
    metafields: catalog.Metafields
    brands: catalog.Brands
    channel_assignments: catalog.ChannelAssignments
    category_trees: categories.CategoryTrees
    inventory: inventory.Inventory
    customers: customers.Customers
    orders: orders.Orders
    refunds: Refunds
    hooks: hooks.Hooks
    store: store.StoreInformation

    def __init__(
        self,
        store_hash: str,
        access_token: str,
        *,
        api_url: str = API_URL,
        transport: httpx.BaseTransport | None = None,
        budget: Budget | None = None,
        timeout: float = 20.0,
        http: httpx.Client | None = None,
        max_retries: int = 3,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
        slots: StoreSlots | None = None,
    ) -> None:
        self.store_hash = store_hash
        self.store_url = f"{api_url.rstrip('/')}/stores/{store_hash}"
        self.timeout = httpx.Timeout(timeout)
        self._owns_http = http is None and transport is not None
        if http is None:
            http = (
                httpx.Client(transport=transport, timeout=timeout)
                if transport
                else shared_http(timeout)
            )
        self.http = http
        self.budget: Budget = budget if budget is not None else LocalBudget(store_hash)
        self.max_retries = max_retries
        self.headers = {"X-Auth-Token": access_token, "Accept": "application/json"}
        self.calls = 0
        self.max_in_flight = max(1, max_in_flight)
        self.slots = slots or slots_for(store_hash, self.max_in_flight)
        self._count_lock = threading.Lock()
        attach_resources(self)

    def __repr__(self) -> str:
        return f"<BigCommerceClient {self.store_hash}>"

    def __enter__(self) -> BigCommerceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this client made it (never the shared one)."""
        if self._owns_http:
            self.http.close()

    # -- one request -------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        version: str = "v3",
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send one request under the budget; return the 2xx answer or raise from the tree."""
        method = method.upper()
        url = f"{self.store_url}/{version}{path}"
        attempt = 0
        while True:
            response = self._send(method, (version, url, path), params, json, attempt)
            if response is None:  # a read that timed out and will be retried
                attempt += 1
                continue
            if response.status_code < 400:
                return response
            wait = self._busy_wait(response, attempt)
            if wait is None:
                wait = self._retry_wait(method, response, attempt)
            if wait is None:
                raise ApiError.from_response(response, retry_after=self._retry_after(response))
            log.info(
                "BigCommerce %s for %s %s (store %s); retrying in %.1f s",
                response.status_code,
                method,
                path,
                self.store_hash,
                wait,
            )
            self.budget.sleep(wait)
            attempt += 1

    def _send(
        self,
        method: str,
        where: tuple[str, str, str],
        params: Mapping[str, Any] | None,
        json: Any,
        attempt: int,
    ) -> httpx.Response | None:
        """One attempt: a permit, an in-flight slot, the request; None for a read to retry."""
        version, url, path = where
        self.budget.acquire()
        try:
            with self.slots.hold(method, version, path):
                response = self.http.request(
                    method,
                    url,
                    params=query(params),
                    json=json,
                    headers=self.headers,
                    timeout=self.timeout,
                )
        except httpx.HTTPError as exc:
            metrics.observe_bigcommerce(None, None)
            self.budget.release()
            if method in IDEMPOTENT and attempt < self.max_retries:
                self.budget.sleep(READ_BACKOFF[min(attempt, len(READ_BACKOFF) - 1)])
                return None
            raise transport_error(exc, method, path) from exc
        finally:
            with self._count_lock:
                self.calls += 1
        limits = RateLimitHeaders.parse(response.headers)
        metrics.observe_bigcommerce(response.status_code, limits.left if limits else None)
        if limits is not None:
            self.budget.observe(limits)
        else:
            self.budget.release()
        return response

    @staticmethod
    def _busy_wait(response: httpx.Response, attempt: int) -> float | None:
        """A 429 with requests left: the endpoint's own limit; a short pause, quota untouched."""
        if not _busy(response) or attempt >= len(BUSY_BACKOFF):
            return None
        return BUSY_BACKOFF[attempt]

    def _retry_wait(self, method: str, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before retrying ``response``, or None to raise now."""
        if _busy(response):
            return None  # retried BUSY_BACKOFF times: the job's backoff takes over
        if attempt >= self.max_retries:
            if response.status_code == 429:
                self.budget.exhaust(RateLimitHeaders.parse(response.headers))
            return None
        if response.status_code == 429:
            limits = RateLimitHeaders.parse(response.headers)
            self.budget.exhaust(limits)
            wait = self._throttle_wait(response, attempt)
            return wait if wait <= self.budget.max_wait else None
        if response.status_code >= 500 and method in IDEMPOTENT:
            return READ_BACKOFF[min(attempt, len(READ_BACKOFF) - 1)]
        return None

    @staticmethod
    def _throttle_wait(response: httpx.Response, attempt: int) -> float:
        """A 429's wait: the window's reset, else ``X-Retry-After``, else a backoff."""
        limits = RateLimitHeaders.parse(response.headers)
        if limits is not None and limits.reset_ms is not None:
            # Later 429s in a row back off further, as BigCommerce asks.
            return limits.reset_ms / 1000 * (1 + attempt * 0.5)
        hinted = _seconds(response.headers.get("x-retry-after"))
        if hinted is not None:
            return hinted * (1 + attempt * 0.5)
        return LOAD_BACKOFF[min(attempt, len(LOAD_BACKOFF) - 1)]

    def _retry_after(self, response: httpx.Response) -> float | None:
        if _busy(response):
            return BUSY_BACKOFF[-1]
        if response.status_code == 429:
            return self._throttle_wait(response, 0)
        hinted = _seconds(response.headers.get("x-retry-after"))
        return hinted if hinted is not None else _seconds(response.headers.get("retry-after"))

    # -- JSON helpers --------------------------------------------------------

    def v3(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Any:
        """A v3 call; the parsed body (``{"data": ..., "meta": ...}``) or None for 204."""
        return _body(self.request(method, path, version="v3", params=params, json=json))

    def v2(
        self, method: str, path: str, *, params: Mapping[str, Any] | None = None, json: Any = None
    ) -> Any:
        """A v2 call; the parsed body, or None for 204 / an empty answer."""
        return _body(self.request(method, path, version="v2", params=params, json=json))

    def data(self, method: str, path: str, **kwargs: Any) -> Any:
        """A v3 call's ``data`` member."""
        body = self.v3(method, path, **kwargs)
        return body.get("data") if isinstance(body, dict) else body

    def iter_v3(
        self, path: str, params: Mapping[str, Any] | None = None, *, limit: int = MAX_PAGE
    ) -> Iterator[dict[str, Any]]:
        """Every record of a v3 list, page by page (``meta.pagination``; a short page ends it)."""
        params = dict(params or {})
        page = int(params.pop("page", 1))
        params["limit"] = min(int(params.get("limit", limit)), MAX_PAGE)
        while True:
            body = self.v3("GET", path, params={**params, "page": page}) or {}
            records = body.get("data") or []
            yield from records
            pagination = (body.get("meta") or {}).get("pagination") or {}
            total_pages = pagination.get("total_pages")
            if last_page(records, page, total_pages, params["limit"]):
                return
            page += 1

    def iter_v2(
        self, path: str, params: Mapping[str, Any] | None = None, *, limit: int = MAX_PAGE
    ) -> Iterator[dict[str, Any]]:
        """Every record of a v2 list: pages until an empty page, a short page or a 204."""
        params = dict(params or {})
        page = int(params.pop("page", 1))
        params["limit"] = min(int(params.get("limit", limit)), MAX_PAGE)
        while True:
            records = self.v2("GET", path, params={**params, "page": page}) or []
            yield from records
            if len(records) < params["limit"]:
                return
            page += 1

    def batches(
        self,
        method: str,
        path: str,
        items: Sequence[Any],
        size: int,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> BatchResult:
        """Send ``items`` in requests of at most ``size``; collect data and per-item errors."""
        result = BatchResult()
        for batch in chunked(items, size):
            result.add(self.v3(method, path, json=batch, params=params))
        return result

    def pipeline(self, depth: int | None = None) -> Pipeline[Any, Any]:
        """Run calls on this client concurrently, at most ``depth`` (default ``max_in_flight``)."""
        return Pipeline(depth or self.max_in_flight)


def client_for(
    store_hash: str,
    access_token: str,
    config: Mapping[str, Any],
    *,
    redis: Any = None,
    **kwargs: Any,
) -> BigCommerceClient:
    """A client configured from the app config (``BC_API_URL``, ``HTTP_TIMEOUT``).

    With ``redis`` the store's budget is shared by every worker (production);
    without, it is kept in this process (demo, sandbox).
    """
    timeout = float(config.get("HTTP_TIMEOUT", 20.0))
    kwargs.setdefault("budget", budget_for(store_hash, redis))
    kwargs.setdefault("max_in_flight", int(config.get("BC_MAX_IN_FLIGHT") or DEFAULT_MAX_IN_FLIGHT))
    return BigCommerceClient(
        store_hash,
        access_token,
        api_url=config.get("BC_API_URL") or API_URL,
        timeout=timeout,
        **kwargs,
    )


def _busy(response: httpx.Response) -> bool:
    """A 429 for an endpoint's concurrency limit: the window still has requests left."""
    if response.status_code != 429:
        return False
    limits = RateLimitHeaders.parse(response.headers)
    return limits is not None and bool(limits.left)


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _body(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def attach_resources(client: BigCommerceClient) -> None:
    """Give ``client`` its resource attributes (``client.products``, ``client.orders`` ...)."""
    client.products = catalog.Products(client)
    client.variants = catalog.Variants(client)
    client.options = catalog.Options(client)
    client.images = catalog.Images(client)
    client.custom_fields = catalog.CustomFields(client)
    client.metafields = catalog.Metafields(client)
    client.brands = catalog.Brands(client)
    client.channel_assignments = catalog.ChannelAssignments(client)
    client.category_trees = categories.CategoryTrees(client)
    client.inventory = inventory.Inventory(client)
    client.customers = customers.Customers(client)
    client.orders = orders.Orders(client)
    client.refunds = orders.Refunds(client)
    client.hooks = hooks.Hooks(client)
    client.store = store.StoreInformation(client)
