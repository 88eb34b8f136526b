"""Exact's rate-limit headers and the budget's rules, as pure functions on a plain dict.

State per division (``State``): ``d_limit d_left d_reset`` for the day and
``m_limit m_left m_reset`` for the minute, resets in epoch ms, a key absent when
not known yet. :class:`~bcapp.connectors.exact.budget.LocalCallBudget` applies
these functions under a thread lock; the Lua scripts of
:mod:`~bcapp.connectors.exact.budget_redis` are the same rules, line for line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

MINUTE_MS = 60_000
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
#: Statuses Exact counts as errors towards its block [V S11, E5].
COUNTED_ERRORS = frozenset({400, 401, 403, 404})
GRANTED, MINUTE, DAY, ENDPOINT = 0, 1, 2, 3

State = dict[str, int]


@dataclass(frozen=True)
class RateHeaders:
    """The ``X-RateLimit-*`` headers of one answer (None where absent); resets in epoch ms."""

    daily_limit: int | None = None
    daily_left: int | None = None
    daily_reset: int | None = None
    minutely_limit: int | None = None
    minutely_left: int | None = None
    minutely_reset: int | None = None

    @classmethod
    def parse(cls, headers: Mapping[str, str]) -> RateHeaders | None:
        """Read the headers case-insensitively; None when the answer carried none."""
        low = {k.lower(): v for k, v in headers.items()}
        values = RateHeaders(
            _int(low.get("x-ratelimit-limit")),
            _int(low.get("x-ratelimit-remaining")),
            _epoch_ms(low.get("x-ratelimit-reset")),
            _int(low.get("x-ratelimit-minutely-limit")),
            _int(low.get("x-ratelimit-minutely-remaining")),
            _epoch_ms(low.get("x-ratelimit-minutely-reset")),
        )
        return None if values == RateHeaders() else values


def _int(value: str | None) -> int | None:
    try:
        return max(0, int(float(value))) if value is not None else None
    except ValueError:
        return None


def _epoch_ms(value: str | None) -> int | None:
    """Exact's resets are epoch ms; Exact's .NET SDK calls one seconds, so accept both."""
    number = _int(value)
    if number is None:
        return None
    return number * 1000 if number < 100_000_000_000 else number


def reserve_floor(state: State, orders: bool, reserve: int | None, fraction: float) -> int:
    """Calls of the day catalog work must leave (0 for orders)."""
    if orders:
        return 0
    if reserve is not None:
        return reserve
    limit = state.get("d_limit")
    return math.ceil(limit * fraction) if limit is not None else 0


def roll(state: State, prefix: str, span: int, now: int) -> None:
    """Start the next window once the clock has passed the known reset."""
    reset = state.get(f"{prefix}_reset")
    if reset is None or now < reset:
        return
    state[f"{prefix}_reset"] = reset + span * ((now - reset) // span + 1)
    limit = state.get(f"{prefix}_limit")
    if limit is None:
        state.pop(f"{prefix}_left", None)
    else:
        state[f"{prefix}_left"] = limit


def take(state: State, now: int, floor: int) -> tuple[int, int]:
    """Take one permit: (GRANTED, 0), or (MINUTE | DAY, ms to wait)."""
    roll(state, "d", DAY_MS, now)
    roll(state, "m", MINUTE_MS, now)
    day_left, minute_left = state.get("d_left"), state.get("m_left")
    if day_left is not None and day_left <= floor:
        return DAY, state["d_reset"] - now
    if minute_left is not None and minute_left <= 0:
        return MINUTE, state["m_reset"] - now
    if day_left is not None:
        state["d_left"] = day_left - 1
    if minute_left is not None:
        state["m_left"] = minute_left - 1
    return GRANTED, 0


def merge(
    state: State,
    prefix: str,
    span: int,
    now: int,
    limit: int | None,
    left: int | None,
    reset: int | None,
) -> None:
    """Fold one window's headers into the state (the module docstring's rules)."""
    if left is None or reset is None:
        return
    known = state.get(f"{prefix}_reset")
    if limit is not None:
        state[f"{prefix}_limit"] = limit
    if known is None or now >= known or reset > known + span // 2:
        state[f"{prefix}_left"], state[f"{prefix}_reset"] = left, reset
    elif reset >= known - span // 2:
        state[f"{prefix}_left"] = min(state.get(f"{prefix}_left", left), left)
        state[f"{prefix}_reset"] = reset


def exhausted(limits: RateHeaders | None, now: int) -> list[tuple[str, int]]:
    """The windows a 429 spent: (prefix, reset) pairs; the minute by default."""
    spent = []
    if limits and limits.minutely_reset is not None and limits.minutely_left in (0, None):
        spent.append(("m", limits.minutely_reset))
    if limits and limits.daily_reset is not None and limits.daily_left == 0:
        spent.append(("d", limits.daily_reset))
    return spent or [("m", now + MINUTE_MS)]
