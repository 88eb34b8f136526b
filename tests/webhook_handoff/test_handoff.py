"""WEBHOOK_HANDOFF = "list": the intake pushes event ids, the workers' dispatcher makes the jobs.

What a merchant would notice if this broke: an order paid in the store never
reaching the ERP (an id stuck in the list, or lost between list and queue), or
exported twice (a re-delivery making a second job).
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from bcapp.extensions import db, redis_ext
from bcapp.jobs.events import requeue_stored_events
from bcapp.jobs.queues import event_job_id, queue
from bcapp.jobs.worker import BackgroundWorker, dispatch_forever, dispatch_pending
from bcapp.models import Store, WebhookEvent
from bcapp.web.webhooks import enqueue_event, handoff_key
from tests.conftest import base_config
from tests.webhooks.test_intake import deliver, payload


@pytest.fixture
def app_config(tmp_path, redis_url):
    # Our own queue prefix: other test runs share this Redis database.
    prefix = f"handoff-{uuid.uuid4().hex[:8]}-"
    return base_config(tmp_path, WEBHOOK_HANDOFF="list", RQ_QUEUE_PREFIX=prefix)


@pytest.fixture
def store(app):
    s = Store(store_hash="abc123", access_token="tok", settings={}, webhook_secret="hook-secret")
    db.session.add(s)
    db.session.commit()
    yield s
    keys = list(redis_ext.client.scan_iter(f"*{app.config['RQ_QUEUE_PREFIX']}*"))
    if keys:
        redis_ext.client.delete(*keys)


def job_ids() -> list[str]:
    return queue("orders").get_job_ids()


def test_delivery_waits_in_the_list_until_dispatched(client, app, store):
    assert deliver(client, payload()).status_code == 200
    event = db.session.execute(db.select(WebhookEvent)).scalar_one()
    assert redis_ext.client.lrange(handoff_key(), 0, -1) == [f"{store.id}:{event.id}".encode()]
    assert job_ids() == []  # nothing of RQ in the request

    assert dispatch_pending(app) == 1
    job = queue("orders").fetch_job(event_job_id(store.id, event.id))
    assert job is not None and job.func_name == "bcapp.jobs.events.handle_event_job"
    assert job.args == (event.id,)
    assert redis_ext.client.llen(handoff_key()) == 0


def test_a_redelivery_is_not_handed_over_twice(client, app, store):
    body = payload()
    for msg in ("msg_1", "msg_1", "msg_2"):
        assert deliver(client, body, webhook_id=msg).status_code == 200
    assert redis_ext.client.llen(handoff_key()) == 1
    dispatch_pending(app)
    assert len(job_ids()) == 1


def test_the_dispatcher_thread_enqueues_as_events_arrive(client, app, store):
    stop = threading.Event()
    thread = threading.Thread(target=dispatch_forever, args=(app, stop), daemon=True)
    thread.start()
    try:
        for n in range(3):
            assert deliver(client, payload(order_id=300 + n)).status_code == 200
        deadline = time.monotonic() + 5
        while len(job_ids()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(job_ids()) == 3
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_an_id_lost_between_list_and_queue_is_requeued_by_reconciliation(client, app, store):
    assert deliver(client, payload()).status_code == 200
    redis_ext.client.delete(handoff_key())  # the dispatcher popped it and died
    assert job_ids() == []
    assert requeue_stored_events(store.id, older_than=0) == 1
    event = db.session.execute(db.select(WebhookEvent)).scalar_one()
    assert job_ids() == [event_job_id(store.id, event.id)]


def test_background_worker_dispatches_and_runs_the_event(client, app, store):
    assert deliver(client, payload(scope="store/cart/created")).status_code == 200  # ignored scope
    worker = BackgroundWorker(app, poll=0.05, tick_every=0).start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            db.session.expire_all()
            if db.session.execute(db.select(WebhookEvent.status)).scalar_one() != "received":
                break
            time.sleep(0.05)
    finally:
        worker.stop()
    assert db.session.execute(db.select(WebhookEvent.status)).scalar_one() == "ignored"
    assert redis_ext.client.llen(handoff_key()) == 0


def test_enqueue_event_makes_a_job_rq_can_run(app, store):
    """The one-pipeline enqueue writes a complete RQ job (status, origin, function)."""
    event = WebhookEvent(store_id=store.id, webhook_id="m", content_hash="c", scope="store/x",
                         resource_id="1", payload={"scope": "store/x"})  # fmt: skip
    db.session.add(event)
    db.session.commit()
    assert enqueue_event(event)
    job = queue("orders").fetch_job(event_job_id(store.id, event.id))
    assert job.get_status() == "queued" and job.origin == queue("orders").name
    from bcapp.jobs.worker import AppSimpleWorker

    AppSimpleWorker([queue("orders")], connection=redis_ext.client).work(burst=True)
    db.session.expire_all()
    assert db.session.get(WebhookEvent, event.id).status == "ignored"
