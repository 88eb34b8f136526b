"""The runner with small real flows: counts, log entries, the error tree, cursors, dry runs."""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.errors import (
    ConfigError,
    FatalSyncError,
    ReauthorizationRequired,
    RetryableSyncError,
    SkipRecord,
)
from bcapp.extensions import db
from bcapp.models import (
    Binding,
    Connection,
    Cursor,
    LogEntry,
    RunStatus,
    Store,
    StoreStatus,
    SyncRun,
)
from bcapp.sync import Outcome, for_each, payload_hash, run_flow
from bcapp.sync.context import SyncContext
from bcapp.sync.runner import open_run
from tests.sync_core.conftest import make_store, product

pytestmark = pytest.mark.redis


def sync_products(ctx: SyncContext, **options: Any) -> None:
    """A miniature catalog flow: create, update or leave each product, batch by batch."""
    for batch in ctx.connector.fetch_products(ctx.load_cursor()):
        ctx.add_total(len(batch.records))
        for_each(ctx, batch.records, lambda p: _one(ctx, p), entity="product")
        ctx.commit(cursor=batch.cursor)


def _one(ctx: SyncContext, p: Any) -> None:
    if p.name == "skip me":
        raise SkipRecord("This article has no price list.")
    payload = {"name": p.name, "price": p.price, "sku": p.sku}
    binding = ctx.binder.by_erp("product", p.erp_id)
    digest = payload_hash(payload)
    if ctx.dry_run:
        before = (binding.data or {}).get("payload") if binding else None
        ctx.preview("product", before, payload, erp_id=p.erp_id)
        return
    if binding and ctx.binder.unchanged(binding, digest):
        ctx.record(Outcome.UNCHANGED, "product", binding.bc_id, p.erp_id)
        return
    new_bc_id = binding.bc_id if binding else str(1000 + int(p.erp_id))
    ctx.binder.bind("product", new_bc_id, p.erp_id, sync_hash=digest, data={"payload": payload})
    if p.name == "refused":
        raise FatalSyncError("The product name is a duplicate.", status=409, remote="bigcommerce",
                             details={"request": {"name": p.name}})  # fmt: skip
    outcome = Outcome.UPDATED if binding else Outcome.CREATED
    ctx.record(outcome, "product", new_bc_id, p.erp_id, request=payload)


def logs(store: Store) -> list[LogEntry]:
    stmt = db.select(LogEntry).filter_by(store_id=store.id).order_by(LogEntry.id)
    return list(db.session.execute(stmt).scalars())


def bindings() -> dict[str, str]:
    return {b.erp_id: b.bc_id for b in db.session.execute(db.select(Binding)).scalars()}


def cursor_value() -> str | None:
    row = db.session.execute(db.select(Cursor)).scalar_one_or_none()
    return row.value if row else None


@pytest.fixture
def catalog(flows: Any) -> str:
    from bcapp.connectors.base import Capability

    flows("test_products", requires={Capability.PRODUCTS}, queue="catalog", lock="catalog")(
        sync_products
    )
    return "test_products"


def test_counts_log_entries_and_unchanged_on_second_run(app, rds, store, memory_erp, catalog):
    memory_erp.pages = [[product("1"), product("2")], [product("3")]]
    run = run_flow(store.id, catalog)
    assert (run.status, run.created, run.seen, run.total) == (RunStatus.SUCCEEDED, 3, 3, 3)
    assert run.message == "3 created"
    assert [(e.outcome, e.direction, e.bc_id, e.erp_id) for e in logs(store)] == [
        ("created", "erp_to_bc", "1001", "1"),
        ("created", "erp_to_bc", "1002", "2"),
        ("created", "erp_to_bc", "1003", "3"),
    ]
    assert cursor_value() == "2"
    memory_erp.pages = [[product("1"), product("2", price="12.50")], [product("3")]]
    again = run_flow(store.id, catalog, full=True)
    assert (again.updated, again.unchanged, again.created) == (1, 2, 0)
    assert memory_erp.closed == 2  # the connector is closed after each run


def test_skip_and_fatal_records_are_logged_and_the_batch_goes_on(
    app, rds, store, memory_erp, catalog
):
    memory_erp.pages = [[product("1"), product("2", name="skip me"), product("3", name="refused"),
                         product("4")]]  # fmt: skip
    run = run_flow(store.id, catalog)
    assert run.status == RunStatus.SUCCEEDED
    assert (run.created, run.skipped, run.failed, run.seen) == (2, 1, 1, 4)
    entries = {e.erp_id: e for e in logs(store)}
    assert entries["2"].outcome == "skipped" and entries["2"].message.startswith("This article")
    assert entries["3"].outcome == "failed"
    assert entries["3"].details == {"status": 409, "remote": "bigcommerce"}
    assert entries["3"].request == {"name": "refused"}
    # The refused record's binding was rolled back with it; the others are durable.
    assert bindings() == {"1": "1001", "4": "1004"}


def test_retryable_error_propagates_and_marks_the_run(app, rds, store, flows):
    @flows("test_flaky")
    def flaky(ctx: SyncContext) -> None:
        ctx.record(Outcome.CREATED, "product", 1, "A")
        for_each(ctx, [1], lambda _: _raise(RetryableSyncError("ERP is down", retry_after=600)),
                 entity="product")  # fmt: skip

    with pytest.raises(RetryableSyncError) as info:
        run_flow(store.id, "test_flaky")
    assert info.value.retry_after == 600
    run = db.session.execute(db.select(SyncRun)).scalar_one()
    assert run.status == RunStatus.FAILED and run.message == "Interrupted: ERP is down"


def _raise(exc: Exception) -> None:
    raise exc


def test_config_error_fails_the_run_with_the_merchant_message(app, rds, store, flows):
    @flows("test_misconfigured")
    def misconfigured(ctx: SyncContext) -> None:
        raise ConfigError("Map the payment method 'PayPal' to an AFAS payment condition.")

    run = run_flow(store.id, "test_misconfigured")
    assert run.status == RunStatus.FAILED
    assert run.message.startswith("Map the payment method 'PayPal'")


def test_unexpected_exception_fails_the_run_and_propagates(app, rds, store, flows):
    @flows("test_buggy")
    def buggy(ctx: SyncContext) -> None:
        {}["missing"]

    with pytest.raises(KeyError):
        run_flow(store.id, "test_buggy")
    run = db.session.execute(db.select(SyncRun)).scalar_one()
    assert run.status == RunStatus.FAILED and "KeyError" in run.message


def test_reauthorization_pauses_the_store_until_reinstall(app, rds, store, flows):
    calls: list[int] = []

    @flows("test_bc")
    def talks_to_bc(ctx: SyncContext) -> None:
        calls.append(1)
        raise ReauthorizationRequired("401 Unauthorized: the access token was revoked")

    run = run_flow(store.id, "test_bc")
    db.session.refresh(store)
    assert run.status == RunStatus.FAILED and "Open the app again" in run.message
    assert store.status == StoreStatus.NEEDS_REAUTH
    assert "revoked" in store.status_reason
    assert run_flow(store.id, "test_bc") is None and calls == [1]  # refused, no new run
    queued = open_run(store, "test_bc")
    assert run_flow(store.id, "test_bc", run_id=queued.id).status == RunStatus.FAILED
    assert "Open the app again" in queued.message and calls == [1]
    store.status, store.status_reason = StoreStatus.ACTIVE, ""  # what a reinstall does
    db.session.commit()
    run_flow(store.id, "test_bc")
    assert calls == [1, 1]  # runs again after the reinstall


def test_cursor_is_kept_when_the_flow_fails_after_a_batch(app, rds, store, memory_erp, flows):
    memory_erp.pages = [[product("1")], [product("2")], [product("3")]]

    @flows("test_cursor")
    def crashes_in_second_batch(ctx: SyncContext) -> None:
        for batch in ctx.connector.fetch_products(ctx.load_cursor()):
            for_each(ctx, batch.records, lambda p: _one(ctx, p), entity="product")
            if batch.cursor == "2":
                raise RetryableSyncError("timeout while reading page 3")
            ctx.commit(cursor=batch.cursor)

    with pytest.raises(RetryableSyncError):
        run_flow(store.id, "test_cursor")
    assert cursor_value() == "1"  # batch 2's records are committed, its cursor is not
    assert set(bindings()) == {"1", "2"}
    memory_erp.pages[1] = [product("2", name="renamed")]
    flows("test_cursor")(sync_products)
    run = run_flow(store.id, "test_cursor")
    assert (run.updated, run.created, cursor_value()) == (1, 1, "3")  # resumed from "1"


def test_dry_run_previews_changes_and_writes_nothing(app, rds, store, memory_erp, catalog):
    memory_erp.pages = [[product("1"), product("2")]]
    run_flow(store.id, catalog)
    memory_erp.pages = [[product("1", price="11"), product("2"), product("3")]]
    before = (bindings(), cursor_value())
    run = run_flow(store.id, catalog, dry_run=True, full=True)
    assert run.dry_run and run.message.startswith("Dry run: ")
    assert (run.created, run.updated, run.unchanged) == (1, 1, 1)
    assert (bindings(), cursor_value()) == before
    entries = [e for e in logs(store) if e.run_id == run.id]
    changes = {e.erp_id: e.details for e in entries}
    assert changes["1"] == {"changes": {"price": {"from": "10", "to": "11"}}, "dry_run": True}
    assert changes["3"]["changes"]["name"] == {"from": None, "to": "Product 3"}


def test_secrets_are_redacted_in_the_log(app, rds, store, flows):
    @flows("test_secret")
    def leaky(ctx: SyncContext) -> None:
        ctx.record(
            Outcome.FAILED, "order", 100, None, "Refused: Bearer abcdefghijklmnop",
            request={"headers": {"X-Auth-Token": "bc-token", "Authorization": "AfasToken PHRva2Vu"},
                     "body": {"customer": {"email": "a@example.com", "ip_address": "10.1.2.3",
                                           "password": "hunter2"}},
                     "pairs": [["client_secret", "xyz"], ["page", "2"]]},
            response={"access_token": "t0k3n", "nested": [{"apiKey": "k"}]},
        )  # fmt: skip

    run_flow(store.id, "test_secret")
    (entry,) = logs(store)
    assert entry.request == {
        "headers": {"X-Auth-Token": "[redacted]", "Authorization": "[redacted]"},
        "body": {"customer": {"email": "a@example.com", "password": "[redacted]"}},
        "pairs": [["client_secret", "[redacted]"], ["page", "2"]],
    }
    assert entry.response == {"access_token": "[redacted]", "nested": [{"apiKey": "[redacted]"}]}
    assert entry.message == "Refused: Bearer [redacted]"
    assert "hunter2" not in str(entry.request) and "erp-secret" not in str(entry.request)


def test_missing_capability_or_connection_refuses_the_run(app, rds, store, flows):
    from bcapp.connectors.base import Capability

    called: list[str] = []
    flows("test_orders", requires={Capability.ORDERS})(lambda ctx: called.append("orders"))
    run = run_flow(store.id, "test_orders")
    assert run.status == RunStatus.FAILED and "(orders)" in run.message
    bare = make_store(connection=False)
    run = run_flow(bare.id, "test_orders")
    assert run.status == RunStatus.FAILED and "Connect your ERP" in run.message
    conn = db.session.execute(db.select(Connection).filter_by(store_id=store.id)).scalar_one()
    conn.enabled = False
    db.session.commit()
    assert "switched off" in run_flow(store.id, "test_orders").message
    assert called == []


def test_uninstalled_store_runs_nothing(app, rds, store, flows):
    from bcapp.sync.runner import open_run

    called: list[int] = []
    flows("test_noop")(lambda ctx: called.append(1))
    run = open_run(store, "test_noop")
    store.status, store.access_token = StoreStatus.UNINSTALLED, None
    db.session.commit()
    assert run_flow(store.id, "test_noop", run_id=run.id) is None
    db.session.refresh(run)
    assert called == [] and run.status == RunStatus.CANCELLED


def test_an_error_mid_batch_keeps_the_records_done_before_it(app, rds, store, flows):
    def one(ctx: SyncContext, n: int) -> None:
        if n == 3:
            ctx.binder.bind("product", 3, "3")  # half-done when the ERP fell over
            raise RetryableSyncError("ERP timed out")
        ctx.binder.bind("product", n, str(n))
        ctx.record(Outcome.CREATED, "product", n, str(n))

    flows("test_mid")(lambda ctx: for_each(ctx, [1, 2, 3, 4], lambda n: one(ctx, n),
                                           entity="product"))  # fmt: skip
    with pytest.raises(RetryableSyncError):
        run_flow(store.id, "test_mid")
    assert bindings() == {"1": "1", "2": "2"}
    assert [e.erp_id for e in logs(store)] == ["1", "2"]
    run = db.session.execute(db.select(SyncRun)).scalar_one()
    assert (run.status, run.created, run.seen) == (RunStatus.FAILED, 2, 2)  # counts match the log


def test_a_record_committed_inside_stays_when_it_fails_later(app, rds, store, flows):
    def export(ctx: SyncContext, n: int) -> None:
        ctx.binder.bind("order", n, f"ERP-{n}")
        ctx.commit()  # the exporter recipe: bind, commit, then the write-back
        ctx.binder.touch(ctx.binder.by_bc("order", n), sync_hash="after-write-back")
        raise FatalSyncError("BigCommerce refused the status update.")

    flows("test_inside")(lambda ctx: for_each(ctx, [7, 8], lambda n: export(ctx, n),
                                              entity="order", ids=lambda n: (n, None)))  # fmt: skip
    run = run_flow(store.id, "test_inside")
    assert run.failed == 2 and bindings() == {"ERP-7": "7", "ERP-8": "8"}
    hashes = {b.sync_hash for b in db.session.execute(db.select(Binding)).scalars()}
    assert hashes == {None}  # what came after the inner commit was rolled back


def test_unchanged_records_can_be_counted_without_log_entries(app, rds, store, flows):
    @flows("test_quiet", log_unchanged=False)
    def quiet(ctx: SyncContext) -> None:
        for_each(ctx, range(3), lambda n: ctx.record(Outcome.UNCHANGED, "product", n, n),
                 entity="product")  # fmt: skip
        ctx.record(Outcome.UPDATED, "product", 9, 9)

    run = run_flow(store.id, "test_quiet")
    assert (run.unchanged, run.updated, run.seen) == (3, 1, 4)
    assert [e.outcome for e in logs(store)] == ["updated"]
