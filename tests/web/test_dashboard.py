"""Dashboard: live run progress, daily counts, webhook health, rate budget, dry-run preview."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from bcapp.extensions import db
from bcapp.models import Connection, LogEntry, RunStatus, SyncRun, WebhookEvent
from bcapp.models.base import utcnow


@pytest.fixture
def app_config(tmp_path, redis_url):
    from tests.conftest import base_config

    return base_config(tmp_path, REDIS_URL=redis_url, RQ_QUEUE_PREFIX=f"t{uuid.uuid4().hex[:8]}-")


@pytest.fixture
def connected(store, afas):
    db.session.add(Connection(store_id=store.id, kind="afas", settings={}, secrets={}))
    db.session.commit()
    return store


def run(store, **kw):
    row = SyncRun(store_id=store.id, flow="catalog", **kw)
    db.session.add(row)
    db.session.commit()
    return row


def test_progress_bar_follows_the_run_and_polling_stops_when_done(session, connected):
    live = run(connected, status=RunStatus.RUNNING, total=200, seen=50, created=50)
    frag = session.get("/app/dashboard/runs").text
    assert 'aria-valuenow="25"' in frag and 'hx-trigger="every 2s"' in frag

    live.seen = 150
    db.session.commit()
    assert 'aria-valuenow="75"' in session.get("/app/dashboard/runs").text

    live.status, live.seen, live.finished_at = RunStatus.SUCCEEDED, 200, utcnow()
    db.session.commit()
    frag = session.get("/app/dashboard/runs").text
    assert 'aria-valuenow="100"' in frag and "every 2s" not in frag


def test_current_and_last_run_of_each_flow(session, connected):
    run(connected, status=RunStatus.FAILED, message="AFAS refused the token", finished_at=utcnow())
    run(connected, status=RunStatus.QUEUED)
    page = session.get("/app").text
    assert "badge--queued" in page and "last finished" in page and "(failed)" in page


def test_chart_counts_exported_orders_and_failures_per_day(session, connected):
    now = utcnow()
    for days, entity, outcome in [
        (0, "order", "created"), (0, "order", "created"), (0, "product", "failed"),
        (1, "order", "created"), (1, "order", "failed"), (0, "product", "created"),
        (30, "order", "created"),
    ]:  # fmt: skip
        db.session.add(
            LogEntry(store_id=connected.id, direction="bc_to_erp", entity=entity,
                     outcome=outcome, created_at=now - timedelta(days=days))
        )  # fmt: skip
    db.session.commit()
    page = session.get("/app").text
    data = json.loads(page.split('id="daily-chart-data">')[1].split("</script>")[0])
    assert len(data["labels"]) == 14 and data["labels"][-1] == now.date().isoformat()
    assert data["exported"][-1] == 2 and data["failed"][-1] == 1
    assert data["exported"][-2] == 1 and data["failed"][-2] == 1
    assert sum(data["exported"]) == 3
    assert "vendor/chart.umd.min.js" in page


def test_webhook_health_shows_last_delivery(session, connected):
    db.session.add(
        WebhookEvent(store_id=connected.id, webhook_id="w1", content_hash="h1",
                     scope="store/order/created", payload={}, status="failed")
    )  # fmt: skip
    db.session.add(
        SyncRun(store_id=connected.id, flow="webhooks", status=RunStatus.SUCCEEDED,
                message="All 6 webhooks are active.", finished_at=utcnow())
    )  # fmt: skip
    db.session.commit()
    page = session.get("/app").text
    assert "store/order/created" in page and "1 deliveries" in page and "1 failed" in page
    assert "All 6 webhooks are active." in page


def test_rate_budget_in_use_is_shown(session, connected, app):
    from bcapp.bigcommerce.budget_redis import budget_for
    from bcapp.bigcommerce.ratelimit import RateLimitHeaders
    from bcapp.extensions import key_prefix, redis_ext

    budget = budget_for(connected.store_hash, redis_ext.client, namespace=key_prefix())
    redis_ext.client.delete(budget.key)
    assert "No API calls measured yet" in session.get("/app").text
    budget.observe(RateLimitHeaders(left=120, reset_ms=12000, quota=150, window_ms=30000))
    page = session.get("/app").text
    assert "30 of 150 requests used" in page and 'aria-valuenow="30"' in page
    redis_ext.client.delete(budget.key)


def test_dry_run_button_queues_a_catalog_dry_run_and_shows_field_differences(session, connected):
    r = session.htmx_post("/app/dashboard/dry-run")
    assert r.status_code == 200, r.text
    assert "notice--error" not in r.text, r.text
    queued = db.session.execute(db.select(SyncRun)).scalar_one()
    assert queued.flow == "catalog" and queued.dry_run and queued.status == "queued"
    assert 'hx-trigger="every 2s"' in r.text  # the table refreshes while it runs

    queued.status, queued.finished_at = RunStatus.SUCCEEDED, utcnow()
    db.session.add(
        LogEntry(store_id=connected.id, run_id=queued.id, direction="erp_to_bc",
                 entity="product", erp_id="A0001", bc_id="12", outcome="updated",
                 details={"changes": {"price": {"from": "10.00", "to": "12.50"}}})
    )  # fmt: skip
    db.session.commit()
    frag = session.get("/app/dashboard/dry-run").text
    assert "Product A0001" in frag and "Price" in frag and "10.00" in frag and "12.50" in frag
    assert "every 2s" not in frag


def test_run_now_queues_enabled_flows_only(session, connected):
    from bcapp.mapping.rules import with_section

    page = session.get("/app").text
    assert "Sync catalog now" in page and "Sync stock now" in page

    r = session.htmx_post("/app/dashboard/run/catalog")
    assert r.status_code == 200 and 'hx-trigger="every 2s"' in r.text
    run = db.session.execute(db.select(SyncRun)).scalar_one()
    assert (run.flow, run.status, run.trigger) == ("catalog", "queued", "manual")

    connected.settings = with_section(connected.settings, "flows", {"stock": False})
    db.session.commit()
    assert "Sync stock now" not in session.get("/app").text
    assert session.htmx_post("/app/dashboard/run/stock").status_code == 404
    assert session.htmx_post("/app/dashboard/run/retry").status_code == 404


def test_enabled_flows_that_never_ran_have_a_card_and_many_order_runs_hide_nothing(
    session, connected
):
    page = session.get("/app").text
    assert 'aria-label="Stock"' in page and "not run yet" in page
    run(connected, status=RunStatus.SUCCEEDED, finished_at=utcnow(), message="catalog done")
    for _ in range(310):
        db.session.add(SyncRun(store_id=connected.id, flow="order_export",
                               status=RunStatus.SUCCEEDED, finished_at=utcnow()))  # fmt: skip
    db.session.commit()
    frag = session.get("/app/dashboard/runs").text
    assert "catalog done" in frag and 'aria-label="Order export"' in frag
