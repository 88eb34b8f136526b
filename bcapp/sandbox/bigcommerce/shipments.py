"""Orders v2 shipments: create against one shipping address, list (204 when none), update, delete.

A shipment may not ship more of a line than is left; the order moves to
Shipped when every physical item has shipped, else Partially Shipped.
Deleting a shipment does not move the order back (as on BigCommerce).
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.clock import rfc2822
from bcapp.sandbox.bigcommerce.errors import ApiError, not_found
from bcapp.sandbox.bigcommerce.orders import find_order, set_status, touch
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, v2_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

SHIPPED, PARTIALLY_SHIPPED = 2, 3
PROVIDERS = {
    "",
    "auspost",
    "canadapost",
    "endicia",
    "usps",
    "fedex",
    "royalmail",
    "ups",
    "upsready",
    "shipperhq",
}
TEXT_LIMITS = {"tracking_number": 50, "tracking_link": 500}


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _check_body(store: SandboxStore, order: dict[str, Any], body: Any) -> list[tuple[dict, int]]:
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.")
    address = store.order_addresses.get(body.get("order_address_id") or 0)
    if address is None or address["order_id"] != order["id"]:
        raise _bad("The field 'order_address_id' is invalid.")
    items = body.get("items")
    if not isinstance(items, list) or not items:
        raise _bad("The field 'items' is invalid.")
    for field, limit in TEXT_LIMITS.items():
        if len(str(body.get(field) or "")) > limit:
            raise _bad(f"The field '{field}' must be at most {limit} characters.")
    provider = str(body.get("shipping_provider") or "")
    if provider not in PROVIDERS and not provider.startswith("carrier_"):
        raise _bad("The field 'shipping_provider' is invalid.")
    return [_check_item(store, order, address, item) for item in items]


def _check_item(store: SandboxStore, order: dict, address: dict, item: Any) -> tuple[dict, int]:
    line = store.order_products.get((item or {}).get("order_product_id") or 0)
    if line is None or line["order_id"] != order["id"] or line["order_address_id"] != address["id"]:
        raise _bad("The field 'order_product_id' is invalid.")
    quantity = item.get("quantity")
    if not isinstance(quantity, int) or quantity < 1:
        raise _bad("The field 'quantity' is invalid.")
    left = line["quantity"] - line["quantity_shipped"]
    if quantity > left:
        raise _bad(
            f"The quantity specified for order product {line['id']} is greater than the "
            f"quantity left to ship ({left})."
        )
    return line, quantity


def create_shipment(store: SandboxStore, order: dict[str, Any], body: Any) -> dict[str, Any]:
    """Record a shipment, count shipped items and move the order's status."""
    lines = _check_body(store, order, body)
    shipment_id = store.next_id("shipment")
    shipment = {
        "id": shipment_id,
        "order_id": order["id"],
        "customer_id": order["customer_id"],
        "order_address_id": body["order_address_id"],
        "date_created": rfc2822(store.now()),
        "tracking_number": body.get("tracking_number", ""),
        "shipping_method": body.get("shipping_method", ""),
        "shipping_provider": body.get("shipping_provider", ""),
        "tracking_carrier": body.get("tracking_carrier", ""),
        "tracking_link": body.get("tracking_link", ""),
        "comments": body.get("comments", ""),
        "billing_address": dict(order["billing_address"]),
        "shipping_address": {
            k: v
            for k, v in store.order_addresses[body["order_address_id"]].items()
            if k not in ("id", "order_id")
        },
        "items": [
            {"order_product_id": line["id"], "product_id": line["product_id"], "quantity": quantity}
            for line, quantity in lines
        ],
        "merchant_shipping_cost": str(body.get("merchant_shipping_cost", "0.0000")),
        "shipping_provider_display_name": str(body.get("shipping_provider") or "Custom").title(),
        "generated_tracking_link": body.get("tracking_link", ""),
    }
    for line, quantity in lines:
        line["quantity_shipped"] += quantity
        store.order_addresses[line["order_address_id"]]["items_shipped"] += quantity
    store.shipments[shipment_id] = shipment
    _after_shipping(store, order)
    store.emit(
        "store/shipment/created", {"type": "shipment", "id": shipment_id, "orderId": order["id"]}
    )
    return shipment


def _after_shipping(store: SandboxStore, order: dict[str, Any]) -> None:
    physical = [
        p
        for p in store.order_products.values()
        if p["order_id"] == order["id"] and p["order_address_id"]
    ]
    order["items_shipped"] = sum(p["quantity_shipped"] for p in physical)
    done = all(p["quantity_shipped"] >= p["quantity"] for p in physical)
    if done:
        order["_shipped"] = store.now()
    touch(store, order)
    set_status(store, order, SHIPPED if done else PARTIALLY_SHIPPED)


def _find(call: Call) -> dict[str, Any]:
    find_order(call.store, call.params["order_id"])
    shipment = call.store.shipments.get(call.params["shipment_id"])
    if shipment is None or shipment["order_id"] != call.params["order_id"]:
        raise not_found("shipment")
    return shipment


def list_shipments(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    rows = [dict(s) for s in call.store.shipments.values() if s["order_id"] == order["id"]]
    return v2_page(call, rows)


def count_shipments(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    return Reply(
        200,
        {"count": sum(1 for s in call.store.shipments.values() if s["order_id"] == order["id"])},
    )


def post_shipment(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    return Reply(201, create_shipment(call.store, order, call.json()))


def get_shipment(call: Call) -> Reply:
    return Reply(200, dict(_find(call)))


def put_shipment(call: Call) -> Reply:
    shipment = _find(call)
    body = call.json()
    if not isinstance(body, dict):
        raise _bad("The request body must be a JSON object.")
    for key in (
        "tracking_number",
        "tracking_link",
        "tracking_carrier",
        "shipping_method",
        "shipping_provider",
        "comments",
    ):
        if key in body:
            shipment[key] = body[key]
    call.store.emit(
        "store/shipment/updated",
        {"type": "shipment", "id": shipment["id"], "orderId": shipment["order_id"]},
    )
    return Reply(200, dict(shipment))


def delete_shipment(call: Call) -> Reply:
    shipment = _find(call)
    del call.store.shipments[shipment["id"]]
    call.store.emit(
        "store/shipment/deleted",
        {"type": "shipment", "id": shipment["id"], "orderId": shipment["order_id"]},
    )
    return Reply(204)


ROUTES = [
    Route("GET", "/v2/orders/{order_id}/shipments", list_shipments),
    Route("POST", "/v2/orders/{order_id}/shipments", post_shipment),
    Route("GET", "/v2/orders/{order_id}/shipments/count", count_shipments),
    Route("GET", "/v2/orders/{order_id}/shipments/{shipment_id}", get_shipment),
    Route("PUT", "/v2/orders/{order_id}/shipments/{shipment_id}", put_shipment),
    Route("DELETE", "/v2/orders/{order_id}/shipments/{shipment_id}", delete_shipment),
]
