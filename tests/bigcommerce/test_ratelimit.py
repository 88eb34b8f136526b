"""The shared per-store budget: headers in, permits out, 429s handled, workers kept together."""

from __future__ import annotations

import uuid

import httpx
import pytest
import redis as redis_lib

from bcapp.bigcommerce.budget_redis import RedisBudget
from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.errors import RateLimited
from bcapp.bigcommerce.ratelimit import LocalBudget, RateLimitHeaders
from bcapp.errors import RetryableSyncError
from tests.bigcommerce.conftest import STORE
from tests.bigcommerce.openapi_check import ValidatingTransport


@pytest.fixture
def redis_client(redis_url):
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(params=["local", "redis"])
def make_budget(request, clock):
    """Budgets of either kind; Redis ones made by one call share one store key."""
    key_prefix = f"test:budget:{uuid.uuid4().hex}:"

    def factory(**kwargs):
        if request.param == "local":
            return LocalBudget(STORE, clock=clock, sleep=clock.sleep, **kwargs)
        client = redis_lib.Redis.from_url(request.getfixturevalue("redis_url"))
        return RedisBudget(
            client, STORE, prefix=key_prefix, clock=clock, sleep=clock.sleep, **kwargs
        )

    return factory


def headers(left, reset_ms, quota=150, window_ms=30_000):
    return RateLimitHeaders(left=left, reset_ms=reset_ms, quota=quota, window_ms=window_ms)


def test_headers_are_read_case_insensitively():
    lower = {
        "x-rate-limit-requests-left": "35",
        "x-rate-limit-time-reset-ms": "15000",
        "x-rate-limit-requests-quota": "150",
        "x-rate-limit-time-window-ms": "30000",
    }
    assert RateLimitHeaders.parse(lower) == RateLimitHeaders(35, 15000, 150, 30000)
    mixed = httpx.Headers({"X-Rate-Limit-Requests-Left": "0", "X-RATE-LIMIT-TIME-RESET-MS": "250"})
    assert RateLimitHeaders.parse(mixed) == RateLimitHeaders(0, 250, None, None)
    assert RateLimitHeaders.parse({"content-type": "application/json"}) is None


def test_unknown_budget_grants_then_counts_down_from_the_headers(make_budget, clock):
    budget = make_budget()
    budget.acquire()  # nothing known yet: the first answer teaches us
    budget.observe(headers(left=2, reset_ms=2_000))
    budget.acquire()
    budget.acquire()
    assert clock.sleeps == []
    budget.acquire()  # none left: waits for the reset, which is short enough
    assert clock.sleeps == [2.0]
    assert budget.snapshot().left == 149  # a fresh window, one permit taken


def test_short_reset_is_waited_long_reset_is_rescheduled(make_budget, clock):
    budget = make_budget(max_wait=5.0)
    budget.observe(headers(left=0, reset_ms=3_000))
    budget.acquire()
    assert clock.sleeps == [3.0]  # waited for the new window, then took a permit

    budget.observe(headers(left=0, reset_ms=20_000, quota=150))
    with pytest.raises(RetryableSyncError) as caught:
        budget.acquire()
    assert isinstance(caught.value, RateLimited)
    assert caught.value.retry_after == pytest.approx(20.0)
    assert clock.sleeps == [3.0]  # no worker sleeps through a long reset


def test_late_answers_never_raise_what_is_left(make_budget, clock):
    budget = make_budget()
    budget.observe(headers(left=10, reset_ms=20_000))
    budget.observe(headers(left=30, reset_ms=19_990))  # an older answer, arriving late
    assert budget.snapshot().left == 10
    clock.sleep(20)
    budget.observe(headers(left=149, reset_ms=29_990))  # a new window started
    snap = budget.snapshot()
    assert snap.left == 149 and snap.quota == 150 and snap.reset_ms == 29_990


def test_the_quota_comes_from_the_headers_not_the_plan(make_budget, clock):
    budget = make_budget()
    budget.observe(headers(left=1, reset_ms=1_000, quota=450))  # a Pro store
    budget.acquire()
    clock.sleep(1.5)  # the window reset: a full Pro quota is assumed until told otherwise
    for _ in range(450):
        budget.acquire()
    assert budget.snapshot().left == 0


def test_a_429_spends_the_budget_until_its_reset(make_budget, clock):
    budget = make_budget()
    budget.observe(headers(left=100, reset_ms=25_000))
    budget.exhaust(headers(left=0, reset_ms=2_000))  # other apps spent the shared quota
    budget.acquire()
    assert clock.sleeps == [2.0]


def test_snapshot_for_the_dashboard(make_budget, clock):
    budget = make_budget()
    assert budget.snapshot().left is None
    budget.observe(headers(left=35, reset_ms=15_000))
    clock.sleep(5)
    snap = budget.snapshot().as_dict()
    assert snap["quota"] == 150 and snap["left"] == 35 and snap["reset_ms"] == 10_000
    assert snap["store_hash"] == STORE and snap["updated_at"].startswith("2023-11-14T22:13:20")


# -- through the client -----------------------------------------------------------


def test_client_waits_out_a_429_and_retries(bc, make_client, clock):
    bc.quota.quota = 3
    bc.quota.others = 3  # other apps spent this window before us

    @bc.route("GET", "/v2/store")
    def _(request, match):
        return httpx.Response(200, json={"id": STORE, "name": "Shop"})

    bc.quota.window_ms = 4_000
    assert make_client().store.info()["name"] == "Shop"
    assert bc.throttled == 1
    assert clock.sleeps and clock.sleeps[0] == pytest.approx(4.0)


def test_client_raises_retry_after_when_the_reset_is_long(bc, make_client, clock):
    bc.quota.quota = 2
    bc.quota.others = 2

    @bc.route("GET", "/v2/store")
    def _(request, match):
        return httpx.Response(200, json={"id": STORE})

    with pytest.raises(RateLimited) as caught:
        make_client().store.info()
    assert caught.value.retry_after == pytest.approx(30.0)
    assert clock.sleeps == []
    assert len(bc.requests) == 1


def test_client_gives_up_after_bounded_429s(bc, make_client, clock):
    @bc.route("GET", "/v2/store")
    def _(request, match):
        return httpx.Response(
            429,
            headers={"X-Rate-Limit-Time-Reset-Ms": "100", "X-Rate-Limit-Requests-Left": "0"},
            json={},
        )

    with pytest.raises(RateLimited):
        make_client(max_retries=3).store.info()
    assert len(bc.requests) == 4


def test_429_without_headers_backs_off(bc, make_client, clock):
    answers = iter([429, 429, 200])

    @bc.route("GET", "/v2/time")
    def _(request, match):
        status = next(answers)
        return httpx.Response(status, json={"time": 1_700_000_000} if status == 200 else {})

    bc.quota.take = lambda: (True, {})  # the platform under load sends no quota headers
    assert make_client().store.time() == 1_700_000_000
    assert clock.sleeps == [1.0, 2.0]


@pytest.mark.redis
def test_two_workers_share_one_store_budget_in_redis(bc, make_client, clock, redis_client):
    """Worker B learns from worker A's answers: it waits instead of drawing a 429."""
    prefix = f"test:budget:{uuid.uuid4().hex}:"
    bc.quota.quota = 5
    bc.quota.window_ms = 3_000

    @bc.route("GET", "/v2/time")
    def _(request, match):
        return httpx.Response(200, json={"time": 1})

    def worker():
        budget = RedisBudget(redis_client, STORE, prefix=prefix, clock=clock, sleep=clock.sleep)
        return make_client(budget=budget)

    a, b = worker(), worker()
    for _ in range(5):
        a.store.time()
    assert bc.throttled == 0 and clock.sleeps == []
    b.store.time()  # B never sent a request before, yet knows the quota is spent
    assert bc.throttled == 0
    assert clock.sleeps == [pytest.approx(3.0)]
    for turn in range(12):
        (a if turn % 2 else b).store.time()
    assert bc.throttled == 0
    assert len(bc.requests) == 18


def test_separate_local_budgets_do_not_share(bc, make_client, clock):
    """The contrast: without a shared budget the second worker runs into the 429."""
    bc.quota.quota = 5
    bc.quota.window_ms = 3_000

    @bc.route("GET", "/v2/time")
    def _(request, match):
        return httpx.Response(200, json={"time": 1})

    a, b = make_client(), make_client()
    for _ in range(5):
        a.store.time()
    b.store.time()
    assert bc.throttled == 1


@pytest.mark.redis
def test_concurrent_workers_stay_inside_the_quota(redis_url, specs):
    """Four threads, each its own client and Redis connection, on one store with 6 per 0.5 s."""
    import threading
    import time

    from tests.bigcommerce.conftest import FakeBigCommerce

    lock = threading.Lock()
    server = FakeBigCommerce(time.time)
    server.quota.quota, server.quota.window_ms = 6, 500
    per_window: dict[int, int] = {}
    origin: list[float] = []

    @server.route("GET", "/v2/time")
    def _(request, match):
        origin[:] = origin or [server.quota.window_start]  # windows align to the first one
        window = int((time.time() * 1000 - origin[0]) // 500)
        per_window[window] = per_window.get(window, 0) + 1
        return httpx.Response(200, json={"time": 1})

    def guarded(request):
        with lock:
            return server(request)

    prefix = f"test:budget:{uuid.uuid4().hex}:"
    errors: list[BaseException] = []

    def work():
        conn = redis_lib.Redis.from_url(redis_url)
        budget = RedisBudget(conn, STORE, prefix=prefix)
        transport = ValidatingTransport(httpx.MockTransport(guarded), specs)
        with BigCommerceClient(STORE, "t", transport=transport, budget=budget) as client:
            try:
                for _ in range(5):
                    client.store.time()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert not errors
    assert sum(per_window.values()) == 20
    assert max(per_window.values()) <= 6
    assert server.throttled <= 1, "the shared budget should keep workers out of 429s"


def test_unreachable_redis_fails_open_and_429s_still_rule(bc, make_client, clock, caplog):
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis_lib.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    budget = RedisBudget(dead, STORE, clock=clock, sleep=clock.sleep)
    bc.quota.quota, bc.quota.others, bc.quota.window_ms = 2, 2, 3_000

    @bc.route("GET", "/v2/time")
    def _(request, match):
        return httpx.Response(200, json={"time": 5})

    assert make_client(budget=budget).store.time() == 5  # the 429 was waited out
    assert bc.throttled == 1
    assert "unavailable" in caplog.text
    assert budget.snapshot().left is None


def test_reserve_leaves_permits_for_other_apps(make_budget, clock):
    budget = make_budget(reserve=2)
    budget.observe(headers(left=3, reset_ms=1_000))
    budget.acquire()  # 3 left > 2 reserved
    assert clock.sleeps == []
    budget.acquire()  # only the reserve is left: wait for the next window
    assert clock.sleeps == [1.0]


def test_429_with_only_x_retry_after_waits_that_long(bc, make_client, clock):
    answers = iter([429, 200])

    @bc.route("GET", "/v2/time")
    def _(request, match):
        if next(answers) == 429:
            return httpx.Response(429, headers={"X-Retry-After": "3"}, json={})
        return httpx.Response(200, json={"time": 9})

    bc.quota.take = lambda: (True, {})
    assert make_client().store.time() == 9
    assert clock.sleeps == [3.0]
