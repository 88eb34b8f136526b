"""Points 5, 12 and 13 of issue 21: failures show where the merchant looks (alerts configured
or not), the Alerts card says what is off and sends a test; bulk retry; full resync."""

from __future__ import annotations

from typing import Any

import httpx

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun
from tests.orders.conftest import World


def test_needs_attention_lists_failed_runs_and_orders_without_any_alerts(
    world: World, owner: Any
) -> None:
    world.product("A1")
    order_id = world.order("A1", lines=[{"product_id": world.skus["A1"], "quantity": 1}])
    world.afas.reject_next_write("Debiteur 10001 is geblokkeerd.")
    world.export(order_id)
    message = "AFAS: GetConnector BCApp_CreditInvoices bestaat niet"
    db.session.add(SyncRun(store_id=world.store.id, flow="refunds", status=RunStatus.FAILED,
                           message=message))  # fmt: skip
    db.session.commit()

    page = owner.get("/app").text
    attention = page.split('id="attention"')[1].split("</section>")[0]
    assert f"Order #{order_id}" in attention and "geblokkeerd" in attention
    assert "Refunds: the last run failed" in page
    # alerts are off, and the card says why instead of "no failures waiting"
    assert "this server has no SMTP server (SMTP_HOST) set up" in page
    assert "no webhook URL is set in General settings" in page
    assert "No failures waiting to be reported" not in page

    world.set_status(order_id, 11)
    world.export(order_id)  # fixed: exported now
    page = owner.get("/app").text
    assert f"Order #{order_id}" not in page.split('id="attention"')[1].split("</section>")[0]


def test_send_a_test_alert(world: World, owner: Any, app: Any) -> None:
    sent: list[Any] = []
    app.extensions["bcapp.alert_transport"] = httpx.MockTransport(
        lambda request: sent.append(request.read()) or httpx.Response(204)
    )
    from bcapp.mapping.rules import with_section

    hook = {"alert_webhook_url": "https://hooks.example.com/x"}
    world.store.settings = with_section(world.store.settings, "general", hook)
    db.session.commit()
    page = owner.get("/app").text
    assert "on, to hooks.example.com" in page or "to hooks.example.com" in page
    r = owner.htmx_post("/app/dashboard/test-alert")
    assert "Webhook: test alert sent" in r.text
    assert sent and b"Test alert" in sent[0]


def failed(world: World, bc_id: str, run: SyncRun | None = None) -> LogEntry:
    entry = LogEntry(store_id=world.store.id, run_id=run.id if run else None, flow="orders",
                     direction="bc_to_erp", entity="order", bc_id=bc_id, outcome="failed",
                     message="AFAS said no")  # fmt: skip
    db.session.add(entry)
    db.session.commit()
    return entry


def test_bulk_retry_selected_entries_and_every_failure_of_a_run(world: World, owner: Any) -> None:
    run = SyncRun(store_id=world.store.id, flow="orders", status=RunStatus.SUCCEEDED, failed=3)
    db.session.add(run)
    db.session.commit()
    a, b, c = (failed(world, str(i), run) for i in (501, 502, 503))
    failed(world, "501", run)  # the same order failed twice: retried once
    page = owner.get("/app/activity", query_string={"run": run.id}).text
    assert "Retry selected" in page and "Retry all 3 failed of this run" in page

    r = owner.htmx_post("/app/activity/retry", [("entry", str(a.id)), ("entry", str(b.id))])
    assert r.status_code == 202 and "2 retries queued" in r.text
    r = owner.htmx_post("/app/activity/retry", {"run": str(run.id)})
    assert "3 retries queued" in r.text
    retries = db.session.execute(db.select(SyncRun).filter_by(flow="retry")).scalars().all()
    assert {r.status for r in retries} == {RunStatus.QUEUED} and len(retries) == 3
    assert c.id  # one retry per record, whatever the number of its failures


def test_full_resync_shows_the_dry_run_counts_then_asks(world: World, owner: Any) -> None:
    world.afas.seed(3)
    owner.htmx_post("/app/dashboard/run/catalog")
    world.run("catalog")
    assert "Full resync…" in owner.get("/app").text
    r = owner.htmx_post("/app/dashboard/resync/preview")
    preview = db.session.execute(db.select(SyncRun).filter_by(dry_run=True, full=True)).scalar_one()
    assert "nothing is written" in r.text
    world.run("catalog", dry_run=True, full=True, run_id=preview.id)
    frag = owner.get("/app/dashboard/resync").text
    assert "A full resync would" in frag and "unchanged" in frag
    assert "Resync everything now" in frag
    assert owner.htmx_post("/app/dashboard/resync").status_code == 409  # not confirmed
    r = owner.htmx_post("/app/dashboard/resync", {"confirm": "1"})
    assert "Full resync queued" in r.text
    queued = db.session.execute(
        db.select(SyncRun).filter_by(flow="catalog", full=True, dry_run=False)
    ).scalar_one()
    assert queued.status == RunStatus.QUEUED
