"""Retention: entries older than the store's setting go; recent ones and last runs stay."""

from __future__ import annotations

from datetime import timedelta

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun
from bcapp.models.base import utcnow
from tests.web.conftest import make_store


def add_entry(store, days_old, **kw):
    entry = LogEntry(
        store_id=store.id, direction="bc_to_erp", entity="order", bc_id="1", outcome="failed",
        request={"big": "payload"}, created_at=utcnow() - timedelta(days=days_old), **kw,
    )  # fmt: skip
    db.session.add(entry)
    return entry


def add_run(store, flow, days_old, status=RunStatus.SUCCEEDED):
    run = SyncRun(
        store_id=store.id, flow=flow, status=status, created_at=utcnow() - timedelta(days=days_old)
    )
    db.session.add(run)
    return run


def ages(store):
    rows = db.session.execute(db.select(LogEntry).filter_by(store_id=store.id)).scalars()
    return sorted(round((utcnow() - _aware(e.created_at)).days) for e in rows)


def _aware(value):
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_purge_honours_each_stores_retention(app):
    from bcapp.retention import purge_all

    short = make_store("short")
    short.settings = {"general": {"log_retention_days": 7}}
    default = make_store("default")  # 30 days
    for store in (short, default):
        for days in (1, 6, 8, 29, 31, 400):
            add_entry(store, days)
    db.session.commit()

    results = {r.store_hash: r.entries for r in purge_all()}

    assert results == {"short": 4, "default": 2}
    assert ages(short) == [1, 6]
    assert ages(default) == [1, 6, 8, 29]


def test_old_runs_go_but_each_flows_last_run_and_active_runs_stay(app):
    from bcapp.retention import purge_store

    store = make_store("s")
    old_orders = add_run(store, "orders", 90)
    newer_orders = add_run(store, "orders", 60)
    lone_stock = add_run(store, "products", 90)
    stuck = add_run(store, "customers", 90, status=RunStatus.RUNNING)
    newest = add_run(store, "customers", 1)
    db.session.commit()
    ids = {r.id for r in (old_orders, newer_orders, lone_stock, stuck, newest)}
    gone = old_orders.id

    purged = purge_store(store)

    left = set(db.session.execute(db.select(SyncRun.id)).scalars())
    assert purged.runs == 1 and left == ids - {gone}


def test_purge_logs_command(app):
    store = make_store("cli")
    add_entry(store, 45)
    add_entry(store, 2)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge-logs"])
    assert result.exit_code == 0, result.output
    assert "purged 1 log entries" in result.output
    assert ages(store) == [2]


def test_server_default_applies_until_the_store_chooses(app):
    from bcapp.retention import purge_store

    app.config["LOG_RETENTION_DAYS"] = 5
    store = make_store("srv")
    for days in (2, 6):
        add_entry(store, days)
    db.session.commit()
    assert purge_store(store).entries == 1
    store.settings = {"general": {"log_retention_days": 1}}
    db.session.commit()
    assert purge_store(store).entries == 1 and ages(store) == []
