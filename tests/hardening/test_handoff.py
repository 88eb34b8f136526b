"""The webhook hand-off never strands an event (issue 15.1), in one process.

What a merchant would notice if this broke: a paid order that never reaches the ERP
until someone runs ``bcapp requeue-events`` by hand, or a job failing with RQ's
``InvalidJobOperation: Failed to retrieve status`` after two copies of it ran at once.
"""

from __future__ import annotations

import threading
import time

import pytest
from rq import Worker
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from bcapp.extensions import db, redis_ext
from bcapp.jobs import handoff
from bcapp.jobs.handoff import (
    Dispatcher,
    consumers_key,
    dispatch_pending,
    enqueue_events,
    handoff_key,
    lease_key,
    processing_key,
    recover_events,
    requeue_stored_events,
)
from bcapp.jobs.queues import event_job_id, queue
from bcapp.jobs.schedule import tick
from bcapp.jobs.worker import AppSimpleWorker
from bcapp.models import Store, WebhookEvent
from tests.conftest import base_config
from tests.webhooks.test_intake import deliver, payload

pytestmark = pytest.mark.redis


@pytest.fixture
def app_config(tmp_path, redis_url):
    return base_config(tmp_path, WEBHOOK_HANDOFF="list", EVENT_RECOVERY_SECONDS=0,
                       WORKER_LEASE_SECONDS=5)  # fmt: skip


@pytest.fixture
def store(app):
    s = Store(store_hash="abc123", access_token="tok", settings={}, webhook_secret="hook-secret")
    db.session.add(s)
    db.session.commit()
    return s


def events() -> list[WebhookEvent]:
    db.session.expire_all()
    return list(db.session.execute(db.select(WebhookEvent).order_by(WebhookEvent.id)).scalars())


def queued_ids() -> list[str]:
    return queue("orders").get_job_ids()


def stored(client, count: int) -> list[WebhookEvent]:
    for n in range(count):
        assert deliver(client, payload(order_id=500 + n)).status_code == 200
    return events()


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in the dispatcher."""


def test_a_dispatcher_killed_mid_hand_over_loses_nothing(client, app, store, monkeypatch):
    [event] = stored(client, 1)
    dead = Dispatcher(app, "dead-worker")

    def kill(point, dispatcher):
        raise Killed

    monkeypatch.setattr(handoff, "checkpoint_hook", kill)
    dead.beat()
    with pytest.raises(Killed):
        dead.step()
    monkeypatch.setattr(handoff, "checkpoint_hook", None)
    # The id left the hand-off list but is not lost: the dead dispatcher still holds it.
    assert redis_ext.client.llen(handoff_key()) == 0 and queued_ids() == []
    assert redis_ext.client.lrange(processing_key("dead-worker"), 0, -1) == [
        f"{store.id}:{event.id}".encode()
    ]

    assert dispatch_pending(app) == 0  # its lease still runs: nobody takes its ids yet
    redis_ext.client.delete(lease_key("dead-worker"))  # the lease runs out
    assert dispatch_pending(app) == 1
    assert queued_ids() == [event_job_id(store.id, event.id)]
    assert not redis_ext.client.exists(processing_key("dead-worker"))
    assert b"dead-worker" not in redis_ext.client.smembers(consumers_key())


def test_the_dispatcher_thread_keeps_its_lease_and_hands_over(client, app, store):
    dispatcher = Dispatcher(app, "live-worker").start()
    try:
        stored(client, 3)
        deadline = time.monotonic() + 5
        while len(queued_ids()) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(queued_ids()) == 3
        assert redis_ext.client.exists(lease_key("live-worker"))
    finally:
        dispatcher.stop()
    assert not redis_ext.client.exists(lease_key("live-worker"))  # a clean stop drops it


def test_requeue_leaves_live_jobs_alone_and_queues_exactly_what_it_reports(client, app, store):
    evs = stored(client, 3)
    dispatch_pending(app)
    assert requeue_stored_events(older_than=0) == 0  # all three are queued: nothing to do
    assert len(queued_ids()) == 3  # before: a second copy of each (and InvalidJobOperation)

    lost, gone = (event_job_id(store.id, e.id) for e in evs[:2])
    redis_ext.client.lrem(queue("orders").key, 0, lost)  # queued, but no longer in the queue
    Job.fetch(gone, connection=redis_ext.client).delete()  # no job at all
    result = app.test_cli_runner().invoke(args=["requeue-events", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    assert f"queued 2 events: {evs[0].id}, {evs[1].id}" in result.output
    assert "1 events left to the job that holds them" in result.output
    assert sorted(queued_ids()) == sorted(event_job_id(store.id, e.id) for e in evs)


def test_a_job_started_by_a_worker_that_died_is_queued_again(client, app, store):
    [event] = stored(client, 1)
    dispatch_pending(app)
    jid = event_job_id(store.id, event.id)
    redis_ext.client.lrem(queue("orders").key, 0, jid)
    redis_ext.client.hset(Job.key_for(jid), mapping={"status": "started", "worker_name": "w1"})
    Dispatcher(app, "w1", dispatch=False).beat()  # w1 keeps a lease: alive
    assert recover_events().queued == [] and queued_ids() == []

    redis_ext.client.delete(lease_key("w1"))  # w1 died: its lease ran out
    assert recover_events().queued == [event.id]
    assert queued_ids() == [jid]


def test_a_plain_rq_worker_counts_as_alive_while_rq_lists_it(client, app, store):
    [event] = stored(client, 1)
    dispatch_pending(app)
    jid = event_job_id(store.id, event.id)
    redis_ext.client.lrem(queue("orders").key, 0, jid)
    redis_ext.client.hset(Job.key_for(jid), mapping={"status": "started", "worker_name": "rqw"})
    key = Worker.redis_worker_namespace_prefix + "rqw"
    redis_ext.client.hset(key, "state", "busy")
    try:
        assert recover_events().queued == []
    finally:
        redis_ext.client.delete(key)
    assert recover_events().queued == [event.id]


def test_an_overdue_retry_is_queued_again(client, app, store):
    [event] = stored(client, 1)
    dispatch_pending(app)
    jid = event_job_id(store.id, event.id)
    q = queue("orders")
    job = Job.fetch(jid, connection=redis_ext.client)
    q.remove(job)
    ScheduledJobRegistry(queue=q).schedule(job, _ago(600))  # no scheduler promoted it
    job.set_status("scheduled")
    app.config["EVENT_RECOVERY_SECONDS"] = 60
    assert recover_events(older_than=0).queued == [event.id]
    assert queued_ids() == [jid] and ScheduledJobRegistry(queue=q).count == 0


def _ago(seconds: float):
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(seconds=seconds)


def test_the_tick_queues_an_event_redis_never_got(client, app, store, monkeypatch):
    """Redis refused the intake's hand-over: before, the event waited for an operator."""

    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(type(redis_ext.client), "lpush", refuse)
    [event] = stored(client, 1)
    monkeypatch.undo()
    assert redis_ext.client.llen(handoff_key()) == 0 and queued_ids() == []
    tick()
    assert queued_ids() == [event_job_id(store.id, event.id)]
    AppSimpleWorker([queue("orders")], connection=redis_ext.client).work(burst=True)
    assert events()[0].status != "received"


def test_an_event_whose_job_keeps_dying_is_given_up(client, app, store):
    [event] = stored(client, 1)
    jid = event_job_id(store.id, event.id)
    for _ in range(handoff.MAX_RECOVERIES):
        assert recover_events().queued == [event.id]
        Job.fetch(jid, connection=redis_ext.client).delete()  # its worker died with it
    report = recover_events()
    assert report.queued == [] and report.given_up == [event.id]
    assert events()[0].status == "failed" and "Given up" in events()[0].error


def test_concurrent_hand_overs_make_one_job_per_event(client, app, store):
    evs = stored(client, 20)
    pairs = [(e.id, e.store_id) for e in evs]
    barrier = threading.Barrier(8)

    def race():
        with app.app_context():
            barrier.wait()
            enqueue_events(pairs, thorough=True)

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(queued_ids()) == sorted(event_job_id(store.id, e.id) for e in evs)


@pytest.mark.parametrize("result_ttl", [0, None], ids=["result_ttl=0 (before)", "event jobs"])
def test_two_copies_of_one_job_at_once(app, redis_url, result_ttl, caplog):
    """The InvalidJobOperation of the probe: one job id in the queue twice, two workers.

    The copy finishes first and, with ``result_ttl=0``, RQ deletes the job's hash; the
    first execution then recreates it with only ``last_heartbeat``, and RQ's success
    handling (``handle_job_success`` → ``job.cleanup`` → ``delete``) cannot read its
    status. Event jobs keep their hash after success, so even a copy made by hand
    cannot break the worker; and the hand-off no longer makes such copies.
    """
    options = handoff.job_options() if result_ttl is None else {"result_ttl": 0}
    q = queue("orders")
    job = q.enqueue_call("tests.hardening.jobs.run_a_copy_meanwhile", job_id="twice", **options)
    q.connection.rpush(q.key, job.id)  # the copy, as a second enqueue of the same id made it
    AppSimpleWorker([q], connection=q.connection).work(burst=True)
    crashed = "InvalidJobOperation: Failed to retrieve status for job: twice" in caplog.text
    if result_ttl == 0:
        assert crashed  # RQ's success handling of the first execution
    else:
        assert not crashed and FailedJobRegistry(queue=q).count == 0
        assert Job.fetch(job.id, connection=q.connection).get_status() == "finished"
