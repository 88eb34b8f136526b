"""The Flask app inside RQ jobs: one app per worker process, a fresh app context per job.

Jobs call :func:`app_context`. Inside a test (or a CLI command) an app context
is already active and is used as is; in a worker, the app built once by
:func:`get_app` (from the environment with ``create_app()``) is pushed for the
job and the database session removed afterwards. The factory is registered by
the ``bcapp`` package itself (:func:`set_app_factory`), so this module never
imports the app and the layers stay one-way. RQ's default worker forks a
child per job: database connections inherited from the parent are dropped
(never closed: they are the parent's) before the child uses the pool.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, current_app, has_app_context
from rq import get_current_job

from bcapp import logs
from bcapp.extensions import db

_APP: Flask | None = None
_FACTORY: Callable[[], Flask] | None = None
_PID_KEY = "bcapp.pid"


def set_app(app: Flask | None) -> None:
    """Use ``app`` for jobs in this process (the worker command passes the app it built)."""
    global _APP
    _APP = app
    if app is not None:
        app.extensions[_PID_KEY] = os.getpid()


def set_app_factory(factory: Callable[[], Flask]) -> None:
    """Build the job app with ``factory`` when a plain ``rq worker`` runs a job first."""
    global _FACTORY
    _FACTORY = factory


def get_app() -> Flask:
    """The current app, else this process's job app (built on first use)."""
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _APP is None:
        if _FACTORY is None:
            raise RuntimeError("No app for jobs: call set_app() or set_app_factory() first.")
        set_app(_FACTORY())
    assert _APP is not None
    return _APP


@contextlib.contextmanager
def app_context() -> Iterator[Flask]:
    """An app context for one job (the active one when there is one); its lines name the job."""
    with logs.bound(job_id=_job_id()):
        if has_app_context():
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            _after_fork(app)
            yield app
            return
        app = get_app()
        with app.app_context():
            _after_fork(app)
            try:
                yield app
            finally:
                db.session.remove()


def _job_id() -> str | None:
    """The running RQ job's id (for the log lines), None outside a job."""
    job = get_current_job()
    return job.id if job is not None else None


def _after_fork(app: Any) -> None:
    """In a forked child, forget the parent's pooled database connections once."""
    pid = os.getpid()
    if app.extensions.get(_PID_KEY, pid) != pid:
        db.engine.dispose(close=False)
    app.extensions[_PID_KEY] = pid
