"""Catalog v3 variants, variant options and option values.

Variants are created one per request under a product (or with the product);
``PUT /catalog/variants`` updates at most 50 at once. A product without
options has one hidden *base variant* that carries its SKU.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce import stock
from bcapp.sandbox.bigcommerce.errors import conflict, not_found, unprocessable
from bcapp.sandbox.bigcommerce.products import find_product, sku_taken, touch
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, one, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

VARIANT_BATCH_MAX = 50
VARIANT_FIELDS = (
    "sku",
    "price",
    "sale_price",
    "retail_price",
    "map_price",
    "cost_price",
    "weight",
    "width",
    "height",
    "depth",
    "is_free_shipping",
    "fixed_cost_shipping_price",
    "purchasing_disabled",
    "purchasing_disabled_message",
    "image_url",
    "upc",
    "mpn",
    "gtin",
    "inventory_warning_level",
    "bin_picking_number",
)


def render_variant(store: SandboxStore, variant: dict[str, Any]) -> dict[str, Any]:
    """A variant as the API shows it."""
    product = store.products[variant["product_id"]]
    # unset overrides (price, weight, ...) are left out: the spec has them non-nullable
    data = {k: v for k, v in variant.items() if not k.startswith("_") and v is not None}
    data["inventory_level"] = stock.variant_level(store, variant)
    data["calculated_price"] = (
        variant.get("price") if variant.get("price") is not None else product["price"]
    )
    data["calculated_weight"] = (
        variant.get("weight") if variant.get("weight") is not None else product["weight"]
    )
    return data


def product_variants(store: SandboxStore, product_id: int) -> list[dict[str, Any]]:
    """A product's variants (the base variant included), by id."""
    return [render_variant(store, v) for v in store.variants_of(product_id)]


def product_options(store: SandboxStore, product_id: int) -> list[dict[str, Any]]:
    """A product's variant options with their values."""
    return [dict(o) for o in store.owned("options", product_id)]


def check_variant_skus(
    store: SandboxStore, variants: list[dict[str, Any]], product_sku: str
) -> None:
    """409 when a new variant's SKU is taken (by the store or by a sibling)."""
    seen = {product_sku.lower()} if product_sku else set()
    for variant in variants:
        sku = str(variant.get("sku") or "")
        if sku and (sku.lower() in seen or sku_taken(store, sku)):
            raise conflict(f"The variant sku {sku} is a duplicate", sku="duplicate")
        seen.add(sku.lower())


def _variant_record(store: SandboxStore, product: dict[str, Any], body: dict[str, Any]) -> dict:
    variant_id = store.next_id("variant")
    record: dict[str, Any] = {field: None for field in VARIANT_FIELDS}
    record.update(
        id=variant_id,
        product_id=product["id"],
        sku_id=variant_id,
        option_values=[],
        is_free_shipping=False,
        purchasing_disabled=False,
        purchasing_disabled_message="",
        image_url="",
        upc="",
        mpn="",
        gtin="",
        bin_picking_number="",
        inventory_warning_level=0,
        sku="",
    )
    record.update({k: v for k, v in body.items() if k in VARIANT_FIELDS})
    return record


def add_base_variant(store: SandboxStore, product: dict[str, Any]) -> None:
    """The hidden variant of a product without options."""
    record = _variant_record(store, product, {"sku": product["sku"]})
    record["_base"] = True
    store.put_variant(record)
    product["base_variant_id"] = record["id"]


def add_variant(
    store: SandboxStore,
    product: dict[str, Any],
    body: dict[str, Any],
    *,
    emit: bool = True,
) -> dict[str, Any]:
    """Create a variant; options and values named in ``option_values`` are created too."""
    for variant in store.variants_of(product["id"]):
        if variant.get("_base"):  # the first real variant replaces the hidden one
            store.drop_variant(variant["id"])
            product["base_variant_id"] = None
    record = _variant_record(store, product, body)
    record["option_values"] = [
        _option_value(store, product["id"], ov) for ov in body.get("option_values") or []
    ]
    store.put_variant(record)
    if "inventory_level" in body:
        quantity = min(int(body["inventory_level"]), stock.MAX_QUANTITY)
        stock.set_level(store, stock.holder(store, record), quantity, stock.DEFAULT_LOCATION)
    if emit:
        store.emit("store/sku/created", _sku_data(record))
    return record


def _sku_data(variant: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "sku",
        "id": variant["id"],
        "sku": {"product_id": variant["product_id"], "variant_id": variant["id"]},
    }


def _option_value(store: SandboxStore, product_id: int, given: dict[str, Any]) -> dict[str, Any]:
    """Resolve ``{option_display_name, label}`` or ``{option_id, id}`` to a stored value."""
    option = _find_or_make_option(store, product_id, given)
    label = given.get("label")
    for value in option["option_values"]:
        if value["id"] == given.get("id") or (label is not None and value["label"] == label):
            break
    else:
        if label is None:
            raise unprocessable("An option value needs a label or an id.", option_values="invalid")
        value = {
            "id": store.next_id("option_value"),
            "label": label,
            "sort_order": 0,
            "value_data": None,
            "is_default": False,
        }
        option["option_values"].append(value)
    return {
        "id": value["id"],
        "label": value["label"],
        "option_id": option["id"],
        "option_display_name": option["display_name"],
    }


def _find_or_make_option(store: SandboxStore, product_id: int, given: dict[str, Any]) -> dict:
    name = given.get("option_display_name")
    for option in store.owned("options", product_id):
        if option["product_id"] == product_id and (
            option["id"] == given.get("option_id") or (name and option["display_name"] == name)
        ):
            return option
    if not name:
        raise unprocessable(
            "An option value needs option_display_name or option_id.", option_values="invalid"
        )
    return _new_option(store, product_id, {"display_name": name, "type": "dropdown"})


def _new_option(store: SandboxStore, product_id: int, body: dict[str, Any]) -> dict[str, Any]:
    option_id = store.next_id("option")
    option = {
        "id": option_id,
        "product_id": product_id,
        "name": body.get("name") or body["display_name"],
        "display_name": body["display_name"],
        "type": body.get("type", "dropdown"),
        "sort_order": body.get("sort_order", 0),
        "config": body.get("config") or {},
        "option_values": [],
    }
    store.put_owned("options", option)
    for value in body.get("option_values") or []:
        option["option_values"].append(
            {
                "id": store.next_id("option_value"),
                "label": value["label"],
                "sort_order": value.get("sort_order", 0),
                "value_data": value.get("value_data"),
                "is_default": bool(value.get("is_default")),
            }
        )
    return option


def find_variant(store: SandboxStore, variant_id: int, product_id: int | None = None) -> dict:
    """The stored variant (of ``product_id`` when given), or 404."""
    variant = store.variants.get(variant_id)
    if variant is None or (product_id is not None and variant["product_id"] != product_id):
        raise not_found("variant")
    return variant


def update_variant_body(store: SandboxStore, body: dict[str, Any], product_id: int | None) -> dict:
    """Apply one variant update (``id`` in body or path); emits store/sku/updated."""
    variant = find_variant(store, int(body.get("id") or 0), product_id)
    sku = body.get("sku")
    if sku and sku_taken(store, sku, product_id=variant["product_id"], variant_id=variant["id"]):
        raise conflict(f"The variant sku {sku} is a duplicate", sku="duplicate")
    store.unindex_sku(variant["sku"], ("variant", variant["id"]))
    for key, value in body.items():
        if key in VARIANT_FIELDS:
            variant[key] = value
    store.index_sku(variant["sku"], ("variant", variant["id"]))
    if "inventory_level" in body:
        quantity = min(int(body["inventory_level"]), stock.MAX_QUANTITY)
        stock.set_level(store, stock.holder(store, variant), quantity, stock.DEFAULT_LOCATION)
    touch(store, store.products[variant["product_id"]])
    store.emit("store/sku/updated", _sku_data(variant))
    return variant


# -- handlers ----------------------------------------------------------------------------
def list_product_variants(call: Call) -> Reply:
    find_product(call.store, call.params["product_id"])
    return v3_page(call, product_variants(call.store, call.params["product_id"]))


def post_variant(call: Call) -> Reply:
    product = find_product(call.store, call.params["product_id"])
    body = call.json_object()
    if not body.get("option_values"):
        raise unprocessable("A variant needs option_values.", option_values="required")
    check_variant_skus(call.store, [body], "")
    return one(render_variant(call.store, add_variant(call.store, product, body)))


def get_variant(call: Call) -> Reply:
    variant = find_variant(call.store, call.params["variant_id"], call.params["product_id"])
    return one(render_variant(call.store, variant))


def put_variant(call: Call) -> Reply:
    body = {**call.json_object(), "id": call.params["variant_id"]}
    variant = update_variant_body(call.store, body, call.params["product_id"])
    return one(render_variant(call.store, variant))


def delete_variant(call: Call) -> Reply:
    variant = find_variant(call.store, call.params["variant_id"], call.params["product_id"])
    call.store.drop_variant(variant["id"])
    stock.clear(call.store, ("variant", variant["id"]))
    call.store.emit("store/sku/deleted", _sku_data(variant))
    return Reply(204)


def list_all_variants(call: Call) -> Reply:
    ids, skus, products = call.ids("id"), call.strings("sku"), call.ids("product_id")
    items = [
        v
        for v in sorted(call.store.variants.values(), key=lambda v: v["id"])
        if (ids is None or v["id"] in ids)
        and (skus is None or v["sku"] in skus)
        and (products is None or v["product_id"] in products)
    ]
    return v3_page(call, items, lambda v: render_variant(call.store, v))


def batch_update_variants(call: Call) -> Reply:
    items = call.json_list(VARIANT_BATCH_MAX, "variants")
    for index, item in enumerate(items):
        if not isinstance(item.get("id"), int):
            raise unprocessable("Each variant needs an id.", **{f"[{index}].id": "id is required"})
        find_variant(call.store, item["id"])
    updated = [update_variant_body(call.store, item, None) for item in items]
    return Reply(200, {"data": [render_variant(call.store, v) for v in updated], "meta": {}})


def list_options(call: Call) -> Reply:
    find_product(call.store, call.params["product_id"])
    return v3_page(call, product_options(call.store, call.params["product_id"]))


def post_option(call: Call) -> Reply:
    find_product(call.store, call.params["product_id"])
    body = call.json_object()
    if not body.get("display_name") or not body.get("type"):
        raise unprocessable("An option needs display_name and type.", display_name="required")
    return one(_new_option(call.store, call.params["product_id"], body))


def _find_option(call: Call) -> dict[str, Any]:
    option = call.store.options.get(call.params["option_id"])
    if option is None or option["product_id"] != call.params["product_id"]:
        raise not_found("option")
    return option


def get_option(call: Call) -> Reply:
    return one(_find_option(call))


def put_option(call: Call) -> Reply:
    option = _find_option(call)
    body = call.json_object()
    option.update(
        {k: v for k, v in body.items() if k in ("display_name", "type", "sort_order", "config")}
    )
    return one(option)


def delete_option(call: Call) -> Reply:
    call.store.drop_owned("options", _find_option(call)["id"])
    return Reply(204)


def list_values(call: Call) -> Reply:
    return v3_page(call, _find_option(call)["option_values"])


def post_value(call: Call) -> Reply:
    option = _find_option(call)
    body = call.json_object()
    if not body.get("label"):
        raise unprocessable("An option value needs a label.", label="required")
    value = {
        "id": call.store.next_id("option_value"),
        "label": body["label"],
        "sort_order": body.get("sort_order", 0),
        "value_data": body.get("value_data"),
        "is_default": bool(body.get("is_default")),
    }
    option["option_values"].append(value)
    return one(value)


ROUTES = [
    Route("GET", "/v3/catalog/variants", list_all_variants),
    Route("PUT", "/v3/catalog/variants", batch_update_variants),
    Route("GET", "/v3/catalog/products/{product_id}/variants", list_product_variants),
    Route("POST", "/v3/catalog/products/{product_id}/variants", post_variant),
    Route("GET", "/v3/catalog/products/{product_id}/variants/{variant_id}", get_variant),
    Route("PUT", "/v3/catalog/products/{product_id}/variants/{variant_id}", put_variant),
    Route("DELETE", "/v3/catalog/products/{product_id}/variants/{variant_id}", delete_variant),
    Route("GET", "/v3/catalog/products/{product_id}/options", list_options),
    Route("POST", "/v3/catalog/products/{product_id}/options", post_option),
    Route("GET", "/v3/catalog/products/{product_id}/options/{option_id}", get_option),
    Route("PUT", "/v3/catalog/products/{product_id}/options/{option_id}", put_option),
    Route("DELETE", "/v3/catalog/products/{product_id}/options/{option_id}", delete_option),
    Route("GET", "/v3/catalog/products/{product_id}/options/{option_id}/values", list_values),
    Route("POST", "/v3/catalog/products/{product_id}/options/{option_id}/values", post_value),
]
