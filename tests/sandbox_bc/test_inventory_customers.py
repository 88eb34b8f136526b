"""Inventory adjustments and items; customers and their addresses."""

from __future__ import annotations

import httpx

from bcapp.sandbox.bigcommerce import SandboxStore
from tests.sandbox_bc.conftest import product_body

VARIANTS = [
    {"sku": f"V-{s}", "option_values": [{"option_display_name": "Size", "label": s}]}
    for s in ("S", "M")
]


def _products(api: httpx.Client) -> tuple[dict, dict]:
    simple = api.post(
        "/v3/catalog/products", json=product_body("Simple", "SIMPLE", inventory_tracking="product")
    ).json()["data"]
    sized = api.post(
        "/v3/catalog/products",
        json=product_body("Sized", "SIZED", inventory_tracking="variant", variants=VARIANTS),
    ).json()["data"]
    return simple, sized


def _level(api: httpx.Client, product_id: int) -> int:
    return api.get(f"/v3/catalog/products/{product_id}").json()["data"]["inventory_level"]


def test_absolute_by_sku_variant_and_product(api: httpx.Client, store: SandboxStore) -> None:
    simple, sized = _products(api)
    body = {
        "reason": "count",
        "items": [
            {"location_id": 1, "sku": "V-S", "quantity": 4},
            {"location_id": 1, "variant_id": sized["variants"][1]["id"], "quantity": 6},
            {"location_id": 1, "product_id": simple["id"], "quantity": 9},
        ],
    }
    response = api.put("/v3/inventory/adjustments/absolute", json=body)
    assert response.status_code == 200 and response.json()["transaction_id"]
    assert (_level(api, simple["id"]), _level(api, sized["id"])) == (9, 10)
    scopes = [e["scope"] for e in store.events if "inventory" in e["scope"]]
    assert scopes == ["store/sku/inventory/updated"] * 2 + ["store/product/inventory/updated"]
    inventory = store.events[-1]["data"]["inventory"]
    assert inventory == {"product_id": simple["id"], "method": "absolute", "value": 9}


def test_relative_cannot_go_below_zero_and_nothing_changes(api: httpx.Client) -> None:
    simple, _ = _products(api)
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "sku": "SIMPLE", "quantity": 2}]},
    )
    bad = api.post(
        "/v3/inventory/adjustments/relative",
        json={
            "items": [
                {"location_id": 1, "sku": "V-S", "quantity": 5},
                {"location_id": 1, "sku": "SIMPLE", "quantity": -3},
            ]
        },
    )
    assert bad.status_code == 422 and bad.json()["status"] == 422
    assert _level(api, simple["id"]) == 2
    ok = api.post(
        "/v3/inventory/adjustments/relative",
        json={"items": [{"location_id": 1, "sku": "SIMPLE", "quantity": -2}]},
    )
    assert ok.status_code == 200 and _level(api, simple["id"]) == 0


def test_adjustment_bounds(api: httpx.Client) -> None:
    _, sized = _products(api)
    too_many = {"items": [{"location_id": 1, "sku": "SIMPLE", "quantity": 1}] * 2001}
    assert api.put("/v3/inventory/adjustments/absolute", json=too_many).status_code == 422
    just_enough = {"items": [{"location_id": 1, "sku": "SIMPLE", "quantity": 1}] * 2000}
    assert api.put("/v3/inventory/adjustments/absolute", json=just_enough).status_code == 200
    for quantity in (-1, 2_147_483_648):
        body = {"items": [{"location_id": 1, "sku": "SIMPLE", "quantity": quantity}]}
        assert api.put("/v3/inventory/adjustments/absolute", json=body).status_code == 422
    unknown = [{"location_id": 1, "sku": "NOPE", "quantity": 1}]
    assert api.put("/v3/inventory/adjustments/absolute", json={"items": unknown}).status_code == 422
    by_parent = [{"location_id": 1, "product_id": sized["id"], "quantity": 1}]
    assert (
        api.put("/v3/inventory/adjustments/absolute", json={"items": by_parent}).status_code == 422
    )
    elsewhere = [{"location_id": 7, "sku": "SIMPLE", "quantity": 1}]
    assert (
        api.put("/v3/inventory/adjustments/absolute", json={"items": elsewhere}).status_code == 422
    )


def test_inventory_items(api: httpx.Client) -> None:
    _products(api)
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "sku": "V-M", "quantity": 5}]},
    )
    items = api.get("/v3/inventory/items", params={"sku:in": "V-M,SIMPLE"}).json()["data"]
    by_sku = {i["identity"]["sku"]: i for i in items}
    assert by_sku["V-M"]["locations"][0]["available_to_sell"] == 5
    assert "sku_id" not in by_sku["SIMPLE"]["identity"]  # a base variant has none


# -- customers ---------------------------------------------------------------------
def customer(n: int, **extra: object) -> dict:
    return {"first_name": f"F{n}", "last_name": f"L{n}", "email": f"c{n}@example.com", **extra}


def test_create_batch_max_10_and_required_fields(api: httpx.Client) -> None:
    assert api.post("/v3/customers", json=[customer(n) for n in range(11)]).status_code == 413
    missing = api.post("/v3/customers", json=[{"email": "x@example.com"}])
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {"[0].first_name", "[0].last_name"}
    created = api.post("/v3/customers", json=[customer(n) for n in range(10)])
    assert created.status_code == 200 and len(created.json()["data"]) == 10


def test_email_unique_per_channel(api: httpx.Client, store: SandboxStore) -> None:
    store.channels[2] = {"id": 2, "name": "B2B"}
    assert api.post("/v3/customers", json=[customer(1, channel_ids=[1])]).status_code == 200
    same_channel = api.post("/v3/customers", json=[customer(1, channel_ids=[1])])
    other_channel = api.post("/v3/customers", json=[customer(1, channel_ids=[2])])
    global_access = api.post("/v3/customers", json=[customer(1)])
    assert (same_channel.status_code, other_channel.status_code) == (422, 200)
    assert global_access.status_code == 422
    found = api.get("/v3/customers", params={"email:in": "c1@example.com"}).json()["data"]
    assert sorted(c["channel_ids"][0] for c in found) == [1, 2]


def test_filters_update_and_addresses(sb, api: httpx.Client, store: SandboxStore) -> None:
    ids = [
        c["id"]
        for c in api.post(
            "/v3/customers",
            json=[
                customer(
                    1,
                    addresses=[
                        {
                            "first_name": "F1",
                            "last_name": "L1",
                            "address1": "Damrak 1",
                            "city": "Amsterdam",
                            "postal_code": "1012",
                            "country_code": "NL",
                        }
                    ],
                ),
                customer(2),
            ],
        ).json()["data"]
    ]
    sb.clock.advance(100)
    updated = api.put("/v3/customers", json=[{"id": ids[1], "company": "Acme"}]).json()["data"]
    assert updated[0]["company"] == "Acme"
    since = api.get("/v3/customers", params={"date_modified:min": updated[0]["date_modified"]})
    assert [c["id"] for c in since.json()["data"]] == [ids[1]]
    with_addresses = api.get("/v3/customers", params={"id:in": str(ids[0]), "include": "addresses"})
    address = with_addresses.json()["data"][0]["addresses"][0]
    assert address["country"] == "Netherlands" and address["customer_id"] == ids[0]
    added = api.post(
        "/v3/customers/addresses",
        json=[
            {
                "customer_id": ids[1],
                "first_name": "A",
                "last_name": "B",
                "address1": "Meir 1",
                "city": "Antwerpen",
                "country_code": "BE",
            }
        ],
    )
    assert added.status_code == 200
    assert (
        api.get("/v3/customers/addresses", params={"customer_id:in": str(ids[1])}).json()["meta"][
            "pagination"
        ]["total"]
        == 1
    )
    scopes = [e["scope"] for e in store.events]
    assert scopes.count("store/customer/address/created") == 2
    assert "store/customer/updated" in scopes
    assert api.delete("/v3/customers", params={"id:in": str(ids[0])}).status_code == 204
    assert api.get("/v3/customers").json()["meta"]["pagination"]["total"] == 1


def test_wrongly_shaped_bodies_are_422(api: httpx.Client) -> None:
    odd = api.post("/v3/customers", json=[customer(1, addresses="Damrak 1")])
    assert odd.status_code == 422 and odd.json()["status"] == 422
    assert api.get("/v3/customers").json()["meta"]["pagination"]["total"] == 0
