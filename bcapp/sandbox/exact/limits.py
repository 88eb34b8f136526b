"""Exact's API limits per division: calls a minute and a day, and the error-count block.

* 60 calls a minute and 5,000 a day per app per company [V S11]. The minute window
  is the clock minute; the day window ends at midnight UTC (our choice: Exact does
  not say which midnight). Every answer carries ``X-RateLimit-Limit/-Remaining/-Reset``
  (day) and ``X-RateLimit-Minutely-Limit/-Remaining/-Reset`` (minute); both resets
  are epoch **milliseconds** (E1 reads the minutely one so; the notes advise ms).
* Over a limit: HTTP 429. A minutely 429 carries only the minutely headers [V S11];
  a daily 429 carries only the daily ones (our choice).
* 10 errors (400, 401, 403, 404) on one endpoint within an hour block that endpoint
  for an hour [V E5/E6]. The blocked answer is a 429 without rate-limit headers
  (our choice; Exact's exact answer is not public).
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from dataclasses import dataclass, field

MINUTE = 60.0
DAY = 86_400.0
HOUR = 3_600.0
ERROR_STATUSES = frozenset({400, 401, 403, 404})
ERRORS_BEFORE_BLOCK = 10


@dataclass
class Window:
    """A fixed window of ``span`` seconds aligned to the epoch (clock minutes, UTC days)."""

    limit: int
    span: float
    start: float = -math.inf
    used: int = 0

    def roll(self, now: float) -> None:
        start = math.floor(now / self.span) * self.span
        if start != self.start:
            self.start, self.used = start, 0

    def left(self, now: float) -> int:
        self.roll(now)
        return max(0, self.limit - self.used)

    def reset_ms(self, now: float) -> int:
        self.roll(now)
        return int((self.start + self.span) * 1000)


@dataclass
class RateLimits:
    """The two windows of one division (one app)."""

    minutely: Window
    daily: Window

    @classmethod
    def create(cls, per_minute: int, per_day: int) -> RateLimits:
        return cls(Window(per_minute, MINUTE), Window(per_day, DAY))

    def take(self, now: float) -> tuple[bool, dict[str, str]]:
        """Count one call; (allowed, headers to send)."""
        if self.minutely.left(now) <= 0:
            return False, self.minute_headers(now)
        if self.daily.left(now) <= 0:
            return False, self.day_headers(now)
        self.minutely.used += 1
        self.daily.used += 1
        return True, {**self.day_headers(now), **self.minute_headers(now)}

    def day_headers(self, now: float) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.daily.limit),
            "X-RateLimit-Remaining": str(self.daily.left(now)),
            "X-RateLimit-Reset": str(self.daily.reset_ms(now)),
        }

    def minute_headers(self, now: float) -> dict[str, str]:
        return {
            "X-RateLimit-Minutely-Limit": str(self.minutely.limit),
            "X-RateLimit-Minutely-Remaining": str(self.minutely.left(now)),
            "X-RateLimit-Minutely-Reset": str(self.minutely.reset_ms(now)),
        }


@dataclass
class ErrorBlock:
    """Errors per endpoint within the last hour; ten of them block the endpoint an hour."""

    errors: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    blocked_until: dict[str, float] = field(default_factory=dict)

    def blocked(self, endpoint: str, now: float) -> float:
        """Seconds the endpoint stays blocked (0: open)."""
        return max(0.0, self.blocked_until.get(endpoint, 0.0) - now)

    def record(self, endpoint: str, now: float) -> None:
        times = self.errors[endpoint]
        times.append(now)
        while times and times[0] <= now - HOUR:
            times.popleft()
        if len(times) >= ERRORS_BEFORE_BLOCK:
            self.blocked_until[endpoint] = now + HOUR
            times.clear()

    def count(self, endpoint: str, now: float) -> int:
        return sum(1 for t in self.errors.get(endpoint, ()) if t > now - HOUR)
