"""A per-store request budget that every worker of a store shares.

BigCommerce gives each store one quota per window (150 per 30 s on Standard and
Plus, 450 on Pro) and every app the merchant installed draws from it. So we do
not count against an assumed quota: each answer's ``X-Rate-Limit-*`` headers
say how many requests are left and when the window resets, and the budget
keeps that in Redis under the store hash. Before a request a worker *takes a
permit*; when none is left it waits for the reset if that is short
(``max_wait``, 5 s by default) and otherwise raises
:class:`~bcapp.bigcommerce.errors.RateLimited` with ``retry_after`` so the job
is rescheduled instead of a worker sleeping.

State per store: ``quota``, ``left``, ``window_ms``, ``reset_at`` (ms on the
budget's clock), ``updated_at``. Rules, shared by both implementations:

* no state yet → grant (the first answer teaches us the quota);
* the clock passed ``reset_at`` → a new window: ``left = quota``;
* headers from the current window can only lower ``left`` (answers to requests
  sent earlier arrive late and carry older, larger counts) and correct
  ``reset_at``; headers naming a later reset start a new window; headers from
  an earlier window are ignored;
* a 429 sets ``left = 0`` until the reset it names;
* ``out`` counts permits granted whose answer has not come back (requests in
  flight, every worker's): an answer's ``left`` was counted when its request
  arrived, before those, so a state started from an answer (the first one, or
  one naming a later window) takes ``left - out``; within a window our own
  count already holds them. Without this, concurrent requests would trust an
  answer that does not yet count the others in flight, and earn 429s at the
  start of a run or a window. ``out``
  starts again at 0 with each window (a killed worker's requests never come
  back; an answer that arrives after the roll only lowers it, never below 0).

:class:`~bcapp.bigcommerce.budget_redis.RedisBudget` does this atomically in
Lua; :class:`LocalBudget` does the same in-process, for the sandbox, the demo
and the benchmark.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bcapp.bigcommerce.errors import RateLimited

DEFAULT_WINDOW_MS = 30_000
DEFAULT_MAX_WAIT = 5.0
HEADER_LEFT = "x-rate-limit-requests-left"
HEADER_RESET = "x-rate-limit-time-reset-ms"
HEADER_QUOTA = "x-rate-limit-requests-quota"
HEADER_WINDOW = "x-rate-limit-time-window-ms"


@dataclass(frozen=True)
class RateLimitHeaders:
    """The ``X-Rate-Limit-*`` headers of one answer (``None`` where absent)."""

    left: int | None
    reset_ms: int | None
    quota: int | None
    window_ms: int | None

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateLimitHeaders | None:
        """Read the headers case-insensitively; ``None`` when the answer carried none."""
        lowered = {key.lower(): value for key, value in headers.items()}
        values = [
            _int(lowered.get(name))
            for name in (HEADER_LEFT, HEADER_RESET, HEADER_QUOTA, HEADER_WINDOW)
        ]
        if all(value is None for value in values):
            return None
        return cls(*values)

    @property
    def usable(self) -> bool:
        """True when the answer says both how many are left and when the window resets."""
        return self.left is not None and self.reset_ms is not None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return max(0, int(float(value)))
    except ValueError:
        return None


@dataclass(frozen=True)
class BudgetSnapshot:
    """What the dashboard shows about a store's quota."""

    store_hash: str
    quota: int | None
    left: int | None
    reset_ms: int | None
    window_ms: int | None
    updated_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``updated_at`` as ISO 8601)."""
        data = self.__dict__.copy()
        data["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        return data


class Budget(Protocol):
    """What the client needs from a budget; both implementations below provide it."""

    store_hash: str
    max_wait: float

    def acquire(self) -> None: ...
    def observe(self, limits: RateLimitHeaders) -> None: ...
    def release(self) -> None: ...
    def exhaust(self, limits: RateLimitHeaders | None) -> None: ...
    def snapshot(self) -> BudgetSnapshot: ...
    def sleep(self, seconds: float) -> None: ...


class _BudgetBase:
    """The waiting policy shared by both budgets; subclasses keep the state."""

    def __init__(
        self,
        store_hash: str,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        reserve: int = 0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_rounds: int = 20,
    ) -> None:
        self.store_hash = store_hash
        self.max_wait = max_wait
        self.reserve = reserve
        self.clock = clock
        self._sleep = sleep
        self.max_rounds = max_rounds

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def sleep(self, seconds: float) -> None:
        """Wait on the budget's clock (the sandbox bench passes a simulated one)."""
        if seconds > 0:
            self._sleep(seconds)

    def acquire(self) -> None:
        """Take one permit, waiting for the window to reset when that is short.

        Raises:
            RateLimited: the wait would exceed ``max_wait``; ``retry_after`` says how long.
        """
        for _ in range(self.max_rounds):
            wait_ms = self._take(self.now_ms())
            if wait_ms <= 0:
                return
            if wait_ms / 1000 > self.max_wait:
                raise self._limited(wait_ms)
            self.sleep(wait_ms / 1000)
        raise self._limited(wait_ms)

    def observe(self, limits: RateLimitHeaders) -> None:
        """Fold an answer's headers into the shared state (its permit is back from flight)."""
        if limits.usable:
            self._observe(self.now_ms(), limits)
        else:
            self._release()

    def release(self) -> None:
        """A permit's request came back without rate headers (or not at all)."""
        self._release()

    def exhaust(self, limits: RateLimitHeaders | None) -> None:
        """A 429: nothing is left until the reset the answer names."""
        reset_ms = limits.reset_ms if limits and limits.reset_ms is not None else None
        if reset_ms is not None:
            self._exhaust(self.now_ms(), reset_ms, limits)

    def _limited(self, wait_ms: int) -> RateLimited:
        seconds = round(wait_ms / 1000, 3)
        return RateLimited(
            f"BigCommerce's request quota for store {self.store_hash} is spent; "
            f"it refreshes in {seconds} s.",
            retry_after=seconds,
            status=429,
            remote="bigcommerce",
            details={"store_hash": self.store_hash},
        )

    def _take(self, now: int) -> int:
        raise NotImplementedError

    def _observe(self, now: int, limits: RateLimitHeaders) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        raise NotImplementedError

    def _exhaust(self, now: int, reset_ms: int, limits: RateLimitHeaders | None) -> None:
        raise NotImplementedError


def _snapshot(store_hash: str, state: Mapping[str, Any] | None, now: int) -> BudgetSnapshot:
    if not state or "left" not in state:  # nothing learnt yet (perhaps requests in flight)
        return BudgetSnapshot(store_hash, None, None, None, None, None)
    quota = int(state["quota"]) if int(state["quota"]) >= 0 else None
    updated = (
        datetime.fromtimestamp(int(state["updated_at"]) / 1000, UTC)
        if "updated_at" in state
        else None
    )
    return BudgetSnapshot(
        store_hash=store_hash,
        quota=quota,
        left=int(state["left"]),
        reset_ms=max(0, int(state["reset_at"]) - now),
        window_ms=int(state["window_ms"]),
        updated_at=updated,
    )


class LocalBudget(_BudgetBase):
    """The budget kept in this process (sandbox, demo, bench); same rules as Redis."""

    def __init__(self, store_hash: str, **kwargs: Any) -> None:
        super().__init__(store_hash, **kwargs)
        self._lock = threading.Lock()
        self._state: dict[str, int] | None = None
        self._out = 0

    def _take(self, now: int) -> int:
        with self._lock:
            state = self._state
            if state is not None and now >= state["reset_at"]:
                if state["quota"] < 0:
                    self._state = state = None
                else:
                    _roll_window(state, now)
                    self._out = 0
            if state is not None and state["left"] <= self.reserve:
                return state["reset_at"] - now
            if state is not None:
                state["left"] -= 1
            self._out += 1
            return 0

    def _observe(self, now: int, limits: RateLimitHeaders) -> None:
        with self._lock:
            self._out = max(0, self._out - 1)
            self._state = merge_headers(self._state, limits, now, self._out)

    def _release(self) -> None:
        with self._lock:
            self._out = max(0, self._out - 1)

    def _exhaust(self, now: int, reset_ms: int, limits: RateLimitHeaders | None) -> None:
        with self._lock:
            state = self._state or {"quota": -1, "window_ms": DEFAULT_WINDOW_MS}
            quota = limits.quota if limits and limits.quota is not None else state["quota"]
            window = limits.window_ms if limits and limits.window_ms else state["window_ms"]
            self._state = {
                "quota": quota,
                "left": 0,
                "window_ms": window,
                "reset_at": now + reset_ms,
                "updated_at": now,
            }

    def snapshot(self) -> BudgetSnapshot:
        with self._lock:
            state = dict(self._state) if self._state else None
        return _snapshot(self.store_hash, state, self.now_ms())


def _roll_window(state: dict[str, int], now: int) -> None:
    window = state["window_ms"] or DEFAULT_WINDOW_MS
    state["reset_at"] += window * ((now - state["reset_at"]) // window + 1)
    state["left"] = state["quota"]


def merge_headers(
    state: dict[str, int] | None, limits: RateLimitHeaders, now: int, out: int = 0
) -> dict[str, int]:
    """The state after an answer's headers, ``out`` others still in flight (module docstring)."""
    assert limits.left is not None and limits.reset_ms is not None
    left = max(0, limits.left - out)
    window = limits.window_ms or (state or {}).get("window_ms") or DEFAULT_WINDOW_MS
    quota = limits.quota if limits.quota is not None else (state or {}).get("quota", limits.left)
    new_reset = now + limits.reset_ms
    fresh = {
        "quota": quota,
        "left": left,
        "window_ms": window,
        "reset_at": new_reset,
        "updated_at": now,
    }
    if state is None or now >= state["reset_at"] or new_reset > state["reset_at"] + window // 2:
        return fresh
    if new_reset < state["reset_at"] - window // 2:
        return state  # an answer from an earlier window, arriving late
    return {
        **state,
        "quota": quota,
        "window_ms": window,
        "left": min(state["left"], limits.left),  # our own in flight are counted already
        "reset_at": new_reset,  # the server's clock beats our estimate of the window
        "updated_at": now,
    }
