"""SyncContext wiring: the BigCommerce client reaches the sandbox through the app's transport,
shares a Redis budget per store, and a revoked token pauses the store through the runner."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bcapp.extensions import db
from bcapp.jobs.queues import job_id, queue
from bcapp.models import LogEntry, RunStatus, StoreStatus
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sync import BC_TRANSPORT, ERP_TRANSPORT, Outcome, run_flow
from bcapp.sync.context import SyncContext
from tests.conftest import CLIENT_ID, CLIENT_SECRET

pytestmark = pytest.mark.redis


@pytest.fixture
def sandbox(app: Any, store: Any, rds: Any) -> Any:
    sb = BigCommerceSandbox(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                            clock=SandboxClock(speed=0))  # fmt: skip
    remote = sb.create_store(store.store_hash)
    store.access_token = remote.access_token
    db.session.commit()
    app.extensions[BC_TRANSPORT] = httpx.WSGITransport(app=sb.wsgi_app)
    yield sb
    app.extensions.pop(BC_TRANSPORT, None)
    rds.delete(f"bcapp:bc:budget:{app.config['RQ_QUEUE_PREFIX']}{store.store_hash}")


def test_the_bigcommerce_client_talks_to_the_sandbox_and_a_revoked_token_pauses(
    app, rds, store, sandbox, flows
):
    @flows("test_store_info", needs_connection=False)
    def store_info(ctx: SyncContext) -> None:
        info = ctx.store.client.store.info()
        ctx.record(Outcome.UNCHANGED, "store", ctx.install.store_hash, None, info.get("name", ""))

    run = run_flow(store.id, "test_store_info")
    assert run.status == RunStatus.SUCCEEDED and run.unchanged == 1
    key = f"bcapp:bc:budget:{app.config['RQ_QUEUE_PREFIX']}{store.store_hash}"
    assert rds.exists(key)  # the budget is shared in Redis, under the deployment's prefix
    sandbox.revoke_token(store.access_token)
    waiting = queue("catalog").enqueue("builtins.print", job_id=job_id(store.id, "catalog"))
    run = run_flow(store.id, "test_store_info")
    db.session.refresh(store)
    assert run.status == RunStatus.FAILED
    assert store.status == StoreStatus.NEEDS_REAUTH and store.status_reason
    assert waiting.id not in queue("catalog").get_job_ids()  # it would only fail: cancelled


def test_the_connector_gets_the_apps_erp_transport_and_settings(app, rds, store, flows):
    transport = httpx.MockTransport(lambda request: httpx.Response(204))
    app.extensions[ERP_TRANSPORT] = transport
    seen: list[Any] = []

    @flows("test_connector")
    def uses_connector(ctx: SyncContext) -> None:
        seen.append(ctx.connector)
        assert ctx.connector is seen[0]  # built once per run

    try:
        run_flow(store.id, "test_connector")
    finally:
        app.extensions.pop(ERP_TRANSPORT, None)
    (connector,) = seen
    assert connector.transport is transport
    assert connector.settings == {"division": "1", "api_key": "erp-secret"}


def test_a_dry_run_cannot_write_to_bigcommerce_even_by_mistake(app, rds, store, sandbox, flows):
    from bcapp.sync import for_each

    @flows("test_careless", needs_connection=False)
    def careless(ctx: SyncContext) -> None:
        found = ctx.store.client.v3("GET", "/catalog/products")["data"]  # reads are fine
        ctx.note(f"{len(found)} products")
        client = ctx.store.client
        for_each(ctx, ["Shirt"], lambda name: client.v3("POST", "/catalog/products", json={
            "name": name, "type": "physical", "weight": 1, "price": 10}), entity="product",
            ids=lambda name: (None, name))  # fmt: skip

    run = run_flow(store.id, "test_careless", dry_run=True)
    assert (run.status, run.failed) == (RunStatus.SUCCEEDED, 1)
    entry = db.session.execute(db.select(LogEntry).filter_by(outcome="failed")).scalar_one()
    assert entry.message == "Dry run: refused to send POST " \
        f"/stores/{store.store_hash}/v3/catalog/products to BigCommerce."  # fmt: skip
    assert run_flow(store.id, "test_careless").failed == 0  # a real run does write
    run_flow(store.id, "test_careless", dry_run=True)
    notes = db.session.execute(db.select(LogEntry.message).filter_by(outcome="info")).scalars()
    assert list(notes) == ["0 products", "0 products", "1 products"]
