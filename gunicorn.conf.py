"""Gunicorn settings for the web process (gunicorn reads this file from the working
directory, so ``gunicorn "bcapp:create_app()"`` in the Procfile picks it up).

Why gevent: the web process mostly waits (PostgreSQL commits, Redis, BigCommerce's
OAuth exchange) and its busiest route, the webhook intake, shares one INSERT among
the deliveries that arrive together (``bcapp.web.group_commit``). Greenlets switch at
those waits for a fraction of what OS threads pay for the GIL hand-offs, and one
process holds hundreds of open connections. psycopg (3.1.14+), redis-py and httpx
cooperate with gevent's patched sockets. bench/webhooks.py measures the intake, and
the bare endpoint it is compared with, under these same settings.

Logging: gunicorn's own loggers are its business; the app's (the root logger) are set up
here, once per worker (``LOG_LEVEL``, ``LOG_FORMAT``). Metrics: with
``PROMETHEUS_MULTIPROC_DIR`` set, each process writes its counters to files there and
``/metrics`` sums them; a dead worker's files are marked so its gauges stop counting.

Environment: ``WEB_CONCURRENCY`` (processes, default one per CPU), ``PORT`` (gunicorn
then binds 0.0.0.0:PORT), ``GUNICORN_CMD_ARGS`` for anything else.
"""

from __future__ import annotations

import os

worker_class = "gevent"
workers = int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1)
#: Concurrent requests per process (greenlets); deliveries beyond wait in the backlog.
worker_connections = 200
#: BigCommerce and browsers reuse connections; gunicorn's 2 s default closes them early.
keepalive = 30
#: No request here legitimately takes long: the slow work runs in RQ workers.
timeout = 30
graceful_timeout = 20


def post_fork(server: object, worker: object) -> None:
    """Each web process logs in the configured format (the app factory does not)."""
    from bcapp.logs import configure_logging

    configure_logging()


def child_exit(server: object, worker: object) -> None:
    """A dead worker's live gauges stop counting (multiprocess metrics)."""
    from bcapp.metrics import mark_process_dead

    mark_process_dead(getattr(worker, "pid", 0))
