"""Points 1 and 2 of issue 21: nothing runs before "Start syncing"; the last step previews the
first sync; the schedule and "Run now" start only flows that can run from there."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.jobs.schedule import due_flows, tick
from bcapp.models import Connection, Cursor, RunStatus, SyncRun, WebhookEvent
from bcapp.models.base import utcnow
from bcapp.sync.registry import FLOWS, load_flows
from tests.firsthour.conftest import pending
from tests.orders.conftest import World


def runs(world: World) -> list[SyncRun]:
    query = db.select(SyncRun).filter_by(store_id=world.store.id).order_by(SyncRun.id)
    return list(db.session.execute(query).scalars())


def test_nothing_writes_before_start_syncing(world: World) -> None:
    pending(world)
    world.product("A1")
    order_id = world.order("A1")  # a waiting order in an export status

    # the schedule queues nothing that writes; a run asked for anyway is not run
    assert [
        j for j in tick() if f"store-{world.store.id}-" in j.id and "webhooks" not in j.id
    ] == []
    for flow in ("catalog", "stock", "orders"):
        run = world.run(flow)
        assert run.status == RunStatus.CANCELLED and "Start syncing" in run.message
    # a webhook about the order exports nothing and writes no status back
    event = WebhookEvent(store_id=world.store.id, webhook_id="w1", content_hash="h1",
                         scope="store/order/created", resource_id=str(order_id),
                         payload={"data": {"type": "order", "id": order_id}})  # fmt: skip
    db.session.add(event)
    db.session.commit()
    from bcapp.jobs.events import handle_event_job

    assert handle_event_job(event.id) == "ignored"
    assert world.erp_orders() == [] and world.bc_order(order_id)["status_id"] == 11
    assert world.bc_store.products[world.skus["A1"]]["name"] == "Product A1"

    # a preview (dry run) is allowed: it writes nothing
    preview = world.run("catalog", dry_run=True)
    assert preview.status == RunStatus.SUCCEEDED

    world.store.setup_pending = False  # "Start syncing"
    db.session.commit()
    assert world.export(order_id).status == RunStatus.SUCCEEDED
    assert len(world.erp_orders(order_id)) == 1


def test_install_closes_the_gate_reinstall_too_but_a_reauthorisation_does_not(
    app: Any, client: Any
) -> None:
    import httpx

    from bcapp.models import Store
    from bcapp.signals import store_installed, store_uninstalled

    grant = {"access_token": "tok", "scope": "s", "context": "stores/gate1",
             "user": {"id": 7, "email": "o@x"}, "owner": {"id": 7, "email": "o@x"}}  # fmt: skip
    app.extensions["bcapp.login_transport"] = httpx.MockTransport(
        lambda request: httpx.Response(200, json=grant)
    )
    query = {"code": "c", "scope": "s", "context": "stores/gate1"}
    assert client.get("/bigcommerce/auth", query_string=query).status_code == 200
    store = db.session.execute(db.select(Store)).scalar_one()
    assert store.setup_pending  # a first install: nothing syncs until the merchant says so

    db.session.add(Connection(store_id=store.id, kind="afas", settings={}, secrets={}))
    store.setup_pending = False
    db.session.commit()
    store_installed.send(app, store=store)  # BigCommerce re-authorises (a scope change)
    assert not store.setup_pending
    store_uninstalled.send(app, store=store)
    assert store.setup_pending  # a reinstall confirms the setup again


def test_last_step_previews_the_first_sync_and_start_opens_the_gate(
    world: World, owner: Any
) -> None:
    pending(world)
    world.afas.add_article("A1", "Article A1", price="10")
    world.product("B2")
    waiting = world.order("B2")

    page = owner.get("/app").text
    assert "Setup is not finished: nothing is synced yet." in page
    assert "/app/setup/start" in page  # links back to the step that is left
    assert "Sync catalog now" not in page  # no "Run now" before the merchant says so

    step = owner.get("/app/setup/start").text
    assert f"#{waiting}" in step and "Awaiting Fulfillment" in step  # its current status
    assert "Start syncing" in step
    # the catalog preview is a dry run the page starts and then polls
    frag = owner.post("/app/setup/start/preview").text
    dry = db.session.execute(db.select(SyncRun).filter_by(dry_run=True)).scalar_one()
    assert dry.flow == "catalog" and 'hx-trigger="every 2s"' in frag
    world.run("catalog", dry_run=True, run_id=dry.id)
    frag = owner.get("/app/setup/start/preview").text
    assert "<td>Products</td>" in frag

    r = owner.post("/app/setup/start")
    assert r.status_code == 303 and "started=" in r.headers["Location"]
    db.session.refresh(world.store)
    assert not world.store.setup_pending
    queued = {run.flow for run in runs(world) if run.status == RunStatus.QUEUED}
    assert {"catalog", "orders", "webhooks"} <= queued  # the first runs start at once
    assert "Setup is not finished" not in owner.get("/app").text


def test_start_can_leave_the_waiting_orders_alone(world: World, owner: Any) -> None:
    pending(world)
    world.product("B2")
    waiting = world.order("B2")
    owner.post("/app/setup/start", {"skip_waiting": "1"})
    cursor = db.session.execute(db.select(Cursor).filter_by(flow="orders")).scalar_one()
    assert cursor.value
    run = world.run("orders")
    assert run.status == RunStatus.SUCCEEDED and world.erp_orders(waiting) == []


def test_every_flow_runs_from_the_schedule_and_run_now_or_only_from_its_record(
    world: World, owner: Any
) -> None:
    """Point 2: walk every registered flow through the tick and "Run now"."""
    load_flows()
    world.store.settings = {
        "flows": {name: True for name in ("catalog", "stock", "orders", "customers",
                                          "shipments", "refunds", "order_status")},
        # a merchant who saved the schedules: every group has a number, as the form posts
        "schedules": {"catalog": 60, "stock": 15, "orders": 5, "customers": 60,
                      "shipments": 15, "refunds": 60, "order_status": 15},
    }  # fmt: skip
    db.session.commit()
    connection = db.session.execute(db.select(Connection)).scalar_one()
    due = set(due_flows(world.store, connection, utcnow()))
    runnable = set(owner.get("/app").text.split('hx-post="/app/dashboard/run/')[1:])
    runnable = {chunk.split('"', 1)[0] for chunk in runnable}
    for name, flow in FLOWS.items():
        if flow.per_record:  # one order, customer or shipment: its event or Retry only
            assert name not in due, name
            assert owner.htmx_post(f"/app/dashboard/run/{name}").status_code == 404, name
            continue
        if name not in due:
            continue  # not for this ERP or these settings (stock_to_erp: the store leads)
        assert name in runnable, name
        run = world.run(name, trigger="schedule")
        assert run.status in (RunStatus.SUCCEEDED, RunStatus.FAILED), (name, run.message)
        assert "Unexpected error" not in run.message, (name, run.message)
    assert {"catalog", "stock", "orders", "shipments", "refunds", "order_status"} <= due


@pytest.mark.parametrize("name", ["customer_export", "shipment_export", "order_export"])
def test_per_record_flows_are_never_due_even_with_their_groups_scheduled(
    world: World, name: str
) -> None:
    load_flows()
    world.store.settings = {"schedules": {"customers": 1, "shipments": 1, "orders": 1},
                            "flows": {"customers": True, "shipments": True}}  # fmt: skip
    db.session.commit()
    later = utcnow() + timedelta(hours=2)
    jobs = tick(later)
    assert not [j for j in jobs if j.id.endswith(f"-{name}")]
