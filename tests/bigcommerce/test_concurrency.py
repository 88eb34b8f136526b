"""Concurrent requests to one store: in-flight limits, endpoint rules, one shared quota.

Through the BigCommerce sandbox with a latency, so requests really overlap:
the sandbox answers a second concurrent price-list upsert with 429 as
BigCommerce does, and counts a plan's quota per request on arrival.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import httpx
import pytest
import redis as redis_lib

from bcapp.bigcommerce.budget_redis import RedisBudget
from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.concurrency import StoreSlots
from bcapp.bigcommerce.errors import RateLimited
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock

HASH = "conc01"
RECORDS = [{"price_list_id": 1, "sku": "MUG", "currency": "EUR", "price": 9.5}]


class Counting(httpx.WSGITransport):
    """The sandbox's transport, counting answers by status."""

    def __init__(self, sandbox: BigCommerceSandbox) -> None:
        super().__init__(app=sandbox.wsgi_app)
        self.statuses: Counter[int] = Counter()
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        with self._lock:
            self.statuses[response.status_code] += 1
        return response


def world(latency: float, **store: object) -> tuple[BigCommerceSandbox, str]:
    sandbox = BigCommerceSandbox(clock=SandboxClock(speed=0), latency=latency)
    token = sandbox.create_store(HASH, **store).access_token  # type: ignore[arg-type]
    return sandbox, token


def client(sandbox: BigCommerceSandbox, token: str, transport: httpx.BaseTransport,
           **kwargs: object) -> BigCommerceClient:  # fmt: skip
    return BigCommerceClient(HASH, token, transport=transport, **kwargs)  # type: ignore[arg-type]


def test_a_second_concurrent_price_list_upsert_is_refused_with_429() -> None:
    sandbox, token = world(latency=0.3)
    answers: list[httpx.Response] = []

    def upsert() -> None:
        with httpx.Client(transport=httpx.WSGITransport(app=sandbox.wsgi_app)) as http:
            answers.append(http.put(f"https://api.bigcommerce.com/stores/{HASH}/v3/pricelists/records",
                                    json=RECORDS, headers={"X-Auth-Token": token}))  # fmt: skip

    threads = [threading.Thread(target=upsert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(a.status_code for a in answers) == [200, 429]
    refused = next(a for a in answers if a.status_code == 429)
    assert int(refused.headers["X-Rate-Limit-Requests-Left"]) > 0  # not a spent quota


def test_the_client_sends_price_list_upserts_one_at_a_time_without_a_429() -> None:
    sandbox, token = world(latency=0.05)
    transport = Counting(sandbox)
    api = client(sandbox, token, transport, max_in_flight=4)
    with api.pipeline() as pipe:
        results = []
        for n in range(4):
            body = [{**RECORDS[0], "price": n}]
            results += pipe.submit(
                n, lambda body=body: api.v3("PUT", "/pricelists/records", json=body)
            )
        results += list(pipe.drain())

    assert len(results) == 4 and not any(isinstance(r, Exception) for _k, r in results)
    assert transport.statuses == Counter({200: 4})


def test_a_concurrency_429_from_another_worker_is_retried_without_spending_the_window() -> None:
    sandbox, token = world(latency=0.2)
    other = client(sandbox, token, Counting(sandbox), slots=StoreSlots(4))  # another process
    ours_transport = Counting(sandbox)
    ours = client(sandbox, token, ours_transport, slots=StoreSlots(4))
    thread = threading.Thread(target=lambda: other.v3("PUT", "/pricelists/records", json=RECORDS))
    thread.start()
    while not sandbox.in_flight.peak[HASH]:
        pass  # the other worker's upsert is in flight
    ours.v3("PUT", "/pricelists/records", json=RECORDS)
    thread.join()

    assert ours_transport.statuses[429] >= 1 and ours_transport.statuses[200] == 1
    assert (ours.budget.snapshot().left or 0) > 100  # the window was not marked spent


def test_requests_overlap_up_to_the_store_in_flight_limit() -> None:
    sandbox, token = world(latency=0.05)
    api = client(sandbox, token, httpx.WSGITransport(app=sandbox.wsgi_app), max_in_flight=3)
    with api.pipeline() as pipe:
        for n in range(12):
            pipe.submit(n, lambda: api.v3("GET", "/catalog/products"))
        list(pipe.drain())

    assert sandbox.in_flight.peak[HASH] == 3
    assert api.calls == 12


@pytest.fixture
def redis_client(redis_url: str):
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.close()


def test_two_workers_with_requests_in_flight_never_exceed_the_quota(redis_client) -> None:
    """Two worker processes (own slots), 4 in flight each, one Redis budget, a 20-request window."""
    sandbox = BigCommerceSandbox(clock=SandboxClock(speed=1), latency=0.03)
    token = sandbox.create_store(HASH, plan="enterprise", quota=20).access_token
    prefix = f"test:budget:{uuid.uuid4().hex}:"
    transport = Counting(sandbox)
    done: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(name: str) -> None:
        budget = RedisBudget(redis_client, HASH, prefix=prefix, max_wait=0.5)
        api = client(sandbox, token, transport, budget=budget, slots=StoreSlots(4))
        with api.pipeline() as pipe:
            results = []
            for n in range(15):
                results += pipe.submit(n, lambda: api.v3("GET", "/catalog/products"))
            results += pipe.drain()
        with lock:
            for _key, result in results:
                done["limited" if isinstance(result, RateLimited) else "ok"] += 1

    workers = [threading.Thread(target=worker, args=(n,)) for n in ("a", "b")]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert transport.statuses[429] == 0  # never sent early
    assert transport.statuses[200] == done["ok"] <= 20
    assert done["ok"] >= 18  # and the window was used, not left idle
    assert done["limited"] == 30 - done["ok"]  # the rest told to come back after the reset
