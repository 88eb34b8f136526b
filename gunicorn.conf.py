"""Gunicorn settings for the web process (gunicorn reads this file from the working
directory, so ``gunicorn "bcapp:create_app()"`` in the Procfile picks it up).

Why gevent: the web process mostly waits (PostgreSQL commits, Redis, BigCommerce's
OAuth exchange) and its busiest route, the webhook intake, shares one INSERT among
the deliveries that arrive together (``bcapp.web.group_commit``). Greenlets switch at
those waits for a fraction of what OS threads pay for the GIL hand-offs, and one
process holds hundreds of open connections. psycopg (3.1.14+), redis-py and httpx
cooperate with gevent's patched sockets. bench/webhooks.py measures the intake, and
the bare endpoint it is compared with, under these same settings.

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
