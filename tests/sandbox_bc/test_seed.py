"""The seed: deterministic, and it contains the cases integrations get wrong."""

from __future__ import annotations

import httpx

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock


def seeded_api(seed: int = 42) -> tuple[BigCommerceSandbox, httpx.Client]:
    sb = BigCommerceSandbox(clock=SandboxClock(speed=0, start=1_700_000_000))
    store = sb.create_store("seed1", plan="unlimited")
    sb.seed(store, seed=seed)
    client = httpx.Client(
        transport=httpx.WSGITransport(app=sb.wsgi_app),
        base_url="https://api.bigcommerce.com/stores/seed1",
        headers={"X-Auth-Token": store.access_token},
    )
    return sb, client


def snapshot(client: httpx.Client) -> dict:
    return {
        "products": client.get("/v3/catalog/products?include=variants,images&limit=250").json(),
        "customers": client.get("/v3/customers?include=addresses").json(),
        "orders": client.get("/v2/orders").json(),
        "lines": [
            client.get(f"/v2/orders/{o['id']}/products").json()
            for o in client.get("/v2/orders").json()
        ],
    }


def test_same_seed_same_store_other_seed_other_store() -> None:
    first, second, other = (snapshot(seeded_api(s)[1]) for s in (42, 42, 7))
    assert first == second
    assert first["products"] != other["products"]


def test_catalog_has_variants_images_and_a_digital_product() -> None:
    _, api = seeded_api()
    products = api.get("/v3/catalog/products?include=variants,images").json()["data"]
    assert len(products) == 12
    assert any(len(p["variants"]) > 1 for p in products)
    assert all(p["images"] for p in products)
    assert [p["type"] for p in products].count("digital") == 1


def test_orders_cover_the_tricky_cases() -> None:
    _, api = seeded_api()
    orders = api.get("/v2/orders").json()
    billing = [o["billing_address"] for o in orders]
    assert {"Zoë Ødegård", "Guest Shopper"} <= {
        f"{b['first_name']} {b['last_name']}" for b in billing
    }
    assert "東京" in {b["city"] for b in billing}
    assert any(o["customer_id"] == 0 for o in orders)  # guest checkout
    assert any(b["company"] for b in billing)
    assert any(o["order_is_digital"] and o["shipping_address_count"] == 0 for o in orders)
    coupon = next(o for o in orders if o["coupon_discount"] != "0.0000")
    assert coupon["discount_amount"] != "0.0000"
    assert api.get(f"/v2/orders/{coupon['id']}/coupons").json()[0]["code"] == "WELCOME5"
    assert any(o["shipping_address_count"] == 2 for o in orders)
    assert {"Bank Deposit", "Cash on Delivery", "Credit Card"} <= {
        o["payment_method"] for o in orders
    }
    assert len({o["status_id"] for o in orders}) >= 5


def test_two_address_order_splits_its_lines() -> None:
    _, api = seeded_api()
    order = next(o for o in api.get("/v2/orders").json() if o["shipping_address_count"] == 2)
    lines = api.get(f"/v2/orders/{order['id']}/products").json()
    addresses = api.get(f"/v2/orders/{order['id']}/shipping_addresses").json()
    assert {line["order_address_id"] for line in lines} == {a["id"] for a in addresses}


def test_seed_counts_are_adjustable() -> None:
    sb = BigCommerceSandbox(clock=SandboxClock(speed=0))
    store = sb.create_store("small1")
    ids = sb.seed(store, products=3, customers=2, orders=12)
    assert [len(ids[k]) for k in ("products", "customers", "orders")] == [3, 2, 12]
