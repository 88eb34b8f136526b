"""The worker process: an RQ worker on the three queues, with the app for its jobs.

``run_worker(app)`` listens on "orders" first (latency-sensitive order
exports), then "default", then "catalog" (long runs), and runs RQ's scheduler
in the same process so retries and delayed jobs come due. The app is built
once and handed to :mod:`bcapp.jobs.runtime`; each job (in RQ's forked child)
pushes its own app context.

:class:`BackgroundWorker` runs worker and clock in a thread of the current
process instead (the demo, or a one-process install on SQLite).

:func:`run_pool` (``bcapp worker --concurrency N --simple``) runs N workers
forked from one warmed app: order exports spend their time waiting on the ERP,
so at 10 orders/s and ~0.5 s per export one process is far too few. With
``WEBHOOK_HANDOFF = "list"`` the intake only pushes event ids and every
"orders" worker runs a dispatcher thread that turns them into jobs.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import pkgutil
import signal
import threading
import time
from collections.abc import Sequence
from typing import Any

from flask import Flask
from rq import SimpleWorker, Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.timeouts import TimerDeathPenalty

from bcapp.extensions import redis_ext
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
    """RQ's forking worker, stopping promptly."""


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
        return worker_class([queue(name) for name in queues], connection=redis_ext.client)


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

    A worker on the "orders" queue also runs the webhook dispatcher (a daemon
    thread) when the intake hands events over by list (``WEBHOOK_HANDOFF``).
    """
    worker = build_worker(app, queues, simple=simple)
    if "orders" in queues and app.config["WEBHOOK_HANDOFF"] == "list":
        dispatch_pending(app)  # what arrived while no worker ran
        if not burst:
            threading.Thread(target=dispatch_forever, args=(app,), daemon=True,
                             name="bcapp-webhook-dispatcher").start()  # fmt: skip
    return worker.work(burst=burst, with_scheduler=with_scheduler)


def run_pool(
    app: Flask,
    queues: Sequence[str] = QUEUE_NAMES,
    *,
    concurrency: int = 1,
    simple: bool = False,
    burst: bool = False,
) -> bool:
    """``concurrency`` worker processes on the same queues (orders wait on the ERP, not the CPU).

    The app is built and warmed once here, then forked, so each child starts
    ready. SIGTERM/SIGINT to this process is passed on (RQ's warm shutdown in
    each child). With one process, RQ's ``work()`` result is returned (whether
    jobs ran); with several, True when every child exited without an error.
    """
    if concurrency <= 1:
        return run_worker(app, queues, burst=burst, simple=simple)
    set_app(app)
    with app.app_context():
        load_flows()
        warm_up()
        from bcapp.extensions import db

        db.engine.dispose()  # no pooled connection may be shared across the fork
    children = []
    for index in range(concurrency):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child's exit code is checked by the parent
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            code = 1
            try:
                run_worker(app, queues, burst=burst, simple=simple, with_scheduler=index == 0)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return all(_wait(child) == 0 for child in children)


def _wait(pid: int) -> int:
    while True:
        try:
            return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        except InterruptedError:  # pragma: no cover - PEP 475 retries; kept for clarity
            continue


def _dispatch(app: Flask, raw: bytes | str) -> None:
    from bcapp.web.webhooks import enqueue_event

    store_id, _, event_id = (raw.decode() if isinstance(raw, bytes) else raw).partition(":")
    with app.app_context():
        enqueue_event(int(event_id), int(store_id))


def dispatch_pending(app: Flask) -> int:
    """Turn every event id waiting in the intake's list into its RQ job; returns how many."""
    from bcapp.web.webhooks import handoff_key

    count = 0
    with app.app_context():
        key, client = handoff_key(), redis_ext.client
    while (raw := client.rpop(key)) is not None:
        _dispatch(app, raw)
        count += 1
    return count


def dispatch_forever(app: Flask, stop: threading.Event | None = None) -> None:
    """The dispatcher loop: block on the intake's list, enqueue each id as it comes.

    Several workers may each run one: BRPOP hands every id to exactly one. An id
    popped by a process that dies before enqueueing is not lost for good: its
    event stays "received" and the orders reconciliation re-queues it.
    """
    from bcapp.web.webhooks import handoff_key

    with app.app_context():
        key, client = handoff_key(), redis_ext.client
    while stop is None or not stop.is_set():
        try:
            popped = client.brpop([key], timeout=1)
            if popped:
                _dispatch(app, popped[1])
        except Exception:  # Redis restarting: retry, never die
            log.exception("webhook dispatcher: could not hand over an event")
            time.sleep(1)


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

    def start(self) -> BackgroundWorker:
        set_app(self.app)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

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
        if self.app.config["WEBHOOK_HANDOFF"] == "list":
            dispatch_pending(self.app)
        with self.app.app_context():
            promote_due_jobs()
            load_flows()
            worker = ThreadWorker([queue(n) for n in QUEUE_NAMES], connection=redis_ext.client)
        worker.work(burst=True, with_scheduler=False)
