"""Group commit for the webhook intake: concurrent deliveries share one INSERT.

Each delivery must be committed before it is answered (BigCommerce stops
retrying once it has its 200), and a committed single-row INSERT costs
PostgreSQL a statement, a transaction and a WAL flush, and us a round trip:
more than everything else the intake does. Deliveries arrive in bursts, so the
requests of one process (threads, or greenlets under gunicorn.conf.py's gevent
workers, where ``threading`` is gevent's) take turns as *leader*: the leader
writes every row that queued while the previous batch was in flight in one
``INSERT ... ON CONFLICT DO NOTHING`` (one transaction), wakes those requests,
each with its own answer, passes the lead on, and then hands the new events to
the workers in one Redis call. Under no load a request leads its own batch of
one: nothing waits for a timer.

This is flat combining (a request does the shared work for the waiting ones)
rather than a writer thread: a batch costs no extra hand-off, and a failure
reaches exactly the requests whose rows it concerns.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

#: Rows per INSERT at most: a bound on one request's wait, not a database limit.
MAX_BATCH = 64

COLUMNS = (
    "store_id", "webhook_id", "content_hash", "scope", "resource_id", "payload", "status",
    "error", "received_at",
)  # fmt: skip


class Row(NamedTuple):
    """One delivery to store: the ``webhook_events`` columns the intake fills.

    ``payload_json`` is the delivery's body as received (already verified JSON),
    so nothing is serialised twice.
    """

    store_id: int
    webhook_id: str
    content_hash: str
    scope: str
    resource_id: str
    payload_json: str
    received_at: Any

    def values(self) -> tuple[Any, ...]:
        """The row in ``COLUMNS`` order."""
        return (
            self.store_id, self.webhook_id, self.content_hash, self.scope, self.resource_id,
            self.payload_json, "received", "", self.received_at,
        )  # fmt: skip

    def as_json(self) -> str:
        """The row as one JSON object; the payload goes in as received (it parsed as JSON)."""
        return (
            f'{{"store_id":{self.store_id:d},"webhook_id":{_quote(self.webhook_id)},'
            f'"content_hash":{_quote(self.content_hash)},"scope":{_quote(self.scope)},'
            f'"resource_id":{_quote(self.resource_id)},"payload":{self.payload_json},'
            f'"received_at":"{self.received_at.isoformat()}"}}'
        )


def rows_json(rows: Sequence[Row]) -> str:
    """The batch as one JSON array (what :data:`bcapp.web.pg_writer.INSERT_SQL` reads)."""
    return "[" + ",".join(row.as_json() for row in rows) + "]"


_quote = json.JSONEncoder(ensure_ascii=False).encode


class Unstorable(Exception):
    """The database refused this row's values (not the connection): the delivery is refused.

    Writers raise (or return) it for such a row, so the intake needs no driver's exceptions.
    """


class _Slot:
    """A waiting row. ``done`` is a held lock the leader releases: cheaper than an Event."""

    __slots__ = ("batch", "done", "error", "event_id", "row")

    def __init__(self, row: Row) -> None:
        self.row = row
        self.done = threading.Lock()
        self.done.acquire()
        #: Set when this request is to lead: the rows it writes (its own first).
        self.batch: list[_Slot] | None = None
        self.event_id: int | None = None
        self.error: BaseException | None = None


def assign_ids(rows: Sequence[Row], returned: Sequence[tuple[int, int, str]]) -> list[int | None]:
    """The new event id per row, None for a row PostgreSQL skipped as a duplicate.

    ``RETURNING`` lists only the inserted rows, and (store, webhook-id) is unique
    among them; two rows of one batch with the same key are the same delivery
    twice: the first takes the id, the second is the duplicate.
    """
    ids = {(store_id, webhook_id): event_id for event_id, store_id, webhook_id in returned}
    return [ids.pop((row.store_id, row.webhook_id), None) for row in rows]


Writer = Callable[[Sequence[Row]], Sequence["int | BaseException | None"]]
HandOff = Callable[[list[tuple[int, int]]], object]


class GroupCommit:
    """Concurrent ``submit`` calls share one write; each gets its own row's answer."""

    def __init__(self, write: Writer, hand_off: HandOff, max_batch: int = MAX_BATCH) -> None:
        self.write, self.hand_off = write, hand_off
        self.max_batch = min(max_batch, MAX_BATCH)
        self._lock = threading.Lock()
        self._pending: list[_Slot] = []
        #: Batches in flight: at most one. (Two at once, measured: smaller batches and
        #: more CPU per delivery, for no more throughput.)
        self._leaders = 0

    def submit(self, row: Row) -> int | None:
        """Store ``row`` (committed on return); its event id, or None for a re-delivery.

        The batch's leader hands the new events to the workers right after the
        commit (a failed hand-over is logged by ``hand_off`` and left to
        reconciliation). Raises what the database raised for this row.
        """
        slot = _Slot(row)
        with self._lock:
            if not self._leaders:
                self._leaders = 1
                slot.batch = [slot]
            else:
                self._pending.append(slot)
        if slot.batch is None:
            slot.done.acquire()  # released by the leader of our batch, or to make us lead
        if slot.batch is not None:
            self._lead(slot)
        if slot.error is not None:
            raise slot.error
        return slot.event_id

    def _lead(self, own: _Slot) -> None:
        """Write ``own``'s batch, wake its requests and pass the rows that queued meanwhile
        to the next leader, then hand the new events over (the requests need not wait
        for Redis: a stored event that misses its hand-over is re-queued by
        reconciliation)."""
        batch = own.batch or [own]  # always set for a leader; the fallback is for type checkers
        new: list[tuple[int, int]] = []
        try:
            new = self._write(batch)
        finally:
            with self._lock:
                successor = None
                if self._pending:
                    successor = self._pending[0]
                    successor.batch = self._pending[: self.max_batch]
                    del self._pending[: self.max_batch]
                else:
                    self._leaders = 0
            for slot in batch:
                if slot is not own:  # the leader's own lock is not waited on
                    slot.done.release()
            if successor is not None:
                successor.done.release()
        if new:
            self.hand_off(new)

    def _write(self, batch: list[_Slot]) -> list[tuple[int, int]]:
        """Store the batch, each slot getting its id or error; the new (event, store) pairs."""
        try:
            results = self.write([slot.row for slot in batch])
        except BaseException as exc:  # every row of the batch gets the failure
            for slot in batch:
                slot.error = exc
            return []
        new: list[tuple[int, int]] = []
        for slot, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException):
                slot.error = result
            else:
                slot.event_id = result
                if result is not None:
                    new.append((result, slot.row.store_id))
        return new
