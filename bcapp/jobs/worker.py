"""The worker process: an RQ worker on the three queues, with the app for its jobs.

``run_worker(app)`` listens on "orders" first (latency-sensitive order
exports), then "default", then "catalog" (long runs), and runs RQ's scheduler
in the same process so retries and delayed jobs come due. The app is built
once and handed to :mod:`bcapp.jobs.runtime`; each job (in RQ's forked child)
pushes its own app context.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask
from rq import SimpleWorker, Worker

from bcapp.extensions import redis_ext
from bcapp.jobs.queues import QUEUE_NAMES, queue
from bcapp.jobs.runtime import set_app
from bcapp.sync.registry import load_flows


def build_worker(
    app: Flask, queues: Sequence[str] = QUEUE_NAMES, *, simple: bool = False
) -> Worker | SimpleWorker:
    """An RQ worker on ``queues`` (in priority order) for ``app``'s Redis."""
    set_app(app)
    with app.app_context():
        load_flows()  # import the flow modules before forking, once
        worker_class = SimpleWorker if simple else Worker
        return worker_class([queue(name) for name in queues], connection=redis_ext.client)


def run_worker(
    app: Flask,
    queues: Sequence[str] = QUEUE_NAMES,
    *,
    burst: bool = False,
    simple: bool = False,
    with_scheduler: bool = True,
) -> bool:
    """Work until stopped (or, with ``burst``, until the queues are empty)."""
    worker = build_worker(app, queues, simple=simple)
    return worker.work(burst=burst, with_scheduler=with_scheduler)
