"""Point 8 of issue 21: an unchanged record is counted on its run, not written as a log row;
a run of unchanged stock writes the same handful of rows for 500 SKUs as for 2,000 (the
100,000-SKU figure is measured by ``bench/unchanged_stock.py``). A preview and a run asked
for with ``show_unchanged`` still list every record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert

from bcapp.extensions import db
from bcapp.models import Binding, Connection, LogEntry, RunStatus
from bcapp.sync.records import payload_hash
from tests.orders.conftest import World

ON_HAND, RESERVED = 25, 3


def unchanged_stock(world: World, count: int, start: int = 0) -> None:
    """``count`` SKUs in AFAS whose BigCommerce stock was already set to what they have."""
    connection = db.session.execute(db.select(Connection)).scalar_one()
    digest = payload_hash({"quantity": ON_HAND - RESERVED, "location": 1})
    rows = []
    for i in range(start, start + count):
        sku = f"S{i:06d}"
        world.afas.set_stock(sku, "HOOFD", on_hand=ON_HAND, reserved=RESERVED)
        rows.append({"connection_id": connection.id, "entity": "sku", "bc_id": str(10_000 + i),
                     "erp_id": sku, "sync_hash": digest})  # fmt: skip
    db.session.execute(insert(Binding), rows)
    db.session.commit()


def rows_of(run: Any) -> int:
    query = db.select(func.count(LogEntry.id)).where(LogEntry.run_id == run.id)
    return int(db.session.execute(query).scalar() or 0)


def test_unchanged_stock_writes_a_constant_handful_of_rows(world: World) -> None:
    unchanged_stock(world, 500)
    small = world.run("stock")
    assert small.status == RunStatus.SUCCEEDED and small.unchanged == 500

    unchanged_stock(world, 1_500, start=500)
    large = world.run("stock")
    assert large.status == RunStatus.SUCCEEDED and large.unchanged == 2_000
    assert rows_of(large) == rows_of(small) <= 5  # counted on the run, not one row each


def test_a_preview_and_show_unchanged_list_every_record(world: World) -> None:
    unchanged_stock(world, 50)
    assert rows_of(world.run("stock", dry_run=True)) >= 50
    listed = world.run("stock", show_unchanged=True)
    assert listed.unchanged == 50 and rows_of(listed) >= 50


def test_changes_and_failures_are_still_logged_one_row_each(world: World) -> None:
    unchanged_stock(world, 20)
    world.afas.set_stock("S000003", "HOOFD", on_hand=7, reserved=0)  # a change
    world.afas.set_stock("NOT-IN-BC", "HOOFD", on_hand=1)  # skipped, with its reason
    run = world.run("stock")
    entries = db.session.execute(db.select(LogEntry).where(LogEntry.run_id == run.id)).scalars()
    by_sku = {e.erp_id: e.outcome for e in entries}
    assert by_sku.get("NOT-IN-BC") == "skipped"
    assert by_sku.get("S000003") in ("updated", "failed")  # BigCommerce was asked to change it
    assert "S000004" not in by_sku  # unchanged: counted only
    assert run.unchanged == 19


def test_a_run_lists_at_most_a_hundred_skipped_records_and_counts_the_rest(
    world: World,
) -> None:
    for i in range(130):
        world.afas.set_stock(f"GONE{i:03d}", "HOOFD", on_hand=1)  # not in BigCommerce
    run = world.run("stock")
    assert run.skipped == 130
    entries = list(
        db.session.execute(db.select(LogEntry).where(LogEntry.run_id == run.id)).scalars()
    )
    assert sum(e.outcome == "skipped" for e in entries) == 100
    assert any("30 more skipped records are counted" in e.message for e in entries)
    assert rows_of(world.run("stock", dry_run=True)) >= 130  # a preview lists them all


def test_the_log_offers_to_list_the_unchanged_records_of_a_run(world: World, owner: Any) -> None:
    unchanged_stock(world, 30)
    run = world.run("stock")
    page = owner.get("/app/activity", query_string={"run": run.id}).text
    assert "This run left 30 records unchanged." in page
    assert "Run stock again, listing every record" in page
    r = owner.htmx_post("/app/activity/list-unchanged/stock")
    assert r.status_code == 202 and "unchanged ones too" in r.text
    from bcapp.models import SyncRun

    queued = db.session.execute(
        db.select(SyncRun).filter_by(flow="stock", status=RunStatus.QUEUED)
    ).scalar_one()
    listed = world.run("stock", run_id=queued.id, show_unchanged=True)
    assert rows_of(listed) >= 30
