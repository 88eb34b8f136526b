"""Catalog v3: products, variants, options, images, custom fields, taxonomy, channels."""

from __future__ import annotations

import httpx

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxStore
from tests.sandbox_bc.conftest import product_body

SHIRT_VARIANTS = [
    {
        "sku": f"SH-{c}-{s}",
        "inventory_level": 3,
        "option_values": [
            {"option_display_name": "Colour", "label": c},
            {"option_display_name": "Size", "label": s},
        ],
    }
    for c in ("Red", "Blue")
    for s in ("S", "M")
]


def create(api: httpx.Client, **body: object) -> dict:
    response = api.post("/v3/catalog/products", json=product_body(**body))
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_create_with_variants_builds_options_and_stock(api: httpx.Client) -> None:
    product = create(api, inventory_tracking="variant", variants=SHIRT_VARIANTS)
    assert "base_variant_id" not in product  # only products without options have one
    assert [v["sku"] for v in product["variants"]] == [v["sku"] for v in SHIRT_VARIANTS]
    assert product["inventory_level"] == 12
    options = api.get(f"/v3/catalog/products/{product['id']}/options").json()["data"]
    assert {o["display_name"]: len(o["option_values"]) for o in options} == {"Colour": 2, "Size": 2}


def test_product_without_options_has_a_base_variant(api: httpx.Client) -> None:
    product = create(api, inventory_level=7)
    variants = api.get(f"/v3/catalog/products/{product['id']}/variants").json()["data"]
    assert [(v["id"], v["sku"], v["option_values"]) for v in variants] == [
        (product["base_variant_id"], "SH-1", [])
    ]
    assert variants[0]["inventory_level"] == 7


def test_duplicates_are_409_and_bad_values_422(api: httpx.Client) -> None:
    create(api)
    dup_name = api.post("/v3/catalog/products", json=product_body(sku="OTHER"))
    dup_sku = api.post("/v3/catalog/products", json=product_body(name="Other"))
    assert (dup_name.status_code, dup_sku.status_code) == (409, 409)
    assert "sku" in dup_sku.json()["errors"]
    too_long = api.post("/v3/catalog/products", json=product_body("x" * 251, "X1"))
    negative = api.post("/v3/catalog/products", json=product_body("Neg", "N1", price=-1))
    missing = api.post("/v3/catalog/products", json={"name": "Only a name"})
    assert too_long.status_code == negative.status_code == missing.status_code == 422
    assert set(missing.json()["errors"]) == {"type", "weight", "price"}
    bad_categories = api.post("/v3/catalog/products", json=product_body("C", "C1", categories="4"))
    assert bad_categories.status_code == 422
    assert api.post("/v3/catalog/products", json=product_body("x" * 250, "X2")).status_code == 200


def test_variant_sku_must_be_unique_store_wide(api: httpx.Client) -> None:
    create(api)
    clash = [{**SHIRT_VARIANTS[0], "sku": "SH-1"}]
    response = api.post("/v3/catalog/products", json=product_body("Two", "T-2", variants=clash))
    assert response.status_code == 409


def test_batch_update_limits_and_refuses_variants(api: httpx.Client) -> None:
    ids = [create(api, name=f"P{i}", sku=f"P{i}")["id"] for i in range(11)]
    too_many = api.put("/v3/catalog/products", json=[{"id": i, "price": 1} for i in ids])
    assert too_many.status_code == 413
    assert "10" in too_many.json()["title"]
    with_variants = api.put("/v3/catalog/products", json=[{"id": ids[0], "variants": []}])
    assert with_variants.status_code == 422
    ok = api.put("/v3/catalog/products", json=[{"id": i, "price": 2.5} for i in ids[:10]])
    assert ok.status_code == 200 and {p["price"] for p in ok.json()["data"]} == {2.5}


def test_variant_batch_update_max_50(api: httpx.Client, store: SandboxStore) -> None:
    product = create(api, variants=SHIRT_VARIANTS)
    ids = [v["id"] for v in product["variants"]]
    response = api.put("/v3/catalog/variants", json=[{"id": ids[0], "price": 1}] * 51)
    assert response.status_code == 413
    response = api.put("/v3/catalog/variants", json=[{"id": i, "price": 9.5} for i in ids])
    assert response.status_code == 200
    assert {v["calculated_price"] for v in response.json()["data"]} == {9.5}
    assert [e["scope"] for e in store.events].count("store/sku/updated") == 4


def test_list_filters_and_includes(sb: BigCommerceSandbox, api: httpx.Client) -> None:
    first = create(api, name="A", sku="A1")
    sb.clock.advance(3600)
    second = create(
        api,
        name="B",
        sku="B1",
        variants=SHIRT_VARIANTS[:1],
        images=[{"image_url": "https://img.example.com/b.jpg"}],
        custom_fields=[{"name": "Material", "value": "Wool"}],
    )

    def skus(**params: str) -> list[str]:
        return [p["sku"] for p in api.get("/v3/catalog/products", params=params).json()["data"]]

    assert skus(**{"id:in": f"{first['id']},{second['id']}"}) == ["A1", "B1"]
    assert skus(sku="B1") == ["B1"] and skus(**{"sku:in": "A1,B1"}) == ["A1", "B1"]
    assert skus(**{"date_modified:min": second["date_modified"]}) == ["B1"]
    full = api.get(
        f"/v3/catalog/products/{second['id']}", params={"include": "variants,images,custom_fields"}
    ).json()["data"]
    assert full["images"][0]["is_thumbnail"] and full["custom_fields"][0]["value"] == "Wool"
    slim = api.get("/v3/catalog/products", params={"include_fields": "name"}).json()["data"]
    assert slim[0] == {"id": first["id"], "name": "A"}


def test_update_touches_date_modified_and_emits(
    sb: BigCommerceSandbox, api: httpx.Client, store: SandboxStore
) -> None:
    product = create(api)
    sb.clock.advance(60)
    updated = api.put(f"/v3/catalog/products/{product['id']}", json={"price": 25}).json()["data"]
    assert updated["price"] == 25 and updated["date_modified"] > product["date_modified"]
    assert [e["scope"] for e in store.events] == ["store/product/created", "store/product/updated"]
    assert api.delete(f"/v3/catalog/products/{product['id']}").status_code == 204
    assert api.get(f"/v3/catalog/products/{product['id']}").status_code == 404


def test_images_and_custom_fields_one_per_request(
    sb: BigCommerceSandbox, api: httpx.Client
) -> None:
    product_id = create(api)["id"]
    image = api.post(
        f"/v3/catalog/products/{product_id}/images",
        json={"image_url": "https://img.example.com/a.jpg"},
    )
    assert image.status_code == 200 and image.json()["data"]["is_thumbnail"] is True
    assert api.post(f"/v3/catalog/products/{product_id}/images", json={}).status_code == 422
    url = f"/v3/catalog/products/{product_id}/custom-fields"
    for n in range(200):
        if n % 100 == 0:
            sb.clock.advance(30)  # stay inside the rate quota
        assert api.post(url, json={"name": f"f{n}", "value": "v"}).status_code == 200
    over = api.post(url, json={"name": "f200", "value": "v"})
    assert over.status_code == 422
    assert api.get(url, params={"limit": 250}).json()["meta"]["pagination"]["total"] == 200


def test_variant_crud_under_a_product(api: httpx.Client) -> None:
    product_id = create(api, variants=SHIRT_VARIANTS[:1])["id"]
    url = f"/v3/catalog/products/{product_id}/variants"
    assert api.post(url, json={"sku": "NOOPT"}).status_code == 422
    new = api.post(
        url,
        json={
            "sku": "SH-Green-S",
            "option_values": [
                {"option_display_name": "Colour", "label": "Green"},
                {"option_display_name": "Size", "label": "S"},
            ],
        },
    ).json()["data"]
    assert api.put(f"{url}/{new['id']}", json={"price": 3}).json()["data"]["price"] == 3
    assert api.delete(f"{url}/{new['id']}").status_code == 204
    assert len(api.get(url).json()["data"]) == 1


def test_brands_categories_and_trees(api: httpx.Client, store: SandboxStore) -> None:
    brand = api.post("/v3/catalog/brands", json={"name": "Acme"}).json()["data"]
    assert api.post("/v3/catalog/brands", json={"name": "Acme"}).status_code == 409
    created = api.post(
        "/v3/catalog/trees/categories", json=[{"name": "Clothing", "parent_id": 0, "tree_id": 1}]
    ).json()["data"]
    parent = created[0]["category_id"]
    child = api.post(
        "/v3/catalog/trees/categories", json=[{"name": "Shirts", "parent_id": parent, "tree_id": 1}]
    ).json()["data"][0]
    assert (
        api.post(
            "/v3/catalog/trees/categories", json=[{"name": "x" * 51, "parent_id": 0, "tree_id": 1}]
        ).status_code
        == 422
    )
    tree = api.get("/v3/catalog/trees/1/categories").json()["data"]
    assert tree[0]["children"][0]["name"] == "Shirts"
    legacy = api.get("/v3/catalog/categories").json()["data"]
    assert {c["name"] for c in legacy} == {"Clothing", "Shirts"}
    product = create(api, brand_id=brand["id"], categories=[child["category_id"]])
    assert product["categories"] == [child["category_id"]]
    assert (
        api.post("/v3/catalog/products", json=product_body("Z", "Z1", categories=[999])).status_code
        == 409
    )
    trees = api.put("/v3/catalog/trees", json=[{"name": "Second", "channels": [2]}] * 51)
    assert trees.status_code == 413
    api.delete("/v3/catalog/trees/categories", params={"category_id:in": str(parent)})
    assert store.categories == {}


def test_channel_assignments(api: httpx.Client, store: SandboxStore) -> None:
    store.channels[2] = {"id": 2, "name": "Second storefront"}
    product_id = create(api)["id"]
    url = "/v3/catalog/products/channel-assignments"
    assert api.get(url).json()["data"] == [{"product_id": product_id, "channel_id": 1}]
    assert api.put(url, json=[{"product_id": product_id, "channel_id": 2}]).status_code == 204
    assert api.put(url, json=[{"product_id": product_id, "channel_id": 9}]).status_code == 422
    listed = api.get("/v3/catalog/products", params={"channel_id:in": "2"}).json()["data"]
    assert [p["id"] for p in listed] == [product_id]
    api.delete(url, params={"product_id:in": str(product_id), "channel_id:in": "1"})
    assert api.get(url).json()["data"] == [{"product_id": product_id, "channel_id": 2}]


def test_renamed_and_deleted_products_free_their_name_and_sku(api: httpx.Client) -> None:
    first = create(api, name="Old", sku="OLD-1")
    api.put(f"/v3/catalog/products/{first['id']}", json={"name": "New", "sku": "NEW-1"})
    assert api.post("/v3/catalog/products", json=product_body("Old", "OLD-1")).status_code == 200
    assert api.post("/v3/catalog/products", json=product_body("X", "new-1")).status_code == 409
    base = api.get(f"/v3/catalog/products/{first['id']}/variants").json()["data"][0]
    assert base["sku"] == "NEW-1"  # the base variant follows its product
    api.delete(f"/v3/catalog/products/{first['id']}")
    assert api.post("/v3/catalog/products", json=product_body("New", "NEW-1")).status_code == 200


def test_variant_sku_change_is_tracked(api: httpx.Client) -> None:
    product = create(api, variants=SHIRT_VARIANTS[:2])
    first, second = product["variants"]
    url = f"/v3/catalog/products/{product['id']}/variants"
    assert api.put(f"{url}/{second['id']}", json={"sku": first["sku"]}).status_code == 409
    assert api.put(f"{url}/{first['id']}", json={"sku": "RENAMED"}).status_code == 200
    assert api.put(f"{url}/{second['id']}", json={"sku": first["sku"]}).status_code == 200
    stock = {"items": [{"location_id": 1, "sku": "RENAMED", "quantity": 4}]}
    assert api.put("/v3/inventory/adjustments/absolute", json=stock).status_code == 200
