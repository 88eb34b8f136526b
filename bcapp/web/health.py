"""Probes and scrapes: ``/healthz``, ``/readyz`` and ``/metrics``.

``/healthz`` says only that the process answers (no dependency is touched: a
liveness probe that fails because the database is slow would get healthy
processes restarted). ``/readyz`` says whether this process can do its work:
the database answers, Redis answers and the schema is at the migrations' head,
each within :data:`READY_TIMEOUT` seconds, so a probe never hangs on a dead
dependency. Neither needs a session, and the answers name no host, URL,
version or error text: they are meant for anyone who can reach the port.

``/metrics`` answers Prometheus's text format to a scraper that sends
``Authorization: Bearer $METRICS_TOKEN``; with no token configured it does not
exist (404), so a deployment that forgot the token exposes nothing.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hmac
import logging
from collections.abc import Callable
from typing import Any

import redis
from flask import Blueprint, Response, abort, current_app, jsonify, request
from sqlalchemy import text

from bcapp import metrics
from bcapp.config import current_settings
from bcapp.extensions import db, redis_ext
from bcapp.jobs.queues import queue_stats

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

#: Seconds each readiness check may take before it counts as down.
READY_TIMEOUT = 2.0


@bp.get("/healthz")
def healthz() -> Any:
    """The process answers."""
    return _no_store(jsonify(status="ok"))


@bp.get("/readyz")
def readyz() -> Any:
    """Database, Redis and schema checked, each within the timeout; 503 when one fails."""
    checks = {
        "database": _timed(_database_ok),
        "redis": _timed(_redis_ok),
        "migrations": _timed(_migrations_ok),
    }
    ready = all(result == "ok" for result in checks.values())
    response = jsonify(status="ready" if ready else "unavailable", checks=checks)
    response.status_code = 200 if ready else 503
    return _no_store(response)


@bp.get("/metrics")
def scrape() -> Any:
    """Every metric (summed across processes in multiprocess mode) plus the queues'."""
    token = current_settings().metrics_token
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return Response("metrics token required\n", 401, {"WWW-Authenticate": "Bearer"})
    body = metrics.exposition([metrics.QueueCollector(queue_stats)])
    return _no_store(Response(body, 200, {"Content-Type": metrics.CONTENT_TYPE}))


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response


def _timed(check: Callable[[], str]) -> str:
    """``check()`` in the app's context, cut off after :data:`READY_TIMEOUT` ("timeout")."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> str:
        with app.app_context():
            try:
                return check()
            except Exception:  # the probe's answer is the outcome; the log keeps the detail
                log.warning("readiness check %s failed", check.__name__, exc_info=True)
                return "unreachable"
            finally:
                db.session.remove()

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(run).result(timeout=READY_TIMEOUT)
    except concurrent.futures.TimeoutError:
        return "timeout"
    finally:
        pool.shutdown(wait=False)


def _database_ok() -> str:
    db.session.execute(text("SELECT 1"))
    return "ok"


def _redis_ok() -> str:
    """Ping the configured Redis on a connection of its own (short timeouts, no fallback)."""
    url = current_settings().redis_url
    if not url:  # the demo's embedded Redis
        redis_ext.client.ping()
        return "ok"
    client = redis.Redis.from_url(
        url, socket_timeout=READY_TIMEOUT, socket_connect_timeout=READY_TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def _migrations_ok() -> str:
    """ "ok" when the database's revision is the migrations' head, else "behind"."""
    from alembic.migration import MigrationContext  # Alembic loads only for this check

    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return "ok" if current == set(script_heads(_migrations_dir())) else "behind"


def _migrations_dir() -> str:
    return str(current_app.extensions["migrate"].directory)


@functools.cache
def script_heads(directory: str) -> tuple[str, ...]:
    """The head revision(s) of the migration scripts (read once per process)."""
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", directory)
    return tuple(ScriptDirectory.from_config(config).get_heads())
