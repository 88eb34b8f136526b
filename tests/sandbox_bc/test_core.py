"""Auth, error shapes, rate limits, injected failures and paging."""

from __future__ import annotations

import httpx
import pytest

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxStore
from bcapp.sandbox.bigcommerce.errors import STATUS_DOC
from tests.sandbox_bc.conftest import product_body

RATE_HEADERS = (
    "X-Rate-Limit-Requests-Left",
    "X-Rate-Limit-Time-Reset-Ms",
    "X-Rate-Limit-Requests-Quota",
    "X-Rate-Limit-Time-Window-Ms",
)


def test_missing_or_unknown_token_is_401_in_v3_shape(api: httpx.Client) -> None:
    for headers in ({"X-Auth-Token": ""}, {"X-Auth-Token": "nope"}):
        response = api.get("/v3/catalog/products", headers=headers)
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == 401 and body["type"] == STATUS_DOC and body["title"]


def test_token_of_another_store_is_refused(sb: BigCommerceSandbox, api: httpx.Client) -> None:
    other = sb.create_store("other9")
    response = api.get("/v3/catalog/products", headers={"X-Auth-Token": other.access_token})
    assert response.status_code == 403


def test_v2_errors_are_a_json_array(api: httpx.Client) -> None:
    response = api.get("/v2/orders/999")
    assert response.status_code == 404
    assert response.json() == [{"status": 404, "message": "The requested order was not found."}]


def test_malformed_json_is_400_in_each_shape(sb: BigCommerceSandbox, api: httpx.Client) -> None:
    sb.seed(sb.stores["abc123"], products=2, customers=1, orders=1)
    v3 = api.post(
        "/v3/catalog/products", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert v3.status_code == 400 and v3.json()["status"] == 400 and v3.json()["type"]
    v2 = api.put("/v2/orders/101", content=b"[", headers={"Content-Type": "application/json"})
    assert v2.status_code == 400
    assert v2.json()[0]["status"] == 400 and "JSON" in v2.json()[0]["message"]


def test_every_answer_carries_the_rate_headers(api: httpx.Client) -> None:
    ok = api.get("/v3/catalog/products")
    missing = api.get("/v3/catalog/products/4242")
    for response in (ok, missing):
        assert all(name in response.headers for name in RATE_HEADERS)
    assert ok.headers["X-Rate-Limit-Requests-Quota"] == "150"
    assert missing.headers["X-Rate-Limit-Requests-Left"] == "148"


def test_quota_spent_gives_429_until_the_window_resets(
    sb: BigCommerceSandbox,
    store: SandboxStore,
    api: httpx.Client,
) -> None:
    api.get("/v3/catalog/products")
    sb.clock.advance(10)
    store.consume_quota(149)  # other apps on the same store
    response = api.get("/v3/catalog/products")
    assert response.status_code == 429
    assert response.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert response.headers["X-Rate-Limit-Time-Reset-Ms"] == "20000"
    sb.clock.advance(20)
    again = api.get("/v3/catalog/products")
    assert again.status_code == 200
    assert again.headers["X-Rate-Limit-Requests-Left"] == "149"


def test_plans_set_the_quota(sb: BigCommerceSandbox) -> None:
    assert sb.create_store("pro1", plan="pro").rate.quota == 450
    assert sb.create_store("ent1", plan="enterprise", quota=900).rate.quota == 900
    with pytest.raises(ValueError):
        sb.create_store("bad1", plan="gold")


def test_injected_5xx_and_timeouts(
    sb: BigCommerceSandbox, store: SandboxStore, api: httpx.Client
) -> None:
    store.fail_next(1, status=503)
    assert api.get("/v3/catalog/products").status_code == 503
    assert api.get("/v3/catalog/products").status_code == 200
    store.fail_next(1, timeout=True)
    with httpx.Client(
        transport=sb.transport(),
        base_url="https://api.bigcommerce.com/stores/abc123",
        headers={"X-Auth-Token": store.access_token},
    ) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/v3/catalog/products")
        assert client.get("/v3/catalog/products").status_code == 200


def test_v3_paging_meta_and_limit_bounds(api: httpx.Client) -> None:
    for n in range(7):
        assert (
            api.post("/v3/catalog/products", json=product_body(f"P{n}", f"SKU{n}")).status_code
            == 200
        )
    page = api.get("/v3/catalog/products", params={"page": 3, "limit": 3}).json()
    assert [p["sku"] for p in page["data"]] == ["SKU6"]
    pagination = page["meta"]["pagination"]
    assert pagination | {"links": None} == {
        "total": 7,
        "count": 1,
        "per_page": 3,
        "current_page": 3,
        "total_pages": 3,
        "links": None,
    }
    assert "next" not in pagination["links"] and "previous" in pagination["links"]
    assert api.get("/v3/catalog/products", params={"limit": 251}).status_code == 422
    assert api.get("/v3/catalog/products", params={"limit": 250}).status_code == 200


def test_unknown_path_and_wrong_method(api: httpx.Client) -> None:
    assert api.get("/v3/nothing/here").status_code == 404
    assert api.patch("/v3/catalog/products").status_code == 405


def test_quota_holds_under_concurrent_clients(sb: BigCommerceSandbox, store: SandboxStore) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def get(_: int) -> int:
        with httpx.Client(
            transport=httpx.WSGITransport(app=sb.wsgi_app),
            base_url="https://api.bigcommerce.com/stores/abc123",
            headers={"X-Auth-Token": store.access_token},
        ) as client:
            return client.get("/v2/store").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(get, range(200)))
    assert (statuses.count(200), statuses.count(429)) == (150, 50)
