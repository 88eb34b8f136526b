"""Catalog v3 products: create one per request (with variants), list, get, update, delete.

The batch update takes at most 10 products and refuses ``variants`` (BigCommerce
dropped that in 2025); names and SKUs are unique per store (409 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bcapp.sandbox.bigcommerce import stock
from bcapp.sandbox.bigcommerce.clock import iso, parse_date
from bcapp.sandbox.bigcommerce.errors import ApiError, conflict, unprocessable
from bcapp.sandbox.bigcommerce.media import (
    add_custom_field,
    add_image,
    product_custom_fields,
    product_images,
)
from bcapp.sandbox.bigcommerce.options import (
    add_base_variant,
    add_variant,
    check_variant_skus,
    product_options,
    product_variants,
    update_variant_body,
)
from bcapp.sandbox.bigcommerce.product_fields import NUMBERS, PRODUCT_DEFAULTS, READ_ONLY
from bcapp.sandbox.bigcommerce.products import find_product, sku_taken, touch
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, one, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

PRODUCT_BATCH_MAX = 10
NAME_MAX = 250
PRODUCT_TYPES = ("physical", "digital")


# -- rendering ------------------------------------------------------------------
def render_product(store: SandboxStore, product: dict[str, Any], includes: set[str]) -> dict:
    """A product as the API shows it, with the requested sub-resources."""

    # the spec marks these fields non-nullable: an unset one is left out, not null
    data = {k: v for k, v in product.items() if not k.startswith("_") and v is not None}
    data["inventory_level"] = stock.product_level(store, product["id"])
    data["calculated_price"] = product.get("sale_price") or product["price"]
    if "variants" in includes:
        data["variants"] = product_variants(store, product["id"])
    if "images" in includes or "primary_image" in includes:
        images = product_images(store, product["id"])
        if "images" in includes:
            data["images"] = images
        if "primary_image" in includes:
            data["primary_image"] = next((i for i in images if i["is_thumbnail"]), None)
    if "custom_fields" in includes:
        data["custom_fields"] = product_custom_fields(store, product["id"])
    if "options" in includes:
        data["options"] = product_options(store, product["id"])
    if "channels" in includes:
        data["channels"] = sorted(c for p, c in store.channel_assignments if p == product["id"])
    return data


def select_fields(data: dict[str, Any], call: Call) -> dict[str, Any]:
    """Apply ``include_fields`` / ``exclude_fields`` (``id`` is always kept)."""
    wanted = [f for f in call.query.get("include_fields", "").split(",") if f]
    unwanted = {f for f in call.query.get("exclude_fields", "").split(",") if f} - {"id"}
    if wanted:
        keep = set(wanted) | {"id"} | (call.includes() & set(data))
        data = {k: v for k, v in data.items() if k in keep}
    return {k: v for k, v in data.items() if k not in unwanted}


# -- validation -------------------------------------------------------------------


def check_product(store: SandboxStore, body: dict[str, Any], product_id: int = 0) -> None:
    """422 for invalid values, 409 for duplicate name/SKU or unknown brand/category."""
    if "name" in body:
        name = body["name"]
        if not isinstance(name, str) or not name.strip():
            raise unprocessable("The product name is required.", name="name is required")
        if len(name) > NAME_MAX:
            raise unprocessable(
                f"The product name must be at most {NAME_MAX} characters.",
                name=f"must be at most {NAME_MAX} characters",
            )
        if store.product_names.get(name, product_id) != product_id:
            raise conflict(
                "The product name is a duplicate", name="The product name is a duplicate"
            )
    if body.get("type", "physical") not in PRODUCT_TYPES:
        raise unprocessable("The product type is invalid.", type="must be physical or digital")
    for field in NUMBERS:
        value = body.get(field)
        if field in body and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise unprocessable(
                f"The field {field} must be a number of 0 or more.", **{field: "invalid"}
            )
    if sku_taken(store, body.get("sku", ""), product_id=product_id):
        raise conflict("The product sku is a duplicate", sku="The product sku is a duplicate")
    _check_links(store, body)


def _check_links(store: SandboxStore, body: dict[str, Any]) -> None:
    brand_id = body.get("brand_id") or 0
    categories = body.get("categories") or []
    if (
        not isinstance(brand_id, int)
        or not isinstance(categories, list)
        or not all(isinstance(c, int) for c in categories)
    ):
        raise unprocessable(
            "brand_id must be an integer and categories a list of integers.", categories="invalid"
        )
    if brand_id and brand_id not in store.brands:
        raise conflict(f"Brand {brand_id} does not exist.", brand_id="does not exist")
    for category_id in body.get("categories") or []:
        if category_id not in store.categories:
            raise conflict(f"Category {category_id} does not exist.", categories="does not exist")


# -- writes -------------------------------------------------------------------------
def create_product(store: SandboxStore, body: dict[str, Any]) -> dict[str, Any]:
    """Create a product (and its variants, images, custom fields) as POST does."""

    missing = [f for f in ("name", "type", "weight", "price") if f not in body]
    if missing:
        raise unprocessable(
            "The request is missing required fields.", **{f: f"{f} is required" for f in missing}
        )
    check_product(store, body)
    check_variant_skus(store, body.get("variants") or [], body.get("sku", ""))
    product = _new_product(store, body)
    store.products[product["id"]] = product
    store.index_sku(product["sku"], ("product", product["id"]))
    store.product_names[product["name"]] = product["id"]
    variants = body.get("variants") or []
    if variants:
        product["base_variant_id"] = None
        for variant in variants:
            add_variant(store, product, variant, emit=False)
    else:
        add_base_variant(store, product)
    _initial_stock(store, product, body)
    for image in body.get("images") or []:
        add_image(store, product["id"], image)
    for field in body.get("custom_fields") or []:
        add_custom_field(store, product["id"], field)
    store.channel_assignments.add((product["id"], 1))
    store.emit("store/product/created", {"type": "product", "id": product["id"]})
    return product


def _new_product(store: SandboxStore, body: dict[str, Any]) -> dict[str, Any]:
    now = store.now()
    product_id = store.next_id("product")
    fields = {
        k: v
        for k, v in body.items()
        if k not in READ_ONLY | {"variants", "images", "custom_fields", "inventory_level"}
    }
    product = {**PRODUCT_DEFAULTS, "id": product_id, **fields}
    product["custom_url"] = body.get("custom_url") or {
        "url": f"/product-{product_id}/",
        "is_customized": False,
    }
    product.update(date_created=iso(now), date_modified=iso(now), _mtime=now)
    return product


def _initial_stock(store: SandboxStore, product: dict[str, Any], body: dict[str, Any]) -> None:
    if "inventory_level" in body:
        quantity = min(int(body["inventory_level"]), stock.MAX_QUANTITY)  # catalog clamps
        stock.set_level(store, ("product", product["id"]), quantity, stock.DEFAULT_LOCATION)


def update_product(store: SandboxStore, product: dict[str, Any], body: dict[str, Any]) -> None:
    """Apply a PUT body to a stored product."""
    check_product(store, body, product_id=product["id"])
    _reindex(store, product, body)
    for key, value in body.items():
        if key not in READ_ONLY | {"variants", "images", "custom_fields", "inventory_level"}:
            product[key] = value
    if "inventory_level" in body:
        _initial_stock(store, product, body)
    touch(store, product)
    store.emit("store/product/updated", {"type": "product", "id": product["id"]})


def _reindex(store: SandboxStore, product: dict[str, Any], body: dict[str, Any]) -> None:
    """Keep the name and SKU indexes (and the base variant's SKU) in step with an update."""
    if "name" in body and body["name"] != product["name"]:
        store.product_names.pop(product["name"], None)
        store.product_names[body["name"]] = product["id"]
    if "sku" in body and body["sku"] != product["sku"]:
        store.unindex_sku(product["sku"], ("product", product["id"]))
        store.index_sku(body["sku"], ("product", product["id"]))
        for variant in store.variants_of(product["id"]):
            if variant.get("_base"):
                store.unindex_sku(variant["sku"], ("variant", variant["id"]))
                variant["sku"] = body["sku"]
                store.index_sku(variant["sku"], ("variant", variant["id"]))


def delete_product(store: SandboxStore, product_id: int) -> None:
    """Remove a product with its variants, options, images, fields and stock."""
    product = find_product(store, product_id)
    del store.products[product_id]
    store.unindex_sku(product["sku"], ("product", product_id))
    store.product_names.pop(product["name"], None)
    for variant in store.variants_of(product_id):
        stock.clear(store, ("variant", variant["id"]))
        store.drop_variant(variant["id"])
    for table in ("options", "images", "custom_fields"):
        for row in store.owned(table, product_id):
            store.drop_owned(table, row["id"])
    stock.clear(store, ("product", product_id))
    store.channel_assignments = {a for a in store.channel_assignments if a[0] != product_id}
    store.emit("store/product/deleted", {"type": "product", "id": product_id})


# -- handlers -------------------------------------------------------------------------
def _product_filter(store: SandboxStore, call: Call) -> Callable[[dict[str, Any]], bool]:
    """The list filters of this request, parsed once, as one predicate."""
    ids, skus, categories = call.ids("id"), call.strings("sku"), call.ids("categories")
    channels, name = call.ids("channel_id"), call.query.get("name")
    visible = call.query.get("is_visible")
    low = parse_date(call.query.get("date_modified:min", ""))
    high = parse_date(call.query.get("date_modified:max", ""))
    keyword = call.query.get("keyword", "").lower()
    checks: list[Callable[[dict[str, Any]], bool]] = []
    if ids is not None:
        checks.append(lambda p: p["id"] in ids)
    if skus is not None:
        checks.append(lambda p: p["sku"] in skus)
    if name is not None:
        checks.append(lambda p: p["name"] == name)
    if visible is not None:
        checks.append(lambda p: str(p["is_visible"]).lower() == visible)
    if categories is not None:
        checks.append(lambda p: bool(set(categories) & set(p["categories"])))
    if channels is not None:
        checks.append(lambda p: any((p["id"], c) in store.channel_assignments for c in channels))
    if low is not None:
        checks.append(lambda p: p["_mtime"] >= low)
    if high is not None:
        checks.append(lambda p: p["_mtime"] <= high)
    if keyword:
        checks.append(lambda p: keyword in p["name"].lower() or keyword in p["sku"].lower())
    if not checks:
        return lambda product: True
    return lambda product: all(check(product) for check in checks)


def list_products(call: Call) -> Reply:
    store, includes = call.store, call.includes()
    matches = _product_filter(store, call)
    items = [p for p in store.products.values() if matches(p)]
    sort = call.query.get("sort", "id")
    if sort in ("name", "sku", "price", "date_modified", "date_last_imported"):  # ids: in order
        items.sort(key=lambda p: (p.get(sort) is None, p.get(sort) or 0))
    if call.query.get("direction") == "desc":
        items.reverse()
    return v3_page(call, items, lambda p: select_fields(render_product(store, p, includes), call))


def post_product(call: Call) -> Reply:
    body = call.json_object()
    product = create_product(call.store, body)
    return one(render_product(call.store, product, {"variants", "images", "custom_fields"}))


def get_product(call: Call) -> Reply:
    product = find_product(call.store, call.params["product_id"])
    return one(select_fields(render_product(call.store, product, call.includes()), call))


def put_product(call: Call) -> Reply:
    product = find_product(call.store, call.params["product_id"])
    body = call.json_object()
    if "variants" in body:
        for variant in body["variants"]:
            update_variant_body(call.store, variant, product["id"])
    update_product(call.store, product, body)
    return one(render_product(call.store, product, call.includes()))


def batch_update_products(call: Call) -> Reply:
    items = call.json_list(PRODUCT_BATCH_MAX, "products")
    store = call.store
    for index, item in enumerate(items):
        if "variants" in item:
            raise unprocessable(
                "Variants cannot be updated through the products batch; use /catalog/variants.",
                **{f"[{index}].variants": "not allowed in batch update"},
            )
        if not isinstance(item.get("id"), int):
            raise unprocessable("Each product needs an id.", **{f"[{index}].id": "id is required"})
        find_product(store, item["id"])
        check_product(store, item, product_id=item["id"])
    for item in items:
        update_product(store, store.products[item["id"]], item)
    data = [render_product(store, store.products[i["id"]], set()) for i in items]
    return Reply(200, {"data": data, "meta": {}})


def delete_one(call: Call) -> Reply:
    delete_product(call.store, call.params["product_id"])
    return Reply(204)


def delete_many(call: Call) -> Reply:
    ids = call.ids("id")
    if not ids:
        raise ApiError(422, "Deleting products needs an id:in filter.", {"id:in": "required"})
    for product_id in ids:
        if product_id in call.store.products:
            delete_product(call.store, product_id)
    return Reply(204)


ROUTES = [
    Route("GET", "/v3/catalog/products", list_products),
    Route("POST", "/v3/catalog/products", post_product),
    Route("PUT", "/v3/catalog/products", batch_update_products),
    Route("DELETE", "/v3/catalog/products", delete_many),
    Route("GET", "/v3/catalog/products/{product_id}", get_product),
    Route("PUT", "/v3/catalog/products/{product_id}", put_product),
    Route("DELETE", "/v3/catalog/products/{product_id}", delete_one),
]
