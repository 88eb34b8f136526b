"""Exact Online end to end: the real flows between the Exact and BigCommerce sandboxes.

What a merchant of an Exact shop notices: the catalog and stock arrive (and a
deleted item disappears from the shop), an order reaches Exact once however
often it is retried, an order Exact refuses lands in the log with Exact's words
and in the error status, a partial delivery becomes a partial shipment with its
tracking number, a credit invoice becomes a refund, a status change in Exact is
followed, two workers never both spend the refresh token, a refused refresh
says "Reconnect Exact Online" and stops, a forged callback is refused, and a
day whose calls run out keeps exporting orders while the catalog waits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bcapp.connectors import make_connector
from bcapp.connectors.exact.webhooks import hashcode
from bcapp.errors import RetryableSyncError
from bcapp.extensions import db, redis_ext
from bcapp.mapping.rules import with_section
from bcapp.models import Binding, RunStatus, SyncRun
from bcapp.sandbox.bigcommerce import stock as bc_stock
from bcapp.sandbox.exact import ExactSandbox
from bcapp.sync.credentials import ConnectionCredentials
from tests.connectors.factory_exact import START
from tests.exact.world import ExactWorld, exact_world

pytestmark = pytest.mark.redis

ORDER_SETTINGS = with_section(
    with_section({}, "flows", {"order_status": True, "refunds": True}),
    "mappings",
    {"order_status": {"Complete": 10, "Partial": 3}, "tax": {}},
)


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[ExactWorld]:
    with exact_world(app, store_settings=ORDER_SETTINGS,
                     connector_settings={"shipping_item": "SHIP"}) as w:  # fmt: skip
        w.div.add_item("SHIP", "Verzendkosten", price="4.95", IsStockItem=False)
        yield w


def exported(world: ExactWorld, *lines: tuple[str, int]) -> tuple[int, dict[str, Any]]:
    for sku, _ in lines:
        if sku not in world.skus:
            world.product(sku, 10.0)
    order_id = world.order(*lines)
    run = world.export(order_id)
    assert run.status == RunStatus.SUCCEEDED, run.message
    [erp] = world.exact_orders(order_id)
    return order_id, erp


# -- catalog and stock ---------------------------------------------------------------------


def test_catalog_and_stock_arrive_and_a_deleted_item_is_hidden(world: ExactWorld) -> None:
    div = world.div
    div.add_warehouse("2", "Winkel")
    div.add_item("TEA-01", "Earl Grey", price="4.95", group="TEA", stock={"1": 10, "2": 4})
    div.add_item("MUG", "Mug", price="8.00", stock=6)
    div.add_sales_order(div.add_account("Jansen"), "X-1", [("MUG", 2)])  # Exact plans 2 out
    world.store.settings = with_section(world.store.settings, "stock",
                                        {"calculation": "on_hand_minus_reserved"})  # fmt: skip
    db.session.commit()

    run = world.run("catalog")

    assert run.status == RunStatus.SUCCEEDED, run.message
    products = {p["sku"]: p for p in world.bc_store.products.values()}
    assert {"TEA-01", "MUG", "SHIP"} <= set(products)
    assert products["TEA-01"]["price"] == 4.95 and products["TEA-01"]["categories"]
    levels = {sku: bc_stock.product_level(world.bc_store, p["id"]) for sku, p in products.items()}
    assert levels["TEA-01"] == 14 and levels["MUG"] == 4  # 6 on hand, 2 for the open order

    calls = len(world.exact.api_calls())
    again = world.run("catalog")  # nothing changed: a few sync reads, no BigCommerce writes
    assert again.status == RunStatus.SUCCEEDED and again.updated == again.created == 0
    assert len(world.exact.api_calls()) - calls <= 6

    div.set_stock("MUG", 9)
    div.delete_item("TEA-01")
    world.run("catalog")
    assert bc_stock.product_level(world.bc_store, products["MUG"]["id"]) == 7
    tea = world.bc_store.products[products["TEA-01"]["id"]]
    assert tea["availability"] == "disabled" and not tea["is_visible"]
    assert "deleted in the ERP" in world.log("product", "updated")[-1].message


# -- orders --------------------------------------------------------------------------------


def test_an_order_reaches_exact_once_with_its_shipping_line(world: ExactWorld) -> None:
    order_id, erp = exported(world, ("CAP", 2), ("MUG", 1))

    lines = world.div.children("SalesOrderLines", "OrderID", erp["OrderID"])
    assert [(x["ItemCode"], x["Quantity"]) for x in lines] == [("CAP", 2), ("MUG", 1), ("SHIP", 1)]
    assert world.bindings("order") == {str(order_id): str(erp["OrderNumber"])}
    assert world.bc_order(order_id)["status_id"] == 9  # Awaiting Shipment
    account = world.div.get("Accounts", erp["OrderedBy"])
    assert account is not None and account["Email"] == "jan@example.com"

    again = world.export(order_id)
    reconcile = world.run("orders")
    assert again.status == reconcile.status == RunStatus.SUCCEEDED
    assert len(world.exact_orders(order_id)) == 1 and len(world.div.find("Accounts")) == 1


def test_an_order_exact_has_but_we_did_not_bind_is_found_not_made_again(
    world: ExactWorld,
) -> None:
    order_id, erp = exported(world, ("CAP", 1))
    db.session.execute(db.delete(Binding).filter_by(entity="order"))
    db.session.commit()
    with world.bc.lock:  # it died before the status write-back, too
        world.bc_store.orders[order_id]["status_id"] = 11

    run = world.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    assert len(world.exact_orders(order_id)) == 1
    assert world.bindings("order") == {str(order_id): str(erp["OrderNumber"])}
    assert "Found in the ERP" in world.log()[-1].message


def test_an_order_exact_refuses_is_logged_with_exacts_words(world: ExactWorld) -> None:
    world.product("CAP")
    order_id = world.order(("CAP", 1))
    world.exact.reject_next_write("Ordered by: Account is blocked")

    run = world.export(order_id)

    assert run.status == RunStatus.SUCCEEDED  # the run did its job: it logged the refusal
    assert world.exact_orders(order_id) == []
    [failed] = world.log(outcome="failed")
    assert "Ordered by: Account is blocked" in failed.message and failed.bc_id == str(order_id)
    assert world.bc_order(order_id)["status_id"] == 12  # the merchant's error status


def test_an_unknown_sku_is_an_import_error_naming_it(world: ExactWorld) -> None:
    world.product("CAP")
    world.skus["GHOST"] = world.skus["CAP"]  # BigCommerce sells it, Exact has no such item
    with world.bc.lock:
        world.bc_store.products[world.skus["CAP"]]["sku"] = "GHOST"
    order_id = world.order(("GHOST", 1))

    world.export(order_id)

    [failed] = world.log(outcome="failed")
    assert "GHOST" in failed.message and world.exact_orders(order_id) == []


# -- fulfilment ----------------------------------------------------------------------------


def test_a_partial_delivery_reaches_the_store_with_its_tracking_number(
    world: ExactWorld,
) -> None:
    order_id, erp = exported(world, ("CAP", 2), ("MUG", 1))
    world.div.add_goods_delivery(erp["OrderNumber"], [("CAP", 1)], tracking="3SABC123")

    run = world.run("shipments")

    assert run.status == RunStatus.SUCCEEDED and run.created == 1, run.message
    [shipment] = [s for s in world.bc_store.shipments.values() if s["order_id"] == order_id]
    assert shipment["tracking_number"] == "3SABC123"
    assert [i["quantity"] for i in shipment["items"]] == [1]
    assert world.bc_order(order_id)["status_id"] == 3  # Partially Shipped

    world.div.add_goods_delivery(erp["OrderNumber"], tracking="3SABC999")  # the rest
    world.run("shipments")
    assert world.bc_order(order_id)["status_id"] == 2  # Shipped
    assert world.run("shipments").created == 0


def test_a_credit_invoice_becomes_a_refund(world: ExactWorld) -> None:
    order_id, erp = exported(world, ("CAP", 2))
    world.div.add_credit_invoice(erp["OrderNumber"], [("CAP", 1, "10.00")])

    run = world.run("refunds")

    assert run.status == RunStatus.SUCCEEDED and run.created == 1, run.message
    refunds = [r for r in world.bc_store.refunds.values() if r["order_id"] == order_id]
    assert len(refunds) == 1
    assert world.run("refunds").created == 0


def test_a_status_change_in_exact_is_followed(world: ExactWorld) -> None:
    order_id, erp = exported(world, ("CAP", 1))
    world.run("order_status")  # Open: not mapped, BigCommerce left alone
    world.div.add_goods_delivery(erp["OrderNumber"])  # Exact: Complete

    run = world.run("order_status")

    assert run.status == RunStatus.SUCCEEDED, run.message
    assert world.bc_order(order_id)["status_id"] == 10  # Completed, as mapped


# -- tokens --------------------------------------------------------------------------------


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(
    world: ExactWorld,
) -> None:
    world.exact.advance(600)  # every stored access token is stale now
    connection = world.connection
    settings, connection_id = connection.connector_settings(), connection.id
    start = threading.Barrier(2, timeout=20)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with world.app.app_context():
                creds = ConnectionCredentials(connection_id, redis_ext.client)
                connector = make_connector("exact", settings, credentials=creds,
                                           transport=world.exact.transport())  # fmt: skip
                start.wait()
                list(connector.fetch_categories(None))
                connector.close()
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert errors == []
    assert world.exact.oauth.refreshes == 1
    stored = ConnectionCredentials(connection_id, redis_ext.client).read()["oauth"]
    assert stored["refresh_token"] == world.exact.oauth.refresh_token


def test_a_refused_refresh_asks_to_reconnect_and_stops_the_run(world: ExactWorld) -> None:
    world.exact.issue_tokens()  # another app instance refreshed: our refresh token is old
    world.exact.advance(600)

    run = world.run("catalog")  # no exception: a ConfigError is not retried

    assert run.status == RunStatus.FAILED
    assert run.message.startswith("Reconnect Exact Online") and "Old refresh token" in run.message
    # the store's flows pause (one failed run, not one per tick) until the merchant reconnects
    assert world.connection.refused_at is not None
    calls = len(world.exact.requests)
    again = world.run("stock")
    assert again.status == RunStatus.CANCELLED and "Reconnect your ERP" in again.message
    assert len(world.exact.requests) == calls  # nothing was sent to Exact


# -- the day's budget ----------------------------------------------------------------------


def test_a_spent_day_keeps_orders_going_and_the_catalog_waits_for_the_reset(
    app: Any, redis_url: str
) -> None:
    exact = ExactSandbox(speed=0, start=START, per_day=40)  # reserve: 20 % = 8 calls
    with exact_world(app, exact=exact, store_hash="exactb1") as world:
        world.product("CAP")
        refused = None
        for _ in range(10):
            try:
                world.run("catalog")
            except RetryableSyncError as exc:
                refused = exc
                break
        assert refused is not None, "the catalog never reached the order reserve"
        midnight = (START // 86400 + 1) * 86400
        assert refused.retry_after == pytest.approx(midnight - world.exact.clock.now(), abs=5)
        assert "kept for orders" in refused.message

        order_id = world.order(("CAP", 1))
        run = world.export(order_id)

        assert run.status == RunStatus.SUCCEEDED, run.message
        assert len(world.exact_orders(order_id)) == 1
        assert all(c["status"] != 429 for c in world.exact.api_calls())


# -- webhooks ------------------------------------------------------------------------------


def _subscribe(world: ExactWorld) -> str:
    run = world.run("erp_webhooks")
    assert run.status == RunStatus.SUCCEEDED, run.message
    urls = {s["CallbackURL"] for s in world.div.rows("WebhookSubscriptions")}
    [url] = urls
    return str(url)


def test_webhooks_are_subscribed_once_and_a_callback_queues_the_flow_that_reads_it(
    world: ExactWorld,
) -> None:
    url = _subscribe(world)
    topics = sorted(s["Topic"] for s in world.div.rows("WebhookSubscriptions"))
    assert topics == ["GoodsDeliveries", "Items", "SalesOrders", "StockPositions"]
    assert url.startswith("https://bcapp.example/webhooks/exact/")
    assert world.run("erp_webhooks").message.endswith("announces its changes to the app.")
    assert len(list(world.div.rows("WebhookSubscriptions"))) == 4

    world.product("CAP")  # an Items and a StockPositions event
    deliveries = world.exact.deliver_webhooks(httpx.WSGITransport(app=world.app))

    assert deliveries and {d.status for d in deliveries} == {200}
    events = world.events()
    assert {e.scope for e in events} == {"exact/Items", "exact/StockPositions"}
    assert all(e.status == "processed" for e in events)
    queued = db.session.execute(db.select(SyncRun).filter_by(trigger="webhook")).scalars()
    assert {r.flow for r in queued} == {"catalog", "stock"}  # one queued run per flow

    client = world.app.test_client()
    again = client.post(urlsplit(deliveries[0].url).path, data=deliveries[0].body)
    assert again.status_code == 200 and len(world.events()) == len(events)  # a repeat: no row


def test_a_forged_callback_is_refused_and_nothing_is_stored(world: ExactWorld) -> None:
    path = urlsplit(_subscribe(world)).path
    world.product("CAP")
    [delivery, *_] = world.exact.deliver_webhooks()  # not sent: we post them by hand
    content = delivery.body[len(b'{"Content":') : delivery.body.index(b',"HashCode"')]
    client = world.app.test_client()

    forged = hashcode(content, "not-the-webhook-secret")
    tampered = content.replace(b'"Action":"Create"', b'"Action":"Delete"')
    good_hash = hashcode(content, world.exact.app.webhook_secret)
    answers = [
        client.post(path, data=b'{"Content":' + content + b',"HashCode":"' + forged.encode()
                    + b'"}'),
        client.post(path, data=b'{"Content":' + tampered + b',"HashCode":"'
                    + good_hash.encode() + b'"}'),
        client.post(path + "0", data=delivery.body),  # not our token
        client.post(path, data=b"x" * (65 * 1024)),
    ]  # fmt: skip

    assert [a.status_code for a in answers] == [401, 401, 401, 413]
    assert world.events() == []
    assert client.post(path, data=delivery.body).status_code == 200  # the real one is taken
