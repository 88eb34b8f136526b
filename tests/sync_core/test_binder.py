"""Bindings stay unique under races, on SQLite and PostgreSQL; hashes are stable."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

from bcapp import create_app
from bcapp.errors import RetryableSyncError
from bcapp.extensions import db
from bcapp.models import Binding, Connection, LogEntry
from bcapp.sync import Binder, payload_hash
from tests.conftest import base_config
from tests.sync_core.conftest import make_store, product


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request: Any, tmp_path: Any) -> Iterator[Any]:
    """The app on SQLite, and on PostgreSQL in a schema of its own (other suites share the DB)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("app")
        return
    pg_url = request.getfixturevalue("pg_url")
    schema = f"sync_core_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{pg_url}?options=-csearch_path%3D{schema}"
    application = create_app(base_config(tmp_path, DATABASE_URL=url))
    try:
        with application.app_context():
            db.create_all()
            yield application
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def connection_id(store: Any) -> int:
    return db.session.execute(db.select(Connection.id).filter_by(store_id=store.id)).scalar_one()


def count() -> int:
    return db.session.execute(db.select(db.func.count()).select_from(Binding)).scalar_one()


def insert_behind_our_back(bc_id: str, erp_id: str, connection_id: int) -> None:
    """Commit a binding on another connection, as a second worker would."""
    with db.engine.begin() as other:
        other.execute(
            Binding.__table__.insert().values(
                connection_id=connection_id, entity="order", bc_id=bc_id, erp_id=erp_id,
                synced_at=datetime.now(UTC),
            )
        )  # fmt: skip


def race(bc_id: str, erp_id: str, connection_id: int) -> Any:
    """Arrange for another worker to bind (bc_id, erp_id) just before our INSERT."""
    fired: list[bool] = []

    def before_insert(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT INTO bindings") and not fired:
            fired.append(True)
            insert_behind_our_back(bc_id, erp_id, connection_id)

    def done() -> None:
        event.remove(db.engine, "before_cursor_execute", before_insert)
        assert fired, "the other worker never got in"

    event.listen(db.engine, "before_cursor_execute", before_insert)
    return done


def test_bind_is_idempotent_and_refuses_a_second_partner(any_db_app):
    store = make_store()
    binder = Binder(connection_id(store))
    first = binder.bind("order", 100, "ERP-1", sync_hash="a")
    again = binder.bind("order", "100", "ERP-1", sync_hash="b")
    db.session.commit()
    assert first.id == again.id and again.sync_hash == "b" and count() == 1
    with pytest.raises(RetryableSyncError):
        binder.bind("order", 100, "ERP-2")
    with pytest.raises(RetryableSyncError):
        binder.bind("order", 101, "ERP-1")
    assert (
        binder.erp_id_for("order", 100) == "ERP-1" and binder.bc_id_for("order", "ERP-1") == "100"
    )
    assert Binder(connection_id(store) + 1).by_bc("order", 100) is None  # scoped to the connection


def test_a_lost_race_for_the_same_pair_is_already_bound(any_db_app):
    store = make_store()
    # Pending work before the collision must survive it. (On SQLite a writer holds the whole
    # database, so another worker cannot commit in between: there the race needs no pending work.)
    pending = db.engine.dialect.name == "postgresql"
    if pending:
        db.session.add(LogEntry(store_id=store.id, direction="app", entity="order", outcome="info"))
    done = race("200", "ERP-9", connection_id(store))
    try:
        binding = Binder(connection_id(store)).bind("order", 200, "ERP-9", sync_hash="h")
    finally:
        done()
    db.session.commit()
    assert count() == 1 and binding.sync_hash == "h"
    logged = db.session.execute(db.select(db.func.count()).select_from(LogEntry)).scalar_one()
    assert logged == int(pending)  # the collision cost none of the pending work


def test_a_lost_race_against_another_pair_is_retryable_never_a_duplicate(any_db_app):
    store = make_store()
    done = race("300", "ERP-OTHER", connection_id(store))
    try:
        with pytest.raises(RetryableSyncError, match="collides"):
            Binder(connection_id(store)).bind("order", 300, "ERP-MINE")
    finally:
        done()
    db.session.commit()
    rows = db.session.execute(db.select(Binding.bc_id, Binding.erp_id)).all()
    assert [tuple(r) for r in rows] == [("300", "ERP-OTHER")]


def test_rebind_moves_a_record_to_its_new_id(app):
    store = make_store()
    binder = Binder(connection_id(store))
    binder.bind("product", 10, "A")
    binder.bind("product", 11, "B")
    binder.rebind("product", 11, "A")  # A was re-created in BigCommerce and got id 11
    db.session.commit()
    assert binder.all("product").keys() == {"A"} and binder.bc_id_for("product", "A") == "11"
    assert binder.unbind("product", erp_id="A") and count() == 0


def test_dry_run_binder_reads_but_never_writes(app):
    store = make_store()
    Binder(connection_id(store)).bind("product", 1, "A")
    dry = Binder(connection_id(store), dry_run=True)
    assert dry.by_erp("product", "A") is not None
    dry.bind("product", 2, "B")
    dry.unbind("product", erp_id="A")
    db.session.commit()
    assert count() == 1


def test_refs_carry_what_a_write_needs_and_their_hashes_are_set_in_one_update(any_db_app):
    """Stock holds thousands of bindings while requests are in flight: as plain refs, and
    their hashes are written by id (a dry run writes none)."""
    store = make_store()
    binder = Binder(connection_id(store))
    for n in range(3):
        binder.bind("sku", 100 + n, f"S{n}", sync_hash="old")
    binder.bind("sku", 200, "T0", sync_hash="old")
    db.session.commit()

    refs = binder.refs_by_erp("sku", ["S0", "S2", "S9"])
    assert sorted(refs) == ["S0", "S2"]
    assert (refs["S2"].bc_id, refs["S2"].sync_hash) == ("102", "old")

    Binder(connection_id(store), dry_run=True).set_hashes([(refs["S0"], "dry")])
    binder.set_hashes([(refs["S0"], "new0"), (refs["S2"], "new2")])
    db.session.commit()
    db.session.expire_all()
    hashes = {b.erp_id: b.sync_hash for b in binder.all("sku").values()}
    assert hashes == {"S0": "new0", "S1": "old", "S2": "new2", "T0": "old"}


def test_payload_hash_is_stable():
    a = {"price": Decimal("10.50"), "name": "Shirt", "at": datetime(2026, 1, 1, 12, tzinfo=UTC)}
    b = {"at": datetime(2026, 1, 1, 13, tzinfo=timezone(timedelta(hours=1))), "name": "Shirt",
         "price": Decimal("10.5")}  # fmt: skip
    assert payload_hash(a) == payload_hash(b)
    assert payload_hash(a) != payload_hash({**a, "price": Decimal("10.51")})
    assert payload_hash(product("1")) == payload_hash(product("1"))
    assert payload_hash(product("1")) != payload_hash(product("1", price="11"))
    assert Binder.unchanged(None, payload_hash(a)) is False
