"""Per-store run locks in Redis: one catalog run per store at a time, on any number of workers.

Below the flows and the jobs (the runner takes a run's lock, a flow a record's),
so both layers can use it.

A :class:`RunLock` is a redis-py lock with a TTL, renewed by a small
heartbeat thread while the run is alive. If the worker dies, the TTL frees
the lock within ``ttl`` seconds; if renewal fails (the lock expired while the
process was frozen and someone else took it), ``lost`` turns True and the
flow's next ``ctx.heartbeat()``/``ctx.commit()`` stops the run. Contention
raises :class:`RetryableSyncError`, which the job layer turns into a retry.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from types import TracebackType
from typing import Any

from flask import has_app_context
from redis.exceptions import LockError, RedisError

from bcapp.config import current_settings
from bcapp.errors import RetryableSyncError

log = logging.getLogger(__name__)

DEFAULT_TTL = 120.0
#: Seconds a job waits before trying again when the lock is held.
CONTENTION_RETRY_AFTER = 30.0


def lock_key(store_id: int, name: str) -> str:
    """``bcapp:lock:[RQ_QUEUE_PREFIX]store-{id}:{name}`` (the prefix keeps test runs apart)."""
    prefix = current_settings().rq_queue_prefix if has_app_context() else ""
    return f"bcapp:lock:{prefix}store-{store_id}:{name}"


class RunLock:
    """A renewable lock on ``bcapp:lock:store-{id}:{name}``."""

    def __init__(self, redis: Any, store_id: int, name: str, *, ttl: float = DEFAULT_TTL) -> None:
        self.key = lock_key(store_id, name)
        self.name = name
        self.ttl = ttl
        # thread_local=False: the renewal thread must see the token the run's thread acquired.
        self._lock = redis.lock(self.key, timeout=ttl, blocking=False, thread_local=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def acquire(self) -> RunLock:
        """Take the lock or raise RetryableSyncError (another run holds it)."""
        try:
            acquired = self._lock.acquire(blocking=False)
        except RedisError as exc:
            raise RetryableSyncError(f"Redis is unavailable: {exc}", retry_after=30) from exc
        if not acquired:
            raise RetryableSyncError(
                f"Another {self.name} run is in progress for this store.",
                retry_after=CONTENTION_RETRY_AFTER,
                details={"lock": self.key},
            )
        self._thread = threading.Thread(target=self._renew, name=f"lock:{self.key}", daemon=True)
        self._thread.start()
        return self

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self._lock.reacquire()
            except (LockError, RedisError) as exc:
                log.warning("lost %s: %s", self.key, exc)
                self.lost = True
                return

    def release(self) -> None:
        """Stop renewing and free the lock (quietly if it already expired)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(LockError, RedisError):
            self._lock.release()

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
