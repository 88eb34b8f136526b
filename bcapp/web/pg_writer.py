"""The PostgreSQL writer of the webhook intake's group commit (:mod:`bcapp.web.group_commit`).

A module of its own so that psycopg (13 MB of modules) is imported only where the
database is PostgreSQL (where SQLAlchemy has loaded it anyway), not by a SQLite
process such as the demo.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence

import psycopg

from bcapp.web.group_commit import COLUMNS, Row, Unstorable, assign_ids, rows_json

#: One statement and one parameter for any batch size: the rows travel as one JSON
#: array. Per-column arrays or a VALUES list per size cost the client several times
#: the CPU (psycopg adapts every element in Python and stops caching the query past
#: 50 parameters), and CPU is what bounds the intake. Duplicates, within the batch or
#: of stored rows, are skipped.
INSERT_SQL = (
    f"INSERT INTO webhook_events ({', '.join(COLUMNS)}) "
    "SELECT store_id, webhook_id, content_hash, scope, resource_id, payload, 'received', '', "
    "received_at FROM json_to_recordset(%s::json) AS r(store_id int, webhook_id text, "
    "content_hash text, scope text, resource_id text, payload json, received_at timestamptz) "
    "ON CONFLICT DO NOTHING RETURNING id, store_id, webhook_id"
)


class PgWriter:
    """The batch INSERT on this process's own autocommit connection.

    The connection waits in a small free list between batches, so a broken one
    is dropped rather than handed on, and a forked child opens its own.

    A broken connection is replaced once per batch; a second failure reaches the
    requests (BigCommerce then retries them). A batch PostgreSQL refuses for a
    reason other than the connection is written row by row, so one bad row fails
    alone instead of taking its neighbours with it.
    """

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._free: list[psycopg.Connection] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def _checkout(self) -> psycopg.Connection:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's sockets are not ours to use
                self._free, self._pid = [], os.getpid()
            while self._free:
                conn = self._free.pop()
                if not conn.closed:
                    return conn
        return psycopg.connect(self.dsn, autocommit=True)

    def _checkin(self, conn: psycopg.Connection) -> None:
        with self._lock:
            if self._pid == os.getpid() and not conn.closed:
                self._free.append(conn)

    def __call__(self, rows: Sequence[Row]) -> list[int | BaseException | None]:
        try:
            return list(self._insert(rows))  # (a list of wider type)
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            if len(rows) == 1:
                refusal = _refusal(exc)
                if refusal is exc:
                    raise
                raise refusal from exc
        results: list[int | BaseException | None] = []
        for row in rows:
            try:
                results.extend(self._insert([row]))
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                results.append(_refusal(exc))
        return results

    def _insert(self, rows: Sequence[Row]) -> list[int | None]:
        document = rows_json(rows)
        for attempt in (0, 1):
            conn = self._checkout()
            try:
                returned = conn.execute(INSERT_SQL, (document,)).fetchall()
            except psycopg.OperationalError:
                conn.close()
                if attempt:
                    raise
                continue
            except BaseException:
                self._checkin(conn)
                raise
            self._checkin(conn)
            return assign_ids(rows, returned)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            free, self._free = self._free, []
        if self._pid == os.getpid():
            for conn in free:
                conn.close()


def _refusal(exc: psycopg.Error) -> BaseException:
    """A row's values refused (``DataError``: what the intake's checks let through and
    PostgreSQL still would not store) as :class:`Unstorable`; any other error as it is."""
    if isinstance(exc, psycopg.DataError):
        refused = Unstorable(type(exc).__name__)
        refused.__cause__ = exc
        return refused
    return exc
