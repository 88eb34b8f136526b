"""The real client against the BigCommerce sandbox (bcapp/sandbox/bigcommerce).

Requests and the sandbox's answers are both checked against BigCommerce's
OpenAPI files. The budget runs on the sandbox's frozen clock: a wait advances it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bcapp.bigcommerce import errors as bce
from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.bigcommerce.webhooks import ensure_webhooks
from bcapp.errors import FatalSyncError, ReauthorizationRequired, RetryableSyncError
from tests.bigcommerce.openapi_check import ValidatingTransport

sandbox = pytest.importorskip("bcapp.sandbox.bigcommerce")

DEST = "https://app.example.com/webhooks/bigcommerce"
SECRET = {"X-Bcapp-Store-Secret": "s3cret"}
SCOPES = ["store/order/created", "store/order/updated", "store/product/updated"]


@pytest.fixture
def sb() -> Any:
    return sandbox.BigCommerceSandbox(
        client_id="cid", client_secret="csecret", clock=sandbox.SandboxClock(speed=0)
    )


@pytest.fixture
def store(sb: Any) -> Any:
    return sb.create_store("abc123", plan="standard")


@pytest.fixture
def connect(sb: Any, store: Any, specs: Any) -> Iterator[Callable[..., BigCommerceClient]]:
    """Clients on the sandbox. Requests must conform; the sandbox's answers are only recorded
    (run with BC_SPEC_REPORT=1 and -s to print where the sandbox departs from the spec)."""
    transports: list[ValidatingTransport] = []

    def factory(
        token: str | None = None, *, max_wait: float = 5.0, **kwargs: Any
    ) -> BigCommerceClient:
        transport = ValidatingTransport(sb.transport(), specs, check_responses="record")
        transports.append(transport)
        budget = LocalBudget(
            store.hash, clock=sb.clock.now, sleep=sb.clock.advance, max_wait=max_wait
        )
        return BigCommerceClient(
            store.hash, token or store.access_token, transport=transport, budget=budget, **kwargs
        )

    yield factory
    if os.environ.get("BC_SPEC_REPORT"):
        for issue in sorted({i for t in transports for i in t.response_issues}):
            print("SANDBOX-SPEC:", issue[:600])


def new_product(n: int, variants: int = 3) -> dict[str, Any]:
    return {
        "name": f"Shirt {n}",
        "type": "physical",
        "weight": 1,
        "price": 20,
        "sku": f"SH-{n}",
        "variants": [
            {
                "sku": f"SH-{n}-{size}",
                "option_values": [{"option_display_name": "Size", "label": size}],
            }
            for size in ["S", "M", "L"][:variants]
        ],
        "images": [{"image_url": f"https://img.example.com/{n}.jpg", "is_thumbnail": True}],
    }


def test_revoked_token_needs_reauthorization(sb, store, connect):
    client = connect()
    sb.revoke_token(store.access_token)
    with pytest.raises(ReauthorizationRequired) as caught:
        client.store.info()
    assert caught.value.message == "No valid X-Auth-Token was found in this request."


def test_create_with_variants_and_image_then_batch_update(connect):
    client = connect()
    created = [client.products.create(new_product(n)) for n in range(12)]
    assert client.calls == 12
    full = client.products.get(created[0]["id"], include=["variants", "images"])
    assert [v["sku"] for v in full["variants"]] == ["SH-0-S", "SH-0-M", "SH-0-L"]
    assert len(full["images"]) == 1

    result = client.products.update_many([{"id": p["id"], "price": 25} for p in created])
    assert result.calls == 2 and len(result.data) == 12
    variant_ids = [v["id"] for p in created for v in client.variants.iterate(p["id"])]
    changed = client.variants.update_many([{"id": vid, "price": 30} for vid in variant_ids])
    assert changed.calls == 1 and len(variant_ids) == 36

    listed = list(
        client.products.iterate({"id:in": [p["id"] for p in created]}, include=["variants"])
    )
    assert {p["price"] for p in listed} == {25}
    assert {v["price"] for p in listed for v in p["variants"]} == {30}


def test_duplicate_product_is_refused_with_bigcommerce_words(connect):
    client = connect()
    client.products.create(new_product(1))
    with pytest.raises(FatalSyncError) as caught:
        client.products.create(new_product(1))
    assert isinstance(caught.value, bce.ApiError)
    assert caught.value.status in (409, 422)
    assert caught.value.message  # the sandbox's own sentence, unchanged
    body_title = caught.value.details["body"]["title"]
    assert caught.value.message.startswith(body_title)


def test_spent_shared_quota_reschedules_or_waits(store, connect, sb):
    store.consume_quota(150)  # other apps used this window
    with pytest.raises(bce.RateLimited) as caught:
        connect().store.info()
    assert 0 < caught.value.retry_after <= 30

    patient = connect(max_wait=60)
    before = sb.clock.now()
    assert patient.store.info()
    assert sb.clock.now() - before >= 29  # it waited for the window instead of failing


def test_injected_failures(store, connect):
    client = connect()
    store.fail_next(1, status=500)
    assert client.store.info()  # a read is retried
    store.fail_next(1, status=503)
    with pytest.raises(RetryableSyncError):
        client.products.create(new_product(2))  # a write is left to the job queue


def test_ensure_webhooks_creates_then_changes_nothing(connect):
    client = connect()
    changes = ensure_webhooks(client, DEST, SCOPES, SECRET)
    assert [c.action for c in changes] == ["created"] * 3
    hooks = list(client.hooks.iterate())
    assert {h["scope"] for h in hooks} == set(SCOPES)
    assert all(
        h["destination"] == DEST and h["headers"] == SECRET and h["is_active"] for h in hooks
    )
    assert ensure_webhooks(client, DEST, SCOPES, SECRET) == []


def test_ensure_webhooks_repairs_ours_and_leaves_others(sb, store, connect):
    client = connect()
    ensure_webhooks(client, DEST, SCOPES, SECRET)
    hooks = {h["scope"]: h for h in client.hooks.iterate()}
    client.hooks.update(hooks["store/order/created"]["id"], {"is_active": False})
    client.hooks.update(
        hooks["store/order/updated"]["id"], {"headers": {"X-Bcapp-Store-Secret": "old"}}
    )
    client.hooks.update(
        hooks["store/product/updated"]["id"], {"destination": "https://old.example.com/hooks"}
    )
    foreign = client.hooks.create("store/order/created", "https://erp-bridge.example.net/in")
    sb.register_client("other-app", "other-secret")
    other_token = store.issue_token("other-app")
    other = connect(other_token)
    other_hook = other.hooks.create("store/order/created", DEST)

    changes = ensure_webhooks(client, DEST, SCOPES, SECRET)
    assert {(c.scope, c.action) for c in changes} == {
        ("store/order/created", "reactivated"),
        ("store/order/updated", "updated"),
        ("store/product/updated", "updated"),
    }
    assert ensure_webhooks(client, DEST, SCOPES, SECRET) == []
    assert client.hooks.get(foreign["id"])["destination"] == "https://erp-bridge.example.net/in"
    assert other.hooks.get(other_hook["id"])["headers"] in (None, {})


def test_ensure_webhooks_removes_our_duplicates(connect):
    client = connect()
    client.hooks.create("store/order/created", DEST, headers=SECRET)
    spare = client.hooks.create(
        "store/order/created", "https://old.example.com/hooks", headers=SECRET
    )
    changes = ensure_webhooks(client, DEST, ["store/order/created"], SECRET)
    assert [(c.action, c.hook_id) for c in changes] == [("deleted", spare["id"])]
    assert [h["destination"] for h in client.hooks.iterate()] == [DEST]


def test_orders_page_through_v2_and_ship(sb, store, connect):
    ids = sb.seed(store, products=3, customers=2, orders=260)["orders"]
    client = connect(max_wait=60)
    orders = list(client.orders.iterate(min_date_modified="2000-01-01T00:00:00Z"))
    assert sorted(o["id"] for o in orders) == sorted(ids)
    assert client.calls == 2  # 250 + 10
    order = client.orders.get(ids[0])
    lines = client.orders.products(order["id"])
    address = client.orders.shipping_addresses(order["id"])[0]
    assert client.orders.shipments(order["id"]) == []  # BigCommerce answers 204
    shipment = client.orders.create_shipment(
        order["id"],
        {
            "order_address_id": address["id"],
            "tracking_number": "TRACK1",
            "items": [
                {"order_product_id": line["id"], "quantity": line["quantity"]} for line in lines
            ],
        },
    )
    assert [s["id"] for s in client.orders.shipments(order["id"])] == [shipment["id"]]
    assert client.orders.update_status(order["id"], 10)["status_id"] == 10
    assert {s["id"] for s in client.orders.statuses()} == set(range(15))


def test_customers_in_tens_and_found_by_email(connect):
    client = connect()
    people = [
        {"first_name": "Ann", "last_name": f"L{i}", "email": f"ann{i}@example.com"}
        for i in range(25)
    ]
    created = client.customers.create_many(people)
    assert created.calls == 3 and len(created.data) == 25
    found = client.customers.by_emails(["ANN3@example.com", "ann7@example.com"])
    assert sorted(c["email"] for c in found) == ["ann3@example.com", "ann7@example.com"]
    updated = client.customers.update_many(
        [{"id": c["id"], "company": "Acme"} for c in created.data]
    )
    assert updated.calls == 3
    assert {c["company"] for c in client.customers.by_ids([c["id"] for c in created.data])} == {
        "Acme"
    }


def test_inventory_and_category_tree_writes(connect):
    client = connect()
    client.products.create(new_product(5))
    transactions = client.inventory.adjust_absolute(
        [{"location_id": 1, "sku": f"SH-5-{size}", "quantity": 7} for size in "SML"], reason="ERP"
    )
    assert len(transactions) == 1
    variants = list(client.variants.iterate_all({"sku:in": ["SH-5-S", "SH-5-M", "SH-5-L"]}))
    assert {v["inventory_level"] for v in variants} == {7}
    tree = next(iter(client.category_trees.trees()))
    made = client.category_trees.create_categories(
        [{"name": f"Cat {i}", "tree_id": tree["id"], "parent_id": 0} for i in range(55)]
    )
    assert made.calls == 2 and len(made.data) == 55
    listed = list(client.category_trees.categories([tree["id"]]))
    assert {c["name"] for c in listed} >= {f"Cat {i}" for i in range(55)}


def test_refund_quote_then_refund(sb, store, connect):
    order_id = sb.seed(store, products=2, customers=1, orders=1)["orders"][0]
    client = connect()
    lines = client.orders.products(order_id)
    items = [{"item_type": "PRODUCT", "item_id": lines[0]["id"], "quantity": 1}]
    quote = client.refunds.quote(order_id, items)
    method = quote["refund_methods"][0][0]
    refund = client.refunds.create(
        order_id,
        {
            "items": items,
            "payments": [
                {
                    "provider_id": method["provider_id"],
                    "amount": method["amount"],
                    "offline": method["offline"],
                }
            ],
        },
    )
    assert refund["total_amount"] == quote["total_refund_amount"]
    assert [r["id"] for r in client.refunds.for_order(order_id)] == [refund["id"]]
