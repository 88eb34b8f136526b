"""The call budget, in-process and on real Redis: minutes, the day's reserve, erring endpoints."""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from bcapp.connectors.exact.budget import BudgetBase, Priority
from bcapp.connectors.exact.budget_redis import RedisCallBudget
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.limits import RateHeaders
from bcapp.errors import FatalSyncError, RetryableSyncError
from bcapp.sandbox.exact import ExactSandbox
from tests import conftest as suite
from tests.exact.conftest import START, connect, local_budget

Factory = Callable[..., BudgetBase]


@pytest.fixture(params=["local", "redis"])
def budgets(request: pytest.FixtureRequest) -> Iterator[Callable[[ExactSandbox], Factory]]:
    """budgets(sandbox)(**policy) → a budget; every budget of one test shares one state."""
    if request.param == "local":
        shared: dict[str, BudgetBase] = {}

        def local(sb: ExactSandbox) -> Factory:
            return lambda **kw: shared.setdefault("b", local_budget(sb, **kw))

        yield local
        return
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    prefix = f"{suite.test_prefix()}exact:"

    def in_redis(sb: ExactSandbox) -> Factory:
        division = str(sb.current_division)
        clock = {"clock": sb.clock.now, "sleep": sb.advance}
        return lambda **kw: RedisCallBudget(client, division, prefix=prefix, **clock, **kw)

    yield in_redis
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


def groups(client: ExactClient, priority: Priority = Priority.CATALOG) -> None:
    client.find("logistics/ItemGroups", select=["Code"], priority=priority)


def statuses(sb: ExactSandbox) -> Counter[int]:
    return Counter(r["status"] for r in sb.api_calls())


def test_a_spent_minute_is_waited_out_instead_of_earning_429s(budgets: Any) -> None:
    sandbox = ExactSandbox(speed=0, start=START, per_minute=5)
    client = connect(sandbox, budget=budgets(sandbox)(max_wait=90))
    for _ in range(12):
        groups(client)
    assert statuses(sandbox) == {200: 12}
    assert sandbox.clock.now() - START >= 120  # two minutes waited, on the simulated clock


def test_a_long_wait_becomes_a_retryable_error(budgets: Any) -> None:
    sandbox = ExactSandbox(speed=0, start=START, per_minute=3)
    client = connect(sandbox, budget=budgets(sandbox)(max_wait=5))
    sandbox.advance(20)
    for _ in range(3):
        groups(client)
    with pytest.raises(RetryableSyncError) as info:
        groups(client)
    assert info.value.retry_after == pytest.approx(40)
    assert "this minute" in info.value.message
    assert statuses(sandbox) == {200: 3}


def test_two_clients_sharing_one_budget_never_exceed_the_minute(budgets: Any) -> None:
    sandbox = ExactSandbox(speed=0, start=START, per_minute=10)
    factory = budgets(sandbox)
    clients = [connect(sandbox, budget=factory(max_wait=120)) for _ in range(2)]
    failures: list[BaseException] = []

    def work(client: ExactClient) -> None:
        try:
            for _ in range(15):
                groups(client)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    calls = sandbox.api_calls()
    assert statuses(sandbox) == {200: 30}
    per_minute = Counter(math.floor(r["time"] / 60) for r in calls)
    assert max(per_minute.values()) <= 10


def test_catalog_stops_at_the_order_reserve_and_orders_still_go(budgets: Any) -> None:
    sandbox = ExactSandbox(speed=0, start=START, per_day=50)
    budget = budgets(sandbox)(max_wait=90)  # the default reserve: 20 % of the learnt 50
    catalog = connect(sandbox, budget=budget)
    catalog_calls = 0
    with pytest.raises(RetryableSyncError) as info:
        while True:
            groups(catalog)
            catalog_calls += 1
    assert catalog_calls == 40
    assert "kept for orders" in info.value.message
    assert info.value.retry_after == pytest.approx(15 * 3600)  # 09:00 → midnight UTC
    assert budget.snapshot().describe() == "10 of 50 calls left today"

    for _ in range(10):
        groups(catalog, Priority.ORDERS)
    with pytest.raises(RetryableSyncError, match="used up"):
        groups(catalog, Priority.ORDERS)
    assert statuses(sandbox) == {200: 50}


def test_an_erring_endpoint_is_backed_off_before_exact_blocks_it(budgets: Any) -> None:
    sandbox = ExactSandbox(speed=0, start=START)
    client = connect(sandbox, budget=budgets(sandbox)())
    for _ in range(8):
        sandbox.reject_next_write("Name: Mandatory")
        with pytest.raises(FatalSyncError, match="Name: Mandatory"):
            client.create("crm/Accounts", {"Name": "x"})
    with pytest.raises(RetryableSyncError, match="crm/accounts") as info:
        client.find("crm/Accounts", select=["ID"], filter="Name eq 'x'")
    assert info.value.retry_after == pytest.approx(3600)
    groups(client)  # other endpoints go on
    division = sandbox.current_division
    assert sandbox.blocks[division].count("crm/accounts", sandbox.clock.now()) == 8
    assert client.budget.snapshot().endpoint_errors == {"crm/accounts": 8}

    sandbox.advance(3601)
    client = connect(sandbox, budget=budgets(sandbox)())
    assert client.find("crm/Accounts", select=["ID"], filter="Name eq 'x'") == []


def test_a_429_from_exact_spends_the_minute(budgets: Any) -> None:
    sandbox = ExactSandbox(speed=0, start=START)
    client = connect(sandbox, budget=budgets(sandbox)(max_wait=5))
    groups(client)
    sandbox.fail_next(429)
    with pytest.raises(RetryableSyncError):
        groups(client)
    with pytest.raises(RetryableSyncError) as info:
        groups(client)  # refused here, without asking Exact again
    assert info.value.retry_after == pytest.approx(60)
    assert statuses(sandbox) == {200: 1, 429: 1}


def test_the_dashboard_snapshot_reads_the_learnt_limits(budgets: Any) -> None:
    sandbox = ExactSandbox(speed=0, start=START)
    budget = budgets(sandbox)()
    assert budget.snapshot().describe() == "No Exact Online calls counted yet today."
    client = connect(sandbox, budget=budget)
    for _ in range(3):
        groups(client)
    snap = budget.snapshot()
    assert snap.describe() == "4,997 of 5,000 calls left today"
    assert (snap.minutely_limit, snap.minutely_left, snap.reserve) == (60, 57, 1000)
    assert snap.as_dict()["daily_reset_at"].startswith("2026-03-03T00:00:00")


def test_reset_headers_in_seconds_or_milliseconds_mean_the_same_moment() -> None:
    ms = RateHeaders.parse({"X-RateLimit-Reset": "1772496000000", "X-RateLimit-Remaining": "3"})
    s = RateHeaders.parse({"x-ratelimit-reset": "1772496000", "x-ratelimit-remaining": "3"})
    assert ms == s and ms is not None and ms.daily_reset == 1772496000000
    assert RateHeaders.parse({"Content-Type": "application/json"}) is None
