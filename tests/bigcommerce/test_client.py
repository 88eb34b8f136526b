"""Requests as BigCommerce documents them: auth, URLs, paging, per-request maxima.

Every request here also passes through the OpenAPI validator (``make_client``),
so a wrong path, parameter or body fails the test.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from bcapp.bigcommerce.client import BigCommerceClient, chunked, query, shared_http
from tests.bigcommerce.conftest import STORE, TOKEN, page


def qs(request: httpx.Request) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(request.url.query.decode()).items()}


def product(pid: int) -> dict:
    return {"id": pid, "name": f"P{pid}", "type": "physical", "weight": 1, "price": 10}


def test_requests_carry_token_accept_and_store_urls(bc, make_client):
    @bc.route("GET", "/v3/catalog/products/(\\d+)")
    def _(request, match):
        return httpx.Response(200, json={"data": product(int(match[1])), "meta": {}})

    @bc.route("GET", "/v2/store")
    def _(request, match):
        return httpx.Response(200, json={"id": STORE, "name": "Shop"})

    client = make_client()
    assert client.products.get(7, include=["variants", "images"])["id"] == 7
    client.store.info()
    v3, v2 = bc.requests
    assert str(v3.url).startswith(
        f"https://api.bigcommerce.com/stores/{STORE}/v3/catalog/products/7"
    )
    assert qs(v3) == {"include": "variants,images"}
    assert str(v2.url) == f"https://api.bigcommerce.com/stores/{STORE}/v2/store"
    for request in bc.requests:
        assert request.headers["X-Auth-Token"] == TOKEN
        assert request.headers["Accept"] == "application/json"


def test_v3_paging_follows_meta_pagination(bc, make_client):
    records = [product(i) for i in range(1, 601)]

    @bc.route("GET", "/v3/catalog/products")
    def _(request, match):
        params = qs(request)
        number, size = int(params["page"]), int(params["limit"])
        chunk = records[(number - 1) * size : number * size]
        return httpx.Response(200, json=page(chunk, number, 3, size, len(records)))

    found = list(make_client().products.iterate({"id:in": [1, 2, 3], "is_visible": True}))
    assert [p["id"] for p in found] == list(range(1, 601))
    assert [qs(r)["page"] for r in bc.requests] == ["1", "2", "3"]
    assert qs(bc.requests[0])["limit"] == "250"
    assert qs(bc.requests[0])["id:in"] == "1,2,3"
    assert qs(bc.requests[0])["is_visible"] == "true"


def test_including_options_caps_the_page_at_10(bc, make_client):
    @bc.route("GET", "/v3/catalog/products")
    def _(request, match):
        return httpx.Response(200, json=page([], 1, 0, 10, 0))

    assert list(make_client().products.iterate(include=["variants", "options"])) == []
    assert qs(bc.requests[0])["limit"] == "10"


def test_v2_paging_stops_on_a_short_page(bc, make_client):
    orders = [{"id": i, "status_id": 11} for i in range(1, 301)]

    @bc.route("GET", "/v2/orders")
    def _(request, match):
        params = qs(request)
        number, size = int(params["page"]), int(params["limit"])
        return httpx.Response(200, json=orders[(number - 1) * size : number * size])

    found = list(
        make_client().orders.iterate(min_date_modified="2026-01-01T00:00:00Z", status_id=11)
    )
    assert len(found) == 300
    assert len(bc.requests) == 2
    first = qs(bc.requests[0])
    assert first["min_date_modified"] == "2026-01-01T00:00:00Z"
    assert first["sort"] == "date_modified:asc" and first["status_id"] == "11"


def test_v2_empty_list_answers_204(bc, make_client):
    @bc.route("GET", "/v2/orders/(\\d+)/shipments")
    def _(request, match):
        return httpx.Response(204)

    assert make_client().orders.shipments(100) == []


def test_product_batch_update_sends_at_most_10(bc, make_client):
    @bc.route("PUT", "/v3/catalog/products")
    def _(request, match):
        body = json.loads(request.content)
        return httpx.Response(200, json={"data": [product(p["id"]) for p in body], "meta": {}})

    client = make_client()
    result = client.products.update_many([{"id": i, "price": 5} for i in range(1, 24)])
    assert [len(body) for body in bc.bodies("PUT")] == [10, 10, 3]
    assert len(result.data) == 23 and result.calls == 3 and result.errors == []
    with pytest.raises(ValueError, match="no variants"):
        client.products.update_many([{"id": 1, "variants": []}])


def test_variant_batch_update_sends_at_most_50(bc, make_client):
    @bc.route("PUT", "/v3/catalog/variants")
    def _(request, match):
        return httpx.Response(200, json={"data": [], "meta": {}})

    make_client().variants.update_many([{"id": i, "price": 2} for i in range(120)])
    assert [len(body) for body in bc.bodies("PUT")] == [50, 50, 20]


def test_customer_writes_send_at_most_10_and_keep_partial_errors(bc, make_client):
    @bc.route("POST", "/v3/customers")
    def _(request, match):
        body = json.loads(request.content)
        data = [{"id": i, **c} for i, c in enumerate(body, 1) if c["email"] != "taken@example.com"]
        if len(data) == len(body):
            return httpx.Response(200, json={"data": data, "meta": {}})
        return httpx.Response(
            422,
            json={
                "status": 422,
                "title": "Unable to create customers",
                "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
                "errors": {"0.email": "Email 'taken@example.com' already in use"},
            },
        )

    customers = [
        {"first_name": "A", "last_name": "B", "email": f"c{i}@example.com"} for i in range(25)
    ]
    result = make_client().customers.create_many(customers)
    assert [len(b) for b in bc.bodies("POST")] == [10, 10, 5]
    assert len(result.data) == 25


def test_batch_207_partial_success_keeps_bigcommerce_errors(bc, make_client):
    @bc.route("POST", "/v3/catalog/trees/categories")
    def _(request, match):
        return httpx.Response(
            207,
            json={
                "data": [{"category_id": 5, "name": "Bath", "tree_id": 1, "parent_id": 0}],
                "errors": [
                    {"status": 422, "title": "Category name already exists", "type": "about:blank"}
                ],
                "meta": {"total": 2, "success": 1, "failed": 1},
            },
        )

    result = make_client().category_trees.create_categories(
        [
            {"name": "Bath", "tree_id": 1, "parent_id": 0},
            {"name": "Bath", "tree_id": 1, "parent_id": 0},
        ]
    )
    assert [c["category_id"] for c in result.data] == [5]
    assert result.errors[0]["title"] == "Category name already exists"


def test_category_writes_are_cut_into_arrays_of_50(bc, make_client):
    @bc.route("PUT", "/v3/catalog/trees/categories")
    def _(request, match):
        return httpx.Response(200, json={"data": [], "meta": {}})

    make_client().category_trees.update_categories(
        [{"category_id": i, "name": f"C{i}"} for i in range(1, 121)]
    )
    assert [len(b) for b in bc.bodies("PUT")] == [50, 50, 20]


def test_absolute_inventory_in_2000s_grouped_by_location(bc, make_client):
    @bc.route("PUT", "/v3/inventory/adjustments/absolute")
    def _(request, match):
        return httpx.Response(200, json={"transaction_id": f"t{len(bc.requests)}"})

    items = [{"location_id": 1 + i % 2, "sku": f"S{i}", "quantity": i} for i in range(4500)]
    transactions = make_client().inventory.adjust_absolute(items, reason="ERP sync")
    bodies = bc.bodies("PUT")
    assert [len(b["items"]) for b in bodies] == [2000, 2000, 500]
    assert {i["location_id"] for i in bodies[0]["items"]} == {1}  # grouped: location 1 first
    assert bodies[0]["reason"] == "ERP sync"
    assert transactions == ["t1", "t2", "t3"]


def test_order_resources_use_the_documented_paths(bc, make_client):
    @bc.route("PUT", "/v2/orders/(\\d+)")
    def _(request, match):
        return httpx.Response(200, json={"id": int(match[1]), **json.loads(request.content)})

    @bc.route("GET", "/v2/order_statuses")
    def _(request, match):
        return httpx.Response(
            200, json=[{"id": 0, "name": "Incomplete", "custom_label": "", "order": 0}]
        )

    @bc.route("POST", "/v3/orders/(\\d+)/payment_actions/refund_quotes")
    def _(request, match):
        return httpx.Response(
            201,
            json={
                "data": {"order_id": 100, "total_refund_amount": 10, "refund_methods": []},
                "meta": {},
            },
        )

    client = make_client()
    assert client.orders.update_status(100, 2)["status_id"] == 2
    assert client.orders.statuses()[0]["name"] == "Incomplete"
    quote = client.refunds.quote(100, [{"item_type": "PRODUCT", "item_id": 1, "quantity": 1}])
    assert quote["total_refund_amount"] == 10


def test_helpers():
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert query({"a": [1, 2], "b": None, "c": False, "d": "x"}) == {
        "a": "1,2",
        "c": "false",
        "d": "x",
    }


def test_workers_share_one_http_client_per_process():
    a = BigCommerceClient("s1", "t1")
    b = BigCommerceClient("s2", "t2")
    assert a.http is b.http is shared_http()
    # the pool is shared; each client sends with its own timeout (the settings page uses 3 s)
    quick = BigCommerceClient("s3", "t3", timeout=3)
    assert quick.http is a.http and (a.timeout.read, quick.timeout.read) == (20.0, 3.0)
    a.close()
    assert not a.http.is_closed  # the shared pool outlives one store's client


def test_client_for_reads_the_app_config(redis_url):
    import redis as redis_lib

    from bcapp.bigcommerce.budget_redis import RedisBudget
    from bcapp.bigcommerce.client import client_for
    from bcapp.bigcommerce.ratelimit import LocalBudget

    config = {"BC_API_URL": "http://localhost:5001", "HTTP_TIMEOUT": "7"}
    shared = client_for("s1", "t", config, redis=redis_lib.Redis.from_url(redis_url))
    assert shared.store_url == "http://localhost:5001/stores/s1"
    assert shared.timeout.read == 7.0
    assert isinstance(shared.budget, RedisBudget) and shared.budget.key.endswith(":s1")
    assert isinstance(client_for("s1", "t", {}).budget, LocalBudget)


def test_v3_paging_without_pagination_meta_stops_on_a_short_page(bc, make_client):
    hooks = [
        {"id": i, "scope": "store/order/created", "destination": f"https://h.example.com/{i}"}
        for i in range(1, 301)
    ]

    @bc.route("GET", "/v3/hooks")
    def _(request, match):
        number, size = int(qs(request)["page"]), int(qs(request)["limit"])
        return httpx.Response(
            200, json={"data": hooks[(number - 1) * size : number * size], "meta": {}}
        )

    assert len(list(make_client().hooks.iterate())) == 300
    assert len(bc.requests) == 2
