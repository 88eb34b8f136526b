"""Catalog v3 product images and custom fields, one created per request.

Images are created from an ``image_url`` (the sandbox does not fetch it; it
derives the resized URLs BigCommerce would serve). Custom fields: at most 200
per product, name and value up to 250 characters.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.clock import iso
from bcapp.sandbox.bigcommerce.errors import not_found, unprocessable
from bcapp.sandbox.bigcommerce.products import find_product, touch
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, one, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

CUSTOM_FIELDS_MAX = 200
CUSTOM_FIELD_TEXT_MAX = 250
IMAGES_MAX = 1000


def product_images(store: SandboxStore, product_id: int) -> list[dict[str, Any]]:
    """A product's images, by sort order."""
    rows = [dict(i) for i in store.owned("images", product_id)]
    return sorted(rows, key=lambda i: (i["sort_order"], i["id"]))


def product_custom_fields(store: SandboxStore, product_id: int) -> list[dict[str, Any]]:
    """A product's custom fields (``{id, name, value}``)."""
    return [
        {k: v for k, v in f.items() if k != "product_id"}
        for f in store.owned("custom_fields", product_id)
    ]


def add_image(store: SandboxStore, product_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Create one image from ``image_url``; the first image becomes the thumbnail."""
    url = body.get("image_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise unprocessable("An image needs an image_url.", image_url="a URL is required")
    existing = product_images(store, product_id)
    if len(existing) >= IMAGES_MAX:
        raise unprocessable(f"A product has at most {IMAGES_MAX} images.")
    image_id = store.next_id("image")
    thumbnail = bool(body.get("is_thumbnail")) or not existing
    if thumbnail:
        for image in store.owned("images", product_id):
            image["is_thumbnail"] = False
    cdn = f"https://cdn11.bigcommerce.com/s-{store.hash}/products/{product_id}/images/{image_id}"
    image = {
        "id": image_id,
        "product_id": product_id,
        "is_thumbnail": thumbnail,
        "sort_order": int(body.get("sort_order", len(existing))),
        "description": str(body.get("description", "")),
        "image_file": f"image_{image_id}.jpg",
        "url_zoom": f"{cdn}/zoom.jpg",
        "url_standard": f"{cdn}/standard.jpg",
        "url_thumbnail": f"{cdn}/thumb.jpg",
        "url_tiny": f"{cdn}/tiny.jpg",
        "date_modified": iso(store.now()),
    }
    store.put_owned("images", image)
    return image


def add_custom_field(store: SandboxStore, product_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Create one custom field, enforcing the per-product maximum and text lengths."""
    _check_field(body)
    count = len(store.owned("custom_fields", product_id))
    if count >= CUSTOM_FIELDS_MAX:
        raise unprocessable(
            f"A product can have at most {CUSTOM_FIELDS_MAX} custom fields.",
            custom_fields=f"at most {CUSTOM_FIELDS_MAX}",
        )
    field_id = store.next_id("custom_field")
    field = {"id": field_id, "product_id": product_id, "name": body["name"], "value": body["value"]}
    store.put_owned("custom_fields", field)
    return field


def _check_field(body: dict[str, Any], partial: bool = False) -> None:
    for key in ("name", "value"):
        if partial and key not in body:
            continue
        value = body.get(key)
        if not isinstance(value, str) or not value:
            raise unprocessable(f"The custom field {key} is required.", **{key: "required"})
        if len(value) > CUSTOM_FIELD_TEXT_MAX:
            raise unprocessable(
                f"The custom field {key} must be at most {CUSTOM_FIELD_TEXT_MAX} characters.",
                **{key: "too long"},
            )


def _find(table: dict[int, dict[str, Any]], call: Call, key: str, what: str) -> dict[str, Any]:
    find_product(call.store, call.params["product_id"])
    row = table.get(call.params[key])
    if row is None or row["product_id"] != call.params["product_id"]:
        raise not_found(what)
    return row


# -- handlers ------------------------------------------------------------------------
def list_images(call: Call) -> Reply:
    find_product(call.store, call.params["product_id"])
    return v3_page(call, product_images(call.store, call.params["product_id"]))


def post_image(call: Call) -> Reply:
    product = find_product(call.store, call.params["product_id"])
    image = add_image(call.store, product["id"], call.json_object())
    touch(call.store, product)
    return one(image)


def get_image(call: Call) -> Reply:
    return one(_find(call.store.images, call, "image_id", "image"))


def put_image(call: Call) -> Reply:
    image = _find(call.store.images, call, "image_id", "image")
    body = call.json_object()
    for key in ("is_thumbnail", "sort_order", "description"):
        if key in body:
            image[key] = body[key]
    return one(image)


def delete_image(call: Call) -> Reply:
    image = _find(call.store.images, call, "image_id", "image")
    call.store.drop_owned("images", image["id"])
    return Reply(204)


def list_fields(call: Call) -> Reply:
    find_product(call.store, call.params["product_id"])
    return v3_page(call, product_custom_fields(call.store, call.params["product_id"]))


def post_field(call: Call) -> Reply:
    product = find_product(call.store, call.params["product_id"])
    field = add_custom_field(call.store, product["id"], call.json_object())
    touch(call.store, product)
    return one({k: v for k, v in field.items() if k != "product_id"})


def put_field(call: Call) -> Reply:
    field = _find(call.store.custom_fields, call, "field_id", "custom field")
    body = call.json_object()
    _check_field(body, partial=True)
    field.update({k: body[k] for k in ("name", "value") if k in body})
    return one({k: v for k, v in field.items() if k != "product_id"})


def delete_field(call: Call) -> Reply:
    field = _find(call.store.custom_fields, call, "field_id", "custom field")
    call.store.drop_owned("custom_fields", field["id"])
    return Reply(204)


def add_metafield(store: SandboxStore, product_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Create one product metafield (namespace, key, value, permission_set), as v3 does."""
    for key in ("namespace", "key", "value", "permission_set"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise unprocessable(f"The metafield {key} is required.", **{key: "required"})
    if len(body["key"]) > 64 or len(body["namespace"]) > 64 or len(body["value"]) > 65535:
        raise unprocessable("The metafield key, namespace or value is too long.")
    same = [
        m
        for m in store.owned("metafields", product_id)
        if (m["namespace"], m["key"]) == (body["namespace"], body["key"])
    ]
    if same:
        raise unprocessable("A metafield with this namespace and key already exists.")
    now = iso(store.now())
    field = {
        "id": store.next_id("metafield"),
        "product_id": product_id,
        "resource_id": product_id,
        "resource_type": "product",
        "namespace": body["namespace"],
        "key": body["key"],
        "value": body["value"],
        "permission_set": body["permission_set"],
        "description": str(body.get("description") or ""),
        "date_created": now,
        "date_modified": now,
    }
    store.put_owned("metafields", field)
    return field


def list_metafields(call: Call) -> Reply:
    find_product(call.store, call.params["product_id"])
    rows = [
        {k: v for k, v in m.items() if k != "product_id"}
        for m in call.store.owned("metafields", call.params["product_id"])
    ]
    return v3_page(call, rows)


def post_metafield(call: Call) -> Reply:
    product = find_product(call.store, call.params["product_id"])
    field = add_metafield(call.store, product["id"], call.json_object())
    return one({k: v for k, v in field.items() if k != "product_id"})


ROUTES = [
    Route("GET", "/v3/catalog/products/{product_id}/metafields", list_metafields),
    Route("POST", "/v3/catalog/products/{product_id}/metafields", post_metafield),
    Route("GET", "/v3/catalog/products/{product_id}/images", list_images),
    Route("POST", "/v3/catalog/products/{product_id}/images", post_image),
    Route("GET", "/v3/catalog/products/{product_id}/images/{image_id}", get_image),
    Route("PUT", "/v3/catalog/products/{product_id}/images/{image_id}", put_image),
    Route("DELETE", "/v3/catalog/products/{product_id}/images/{image_id}", delete_image),
    Route("GET", "/v3/catalog/products/{product_id}/custom-fields", list_fields),
    Route("POST", "/v3/catalog/products/{product_id}/custom-fields", post_field),
    Route("PUT", "/v3/catalog/products/{product_id}/custom-fields/{field_id}", put_field),
    Route("DELETE", "/v3/catalog/products/{product_id}/custom-fields/{field_id}", delete_field),
]
