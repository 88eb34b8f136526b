"""The real worker process: RQ's forking Worker runs a job inside the app built once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.jobs.sync import enqueue_flow
from bcapp.models import Binding, LogEntry, RunStatus, SyncRun

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
import tests.sync_core.worker_flows  # the test flow and the memory ERP
from bcapp import create_app
from bcapp.jobs.worker import run_worker
run_worker(create_app(json.loads(sys.argv[1])), burst=True, with_scheduler=False)
"""


def test_forking_worker_runs_a_queued_flow(app, app_config, rds, store, flows):
    import tests.sync_core.worker_flows  # noqa: F401  (same registration in this process)

    enqueue_flow(store.id, "test_forked")
    db.session.remove()  # let the worker process have the SQLite file
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(app_config)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    run = db.session.execute(db.select(SyncRun)).scalar_one()
    entry: Any = db.session.execute(db.select(LogEntry)).scalar_one()
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert run.message == f"ran in {entry.details['pid']}"
    assert entry.details["pid"] != os.getpid()
    assert db.session.execute(db.select(Binding)).scalar_one().erp_id == "A"


def test_a_worker_stops_listening_within_seconds_not_a_minute(app, rds):
    """RQ unsubscribes, then stops its command listener; redis-py 8's stop waits for it.

    When the listener has already read the unsubscribe reply, it waits for a new
    subscription for as long as it polls: RQ's 60 s made every worker teardown
    (a burst's end, a warm shutdown) hang a minute, and the demo's worker stood still.
    """
    import time

    from bcapp.jobs.worker import build_worker

    worker = build_worker(app, ["orders"], simple=True)
    worker.subscribe()
    worker.pubsub.unsubscribe()  # what RQ's unsubscribe() sends first
    time.sleep(0.5)  # the listener reads the reply and waits, as it does under load
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 5
