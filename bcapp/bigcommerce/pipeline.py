"""A bounded pipeline: calls run on a few threads, results come back as they complete.

A flow submits one call per request-sized piece of work (a product create, a
batch of variant updates) and gets back, from each ``submit``, the results that
have completed so far; ``submit`` blocks while ``depth`` calls are in flight, so
memory stays flat however many records a run has, and the flow's own work
(mapping the next batch, binding, committing) overlaps the requests' waiting.
Only the calls run in the pool: whatever the flow does with a result (the
database, the activity log) stays in the flow's thread, in completion order.

A call that raises :class:`~bcapp.errors.SyncError` yields that error as its
result, so one failed request fails only its own records; anything else is a
bug and is raised in the flow's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Generic, TypeVar

from bcapp.errors import SyncError

K = TypeVar("K")
R = TypeVar("R")


class Pipeline(Generic[K, R]):
    """At most ``depth`` calls in flight; results in completion order, keyed by the caller."""

    def __init__(self, depth: int) -> None:
        self.depth = max(1, depth)
        self._pool: ThreadPoolExecutor | None = None
        self._pending: dict[Future[R], K] = {}

    def __enter__(self) -> Pipeline[K, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def in_flight(self) -> int:
        return len(self._pending)

    def submit(self, key: K, call: Callable[[], R]) -> list[tuple[K, R | SyncError]]:
        """Start ``call``; return ``(key, result)`` of the calls done meanwhile.

        Waits while ``depth`` calls are in flight. With ``depth`` 1 the call runs
        here and now (the sequential path, no thread).
        """
        if self.depth == 1:
            return [(key, _run(call))]
        done: list[tuple[K, R | SyncError]] = []
        while len(self._pending) >= self.depth:
            done.extend(self._completed(block=True))
        self._pending[self._executor().submit(_run, call)] = key
        done.extend(self._completed(block=False))
        return done

    def drain(self) -> Iterator[tuple[K, R | SyncError]]:
        """Every remaining result, as it completes."""
        while self._pending:
            yield from self._completed(block=True)

    def close(self) -> None:
        """Wait for calls still running (their results are dropped) and stop the threads."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self._pending.clear()

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.depth, thread_name_prefix="bc-pipeline")
        return self._pool

    def _completed(self, *, block: bool) -> list[tuple[K, R | SyncError]]:
        if not self._pending:
            return []
        done, _ = wait(
            list(self._pending), timeout=None if block else 0, return_when=FIRST_COMPLETED
        )
        return [(self._pending.pop(future), future.result()) for future in done]


def _run(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except SyncError as exc:
        return exc
