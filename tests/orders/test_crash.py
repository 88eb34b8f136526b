"""A worker killed with SIGKILL at any point of an export never yields a second ERP order.

Real processes: an RQ worker (forking, as in production) is started as a
subprocess with ``BCAPP_PAUSE_AT`` naming a checkpoint of the export; when it
announces the pause in Redis, its whole process group gets SIGKILL. The
sandboxes are served on localhost ports in threads (the worker is another
process), PostgreSQL and Redis are the real servers. After every kill, a fresh
worker runs the reconciliation and the original events again; AFAS must hold
exactly one order per store order and one relation per customer.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from bcapp.connectors.afas.settings import SETTINGS_SCHEMA
from bcapp.connectors.base import split_settings
from bcapp.extensions import db, redis_ext
from bcapp.models import Connection, WebhookEvent
from tests.conftest import base_config, clear_redis
from tests.orders.conftest import WORLD_CONFIG, build_world

ROOT = Path(__file__).resolve().parents[2]

POINTS = ("before_create", "after_create", "before_commit", "after_commit", "after_create")
WORKER = """
import json, os, sys
from bcapp import create_app
from bcapp.jobs.worker import run_worker
app = create_app(json.loads(os.environ["TEST_APP_CONFIG"]))
if os.environ.get("TEST_PAUSE_AT"):
    from tests.orders.pause import install
    install(os.environ["TEST_PAUSE_AT"], app.config["RQ_QUEUE_PREFIX"])
run_worker(app, ["orders", "default"], burst=len(sys.argv) > 1, with_scheduler=False)
"""


def serve(wsgi_app: Any) -> tuple[str, Any]:
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


@pytest.fixture
def crash_world(fresh_pg_url, tmp_path, redis_url):
    from bcapp import create_app

    config = base_config(tmp_path, DATABASE_URL=fresh_pg_url, ERP_ALLOWED_HOSTS="127.0.0.1",
                         **WORLD_CONFIG)  # fmt: skip
    app = create_app(config)
    with app.app_context():
        db.create_all()
        clear_redis(app)
        world = build_world(app)
        bc_url, bc_server = serve(world.bc.wsgi_app)
        afas_url, afas_server = serve(world.afas.wsgi_app)
        connection = db.session.execute(db.select(Connection)).scalar_one()
        plain, secret = split_settings(
            SETTINGS_SCHEMA, world.afas.settings(base_url=afas_url + "/ProfitRestServices")
        )
        connection.settings, connection.secrets = plain, secret
        db.session.commit()
        worker_config = {**config, "BC_API_URL": bc_url, "INSTANCE_PATH": str(tmp_path / "w")}
        yield world, worker_config
        bc_server.shutdown()
        afas_server.shutdown()
        clear_redis(app)
        db.session.remove()
        db.engine.dispose()


STARTED: list[Any] = []
HORSES: list[int] = []


@pytest.fixture(autouse=True)
def _no_stray_workers():
    """Whatever happens, no worker this test started (nor its work horse) outlives it."""
    yield
    for pid in HORSES:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    HORSES.clear()
    while STARTED:
        proc = STARTED.pop()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


def start_worker(config: dict[str, Any], pause: str | None = None, burst: bool = False) -> Any:
    """The worker process; its log goes to a file (a full pipe would block it)."""
    env = {**os.environ, "TEST_APP_CONFIG": json.dumps(config), "PYTHONPATH": str(ROOT)}
    env.pop("TEST_PAUSE_AT", None)
    if pause:
        env["TEST_PAUSE_AT"] = pause
    args = [sys.executable, "-c", WORKER] + (["burst"] if burst else [])
    log = open(config["INSTANCE_PATH"] + ".log", "ab")  # noqa: SIM115
    proc = subprocess.Popen(args, env=env, start_new_session=True, stdout=log, stderr=log)
    proc.log_path = log.name
    STARTED.append(proc)
    return proc


def tail(proc: Any) -> str:
    with open(proc.log_path, "rb") as fh:
        return fh.read().decode(errors="replace")[-3000:]


def wait_paused(point: str, proc: Any, config: dict[str, Any], timeout: float = 30) -> int:
    """The pid of the process paused at ``point`` (RQ's work horse: its own session)."""
    key = f"{config['RQ_QUEUE_PREFIX']}paused:{point}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid = redis_ext.client.get(key)
        if pid:
            redis_ext.client.delete(key)
            HORSES.append(int(pid))
            return int(pid)
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early: {tail(proc)}")
        time.sleep(0.05)
    raise AssertionError(f"the worker never reached {point}: {tail(proc)}")


def wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} survived SIGKILL")


def stored_event(world: Any, order_id: int) -> WebhookEvent:
    """What the intake stores and enqueues for the checkout's webhook."""
    from bcapp.web.webhooks import enqueue_event

    payload = {"scope": "store/order/created", "data": {"type": "order", "id": order_id},
               "producer": f"stores/{world.store.store_hash}", "created_at": order_id}  # fmt: skip
    event = WebhookEvent(store_id=world.store.id, webhook_id=f"msg-{order_id}",
                         content_hash=f"c-{order_id}", scope=payload["scope"],
                         resource_id=str(order_id), payload=payload)  # fmt: skip
    db.session.add(event)
    db.session.commit()
    assert enqueue_event(event)
    return event


def wait_locks_free(store_id: int, config: dict[str, Any], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    pattern = f"bcapp:lock:{config['RQ_QUEUE_PREFIX']}store-{store_id}:order-[0-9]*"
    while any(redis_ext.client.scan_iter(pattern)):
        assert time.monotonic() < deadline, "a dead worker's order lock never expired"
        time.sleep(0.2)


@pytest.mark.timeout(180)
def test_sigkill_at_every_point_never_duplicates(crash_world):
    world, config = crash_world
    world.product("SKU-1")
    events = []
    for point in POINTS:
        order_id = world.order("SKU-1")  # the same customer every time
        events.append(stored_event(world, order_id))
        proc = start_worker(config, pause=point)
        horse = wait_paused(point, proc, config)
        # The worker first (so it cannot start another work horse), then the job's process.
        os.killpg(proc.pid, signal.SIGKILL)
        os.kill(horse, signal.SIGKILL)
        proc.wait(10)
        wait_gone(horse)
    afas_orders_after_kills = len(world.afas.tables.orders)
    assert afas_orders_after_kills == 4  # every point after the ERP create left an order

    wait_locks_free(world.store.id, config)
    from bcapp.jobs.events import handle_event_job
    from bcapp.jobs.queues import queue
    from bcapp.jobs.sync import enqueue_flow

    enqueue_flow(world.store.id, "orders", trigger="test")
    for event in events:  # and every event again, as if BigCommerce re-sent them
        queue("orders").enqueue(handle_event_job, event.id, job_id=f"again-{event.id}")
    proc = start_worker(config, burst=True)
    assert proc.wait(90) == 0, tail(proc)
    db.session.expire_all()
    assert {e.status for e in world.events()} == {"processed"}, [
        (e.id, e.status, e.error) for e in world.events()
    ]

    for event in events:
        order_id = event.payload["data"]["id"]
        assert len(world.erp_orders(order_id)) == 1, order_id
        assert world.bc_order(order_id)["status_id"] == 9
    assert len(world.afas.tables.orders) == len(POINTS)
    assert len(world.afas.debtors_with_email("jan@example.com")) == 1
    db.session.expire_all()
    assert len(world.bindings("order")) == len(POINTS)
