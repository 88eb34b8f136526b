"""Inventory v3: absolute and relative adjustments (at most 2000 items) and inventory items.

Items are named by ``sku``, ``variant_id`` or ``product_id`` at a location
(1 by default). Absolute quantities must lie within 0..2,147,483,647 (the
Inventory API rejects what the Catalog API would clamp); a relative adjustment
that would take stock below zero is refused. The whole request is validated
before anything changes; the catalog's ``inventory_level`` follows at once.
"""

from __future__ import annotations

import uuid
from typing import Any

from bcapp.sandbox.bigcommerce import stock
from bcapp.sandbox.bigcommerce.catalog import touch
from bcapp.sandbox.bigcommerce.errors import unprocessable
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

ADJUSTMENT_MAX = 2000
ITEMS_PAGE_MAX = 1000


def resolve(store: SandboxStore, item: dict[str, Any], index: int) -> dict[str, Any]:
    """The variant an adjustment item names (the base variant for a product)."""
    if "variant_id" in item:
        variant = store.variants.get(item["variant_id"])
    elif "product_id" in item:
        product = store.products.get(item["product_id"])
        base = product and product.get("base_variant_id")
        variant = store.variants.get(base) if base else None
        if product and not base:
            raise unprocessable(
                f"Product {item['product_id']} has variants; adjust them by variant_id or sku.",
                **{f"items[{index}].product_id": "has variants"},
            )
    elif "sku" in item:
        variant = _by_sku(store, str(item["sku"]))
    else:
        raise unprocessable(
            "Each item needs a sku, variant_id or product_id.", **{f"items[{index}]": "no identity"}
        )
    if variant is None:
        raise unprocessable("The item was not found.", **{f"items[{index}]": "not found"})
    return variant


def _by_sku(store: SandboxStore, sku: str) -> dict[str, Any] | None:
    """The variant with ``sku``; a product's own SKU names its base variant."""
    owners = store.sku_owners(sku)
    for kind, owner_id in sorted(owners, key=lambda o: o[0] != "variant"):
        if kind == "variant" and store.variants[owner_id]["sku"] == sku:
            return store.variants[owner_id]
        product = store.products.get(owner_id) if kind == "product" else None
        if product and product["sku"] == sku and product.get("base_variant_id"):
            return store.variants[product["base_variant_id"]]
    return None


def _plan(call: Call, relative: bool) -> list[tuple[dict, tuple[str, int], int, int]]:
    body = call.json_object()
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise unprocessable("items must be a non-empty array.", items="required")
    if len(items) > ADJUSTMENT_MAX:
        raise unprocessable(f"At most {ADJUSTMENT_MAX} items per request.", items="too many")
    store = call.store
    plan: list[Any] = []
    pending: dict[Any, Any] = {}
    for index, item in enumerate(items):
        variant = resolve(store, item, index)
        location_id = int(item.get("location_id") or stock.DEFAULT_LOCATION)
        if location_id not in store.locations:
            raise unprocessable(
                f"Location {location_id} does not exist.",
                **{f"items[{index}].location_id": "not found"},
            )
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise unprocessable(
                "quantity must be an integer.", **{f"items[{index}].quantity": "invalid"}
            )
        key = stock.holder(store, variant)
        current = pending.get((key, location_id), stock.level(store, key, location_id))
        target = current + quantity if relative else quantity
        if target < 0 or target > stock.MAX_QUANTITY:
            raise unprocessable(
                "The quantity is out of bounds (0 to 2147483647)"
                + (" or there is not enough stock." if relative else "."),
                **{f"items[{index}].quantity": "out of bounds"},
            )
        pending[(key, location_id)] = target
        plan.append((variant, key, location_id, target))
    return plan


def _apply(store: SandboxStore, plan: list, relative: bool, call: Call) -> Reply:
    method = "relative" if relative else "absolute"
    for variant, key, location_id, target in plan:
        before = stock.level(store, key, location_id)
        stock.set_level(store, key, target, location_id)
        touch(store, store.products[variant["product_id"]])
        value = target - before if relative else target
        inventory = {"product_id": variant["product_id"], "method": method, "value": value}
        if key[0] == "variant":
            store.emit(
                "store/sku/inventory/updated",
                {
                    "type": "sku",
                    "id": variant["id"],
                    "inventory": {**inventory, "variant_id": variant["id"]},
                },
            )
        else:
            store.emit(
                "store/product/inventory/updated",
                {"type": "product", "id": variant["product_id"], "inventory": inventory},
            )
    return Reply(200, {"transaction_id": str(uuid.uuid4())})


def absolute(call: Call) -> Reply:
    return _apply(call.store, _plan(call, relative=False), False, call)


def relative(call: Call) -> Reply:
    return _apply(call.store, _plan(call, relative=True), True, call)


def _item(store: SandboxStore, variant: dict[str, Any], locations: list[int] | None) -> dict:
    key = stock.holder(store, variant)
    rows = []
    for location in store.locations.values():
        if locations is not None and location["id"] not in locations:
            continue
        quantity = stock.level(store, key, location["id"])
        rows.append(
            {
                "location_id": location["id"],
                "location_code": location["code"],
                "location_name": location.get("name", "Default location"),
                "available_to_sell": quantity,
                "total_inventory_onhand": quantity,
                "location_enabled": True,
                "settings": {
                    "safety_stock": 0,
                    "is_in_stock": quantity > 0,
                    "warning_level": variant.get("inventory_warning_level") or 0,
                    "bin_picking_number": variant.get("bin_picking_number") or "",
                },
            }
        )
    identity = {
        "sku": variant["sku"],
        "variant_id": variant["id"],
        "product_id": variant["product_id"],
    }
    if not variant.get("_base"):  # a base variant has no v2 SKU id (non-nullable in the spec)
        identity["sku_id"] = variant["sku_id"]
    return {"identity": identity, "locations": rows}


def items(call: Call) -> Reply:
    store = call.store
    skus, variants, products = call.strings("sku"), call.ids("variant_id"), call.ids("product_id")
    locations = call.ids("location_id")
    rows = [
        _item(store, v, locations)
        for v in sorted(store.variants.values(), key=lambda v: v["id"])
        if (skus is None or v["sku"] in skus)
        and (variants is None or v["id"] in variants)
        and (products is None or v["product_id"] in products)
    ]
    limit = call.query.get("limit", "50")
    if limit.isdigit() and 250 < int(limit) <= ITEMS_PAGE_MAX:  # this list pages up to 1000
        return _big_page(call, rows, int(limit))
    return v3_page(call, rows)


def _big_page(call: Call, rows: list[dict], limit: int) -> Reply:
    page = int(call.query.get("page", 1))
    chunk = rows[(page - 1) * limit : page * limit]
    total_pages = max(1, -(-len(rows) // limit))
    pagination = {
        "total": len(rows),
        "count": len(chunk),
        "per_page": limit,
        "current_page": page,
        "total_pages": total_pages,
        "links": {"current": f"?page={page}&limit={limit}"},
    }
    return Reply(200, {"data": chunk, "meta": {"pagination": pagination}})


def list_locations(call: Call) -> Reply:
    rows = [
        {
            "id": loc["id"],
            "code": loc["code"],
            "label": loc.get("name", "Default location"),
            "description": "",
            "managed_by_external_source": False,
            "type_id": "PHYSICAL",
            "enabled": True,
            "operating_hours": {},
            "time_zone": "Europe/Amsterdam",
            "address": None,
            "storefront_visibility": True,
        }
        for loc in call.store.locations.values()
    ]
    return v3_page(call, rows)


ROUTES = [
    Route("PUT", "/v3/inventory/adjustments/absolute", absolute),
    Route("POST", "/v3/inventory/adjustments/relative", relative),
    Route("GET", "/v3/inventory/items", items),
    Route("GET", "/v3/inventory/locations", list_locations),
]
