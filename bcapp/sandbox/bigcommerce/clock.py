"""A compressible clock: simulated time that tests and the demo can fast-forward.

Rate-limit windows and webhook retry schedules run on this clock, so a test
can cover a 48-hour retry schedule with ``clock.advance`` in milliseconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime


class SandboxClock:
    """Epoch seconds that run ``speed`` times real time, plus any manual advance.

    ``speed=0`` freezes time (the usual choice in tests); ``speed=1`` follows
    the wall clock; ``start`` pins the starting instant for repeatable runs.
    """

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        self.speed = speed
        self._real0 = time.time()
        self._start = self._real0 if start is None else start
        self._offset = 0.0
        self._lock = threading.Lock()
        self._moved = threading.Condition()
        #: Set by a driver (the benchmark) that moves a frozen clock: :meth:`sleep` then
        #: waits for the clock instead of sleeping in real time.
        self.driven = False
        self._sleepers: list[float] = []

    def now(self) -> float:
        """Current simulated time in epoch seconds."""
        with self._lock:
            return self._start + (time.time() - self._real0) * self.speed + self._offset

    def advance(self, seconds: float) -> None:
        """Jump forward (never back): rate windows reset, retries fall due."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
        with self._moved:
            self._moved.notify_all()

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass on this clock (a request's latency, a budget's wait).

        A driven clock: wait until the driver moved it that far, so threads
        waiting at once wait *together* (overlapping waits count once). Otherwise
        real seconds (scaled by ``speed``; a frozen clock sleeps them as they are).
        """
        if seconds <= 0:
            return
        if not self.driven:
            time.sleep(seconds / self.speed if self.speed else seconds)
            return
        until = self.now() + seconds
        with self._moved:
            self._sleepers.append(until)
            try:
                while self.now() < until:
                    self._moved.wait(0.05)
            finally:
                self._sleepers.remove(until)

    def next_wake(self) -> float | None:
        """When the earliest :meth:`sleep` on a driven clock ends (None: nobody sleeps)."""
        with self._moved:
            return min(self._sleepers, default=None)

    def advance_to(self, instant: float) -> None:
        """Move forward to ``instant`` (no-op when the clock is there already)."""
        gap = instant - self.now()
        if gap > 0:
            self.advance(gap)

    def datetime(self) -> datetime:
        """Current simulated time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now(), tz=UTC)


def iso(ts: float) -> str:
    """v3 date format: ``2018-08-15T14:49:05+00:00``."""
    return datetime.fromtimestamp(int(ts), tz=UTC).isoformat()


def rfc2822(ts: float) -> str:
    """v2 date format: ``Tue, 20 Nov 2012 00:00:00 +0000``."""
    return format_datetime(datetime.fromtimestamp(int(ts), tz=UTC)).replace("-0000", "+0000")


def parse_date(value: str) -> float | None:
    """Parse an ISO-8601 / RFC-2822 date or epoch number as v2 and v3 filters accept."""
    from email.utils import parsedate_to_datetime

    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
