"""The app's :class:`~bcapp.connectors.base.Credentials`: a connection's secrets, kept safely.

Connectors whose OAuth tokens refresh and rotate (Exact Online, AccountView)
read and write their tokens through this object. What it guarantees:

* **Encrypted at rest** — the values go to ``Connection.secrets`` (Fernet, see
  :mod:`bcapp.crypto`), never anywhere else.
* **Durable before use** — :meth:`ConnectionCredentials.write` commits in a
  transaction of its own on PostgreSQL, so a run that fails afterwards cannot
  roll a rotated refresh token back (the old one no longer works at the vendor).
  SQLite allows one writer at a time, so there the write commits the run's
  session instead: what the run had flushed so far is committed with it, which
  every flow tolerates (bindings and log entries are written per record; the
  cursor is staged only in ``ctx.commit``).
* **One refresher at a time** — :meth:`ConnectionCredentials.locked` holds a Redis
  lock per connection shared by every worker process, waiting up to
  :data:`LOCK_WAIT` seconds; past that the job is retried, never run with a
  token another worker is about to spend.
* **Fresh reads** — :meth:`ConnectionCredentials.read` reads the row again (not the
  session's cached copy), so the second worker in the lock sees the first one's
  refreshed tokens.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from redis import Redis
from redis.exceptions import LockError, RedisError

from bcapp.errors import RetryableSyncError
from bcapp.extensions import db, key_prefix
from bcapp.models import Connection

#: Seconds a worker waits for another's refresh before its job is retried.
LOCK_WAIT = 30.0
#: Seconds the lock lives if its holder dies mid-refresh (a refresh is one HTTP round trip).
LOCK_TTL = 60.0


class ConnectionCredentials:
    """The secrets of one :class:`~bcapp.models.Connection` (see the module docstring)."""

    def __init__(self, connection_id: int, redis: Redis, *, wait: float = LOCK_WAIT) -> None:
        self.connection_id = connection_id
        self.redis = redis
        self.wait = wait
        self.writes = 0

    @property
    def lock_key(self) -> str:
        return f"bcapp:lock:{key_prefix()}connection-{self.connection_id}:credentials"

    def read(self) -> dict[str, Any]:
        """The stored secrets, decrypted, read afresh from the database."""
        stmt = db.select(Connection.secrets).where(Connection.id == self.connection_id)
        if _sqlite():
            db.session.expire_all()  # the same connection: forget what the session cached
            secrets = db.session.execute(stmt).scalar_one_or_none()
        else:
            with db.engine.connect() as conn:
                secrets = conn.execute(stmt).scalar_one_or_none()
        return dict(secrets or {})

    def write(self, values: Mapping[str, Any]) -> None:
        """Store ``values`` as the connection's secrets and commit them before returning."""
        stmt = (
            db.update(Connection)
            .where(Connection.id == self.connection_id)
            .values(secrets=dict(values))
        )
        if _sqlite():
            db.session.execute(stmt)
            db.session.commit()
        else:
            with db.engine.begin() as conn:
                conn.execute(stmt)
        self.writes += 1

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the connection's refresh lock (all workers); RetryableSyncError past the wait."""
        lock = self.redis.lock(self.lock_key, timeout=LOCK_TTL, blocking=False)
        deadline = time.monotonic() + self.wait
        try:
            while not lock.acquire(blocking=False):
                if time.monotonic() >= deadline:
                    raise RetryableSyncError(
                        "Another worker is renewing the ERP's access token.", retry_after=10
                    )
                time.sleep(0.05)
        except RedisError as exc:
            raise RetryableSyncError(f"Redis is unavailable: {exc}", retry_after=30) from exc
        try:
            yield
        finally:
            with contextlib.suppress(LockError, RedisError):  # expired meanwhile: nothing held
                lock.release()


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"
