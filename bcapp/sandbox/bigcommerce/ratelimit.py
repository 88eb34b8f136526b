"""Per-store request quota in fixed 30-second windows, shared by every client.

BigCommerce's quota refreshes every 30 s and all apps on a store share it; the
four ``X-Rate-Limit-*`` headers go on every answer, and a request over quota
gets 429 with the same headers. Time comes from the sandbox clock.
"""

from __future__ import annotations

import math

WINDOW_S = 30.0
PLAN_QUOTAS = {"standard": 150, "plus": 150, "pro": 450}
UNLIMITED = 1_000_000


def quota_for(plan: str, quota: int | None = None) -> int:
    """Requests per window for ``plan``; enterprise takes ``quota``, unlimited is huge."""
    if plan in PLAN_QUOTAS:
        return quota or PLAN_QUOTAS[plan]
    if plan == "enterprise":
        if not quota:
            raise ValueError("plan 'enterprise' needs quota=N")
        return quota
    if plan == "unlimited":
        return UNLIMITED
    raise ValueError(f"unknown plan {plan!r}; use standard, plus, pro, enterprise or unlimited")


class RateWindow:
    """A fixed window that opens on the first request after the previous one ended."""

    def __init__(self, quota: int) -> None:
        self.quota = quota
        self.started = -math.inf
        self.used = 0

    def _roll(self, now: float) -> None:
        if now - self.started >= WINDOW_S:
            self.started, self.used = now, 0

    def take(self, now: float) -> bool:
        """Count one request; False when the window's quota is spent."""
        self._roll(now)
        if self.used >= self.quota:
            return False
        self.used += 1
        return True

    def consume(self, now: float, n: int) -> None:
        """Use ``n`` requests of the current window (other apps' traffic)."""
        self._roll(now)
        self.used = min(self.quota, self.used + n)

    def headers(self, now: float) -> dict[str, str]:
        """The four rate headers as of ``now``."""
        reset_ms = max(0, math.ceil((self.started + WINDOW_S - now) * 1000))
        return {
            "X-Rate-Limit-Requests-Left": str(max(0, self.quota - self.used)),
            "X-Rate-Limit-Time-Reset-Ms": str(min(reset_ms, int(WINDOW_S * 1000))),
            "X-Rate-Limit-Requests-Quota": str(self.quota),
            "X-Rate-Limit-Time-Window-Ms": str(int(WINDOW_S * 1000)),
        }
