"""The Exact Online call budget of one division, shared by every worker.

Exact allows an app 60 calls a minute and 5,000 a day per company, and blocks an
endpoint for an hour after 10 errors on it within an hour. So before each call a
worker *takes a permit* here, and every answer's ``X-RateLimit-*`` headers teach
the budget the real limits and what is left:

* **Learnt, not assumed.** No state yet → grant (the first answer teaches). Each
  answer's headers set the daily and minutely ``limit``, ``left`` and ``reset``
  (epoch ms). Headers of the current window can only lower ``left`` (answers to
  earlier requests arrive late with larger counts); headers naming a later reset
  start a new window; older ones are ignored. When our clock passes ``reset`` the
  window rolls: ``left = limit``. A 429 sets ``left = 0`` until its reset.
* **Wait, don't earn 429s.** A spent minute is waited out when that is short
  (``max_wait``, 5 s); a longer wait raises
  :class:`~bcapp.errors.RetryableSyncError` with ``retry_after`` so the job is
  rescheduled instead of a worker sleeping.
* **A reserve for orders.** Callers state a :class:`Priority`. ``CATALOG`` may not
  take the last ``reserve`` calls of the day (20 % of the daily limit unless set);
  ``ORDERS`` may, so a catalog run never starves order export. A refused catalog
  call is retried when the day resets.
* **Back off an erring endpoint.** 400/401/403/404 answers are counted per
  endpoint; at ``ERROR_BACKOFF_AT`` (8) within the hour, calls to that endpoint
  pause until the oldest error is an hour old, so Exact's block at 10 is never hit.

:class:`LocalCallBudget` keeps this in-process (tests, the sandbox, the benchmark);
:class:`~bcapp.connectors.exact.budget_redis.RedisCallBudget` keeps it in Redis with
Lua so all workers share it. Both apply the rules of :mod:`.limits`.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from bcapp.connectors.exact.limits import (
    DAY,
    DAY_MS,
    ENDPOINT,
    GRANTED,
    HOUR_MS,
    MINUTE_MS,
    RateHeaders,
    State,
    exhausted,
    merge,
    reserve_floor,
    roll,
    take,
)
from bcapp.errors import RetryableSyncError

DEFAULT_MAX_WAIT = 5.0
DEFAULT_RESERVE_FRACTION = 0.2
#: Exact blocks an endpoint at 10 errors an hour; we stop at 8 (room for calls in flight).
ERROR_BACKOFF_AT = 8


class Priority(enum.Enum):
    """Who is calling: order export may use the day's reserve, catalog work may not."""

    ORDERS = "orders"
    CATALOG = "catalog"


@dataclass(frozen=True)
class BudgetSnapshot:
    """What the dashboard shows about a division's calls."""

    division: str
    daily_limit: int | None
    daily_left: int | None
    daily_reset_at: datetime | None
    minutely_limit: int | None
    minutely_left: int | None
    reserve: int | None
    endpoint_errors: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """A sentence for the dashboard: "1,234 of 5,000 calls left today"."""
        if self.daily_left is None or self.daily_limit is None:
            return "No Exact Online calls counted yet today."
        return f"{self.daily_left:,} of {self.daily_limit:,} calls left today"

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["daily_reset_at"] = self.daily_reset_at.isoformat() if self.daily_reset_at else None
        data["text"] = self.describe()
        return data


class CallBudget(Protocol):
    """What the client needs from a budget; both implementations provide it."""

    division: str

    def acquire(self, priority: Priority, endpoint: str) -> None: ...
    def observe(self, limits: RateHeaders | None) -> None: ...
    def exhaust(self, limits: RateHeaders | None) -> None: ...
    def record_error(self, endpoint: str) -> None: ...
    def snapshot(self) -> BudgetSnapshot: ...


# -- the waiting policy --------------------------------------------------------------------


class BudgetBase:
    """The policy both budgets share; subclasses keep the state."""

    def __init__(
        self,
        division: str,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        reserve: int | None = None,
        reserve_fraction: float = DEFAULT_RESERVE_FRACTION,
        error_backoff_at: int = ERROR_BACKOFF_AT,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_rounds: int = 10,
    ) -> None:
        self.division = str(division)
        self.max_wait = max_wait
        self.reserve = reserve
        self.reserve_fraction = reserve_fraction
        self.error_backoff_at = error_backoff_at
        self.clock = clock
        self._sleep = sleep
        self.max_rounds = max_rounds

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def acquire(self, priority: Priority, endpoint: str) -> None:
        """Take one permit, waiting out a short minute; raise when the wait is long.

        Raises:
            RetryableSyncError: the minute, the day (or its reserve) or the endpoint
                is spent for longer than ``max_wait``; ``retry_after`` says how long.
        """
        code, wait_ms = GRANTED, 0
        for _ in range(self.max_rounds):
            code, wait_ms = self._take(self.now_ms(), priority is Priority.ORDERS, endpoint)
            if code == GRANTED:
                return
            if code == ENDPOINT or wait_ms / 1000 > self.max_wait:
                break
            self._sleep(max(wait_ms, 1) / 1000)
        raise self._refusal(code, max(wait_ms, 0), priority, endpoint)

    def observe(self, limits: RateHeaders | None) -> None:
        """Fold an answer's headers into the shared state."""
        if limits is not None:
            self._observe(self.now_ms(), limits)

    def exhaust(self, limits: RateHeaders | None) -> None:
        """A 429: what it names is spent until its reset."""
        now = self.now_ms()
        if limits is not None:
            self._observe(now, limits)
        for prefix, reset in exhausted(limits, now):
            self._exhaust(now, prefix, reset)

    def record_error(self, endpoint: str) -> None:
        """Count an error answer (400/401/403/404) against ``endpoint``."""
        self._record_error(self.now_ms(), endpoint)

    def _refusal(
        self, code: int, wait_ms: int, priority: Priority, endpoint: str
    ) -> RetryableSyncError:
        seconds = round(wait_ms / 1000, 3)
        when = _duration(seconds)
        if code == ENDPOINT:
            text = (
                f"Exact Online answered {self.error_backoff_at} errors on {endpoint} within the "
                f"hour; calls to it pause for {when} so Exact does not block it."
            )
        elif code == DAY and priority is Priority.CATALOG:
            text = (
                f"The Exact Online calls left today for division {self.division} are kept for "
                f"orders; catalog work resumes when the day's calls reset in {when}."
            )
        elif code == DAY:
            text = (
                f"Exact Online's calls for today (division {self.division}) are used up; "
                f"they reset in {when}."
            )
        else:
            text = (
                f"Exact Online's calls for this minute (division {self.division}) are used; "
                f"they reset in {when}."
            )
        details = {"division": self.division, "endpoint": endpoint, "priority": priority.value}
        return RetryableSyncError(
            text, retry_after=seconds, status=429, remote="exact", details=details
        )

    def _floor(self, state: State, orders: bool) -> int:
        return reserve_floor(state, orders, self.reserve, self.reserve_fraction)

    def _take(self, now: int, orders: bool, endpoint: str) -> tuple[int, int]:
        raise NotImplementedError

    def _observe(self, now: int, limits: RateHeaders) -> None:
        raise NotImplementedError

    def _exhaust(self, now: int, prefix: str, reset: int) -> None:
        raise NotImplementedError

    def _record_error(self, now: int, endpoint: str) -> None:
        raise NotImplementedError


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def snapshot_of(
    division: str, state: Mapping[str, int], floor: int, errors: Mapping[str, int]
) -> BudgetSnapshot:
    reset = state.get("d_reset")
    return BudgetSnapshot(
        division=division,
        daily_limit=state.get("d_limit"),
        daily_left=state.get("d_left"),
        daily_reset_at=datetime.fromtimestamp(reset / 1000, UTC) if reset else None,
        minutely_limit=state.get("m_limit"),
        minutely_left=state.get("m_left"),
        reserve=floor if state.get("d_limit") is not None else None,
        endpoint_errors=dict(errors),
    )


class LocalCallBudget(BudgetBase):
    """The budget kept in this process; the same rules as Redis."""

    def __init__(self, division: str, **kwargs: Any) -> None:
        super().__init__(division, **kwargs)
        self._lock = threading.Lock()
        self._state: State = {}
        self._errors: dict[str, list[int]] = {}

    def _take(self, now: int, orders: bool, endpoint: str) -> tuple[int, int]:
        with self._lock:
            errors = self._recent(endpoint, now)
            if len(errors) >= self.error_backoff_at:
                return ENDPOINT, errors[0] + HOUR_MS - now
            return take(self._state, now, self._floor(self._state, orders))

    def _observe(self, now: int, limits: RateHeaders) -> None:
        with self._lock:
            s = self._state
            merge(s, "d", DAY_MS, now, limits.daily_limit, limits.daily_left, limits.daily_reset)
            merge(
                s,
                "m",
                MINUTE_MS,
                now,
                limits.minutely_limit,
                limits.minutely_left,
                limits.minutely_reset,
            )

    def _exhaust(self, now: int, prefix: str, reset: int) -> None:
        with self._lock:
            self._state[f"{prefix}_left"] = 0
            self._state[f"{prefix}_reset"] = reset

    def _record_error(self, now: int, endpoint: str) -> None:
        with self._lock:
            self._errors[endpoint] = [*self._recent(endpoint, now), now]

    def _recent(self, endpoint: str, now: int) -> list[int]:
        kept = [t for t in self._errors.pop(endpoint, []) if t > now - HOUR_MS]
        if kept:
            self._errors[endpoint] = kept
        return kept

    def snapshot(self) -> BudgetSnapshot:
        now = self.now_ms()
        with self._lock:
            state = dict(self._state)
            roll(state, "d", DAY_MS, now)
            roll(state, "m", MINUTE_MS, now)
            counts = {e: len(self._recent(e, now)) for e in list(self._errors)}
            errors = {e: n for e, n in counts.items() if n}
        return snapshot_of(self.division, state, self._floor(state, False), errors)
