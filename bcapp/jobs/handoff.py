"""The webhook hand-off: from a stored event to the RQ job that acts on it, none stranded.

The intake (:mod:`bcapp.web.webhooks`) stores each delivery and calls :func:`hand_over`
after the commit. ``WEBHOOK_HANDOFF`` says how the events reach the workers:

* ``list`` (default): one LPUSH of ``{store_id}:{event_id}`` per batch to a Redis list;
  a :class:`Dispatcher` thread in every "orders" worker turns the ids into jobs. The
  request stays free of RQ's bookkeeping.
* ``rq``: the intake makes the RQ jobs itself (one pipeline per batch).

Nothing is lost on the way, by construction:

1. An id is never held only in a process's memory. A dispatcher moves ids with
   BLMOVE/LMOVE into a processing list of its own and removes them only after their
   jobs exist. A dispatcher that dies (SIGKILL, a Redis reply lost to a timeout) leaves
   them there; its lease (``WORKER_LEASE_SECONDS``, renewed by the live dispatcher)
   runs out, and any other dispatcher, or the tick, moves them back to the list.
2. Making an event's job is idempotent and atomic (WATCH on the job's hash): an id
   handed over twice never puts a second copy of a live job in the queue, so one
   event's job never runs twice at once. (Two copies of one job id running at once is
   what made RQ fail the second with ``InvalidJobOperation: Failed to retrieve status``:
   the first deleted the hash on success, ``result_ttl=0``. Event jobs now also keep
   their hash for :data:`RESULT_TTL` after success, so not even a copy made by hand
   can break the worker's cleanup.)
3. What no Redis structure holds any more (Redis was down at the intake, a job killed
   with its worker) is found in the database: the tick's :func:`recover_events` queues
   again every event still unprocessed after ``EVENT_RECOVERY_SECONDS`` whose job is
   not alive: no job, a finished or failed one, one lost from its queue, an overdue
   retry, or one started by a worker whose lease ran out. ``bcapp requeue-events`` is
   the same, by hand, and queues exactly the events it reports.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from redis.exceptions import WatchError
from rq import Queue, Worker
from rq.job import Job
from rq.registry import ScheduledJobRegistry, StartedJobRegistry

from bcapp.config import current_settings
from bcapp.extensions import db, redis_ext
from bcapp.jobs import retry
from bcapp.jobs.queues import event_job_id, queue, queue_name
from bcapp.models import WebhookEvent
from bcapp.models.base import utcnow

log = logging.getLogger(__name__)

#: The job that acts on a stored event.
EVENT_JOB = "bcapp.jobs.events.handle_event_job"
#: Where the intake hands event ids over in "list" mode (prefixed like the queues).
HANDOFF_LIST = "bcapp:webhook-events"
#: Seconds an event job's hash is kept after success (RQ deletes it at once with 0).
RESULT_TTL = 300
FAILURE_TTL = 7 * 86400
#: Seconds an event job may run before RQ stops it (an export waits on the ERP, not longer).
JOB_TIMEOUT = 600
#: Ids a dispatcher moves and hands over per round trip.
BATCH = 50
#: RQ job statuses of a job that will still run (or runs now).
LIVE = frozenset({"queued", "started", "scheduled", "deferred"})
#: Event statuses that need nothing more.
FINAL = ("processed", "ignored", "failed")
#: Event statuses still waiting for a job to finish (the recovery's query; indexed).
PENDING = ("received", "retrying")
#: Times the recovery queues one event again before it gives up on it (a poison event).
MAX_RECOVERIES = 5


# -- keys ------------------------------------------------------------------------------


def prefix() -> str:
    return str(current_settings().rq_queue_prefix or "")


def handoff_key() -> str:
    """The Redis list of ``{store_id}:{event_id}`` the dispatchers turn into jobs."""
    return f"{prefix()}{HANDOFF_LIST}"


def processing_key(consumer: str) -> str:
    """The ids ``consumer`` has taken from the list and not yet turned into jobs."""
    return f"{handoff_key()}:processing:{consumer}"


def lease_key(consumer: str) -> str:
    """Exists while the worker ``consumer`` (its RQ name) lives."""
    return f"{prefix()}bcapp:lease:{consumer}"


def consumers_key() -> str:
    """The set of dispatchers that may hold ids (a dead one leaves it when they are taken back)."""
    return f"{prefix()}bcapp:leaseholders"


def holder_key(consumer: str) -> str:
    """Says that worker ``consumer`` keeps a lease (outlives the lease by a job's timeout).

    A started job's worker without a lease is then dead; a worker without this key is
    one that never kept a lease (a plain ``rq worker``), judged by RQ's registration.
    """
    return f"{prefix()}bcapp:leaseholder:{consumer}"


def lease_seconds() -> float:
    return max(float(current_settings().worker_lease_seconds), 1.0)


def _pair(raw: bytes | str) -> tuple[int, int] | None:
    """``b"{store}:{event}"`` → ``(event_id, store_id)``; None for junk."""
    text = raw.decode() if isinstance(raw, bytes) else raw
    store_id, _, event_id = text.partition(":")
    try:
        return int(event_id), int(store_id)
    except ValueError:
        log.error("webhook hand-off: dropped an unreadable id %r", text[:100])
        return None


def _raw(event_id: int, store_id: int) -> str:
    return f"{store_id}:{event_id}"


# -- making the jobs --------------------------------------------------------------------


def orders_queue() -> Queue:
    """This process's "orders" Queue object (built once: it caches the Redis server version)."""
    cached = current_app.extensions.get("bcapp.orders_queue")
    if cached is None or cached.name != queue_name("orders"):
        cached = current_app.extensions["bcapp.orders_queue"] = queue("orders")
    return cached


def job_options() -> dict[str, Any]:
    """How every event job is enqueued (RQ options)."""
    return {"timeout": JOB_TIMEOUT, "result_ttl": RESULT_TTL, "failure_ttl": FAILURE_TTL,
            "retry": retry.policy()}  # fmt: skip


def _enqueue(q: Queue, pipe: Any, event_id: int, store_id: int) -> None:
    q.enqueue_call(EVENT_JOB, args=(event_id,), job_id=event_job_id(store_id, event_id),
                   pipeline=pipe, **job_options())  # fmt: skip


def make_jobs(events: Sequence[tuple[int, int]]) -> None:
    """A job per ``(event id, store id)`` in one round trip, without looking first.

    For events just stored (the intake in "rq" mode): nothing can hold a job for them yet.
    """
    q = orders_queue()
    with q.connection.pipeline(transaction=False) as pipe:
        for event_id, store_id in events:
            _enqueue(q, pipe, event_id, store_id)
        pipe.execute()


def enqueue_events(events: Sequence[tuple[int, int]], *, thorough: bool = False) -> list[int]:
    """Make the job of each event that has no live one; returns the event ids queued.

    Atomic per batch: the job hashes are WATCHed while their states are read, so a
    worker starting one, or another dispatcher making it, in between makes the batch
    start over. ``thorough`` (the recovery) looks closer at jobs that look alive: a
    queued job must be in its queue, a started one's worker must hold its lease, a
    retry must not be overdue; otherwise the job is made again.
    """
    events = list(dict.fromkeys(events))
    if not events:
        return []
    q = orders_queue()
    jids = [event_job_id(store_id, event_id) for event_id, store_id in events]
    keys = [Job.key_for(jid) for jid in jids]
    with q.connection.pipeline() as pipe:
        while True:
            try:
                pipe.watch(*keys)
                states = _states(q, jids, thorough=thorough)
                todo = [e for e, state in zip(events, states, strict=True) if not state.alive]
                if not todo:
                    pipe.reset()
                    return []
                pipe.multi()
                for (event_id, store_id), state in zip(events, states, strict=True):
                    if not state.alive:
                        state.tidy(q, pipe)
                        _enqueue(q, pipe, event_id, store_id)
                pipe.execute()
                return [event_id for event_id, _ in todo]
            except WatchError:
                continue


def enqueue_event(event: WebhookEvent | int, store_id: int | None = None) -> bool:
    """Queue the event's job unless a live one exists; False if Redis is down."""
    event_id = event if isinstance(event, int) else event.id
    store_id = store_id if store_id is not None else event.store_id  # type: ignore[union-attr]
    try:
        enqueue_events([(event_id, store_id)])
        return True
    except Exception:
        log.exception("could not enqueue webhook event %s; it stays stored", event_id)
        return False


def retry_later(event: WebhookEvent, seconds: float) -> None:
    """Schedule the event's job in ``seconds`` (for an event handled outside any worker)."""
    q = queue("orders")
    job = q.create_job(EVENT_JOB, args=(event.id,), job_id=event_job_id(event.store_id, event.id),
                       **job_options())  # fmt: skip
    q.schedule_job(job, utcnow() + timedelta(seconds=seconds))


@dataclass
class JobState:
    """What Redis says about an event's job, and whether it will still run."""

    jid: str
    status: str | None
    worker: str
    alive: bool
    #: Leftovers of the dead job to clear when it is made again: ``(command, key)``.
    stale: list[tuple[str, str]] = field(default_factory=list)
    execution_of: Job | None = None

    def tidy(self, q: Queue, pipe: Any) -> None:
        """Queue the clean-up of the old job's leftovers on ``pipe`` (in its transaction)."""
        for command, key in self.stale:
            if command == "lrem":
                pipe.lrem(key, 0, self.jid)
            else:
                pipe.zrem(key, self.jid)
        if self.execution_of is not None:
            StartedJobRegistry(queue=q).remove_executions(self.execution_of, pipeline=pipe)


def _states(q: Queue, jids: Sequence[str], *, thorough: bool) -> list[JobState]:
    """Each job's state, read in one or two round trips (outside the WATCHing pipeline)."""
    with q.connection.pipeline(transaction=False) as read:
        for jid in jids:
            read.hmget(Job.key_for(jid), "status", "worker_name")
        fields = read.execute()
    states = []
    for jid, (status, worker) in zip(jids, fields, strict=True):
        text = status.decode() if status else None
        states.append(JobState(jid, text, worker.decode() if worker else "", text in LIVE))
    if thorough:
        _look_closer(q, [state for state in states if state.alive])
    return states


def _look_closer(q: Queue, states: list[JobState]) -> None:
    """Queued but not in the queue, started by a dead worker, an overdue retry: not alive.

    A job a worker has just moved to RQ's intermediate list looks "queued but not in
    the queue" for a moment; the caller's WATCH sees the worker start it and reads again.
    """
    if not states:
        return
    conn = q.connection
    grace = float(current_settings().event_recovery_seconds)
    scheduled = ScheduledJobRegistry(queue=q).key
    intermediate = str(getattr(q, "intermediate_queue_key", f"{q.key}:intermediate"))
    with conn.pipeline(transaction=False) as read:
        for state in states:
            worker = state.worker or "-"
            read.lpos(q.key, state.jid)
            read.zscore(scheduled, state.jid)
            read.exists(lease_key(worker))
            read.exists(holder_key(worker))
            read.exists(Worker.redis_worker_namespace_prefix + worker)
        found = read.execute()
    now = time.time()
    for index, state in enumerate(states):
        in_queue, due_at, leased, leaseholder, registered = found[index * 5 : index * 5 + 5]
        if state.status == "queued" and in_queue is None:
            state.alive, state.stale = False, [("lrem", intermediate)]
        elif state.status == "started":
            # A worker that keeps a lease is alive while it does; others while RQ lists them.
            if not (leased if leaseholder else registered):
                state.alive, state.stale = False, [("lrem", intermediate)]
                with contextlib.suppress(Exception):
                    state.execution_of = Job.fetch(state.jid, connection=conn)
        elif state.status == "scheduled" and (due_at is None or float(due_at) < now - grace):
            state.alive, state.stale = False, [("zrem", scheduled)]


def hand_over(events: list[tuple[int, int]]) -> bool:
    """The intake's hand-over of new ``(event id, store id)`` pairs: one Redis call.

    False (logged) when Redis refused: the events stay stored and the tick's
    recovery queues them after ``EVENT_RECOVERY_SECONDS``.
    """
    try:
        if current_settings().webhook_handoff == "list":
            redis_ext.client.lpush(handoff_key(), *(_raw(e, s) for e, s in events))
        else:
            make_jobs(events)
        return True
    except Exception:
        ids = ", ".join(str(event_id) for event_id, _ in events)
        log.exception("could not hand over webhook events %s; they stay stored", ids)
        return False


# -- the dispatcher ---------------------------------------------------------------------


class Dispatcher:
    """One worker's consumer of the hand-off list, and the lease that says the worker lives.

    ``name`` is the RQ worker's name: a job that worker started counts as alive for
    as long as the lease does. With ``dispatch=False`` (``WEBHOOK_HANDOFF = "rq"``, or a
    burst worker) it only keeps the lease.
    """

    def __init__(self, app: Flask, name: str | None = None, *, dispatch: bool = True) -> None:
        self.app = app
        self.name = name or f"{socket.gethostname()}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        self.dispatch = dispatch
        with app.app_context():
            self.client = redis_ext.client
            self.list, self.processing = handoff_key(), processing_key(self.name)
            self.lease, self.members = lease_key(self.name), consumers_key()
            self.holder = holder_key(self.name)
            self.ttl = lease_seconds()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._beat_at = 0.0
        self._recover_at = 0.0
        self._held = True  # look into the processing list first (leftovers of a crash)

    # lifecycle
    def start(self) -> Dispatcher:
        self.beat()
        self._thread = threading.Thread(target=self.run, name="bcapp-webhook-dispatcher",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread, give back what it holds and drop the lease."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        with contextlib.suppress(Exception):
            self.release()

    def run(self, stop: threading.Event | None = None) -> None:
        """Until stopped: keep the lease, hand ids over, take over dead dispatchers' ids."""
        stop = stop or self._stop
        while not stop.is_set() and not self._stop.is_set():
            try:
                self.tend()
                if not self.dispatch or not self.step(block=1.0):
                    stop.wait(0.0 if self.dispatch else min(1.0, self.ttl / 3))
            except Exception:  # Redis restarting: keep going, the ids wait in Redis
                self._held = True
                log.exception("webhook dispatcher %s: round failed", self.name)
                stop.wait(1.0)

    # the lease
    def beat(self) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            pipe.set(self.lease, "1", ex=max(int(self.ttl), 1))
            pipe.set(self.holder, "1", ex=int(JOB_TIMEOUT + 60 + self.ttl))
            pipe.sadd(self.members, self.name)
            pipe.execute()
        self._beat_at = time.monotonic()

    def tend(self) -> None:
        """Renew the lease every third of it; look for dead dispatchers once a lease."""
        now = time.monotonic()
        if now - self._beat_at >= self.ttl / 3:
            self.beat()
        if self.dispatch and now >= self._recover_at:
            self._recover_at = now + self.ttl
            with self.app.app_context():
                recover_handoffs()

    def release(self) -> None:
        """A clean stop: the ids still held go back to the list, the lease goes."""
        while self.client.lmove(self.processing, self.list, "RIGHT", "RIGHT") is not None:
            pass
        with self.client.pipeline() as pipe:
            pipe.delete(self.lease)  # the holder key stays: its jobs are not running any more
            pipe.srem(self.members, self.name)
            pipe.execute()

    # handing over
    def step(self, block: float | None = None) -> int:
        """Turn one batch of ids into jobs; how many ids it took (0: the list was empty)."""
        held: list[Any] = (
            list(self.client.lrange(self.processing, 0, BATCH - 1)) if self._held else []
        )
        self._held = False
        if not held:
            held = self._take(block)
        if not held:
            return 0
        pairs = [p for p in (_pair(raw) for raw in held) if p is not None]
        self._held = True  # until the jobs exist and the ids are dropped
        with self.app.app_context():
            checkpoint("dispatch", self)
            enqueue_events(pairs)
        with self.client.pipeline(transaction=False) as pipe:
            for raw in held:
                pipe.lrem(self.processing, 1, raw)
            pipe.execute()
        self._held = False
        return len(held)

    def _take(self, block: float | None) -> list[Any]:
        taken: list[Any] = []
        if block:
            # Below redis-py 8's 5 s socket timeout: a lost reply would cost a round, no id.
            first = self.client.blmove(self.list, self.processing, int(block), "RIGHT", "LEFT")
            if first is None:
                return []
            taken.append(first)
        with self.client.pipeline(transaction=False) as pipe:
            for _ in range(BATCH - len(taken)):
                pipe.lmove(self.list, self.processing, "RIGHT", "LEFT")
            taken += [raw for raw in pipe.execute() if raw is not None]
        return taken

    def drain(self) -> int:
        """Hand over everything waiting now, and what dead dispatchers held (no blocking)."""
        self.beat()
        with self.app.app_context():
            recover_handoffs()
        total = 0
        while count := self.step():
            total += count
        return total


#: Test hook: ``checkpoint(name, dispatcher)`` is called at named points of a hand-over.
checkpoint_hook: Any = None


def checkpoint(name: str, dispatcher: Dispatcher) -> None:
    if checkpoint_hook is not None:
        checkpoint_hook(name, dispatcher)


def dispatch_pending(app: Flask) -> int:
    """Turn every event id waiting in the hand-off list into its job; returns how many."""
    dispatcher = Dispatcher(app)
    try:
        return dispatcher.drain()
    finally:
        dispatcher.release()


def dispatch_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """A dispatcher loop in this thread until ``stop`` is set (tests, one-off processes)."""
    dispatcher = Dispatcher(app)
    dispatcher.beat()
    try:
        dispatcher.run(stop)
    finally:
        dispatcher.release()


# -- recovery ---------------------------------------------------------------------------


def recover_handoffs() -> int:
    """Move the ids held by dispatchers whose lease ran out back to the list; how many."""
    client, moved = redis_ext.client, 0
    for raw in client.smembers(consumers_key()):
        name = raw.decode() if isinstance(raw, bytes) else str(raw)
        if client.exists(lease_key(name)):
            continue
        held, back = processing_key(name), handoff_key()
        while client.lmove(held, back, "RIGHT", "RIGHT") is not None:
            moved += 1
        client.srem(consumers_key(), name)
    if moved:
        log.warning("webhook hand-off: took back %s event id(s) from stopped dispatchers", moved)
    return moved


@dataclass
class Recovery:
    """What one recovery did: events queued again, still held by a live job, given up."""

    queued: list[int] = field(default_factory=list)
    held: int = 0
    given_up: list[int] = field(default_factory=list)
    handoffs: int = 0


def recover_events(
    store_id: int | None = None, *, older_than: float | None = None, limit: int = 500
) -> Recovery:
    """Queue again the events left unprocessed ``older_than`` seconds whose job is not alive.

    ``older_than`` defaults to ``EVENT_RECOVERY_SECONDS``. An event recovered
    :data:`MAX_RECOVERIES` times (its job keeps dying) is marked failed instead.
    """
    if older_than is None:
        older_than = float(current_settings().event_recovery_seconds)
    report = Recovery(handoffs=recover_handoffs())
    stmt = (
        db.select(WebhookEvent.id, WebhookEvent.store_id)
        .where(WebhookEvent.status.in_(PENDING))
        .where(WebhookEvent.received_at <= utcnow() - timedelta(seconds=older_than))
        .order_by(WebhookEvent.id)
        .limit(limit)
    )
    if store_id is not None:
        stmt = stmt.where(WebhookEvent.store_id == store_id)
    rows = [(event_id, sid) for event_id, sid in db.session.execute(stmt).all()]
    db.session.rollback()
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        queued = enqueue_events(batch, thorough=True)
        report.held += len(batch) - len(queued)
        report.queued += queued
    report.given_up = _give_up(report.queued)
    report.queued = [e for e in report.queued if e not in report.given_up]
    if report.queued or report.given_up:
        log.warning("recovered webhook events: queued %s again, gave up on %s",
                    report.queued, report.given_up)  # fmt: skip
    return report


def _give_up(event_ids: Iterable[int]) -> list[int]:
    """Count each recovery; events recovered too often are failed (their jobs are cancelled)."""
    ids = list(event_ids)
    if not ids:
        return []
    client = redis_ext.client
    with client.pipeline(transaction=False) as pipe:
        for event_id in ids:
            key = f"{prefix()}bcapp:recovered:{event_id}"
            pipe.incr(key)
            pipe.expire(key, 86400)
        counts = pipe.execute()[::2]
    spent = [e for e, n in zip(ids, counts, strict=True) if int(n) > MAX_RECOVERIES]
    for event_id in spent:
        event = db.session.get(WebhookEvent, event_id)
        if event is None:
            continue
        with contextlib.suppress(Exception):
            Job.fetch(event_job_id(event.store_id, event.id), connection=client).cancel()
        event.status = "failed"
        event.error = f"Given up: its job stopped without an answer {MAX_RECOVERIES} times."
    db.session.commit()
    return spent


def requeue_stored_events(store_id: int | None = None, *, older_than: float = 60.0) -> int:
    """Queue again the unprocessed events older than ``older_than`` s that no live job holds.

    Returns how many it queued: exactly the events that got a job.
    """
    return len(recover_events(store_id, older_than=older_than, limit=100_000).queued)
