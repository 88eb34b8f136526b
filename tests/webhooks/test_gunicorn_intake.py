"""The intake as production runs it: gunicorn with the project's gunicorn.conf.py (gevent
workers), real PostgreSQL and Redis, a burst of concurrent signed deliveries with retries.

Proves that the group commit, psycopg and redis-py cooperate under gevent: every
delivery is answered 200, each distinct event is stored and queued exactly once; and
that the control-panel pages served by the same processes open and save.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bcapp import create_app
from bcapp.extensions import db, redis_ext
from bcapp.models import Store, StoreUser, WebhookEvent
from bcapp.web.webhooks import handoff_key
from tests.conftest import CLIENT_ID, CLIENT_SECRET, base_config, make_jwt
from tests.webhooks.test_intake import SIGNER, payload

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served(tmp_path, fresh_pg_url, redis_url):
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    config = base_config(tmp_path, DATABASE_URL=fresh_pg_url, RQ_QUEUE_PREFIX=prefix)
    app = create_app(config)
    with app.app_context():
        db.create_all()
        store = Store(
            store_hash="abc123", access_token="t", settings={}, webhook_secret="hook-secret"
        )
        db.session.add(store)
        db.session.flush()
        db.session.add(StoreUser(store_id=store.id, bc_user_id=1, is_owner=True))
        db.session.commit()
    port = free_port()
    env = {
        **os.environ,
        "BCAPP_ENV": "development",
        "SECRET_KEY": "test-secret-key",
        "BC_CLIENT_ID": CLIENT_ID,
        "BC_CLIENT_SECRET": CLIENT_SECRET,
        "ENCRYPTION_KEYS": config["ENCRYPTION_KEYS"],
        "DATABASE_URL": fresh_pg_url,
        "REDIS_URL": redis_url,
        "RQ_QUEUE_PREFIX": prefix,
        "APP_URL": f"http://127.0.0.1:{port}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "WEB_CONCURRENCY": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "bcapp:create_app()"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        assert server.poll() is None, "gunicorn exited"
        time.sleep(0.1)
    yield app, port
    server.terminate()
    server.wait(20)
    with app.app_context():
        redis_ext.client.delete(handoff_key())
        db.engine.dispose()


def signed(body: str, msg_id: str) -> dict[str, str]:
    now = datetime.now(UTC)
    return {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": SIGNER.sign(msg_id, now, body),
        "X-Bcapp-Hook": "abc123.hook-secret",
    }


def test_a_burst_with_retries_is_stored_and_queued_exactly_once(served):
    app, port = served
    deliveries = [(json.dumps(payload(order_id=n)), f"msg_{n}") for n in range(1, 121)]
    deliveries += deliveries[::3]  # BigCommerce retries a third of them (same webhook-id)
    deliveries += [(body, f"msg_again_{i}") for i, (body, _) in enumerate(deliveries[:20])]
    codes: list[int] = []
    lock = threading.Lock()

    def post(chunk: list[tuple[str, str]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for body, msg_id in chunk:
            conn.request("POST", "/webhooks/bigcommerce", body=body, headers=signed(body, msg_id))
            response = conn.getresponse()
            response.read()
            with lock:
                codes.append(response.status)
        conn.close()

    threads = [threading.Thread(target=post, args=(deliveries[i::24],)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    assert codes == [200] * len(deliveries)
    with app.app_context():
        events = db.session.execute(db.select(WebhookEvent)).scalars().all()
        assert sorted(int(e.resource_id) for e in events) == list(range(1, 121))
        assert {e.payload["data"]["id"] for e in events} == set(range(1, 121))
        # handed to the workers once each (WEBHOOK_HANDOFF=list, the default), none per duplicate
        pushed = redis_ext.client.lrange(handoff_key(), 0, -1)
        assert sorted(pushed) == sorted(f"{e.store_id}:{e.id}".encode() for e in events)


def test_the_app_itself_opens_and_saves_under_the_same_server(served):
    """The control-panel pages share the process with the intake: /load, a page, a save."""
    _app, port = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", f"/bigcommerce/load?signed_payload_jwt={make_jwt('abc123')}")
    page = conn.getresponse()
    text = page.read().decode()
    assert page.status == 200 and "Set-Cookie" not in page.headers
    token = text.split('name="bcapp-session" content="')[1].split('"')[0]
    body = f"_session={token}&alert_email=ops%40example.com&log_retention_days=14"
    conn.request("POST", "/app/settings/general", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    saved = conn.getresponse()
    assert saved.status == 200 and "Settings saved" in saved.read().decode()
    conn.close()
