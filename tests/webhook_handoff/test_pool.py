"""``run_pool``: several worker processes from one warmed app, all jobs run, clean exit."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

from bcapp.extensions import redis_ext
from bcapp.jobs.queues import queue
from tests.conftest import base_config

SCRIPT = """
import json, os, sys
from bcapp import create_app
from bcapp.jobs.worker import run_pool
app = create_app(json.loads(os.environ["CFG"]))
with app.app_context():
    from bcapp.extensions import db
    db.create_all()
sys.exit(0 if run_pool(app, ["orders"], concurrency=2, simple=True, burst=True) else 3)
"""


def test_pool_of_two_runs_every_job_and_exits_cleanly(tmp_path, redis_url):
    from bcapp import create_app

    config = base_config(tmp_path, RQ_QUEUE_PREFIX=f"pool-{uuid.uuid4().hex[:8]}-",
                         WEBHOOK_HANDOFF="list")  # fmt: skip
    app = create_app(config)
    with app.app_context():
        q = queue("orders")
        for n in range(6):  # events that do not exist: each job just reports "gone"
            q.enqueue("bcapp.jobs.events.handle_event_job", 10**9 + n, result_ttl=60)
        redis_ext.client.lpush(f"{config['RQ_QUEUE_PREFIX']}bcapp:webhook-events", "1:999999")
        try:
            proc = subprocess.run([sys.executable, "-c", SCRIPT], timeout=120, capture_output=True,
                                  env={"CFG": json.dumps(config), "PATH": ""}, cwd=str(tmp_path),
                                  check=False)  # fmt: skip
            assert proc.returncode == 0, proc.stderr.decode()[-2000:]
            assert q.count == 0
            # the six, and the job of the id that waited in the hand-over list: dispatched and
            # run (event jobs keep their hash a while after success, see bcapp.jobs.handoff)
            assert q.finished_job_registry.count == 7
            assert redis_ext.client.llen(f"{config['RQ_QUEUE_PREFIX']}bcapp:webhook-events") == 0
        finally:
            keys = list(redis_ext.client.scan_iter(f"{config['RQ_QUEUE_PREFIX']}*"))
            keys += list(redis_ext.client.scan_iter(f"rq:*{config['RQ_QUEUE_PREFIX']}*"))
            if keys:
                redis_ext.client.delete(*keys)
