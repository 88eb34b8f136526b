"""Point 7 of issue 21: counts that add up, no "succeeded" over failures, the store's status
labels, a stable card order, human names, the app's own 404/500 pages, labelled log rows."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun
from bcapp.models.base import utcnow
from tests.orders.conftest import World


def run(world: World, flow: str, minutes_ago: int = 0, **fields: Any) -> SyncRun:
    when = utcnow() - timedelta(minutes=minutes_ago)
    row = SyncRun(store_id=world.store.id, flow=flow, created_at=when, finished_at=when,
                  status=RunStatus.SUCCEEDED, **fields)  # fmt: skip
    db.session.add(row)
    db.session.commit()
    return row


def visible(html: str) -> str:
    """The page's text as a merchant reads it (tags and attributes dropped)."""
    body = html.split("<body", 1)[1]
    return re.sub(r"<script.*?</script>|<[^>]+>", " ", body, flags=re.S)


def cards(html: str) -> list[str]:
    return [chunk.split('"', 1)[0] for chunk in html.split('data-card="')[1:]]


def test_counts_add_up_and_failures_are_not_called_succeeded(world: World, owner: Any) -> None:
    run(world, "orders", total=5, seen=10, created=5, failed=5,
        message="5 order(s) in an export status, 5 needed export.")  # fmt: skip
    frag = owner.get("/app/dashboard/runs").text
    assert "10 records: 5 created · 5 failed" in frag and "10 of 5" not in frag
    assert "finished, 5 failed" in frag and "badge--warning" in frag
    run(world, "catalog", seen=3, created=3, message="3 created")
    assert "3 records: 3 created" in owner.get("/app/dashboard/runs").text
    assert ">3 created<" not in owner.get("/app/dashboard/runs").text  # not said twice


def test_cards_keep_their_order_whatever_ran_last(world: World, owner: Any) -> None:
    run(world, "orders", minutes_ago=1)
    run(world, "catalog", minutes_ago=5)
    first = cards(owner.get("/app/dashboard/runs").text)
    run(world, "catalog")
    run(world, "webhooks")
    second = cards(owner.get("/app/dashboard/runs").text)
    assert first[:2] == ["catalog", "stock"] and second[: len(first)] == first


def test_human_names_for_flows_and_fields(world: World, owner: Any) -> None:
    run(world, "order_export", created=1, seen=1)
    run(world, "stock_to_erp", seen=0)
    page = visible(owner.get("/app").text)
    assert "Order export" in page and "order_export" not in page
    assert "Stock to the ERP" in page and "to erp" not in page
    catalog = owner.get("/app/settings/catalog").text
    assert "EAN (barcode)" in catalog and "> Ean<" not in catalog
    connection = owner.get("/app/settings").text
    assert "VAT rate field" in connection and "Vat rate field" not in connection


def test_order_statuses_by_the_stores_label(world: World, owner: Any) -> None:
    world.bc_store.status_labels[12] = "Check by hand"
    db.session.add(LogEntry(store_id=world.store.id, flow="order_export", direction="bc_to_erp",
                            entity="order", bc_id="108", outcome="skipped",
                            message="Order 108 is in status 12: not exported."))  # fmt: skip
    db.session.commit()
    page = owner.get("/app/activity").text
    assert "is in status “Check by hand (Manual Verification Required)”" in page
    assert "in status 12" not in page


def test_log_rows_name_records_as_the_merchant_knows_them(world: World, owner: Any) -> None:
    rows = [
        ("customer", "1:anna@example.com", "10001"),
        ("stock", "77", "60000001"),
        ("order", "108", "600012"),
        ("shipment", "108:5", "PS-9"),
    ]
    for entity, bc_id, erp_id in rows:
        db.session.add(LogEntry(store_id=world.store.id, direction="bc_to_erp", entity=entity,
                                bc_id=bc_id, erp_id=erp_id, outcome="created"))  # fmt: skip
    db.session.commit()
    page = owner.get("/app/activity").text
    assert "anna@example.com" in page and "1:anna@example.com" not in page
    assert "SKU 60000001" in page and "Order #108" in page and "Shipment of order #108" in page
    assert "overflow-wrap: anywhere" not in owner.client.get("/static/app.css").text


def test_the_apps_own_404_and_500_pages(world: World, owner: Any, app: Any, monkeypatch) -> None:
    page = owner.get("/app/activity/999999")
    assert page.status_code == 404
    assert "This page does not exist" in page.text and "Activity log" in page.text  # layout
    bare = owner.client.get("/no/such/page")
    assert bare.status_code == 404 and "This page does not exist" in bare.text
    assert "Werkzeug" not in bare.text and "<title>404 Not Found" not in bare.text

    import bcapp.web.activity as activity

    def broken(store_id: int) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr(activity, "entities", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = owner.get("/app/activity")
    assert r.status_code == 500 and "Something went wrong on our side" in r.text
    assert "boom" not in r.text


def test_a_page_no_view_handles_still_shows_the_apps_tabs_when_signed_in(
    world: World, owner: Any
) -> None:
    r = owner.get("/app/no-such-page")
    assert r.status_code == 404 and 'aria-label="Sections"' in r.text
    assert "go to the dashboard" in r.text
