"""The in-process worker (demo, one-process installs): runs jobs and brings retries back."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest

from bcapp.errors import RetryableSyncError
from bcapp.extensions import db
from bcapp.jobs.runtime import set_app
from bcapp.jobs.sync import enqueue_flow
from bcapp.jobs.worker import BackgroundWorker
from bcapp.models import RunStatus, SyncRun
from bcapp.sync.context import SyncContext
from tests.conftest import base_config

pytestmark = pytest.mark.redis


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, RQ_QUEUE_PREFIX=f"test-sync-{uuid.uuid4().hex[:8]}-",
                       SYNC_RETRY_INTERVALS=[1])  # fmt: skip


def wait_for(run_id: int, status: str, timeout: float = 10.0) -> SyncRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.remove()
        run = db.session.get(SyncRun, run_id)
        if run is not None and run.status == status:
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not reach {status}: {run.status} {run.message}")


def test_background_worker_runs_jobs_and_retries(app, rds, store, flows):
    attempts: list[int] = []

    @flows("test_bg")
    def flaky(ctx: SyncContext) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RetryableSyncError("AFAS answered 503.")

    run_id = int(enqueue_flow(store.id, "test_bg").kwargs["run_id"])
    db.session.remove()
    worker = BackgroundWorker(app, poll=0.1, tick_every=0).start()
    try:
        run = wait_for(run_id, RunStatus.SUCCEEDED)
    finally:
        worker.stop()
        set_app(None)
    assert len(attempts) == 2 and run.trigger == "manual"
