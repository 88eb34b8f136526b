"""``POST /v2/orders``: an order created through the API (a POS sale, a marketplace order).

Billing address and products are required; a product line names a catalog
``product_id`` (optionally ``variant_id``) or is a custom line with a ``name`` and
a price. Without ``status_id`` the order is Pending (1). It goes through the same
checkout as a storefront order: stock is taken and ``store/order/created`` fires.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.checkout import create_order
from bcapp.sandbox.bigcommerce.errors import ApiError
from bcapp.sandbox.bigcommerce.orders import STATUSES, render_order
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route
from bcapp.sandbox.bigcommerce.state import SandboxStore

COPIED = (
    "external_source",
    "external_id",
    "external_merchant_id",
    "staff_notes",
    "customer_message",
)


def _missing(field: str) -> ApiError:
    return ApiError(400, f"The required field '{field}' was not supplied.")


def _line(store: SandboxStore, given: Any, index: int) -> dict[str, Any]:
    if not isinstance(given, dict):
        raise ApiError(400, f"The field 'products[{index}]' is invalid.")
    quantity = given.get("quantity", 1)
    if not isinstance(quantity, int) or quantity < 1:
        raise ApiError(400, f"The field 'products[{index}].quantity' is invalid.")
    line: dict[str, Any] = {"quantity": quantity, "product_id": 0}
    price = given.get("price_ex_tax", given.get("price_inc_tax"))
    if price is not None:
        line["price"] = float(price)
    if given.get("product_id"):
        product_id = int(given["product_id"])
        if product_id not in store.products:
            raise ApiError(400, f"The product ID {product_id} is invalid.")
        variant_id = int(given.get("variant_id") or 0)
        if variant_id and store.variants.get(variant_id, {}).get("product_id") != product_id:
            raise ApiError(400, f"The variant ID {variant_id} is invalid.")
        line.update(product_id=product_id, variant_id=variant_id or None)
        return line
    name = given.get("name") or given.get("name_customer") or given.get("name_merchant")
    if not name or price is None:
        raise ApiError(400, f"A custom product (products[{index}]) needs a name and a price.")
    line["name"] = name
    return line


def post_order(call: Call) -> Reply:
    body = call.json()
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if not isinstance(body.get("billing_address"), dict):
        raise _missing("billing_address")
    products = body.get("products")
    if not isinstance(products, list) or not products:
        raise _missing("products")
    status_id = body.get("status_id", 1)
    if status_id not in STATUSES:
        raise ApiError(400, "The field 'status_id' is invalid.")
    spec = {
        "customer_id": int(body.get("customer_id") or 0),
        "status_id": status_id,
        "billing_address": body["billing_address"],
        "lines": [_line(call.store, p, i) for i, p in enumerate(products)],
        "payment_method": body.get("payment_method") or "Manual",
        "channel_id": int(body.get("channel_id") or 1),
        "shipping_cost": float(body.get("shipping_cost_ex_tax") or 0),
        "discount_amount": float(body.get("discount_amount") or 0),
    }
    if isinstance(body.get("shipping_addresses"), list) and body["shipping_addresses"]:
        spec["shipping_addresses"] = body["shipping_addresses"]
    order = create_order(call.store, spec)
    order.update({key: body[key] for key in COPIED if key in body})
    return Reply(200, render_order(call.store, order))


ROUTES = [Route("POST", "/v2/orders", post_order)]
