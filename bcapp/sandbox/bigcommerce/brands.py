"""Catalog v3 brands, channels, and products' channel assignments.

A product must be assigned to a channel to be sold there; new products are
assigned to channel 1 (the default storefront). Brand names are unique.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.catalog import find_product
from bcapp.sandbox.bigcommerce.errors import ApiError, conflict, not_found, unprocessable
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, one, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

BRAND_FIELDS = (
    "name",
    "page_title",
    "meta_keywords",
    "meta_description",
    "image_url",
    "search_keywords",
    "custom_url",
)


# -- brands -------------------------------------------------------------------------
def _find_brand(store: SandboxStore, brand_id: int) -> dict[str, Any]:
    brand = store.brands.get(brand_id)
    if brand is None:
        raise not_found("brand")
    return brand


def create_brand(store: SandboxStore, body: dict[str, Any]) -> dict[str, Any]:
    """Create a brand; names are unique (409)."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise unprocessable("A brand needs a name.", name="required")
    if any(b["name"] == name for b in store.brands.values()):
        raise conflict("The brand name is a duplicate.", name="duplicate")
    brand_id = store.next_id("brand")
    brand = {
        "id": brand_id,
        "name": name,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "image_url": "",
        "search_keywords": "",
        "custom_url": {"url": f"/brands/{name.replace(' ', '-')}.html", "is_customized": False},
    }
    brand.update({k: body[k] for k in BRAND_FIELDS if k in body})
    store.brands[brand_id] = brand
    return brand


def list_brands(call: Call) -> Reply:
    ids = call.ids("id")
    rows = [
        dict(b)
        for b in call.store.brands.values()
        if (ids is None or b["id"] in ids)
        and ("name" not in call.query or b["name"] == call.query["name"])
    ]
    return v3_page(call, rows)


def post_brand(call: Call) -> Reply:
    return one(create_brand(call.store, call.json_object()))


def get_brand(call: Call) -> Reply:
    return one(_find_brand(call.store, call.params["brand_id"]))


def put_brand(call: Call) -> Reply:
    brand = _find_brand(call.store, call.params["brand_id"])
    body = call.json_object()
    if "name" in body and any(
        b["name"] == body["name"] and b["id"] != brand["id"] for b in call.store.brands.values()
    ):
        raise conflict("The brand name is a duplicate.", name="duplicate")
    brand.update({k: body[k] for k in BRAND_FIELDS if k in body})
    return one(brand)


def delete_brand(call: Call) -> Reply:
    _find_brand(call.store, call.params["brand_id"])
    del call.store.brands[call.params["brand_id"]]
    for product in call.store.products.values():
        if product["brand_id"] == call.params["brand_id"]:
            product["brand_id"] = 0
    return Reply(204)


# -- channels and channel assignments -----------------------------------------------
def list_assignments(call: Call) -> Reply:
    products, channels = call.ids("product_id"), call.ids("channel_id")
    rows = [
        {"product_id": p, "channel_id": c}
        for p, c in sorted(call.store.channel_assignments)
        if (products is None or p in products) and (channels is None or c in channels)
    ]
    return v3_page(call, rows)


def put_assignments(call: Call) -> Reply:
    items = call.json_list(10_000, "assignments")
    for item in items:
        find_product(call.store, int(item.get("product_id") or 0))
        if item.get("channel_id") not in call.store.channels:
            raise unprocessable(
                f"Channel {item.get('channel_id')} does not exist.", channel_id="does not exist"
            )
    call.store.channel_assignments |= {(i["product_id"], i["channel_id"]) for i in items}
    return Reply(204)


def delete_assignments(call: Call) -> Reply:
    products, channels = call.ids("product_id"), call.ids("channel_id")
    if products is None and channels is None:
        raise ApiError(422, "A product_id:in or channel_id:in filter is required.")
    call.store.channel_assignments = {
        (p, c)
        for p, c in call.store.channel_assignments
        if not ((products is None or p in products) and (channels is None or c in channels))
    }
    return Reply(204)


def list_channels(call: Call) -> Reply:
    rows = [
        {
            "id": c["id"],
            "name": c["name"],
            "type": "storefront",
            "platform": "bigcommerce",
            "status": "active",
            "is_listable_from_ui": True,
            "is_visible": True,
        }
        for c in call.store.channels.values()
    ]
    return v3_page(call, rows)


ROUTES = [
    Route("GET", "/v3/catalog/brands", list_brands),
    Route("POST", "/v3/catalog/brands", post_brand),
    Route("GET", "/v3/catalog/brands/{brand_id}", get_brand),
    Route("PUT", "/v3/catalog/brands/{brand_id}", put_brand),
    Route("DELETE", "/v3/catalog/brands/{brand_id}", delete_brand),
    Route("GET", "/v3/catalog/products/channel-assignments", list_assignments),
    Route("PUT", "/v3/catalog/products/channel-assignments", put_assignments),
    Route("DELETE", "/v3/catalog/products/channel-assignments", delete_assignments),
    Route("GET", "/v3/channels", list_channels),
]
