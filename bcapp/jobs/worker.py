"""The worker process: an RQ worker on the three queues, with the app for its jobs.

``run_worker(app)`` listens on "orders" first (latency-sensitive order
exports), then "default", then "catalog" (long runs), and runs RQ's scheduler
in the same process so retries and delayed jobs come due. The app is built
once and handed to :mod:`bcapp.jobs.runtime`; each job (in RQ's forked child)
pushes its own app context.

:class:`BackgroundWorker` runs worker and clock in a thread of the current
process instead (the demo, or a one-process install on SQLite).

:func:`run_pool` (``bcapp worker --concurrency N --simple``) runs N workers
forked from one warmed app and supervises them (:class:`Pool`): order exports
spend their time waiting on the ERP, so at 10 orders/s and ~0.5 s per export one
process is far too few. Every "orders" worker runs a :class:`~bcapp.jobs.handoff.Dispatcher`
thread: it keeps the worker's lease and (``WEBHOOK_HANDOFF = "list"``) turns the
event ids the intake pushed into jobs.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import logging
import os
import pkgutil
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.timeouts import TimerDeathPenalty

from bcapp import metrics
from bcapp.config import settings_of
from bcapp.extensions import redis_ext
from bcapp.jobs.handoff import Dispatcher, dispatch_forever, dispatch_pending
from bcapp.jobs.queues import QUEUE_NAMES, queue
from bcapp.jobs.runtime import set_app
from bcapp.sync.registry import load_flows

log = logging.getLogger(__name__)


#: Seconds the listener of RQ's command channel blocks per read: also how long a stop waits.
COMMAND_POLL_SECONDS = 1.0


class PromptStopMixin:
    """RQ's command-channel listener, polling every second instead of every 60.

    RQ runs ``pubsub.run_in_thread(sleep_time=60)``; since redis-py 8,
    ``PubSubWorkerThread.stop()`` waits for that thread to finish, and after the
    unsubscribe it sits out the whole 60 s. Every worker teardown (a burst worker's
    end, a warm shutdown) then took a minute: the demo's worker stood still and
    jobs queued behind it were not run.
    """

    def subscribe(self) -> None:
        worker: Any = self
        worker.pubsub = worker.connection.pubsub()
        worker.pubsub.subscribe(**{worker.pubsub_channel_name: worker.handle_payload})
        worker.pubsub_thread = worker.pubsub.run_in_thread(
            sleep_time=COMMAND_POLL_SECONDS,
            daemon=True,
            exception_handler=worker._pubsub_exception_handler,
        )


class AppWorker(PromptStopMixin, Worker):
    """RQ's forking worker, stopping promptly; a finished job's process stops counting."""

    def monitor_work_horse(self, job: Job, queue: Any, *args: Any, **kwargs: Any) -> None:
        horse = self.horse_pid
        try:
            super().monitor_work_horse(job, queue, *args, **kwargs)
        finally:
            metrics.mark_process_dead(horse)  # its live gauges (budget left) go with it


class AppSimpleWorker(PromptStopMixin, SimpleWorker):
    """RQ's in-process worker, stopping promptly."""


def build_worker(
    app: Flask, queues: Sequence[str] = QUEUE_NAMES, *, simple: bool = False
) -> Worker | SimpleWorker:
    """An RQ worker on ``queues`` (in priority order) for ``app``'s Redis."""
    set_app(app)
    with app.app_context():
        load_flows()  # import the flow modules before forking, once
        warm_up()
        worker_class = AppSimpleWorker if simple else AppWorker
        client = redis_ext.client
        worker = worker_class([queue(name) for name in queues], connection=client)
        # RQ raised the pool's socket timeout above its blocking dequeue; connections opened
        # before (a start-up ping) keep redis-py 8's 5 s and would cut that dequeue short:
        # "Timeout reading from ...", and RQ's work loop quits on it. Start them afresh.
        client.connection_pool.reset()
        return worker


#: Packages whose modules jobs import lazily (connectors by kind, mappings, flows' helpers).
WARM_PACKAGES = ("bcapp.connectors", "bcapp.bigcommerce", "bcapp.mapping", "bcapp.sync")


def warm_up(packages: Sequence[str] = WARM_PACKAGES) -> int:
    """Import what the first jobs would import, and build the shared TLS context, now.

    Without it each worker process paid ~1 s of CPU (imports, dataclass and regex
    compilation, the CA bundle) inside its first job: with 16 workers started at
    once that was 16 CPU-seconds taken from the first orders' latency. Nothing
    here does I/O beyond reading modules. Returns how many modules were imported;
    a module that fails to import is logged and left to fail in its job.
    """
    from bcapp.connectors.http import _tls_context

    _tls_context()
    count = 0
    for package in packages:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            try:
                importlib.import_module(info.name)
                count += 1
            except Exception:
                log.warning("warm-up could not import %s", info.name, exc_info=True)
    return count


def run_worker(
    app: Flask,
    queues: Sequence[str] = QUEUE_NAMES,
    *,
    burst: bool = False,
    simple: bool = False,
    with_scheduler: bool = True,
) -> bool:
    """Work until stopped (or, with ``burst``, until the queues are empty).

    A worker on the "orders" queue runs a :class:`~bcapp.jobs.handoff.Dispatcher`
    beside it: the lease that vouches for the jobs it runs and (``WEBHOOK_HANDOFF =
    "list"``, not in burst mode) the hand-over of the intake's event ids. What
    arrived while no worker ran is handed over first.
    """
    worker = build_worker(app, queues, simple=simple)
    companion = None
    if "orders" in queues:
        listing = settings_of(app.config).webhook_handoff == "list"
        companion = Dispatcher(app, worker.name, dispatch=listing and not burst)
        if listing:
            companion.drain()
        companion.start()
    try:
        return worker.work(burst=burst, with_scheduler=with_scheduler)
    finally:
        if companion is not None:
            companion.stop()


#: A child that dies sooner than this after its start doubles its back-off.
HEALTHY_AFTER = 10.0
BACKOFF_MAX = 60.0
#: Seconds the children get to finish their jobs after a stop signal, before SIGKILL.
STOP_GRACE = 30.0
#: Seconds a dead child's leftovers (RQ's scheduler process) get to stop on SIGTERM.
LEFTOVER_GRACE = 5.0


@dataclass
class Slot:
    """One place in the pool: its current process, and how long to wait before a new one."""

    index: int
    pid: int = 0
    started: float = 0.0
    backoff: float = 0.0
    due: float = 0.0
    done: bool = False


class Pool:
    """``concurrency`` forked workers, each replaced when it dies, until a signal stops them.

    Each child leads its own process group, so what it forked (RQ's scheduler, in
    child #0) goes with it: when a child dies, its group gets SIGTERM (the scheduler
    releases its lock, so the next #0 can take it), then SIGKILL. A child that dies
    within :data:`HEALTHY_AFTER` of its start comes back after a back-off that doubles
    up to :data:`BACKOFF_MAX`. SIGTERM/SIGINT to the pool go to every child (RQ's warm
    shutdown: the running job finishes; a second signal is RQ's cold shutdown); after
    :data:`STOP_GRACE` what is left is killed. In burst mode a child that exits 0 is done.
    """

    def __init__(self, app: Flask, queues: Sequence[str], *, concurrency: int,
                 simple: bool = False, burst: bool = False) -> None:  # fmt: skip
        self.app, self.queues, self.simple, self.burst = app, tuple(queues), simple, burst
        self.slots = [Slot(index) for index in range(concurrency)]
        self.stopping = 0.0
        self.failed = False
        self._leftovers: dict[int, float] = {}  # process group → when to SIGKILL it

    def run(self) -> bool:
        """Start every child and supervise them; True after a clean stop or a clean burst."""
        set_app(self.app)
        with self.app.app_context():
            load_flows()
            warm_up()
            from bcapp.extensions import db

            db.engine.dispose()  # no pooled connection may be shared across the fork
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        for slot in self.slots:
            self._spawn(slot)
        while not all(slot.done for slot in self.slots):
            self._reap()
            self._respawn_due()
            self._kill_overdue()
            time.sleep(0.1)
        self._finish_leftovers()
        return not self.failed

    # signals
    def _on_signal(self, signum: int, _frame: object) -> None:
        log.info("pool: %s, stopping %s worker(s)", signal.Signals(signum).name, self._live())
        self.stopping = self.stopping or time.monotonic()
        for slot in self.slots:
            if slot.pid:
                _signal_group(slot.pid, signum)
            else:
                slot.done = True  # waiting for a respawn: stays empty

    def _live(self) -> int:
        return sum(1 for slot in self.slots if slot.pid)

    # children
    def _spawn(self, slot: Slot) -> None:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns here
            self._child(slot.index)
        slot.pid, slot.started = pid, time.monotonic()
        log.info("pool: worker #%s started (pid %s)", slot.index, pid)

    def _child(self, index: int) -> None:
        code = 1
        try:
            os.setpgid(0, 0)
            _die_with_parent()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, signal.SIG_DFL)  # RQ installs its own in work()
            run_worker(self.app, self.queues, burst=self.burst, simple=self.simple,
                       with_scheduler=index == 0)  # fmt: skip
            code = 0
        except BaseException:
            log.exception("pool: worker #%s failed", index)
        finally:
            os._exit(code)

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            slot = next((s for s in self.slots if s.pid == pid), None)
            if slot is not None:
                self._exited(slot, os.waitstatus_to_exitcode(status))

    def _exited(self, slot: Slot, code: int) -> None:
        pid, lived = slot.pid, time.monotonic() - slot.started
        slot.pid = 0
        metrics.mark_process_dead(pid)
        _signal_group(pid, signal.SIGTERM)  # its scheduler, if it ran one
        self._leftovers[pid] = time.monotonic() + LEFTOVER_GRACE
        if self.stopping or (self.burst and code == 0):
            slot.done = True
            self.failed |= code != 0 and not self.stopping
            log.info("pool: worker #%s (pid %s) exited with %s", slot.index, pid, code)
            return
        quick = lived < HEALTHY_AFTER
        slot.backoff = min(max(1.0, slot.backoff * 2), BACKOFF_MAX) if quick else 0.0
        slot.due = time.monotonic() + slot.backoff
        log.warning("pool: worker #%s (pid %s) exited with %s after %.1f s; replacing it in %.0f s",
                    slot.index, pid, code, lived, slot.backoff)  # fmt: skip

    def _respawn_due(self) -> None:
        if self.stopping:
            return
        now = time.monotonic()
        for slot in self.slots:
            if not slot.pid and not slot.done and now >= slot.due:
                self._spawn(slot)

    def _kill_overdue(self) -> None:
        now = time.monotonic()
        for group, deadline in list(self._leftovers.items()):
            if now >= deadline:
                _signal_group(group, signal.SIGKILL)
                del self._leftovers[group]
        if self.stopping and now - self.stopping > STOP_GRACE:
            for slot in self.slots:
                if slot.pid:
                    log.warning("pool: worker #%s (pid %s) did not stop; killing it", slot.index,
                                slot.pid)  # fmt: skip
                    _signal_group(slot.pid, signal.SIGKILL)

    def _finish_leftovers(self) -> None:
        """Give dead children's groups their grace, then kill what is left of them."""
        deadline = max(self._leftovers.values(), default=0.0)
        while self._leftovers and time.monotonic() < deadline:
            self._leftovers = {g: d for g, d in self._leftovers.items() if _group_alive(g)}
            time.sleep(0.1)
        for group in self._leftovers:
            _signal_group(group, signal.SIGKILL)


def _signal_group(group: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the pool dies (even by SIGKILL), so none is orphaned."""
    parent = os.getppid()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the pool died before the call
        os.kill(os.getpid(), signal.SIGTERM)


def run_pool(
    app: Flask,
    queues: Sequence[str] = QUEUE_NAMES,
    *,
    concurrency: int = 1,
    simple: bool = False,
    burst: bool = False,
) -> bool:
    """``concurrency`` supervised worker processes on the same queues (:class:`Pool`).

    With one process, RQ's ``work()`` runs here and its result is returned (whether
    jobs ran); with several, True after a stop by signal, or (burst) when every
    child exited cleanly.
    """
    if concurrency <= 1:
        return run_worker(app, queues, burst=burst, simple=simple)
    return Pool(app, queues, concurrency=concurrency, simple=simple, burst=burst).run()


class ThreadWorker(SimpleWorker):
    """A SimpleWorker that can live in a thread (signals belong to the main thread).

    It works one burst per round and takes no commands (nothing can kill a job
    in a thread), so it does not listen on RQ's command channel at all.
    """

    death_penalty_class = TimerDeathPenalty  # job timeouts by timer, not SIGALRM

    def _install_signal_handlers(self) -> None:
        return None

    def subscribe(self) -> None:
        return None

    def unsubscribe(self) -> None:
        return None


def promote_due_jobs(queues: Sequence[str] = QUEUE_NAMES) -> int:
    """Move scheduled jobs whose time has come onto their queues (RQ's scheduler, in small).

    Needs an app context. Returns how many jobs were promoted.
    """
    promoted = 0
    now = int(time.time())
    for name in queues:
        q = queue(name)
        registry = ScheduledJobRegistry(queue=q)
        for jid in registry.get_jobs_to_schedule(now):
            registry.remove(jid)
            try:
                q.enqueue_job(Job.fetch(jid, connection=q.connection))
                promoted += 1
            except NoSuchJobError:
                continue
    return promoted


class BackgroundWorker:
    """Worker and clock in one daemon thread, for the demo and single-process installs.

    Every ``poll`` seconds it promotes due retries, works the queues until they
    are empty, and ticks the schedule once a minute. Production runs the
    separate ``worker`` and ``clock`` processes of the Procfile instead.
    """

    def __init__(self, app: Flask, *, poll: float = 1.0, tick_every: float = 60.0) -> None:
        self.app = app
        self.poll = poll
        self.tick_every = tick_every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bcapp-worker", daemon=True)
        self._last_tick = 0.0
        self._dispatcher: Dispatcher | None = None

    def start(self) -> BackgroundWorker:
        set_app(self.app)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)
        if self._dispatcher is not None:
            with contextlib.suppress(Exception):  # Redis gone with the demo: nothing to hand back
                self._dispatcher.release()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._round()
            except Exception:  # keep the demo's worker alive through a bad round
                log.exception("background worker round failed")
            self._stop.wait(self.poll)

    def _round(self) -> None:
        from bcapp.jobs.schedule import tick_job

        if self.tick_every and time.monotonic() - self._last_tick >= self.tick_every:
            self._last_tick = time.monotonic()
            tick_job()
        if self._dispatcher is None:
            self._dispatcher = Dispatcher(self.app)
        if settings_of(self.app.config).webhook_handoff == "list":
            self._dispatcher.drain()  # also renews the lease that vouches for its jobs
        else:
            self._dispatcher.beat()
        with self.app.app_context():
            promote_due_jobs()
            load_flows()
            worker = ThreadWorker([queue(n) for n in QUEUE_NAMES], connection=redis_ext.client,
                                  name=self._dispatcher.name)  # fmt: skip
        worker.work(burst=True, with_scheduler=False)


__all__ = [
    "BackgroundWorker", "Pool", "build_worker", "dispatch_forever", "dispatch_pending",
    "promote_due_jobs", "run_pool", "run_worker", "warm_up",
]  # fmt: skip
