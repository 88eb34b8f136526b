"""Group commit: concurrent deliveries share one INSERT, each still gets its own answer.

Real PostgreSQL throughout. Batching is made certain, not left to timing, by holding
the first leader at a gate until the other requests are queued behind it.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from bcapp.web.group_commit import GroupCommit, Row, Unstorable
from bcapp.web.pg_writer import PgWriter

pytestmark = pytest.mark.postgres


@pytest.fixture
def database(fresh_pg_url: str) -> str:
    with psycopg.connect(fresh_pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE stores (id serial PRIMARY KEY)")
        conn.execute("INSERT INTO stores DEFAULT VALUES")
        conn.execute(
            "CREATE TABLE webhook_events (id serial PRIMARY KEY, "
            "store_id int NOT NULL REFERENCES stores(id) ON DELETE CASCADE, "
            "webhook_id varchar(128) NOT NULL, content_hash varchar(64) NOT NULL, "
            "scope varchar(128) NOT NULL, resource_id varchar(64) NOT NULL, "
            "payload json NOT NULL, status varchar(16) NOT NULL, error text NOT NULL, "
            "received_at timestamptz NOT NULL, processed_at timestamptz, "
            "UNIQUE (store_id, webhook_id), UNIQUE (store_id, content_hash))"
        )
    return fresh_pg_url


def row(webhook_id: str, content: str | None = None, store_id: int = 1, **extra: Any) -> Row:
    return Row(
        store_id=store_id,
        webhook_id=webhook_id,
        content_hash=content or uuid.uuid4().hex,
        scope=extra.get("scope", "store/order/created"),
        resource_id="101",
        payload_json=extra.get("payload_json", '{"scope": "store/order/created", "n": "é"}'),
        received_at=datetime.now(UTC),
    )


class GatedWriter:
    """The real PgWriter, but the first batch waits at a gate (to let a queue form)."""

    def __init__(self, dsn: str) -> None:
        self.real = PgWriter(dsn)
        self.gate = threading.Event()
        self.sizes: list[int] = []

    def __call__(self, rows: Sequence[Row]) -> list[Any]:
        if not self.sizes:
            self.gate.wait(10)
        self.sizes.append(len(rows))
        return self.real(rows)


def submit_all(commit: GroupCommit, rows: list[Row], writer: GatedWriter) -> list[Any]:
    """Submit each row from its own thread; once all but the leader wait, open the gate."""
    results: list[Any] = [None] * len(rows)

    def run(i: int) -> None:
        try:
            results[i] = commit.submit(rows[i])
        except Exception as exc:  # the test inspects what each request got
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(rows))]
    threads[0].start()
    while commit._leaders == 0:  # the first request leads and waits at the gate
        threading.Event().wait(0.001)
    for t in threads[1:]:
        t.start()
    while len(commit._pending) < len(rows) - 1:
        threading.Event().wait(0.001)
    writer.gate.set()
    for t in threads:
        t.join(10)
    return results


def stored(dsn: str) -> list[tuple[int, str, str]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT id, webhook_id, payload::text FROM webhook_events ORDER BY id"
        ).fetchall()


def test_concurrent_deliveries_share_one_insert_and_each_gets_its_answer(database):
    writer, handed = GatedWriter(database), []
    commit = GroupCommit(writer, handed.extend)
    rows = [row(f"msg_{i}") for i in range(12)]
    rows += [row("msg_3", rows[3].content_hash)]  # BigCommerce's retry of delivery 3
    rows += [row("msg_other", rows[5].content_hash)]  # same event under another webhook-id

    results = submit_all(commit, rows, writer)

    assert writer.sizes == [1, 13]  # the leader's own row, then everyone who queued meanwhile
    ids = results[:12]
    assert all(isinstance(i, int) for i in ids) and len(set(ids)) == 12
    assert results[12:] == [None, None]  # duplicates: answered, not stored again
    assert [r[1] for r in stored(database)] == [f"msg_{i}" for i in range(12)]
    assert sorted(handed) == sorted((i, 1) for i in ids)  # each new event handed over once


def test_payload_is_stored_as_received(database):
    commit = GroupCommit(PgWriter(database), lambda events: None)
    body = '{"scope":"store/order/created","data":{"id":7,"note":"a \\"quoted\\" ü"}}'
    commit.submit(row("msg_body", payload_json=body))
    assert stored(database)[0][2] == body


def test_a_row_postgresql_refuses_fails_alone(database):
    writer, handed = GatedWriter(database), []
    commit = GroupCommit(writer, handed.extend)
    rows = [row("good_0"), row("orphan", store_id=999), row("good_1"), row("good_2")]

    results = submit_all(commit, rows, writer)

    assert isinstance(results[1], psycopg.errors.ForeignKeyViolation)
    assert all(isinstance(results[i], int) for i in (0, 2, 3))
    assert sorted(r[1] for r in stored(database)) == ["good_0", "good_1", "good_2"]


def test_values_postgresql_will_not_store_are_refused_as_unstorable(database):
    """A DataError (here a webhook id longer than its column) reaches the request as
    Unstorable, which the intake answers 400 without knowing the driver; the rest of
    the batch is stored."""
    writer = GatedWriter(database)
    commit = GroupCommit(writer, lambda events: None)
    rows = [row("good_0"), row("w" * 200), row("good_1")]

    results = submit_all(commit, rows, writer)

    assert isinstance(results[1], Unstorable)
    assert str(results[1]) == "StringDataRightTruncation"
    assert isinstance(results[1].__cause__, psycopg.DataError)
    assert sorted(r[1] for r in stored(database)) == ["good_0", "good_1"]
    alone = GroupCommit(PgWriter(database), lambda events: None)
    with pytest.raises(Unstorable):
        alone.submit(row("v" * 200))  # a batch of one raises it directly
    with pytest.raises(psycopg.errors.ForeignKeyViolation) as other:
        alone.submit(row("orphan", store_id=999))  # not a value refusal: raised as it is
    assert other.value.__cause__ is not other.value


def test_a_dropped_connection_is_replaced(database):
    writer = PgWriter(database)
    commit = GroupCommit(writer, lambda events: None)
    assert isinstance(commit.submit(row("before")), int)
    with psycopg.connect(database, autocommit=True) as admin:
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    assert killed == [(True,)]
    assert isinstance(commit.submit(row("after")), int)
    assert [r[1] for r in stored(database)] == ["before", "after"]
    writer.close()


def test_database_down_reaches_every_request_of_the_batch(database):
    writer = GatedWriter(database.rsplit("/", 1)[0] + "/no_such_database_here")
    commit = GroupCommit(writer, lambda events: pytest.fail("nothing was stored"))
    results = submit_all(commit, [row(f"m{i}") for i in range(4)], writer)
    assert all(isinstance(r, psycopg.OperationalError) for r in results)
    # and the commit is usable again afterwards (no leader left stuck)
    assert commit._leaders == 0 and commit._pending == []
