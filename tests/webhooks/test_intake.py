"""POST /webhooks/bigcommerce: signatures, store secrets, validation, dedup and enqueueing."""

from __future__ import annotations

import base64
import json
import logging
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import redis
from standardwebhooks.webhooks import Webhook

from bcapp.extensions import db, redis_ext
from bcapp.jobs.queues import event_job_id, queue
from bcapp.jobs.worker import dispatch_pending
from bcapp.models import Store, WebhookEvent
from bcapp.web.webhooks import handoff_key
from tests.conftest import CLIENT_SECRET, base_config, clear_redis

SIGNER = Webhook(base64.b64encode(CLIENT_SECRET.encode()).decode())


def payload(order_id: int = 250, scope: str = "store/order/created", store_hash: str = "abc123"):
    return {
        "scope": scope,
        "store_id": "1001",
        "data": {"type": "order", "id": order_id},
        "hash": "d1d8ddc6f8e7c5c4a6d8b7f6e5d4c3b2a1f0e9d8",
        "created_at": 1_700_000_000 + order_id,
        "producer": f"stores/{store_hash}",
    }


def deliver(
    client,
    body,
    *,
    secret="hook-secret",
    store_hash="abc123",
    webhook_id=None,
    when=None,
    signer=SIGNER,
    extra=None,
):
    raw = body if isinstance(body, str) else json.dumps(body)
    msg_id = webhook_id or f"msg_{uuid.uuid4().hex}"
    ts = datetime.now(UTC) + (when or timedelta(0))  # offsets, so collection time doesn't matter
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(ts.timestamp())),
        "webhook-signature": signer.sign(msg_id, ts, raw),
        "X-Bcapp-Hook": f"{store_hash}.{secret}",
        "Content-Type": "application/json",
        **(extra or {}),
    }
    return client.post("/webhooks/bigcommerce", data=raw, headers=headers)


@pytest.fixture
def orders_queue(app, redis_url):
    q = queue("orders")
    q.empty()
    redis_ext.client.delete(handoff_key())
    yield q
    q.empty()
    redis_ext.client.delete(handoff_key())


def handed_over(app, orders_queue) -> list[str]:
    """The jobs the workers will run: the intake's RQ jobs, or (``WEBHOOK_HANDOFF=list``, the
    default) the ids an orders worker's dispatcher turns into those jobs, after it has."""
    if app.config["WEBHOOK_HANDOFF"] == "list":
        dispatch_pending(app)
    return orders_queue.get_job_ids()


@pytest.fixture
def store(app):
    s = Store(store_hash="abc123", access_token="tok", settings={}, webhook_secret="hook-secret")
    other = Store(
        store_hash="zzz999", access_token="tok2", settings={}, webhook_secret="other-secret"
    )
    db.session.add_all([s, other])
    db.session.commit()
    return s


@pytest.mark.parametrize("handoff", ["list", "rq"])
def test_valid_delivery_is_stored_and_enqueued(app, client, store, orders_queue, handoff):
    app.config["WEBHOOK_HANDOFF"] = handoff
    r = deliver(client, payload())
    assert r.status_code == 200
    event = db.session.execute(db.select(WebhookEvent)).scalar_one()
    assert (event.scope, event.resource_id, event.store_id) == (
        "store/order/created",
        "250",
        store.id,
    )
    pushed = redis_ext.client.lrange(handoff_key(), 0, -1)
    assert pushed == ([f"{store.id}:{event.id}".encode()] if handoff == "list" else [])
    assert handed_over(app, orders_queue) == [event_job_id(store.id, event.id)]
    job = orders_queue.fetch_job(event_job_id(store.id, event.id))
    assert job is not None and job.func_name == "bcapp.jobs.events.handle_event_job"
    assert job.args == (event.id,)


def test_retried_delivery_is_stored_once(app, client, store, orders_queue):
    body = payload()
    assert deliver(client, body, webhook_id="msg_1").status_code == 200
    assert deliver(client, body, webhook_id="msg_1").status_code == 200
    assert deliver(client, body, webhook_id="msg_2").status_code == 200  # same content
    assert db.session.query(WebhookEvent).count() == 1
    assert len(handed_over(app, orders_queue)) == 1


def test_distinct_events_of_one_order_are_kept(client, store, orders_queue):
    first, second = payload(), payload()
    second["created_at"] += 60  # a later update of the same order
    assert deliver(client, first).status_code == 200
    assert deliver(client, second).status_code == 200
    assert db.session.query(WebhookEvent).count() == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"when": timedelta(minutes=-6)}, id="stale"),
        pytest.param({"when": timedelta(minutes=6)}, id="future"),
        pytest.param(
            {"signer": Webhook(base64.b64encode(b"another-apps-secret").decode())}, id="wrong-key"
        ),
        pytest.param({"secret": "guessed"}, id="wrong-store-secret"),
        pytest.param({"secret": "other-secret", "store_hash": "zzz999"}, id="other-stores-secret"),
        pytest.param({"extra": {"webhook-signature": "v1,AAAA"}}, id="bad-signature"),
        pytest.param({"extra": {"webhook-signature": "garbage"}}, id="junk-signature"),
    ],
)
def test_forged_or_stale_delivery_is_refused_and_logged(
    client, store, orders_queue, kwargs, caplog
):
    caplog.set_level(logging.WARNING)
    r = deliver(client, payload(), **kwargs)
    assert r.status_code == 401
    assert db.session.query(WebhookEvent).count() == 0
    assert orders_queue.get_job_ids() == []
    assert "webhook refused (401)" in caplog.text


def test_missing_signature_headers_are_refused(client, store):
    r = client.post(
        "/webhooks/bigcommerce", json=payload(), headers={"X-Bcapp-Hook": "abc123.hook-secret"}
    )
    assert r.status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param("[1, 2]", id="not-object"),
        pytest.param(json.dumps({**payload(), "scope": None}), id="no-scope"),
        pytest.param(json.dumps({**payload(), "scope": "store/order/\u0000"}), id="nul-scope"),
        pytest.param(json.dumps({**payload(), "scope": "store/" + "x" * 130}), id="long-scope"),
        pytest.param(json.dumps({**payload(), "producer": "nobody"}), id="bad-producer"),
        pytest.param(json.dumps({**payload(), "data": "x"}), id="bad-data"),
    ],
)
def test_malformed_payload_is_answered_400_and_logged(client, store, body, caplog):
    caplog.set_level(logging.WARNING)
    r = deliver(client, body)
    assert r.status_code == 400
    assert "webhook refused (400)" in caplog.text
    assert db.session.query(WebhookEvent).count() == 0


def test_oversized_body_is_refused(client, store):
    body = {**payload(), "data": {"type": "order", "id": 1, "pad": "x" * 300_000}}
    assert deliver(client, body).status_code == 413


def test_uninstalled_store_is_refused(client, store):
    store.access_token = None
    db.session.commit()
    assert deliver(client, payload()).status_code == 401


def test_event_is_kept_when_redis_is_down(app, client, store):
    app.extensions["bcapp.redis"] = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2
    )
    r = deliver(client, payload())
    assert r.status_code == 200
    event = db.session.execute(db.select(WebhookEvent)).scalar_one()
    assert event.status == "received"


@pytest.fixture
def pg_app(tmp_path, fresh_pg_url):
    from bcapp import create_app

    app = create_app(base_config(tmp_path, DATABASE_URL=fresh_pg_url))
    with app.app_context():
        db.create_all()
        db.session.add(
            Store(store_hash="abc123", access_token="t", settings={}, webhook_secret="hook-secret")
        )
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()
    clear_redis(app)


def test_same_delivery_five_times_concurrently_is_stored_once(pg_app, redis_url):
    body, codes = payload(order_id=777), []
    start = threading.Barrier(5)

    def send(i: int) -> None:
        client = pg_app.test_client()
        start.wait()
        codes.append(deliver(client, body, webhook_id=f"msg_{i}").status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert codes == [200] * 5
    assert db.session.query(WebhookEvent).count() == 1
    assert len(handed_over(pg_app, queue("orders"))) == 1
