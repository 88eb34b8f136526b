"""Orders v2: the order list with its filters, one order, its products and addresses,
status updates, order statuses 0-14 (custom labels per store) and store information.

Orders come from simulated checkouts (``create_order``: the control panel and the
seed use it). Money is a string with four decimals, dates are RFC 2822, as v2 answers.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.clock import parse_date, rfc2822
from bcapp.sandbox.bigcommerce.errors import ApiError, not_found
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, v2_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

STATUSES = {
    0: "Incomplete",
    1: "Pending",
    2: "Shipped",
    3: "Partially Shipped",
    4: "Refunded",
    5: "Cancelled",
    6: "Declined",
    7: "Awaiting Payment",
    8: "Awaiting Pickup",
    9: "Awaiting Shipment",
    10: "Completed",
    11: "Awaiting Fulfillment",
    12: "Manual Verification Required",
    13: "Disputed",
    14: "Partially Refunded",
}
SORT_KEYS = (
    "id",
    "customer_id",
    "date_created",
    "date_modified",
    "status_id",
    "channel_id",
    "external_id",
)


def money(value: float) -> str:
    """v2 money: four decimals, ``"12.5000"`` (tax-inclusive amounts keep them: 7.8650)."""
    return f"{round(value, 4) + 0.0:.4f}"  # + 0.0 turns -0.0 into 0.0


def status_name(store: SandboxStore, status_id: int) -> str:
    """The status as the store labels it (custom label when set)."""
    return store.status_labels.get(status_id) or STATUSES[status_id]


def find_order(store: SandboxStore, order_id: int) -> dict[str, Any]:
    """A stored, non-deleted order, or 404."""
    order = store.orders.get(order_id)
    if order is None or order["is_deleted"]:
        raise not_found("order")
    return order


def render_order(store: SandboxStore, order: dict[str, Any], base: str = "") -> dict[str, Any]:
    """An order as v2 shows it: resource links instead of nested products/addresses."""
    data = {k: v for k, v in order.items() if not k.startswith("_")}
    data["status"] = status_name(store, order["status_id"])
    data["custom_status"] = data["status"]
    url = f"https://api.bigcommerce.com/stores/{store.hash}/v2/orders/{order['id']}"
    for name in ("products", "shipping_addresses", "coupons"):
        data[name] = {"url": f"{url}/{name}", "resource": f"/orders/{order['id']}/{name}"}
    data["date_created"] = rfc2822(order["_created"])
    data["date_modified"] = rfc2822(order["_mtime"])
    data["date_shipped"] = rfc2822(order["_shipped"]) if order.get("_shipped") else ""
    return data


def touch(store: SandboxStore, order: dict[str, Any]) -> None:
    """Bump ``date_modified`` (feeds ``min_date_modified`` polling)."""
    order["_mtime"] = store.now()


def set_status(store: SandboxStore, order: dict[str, Any], status_id: int) -> None:
    """Move an order to ``status_id``, emitting statusUpdated and updated like BigCommerce."""
    previous = order["status_id"]
    if previous == status_id:
        return
    order["status_id"] = status_id
    touch(store, order)
    store.emit(
        "store/order/statusUpdated",
        {
            "type": "order",
            "id": order["id"],
            "status": {"previous_status_id": previous, "new_status_id": status_id},
        },
    )
    store.emit("store/order/updated", {"type": "order", "id": order["id"]})


# -- filters ---------------------------------------------------------------------------
def _int_arg(call: Call, name: str) -> int | None:
    raw = call.query.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ApiError(400, f"The field '{name}' is invalid.") from exc


def _date_arg(call: Call, name: str) -> float | None:
    raw = call.query.get(name)
    if not raw:
        return None
    value = parse_date(raw)
    if value is None:
        raise ApiError(400, f"The field '{name}' is invalid.")
    return value


def _order_matches(order: dict[str, Any], call: Call) -> bool:
    checks = [
        ("min_id", lambda v: order["id"] >= v),
        ("max_id", lambda v: order["id"] <= v),
        ("status_id", lambda v: order["status_id"] == v),
        ("customer_id", lambda v: order["customer_id"] == v),
        ("channel_id", lambda v: order["channel_id"] == v),
    ]
    for name, test in checks:
        value = _int_arg(call, name)
        if value is not None and not test(value):
            return False
    dates = [
        ("min_date_modified", "_mtime", 1),
        ("max_date_modified", "_mtime", -1),
        ("min_date_created", "_created", 1),
        ("max_date_created", "_created", -1),
    ]
    for name, key, sign in dates:
        when = _date_arg(call, name)
        if when is not None and (order[key] - when) * sign < 0:
            return False
    email = call.query.get("email")
    return not email or order["billing_address"].get("email", "").lower() == email.lower()


def _sorted(orders: list[dict[str, Any]], call: Call) -> list[dict[str, Any]]:
    field, _, direction = call.query.get("sort", "id:asc").partition(":")
    if field not in SORT_KEYS:
        raise ApiError(400, f"The sort field '{field}' is invalid.")
    key = {"date_created": "_created", "date_modified": "_mtime"}.get(field, field)
    return sorted(orders, key=lambda o: (o.get(key) or 0, o["id"]), reverse=direction == "desc")


# -- handlers ----------------------------------------------------------------------------
def list_orders(call: Call) -> Reply:
    store = call.store
    orders = [o for o in store.orders.values() if not o["is_deleted"] and _order_matches(o, call)]
    return v2_page(call, _sorted(orders, call), lambda o: render_order(store, o))


def count_orders(call: Call) -> Reply:
    live = [o for o in call.store.orders.values() if not o["is_deleted"]]
    statuses = [
        {
            "id": i,
            "name": STATUSES[i],
            "system_label": STATUSES[i],
            "custom_label": status_name(call.store, i),
            "count": sum(1 for o in live if o["status_id"] == i),
        }
        for i in STATUSES
    ]
    return Reply(200, {"statuses": statuses, "count": len(live)})


def get_order(call: Call) -> Reply:
    return Reply(200, render_order(call.store, find_order(call.store, call.params["order_id"])))


def put_order(call: Call) -> Reply:
    store = call.store
    order = find_order(store, call.params["order_id"])
    body = call.json()
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if "status_id" in body:
        if body["status_id"] not in STATUSES:
            raise ApiError(400, "The field 'status_id' is invalid.")
        set_status(store, order, body["status_id"])
    for key in ("staff_notes", "customer_message", "external_id", "external_merchant_id"):
        if key in body:
            order[key] = body[key]
            touch(store, order)
    if set(body) - {"status_id"}:
        store.emit("store/order/updated", {"type": "order", "id": order["id"]})
    return Reply(200, render_order(store, order))


def archive_order(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    order["is_deleted"] = True
    touch(call.store, order)
    call.store.emit("store/order/archived", {"type": "order", "id": order["id"]})
    return Reply(204)


def order_products(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    lines = [dict(p) for p in call.store.order_products.values() if p["order_id"] == order["id"]]
    return v2_page(call, lines)


#: BigCommerce's built-in tax classes (a store's own classes get higher ids).
TAX_CLASSES = {0: "Default Tax Class", 1: "Non-Taxable Products", 2: "Shipping", 3: "Gift Wrapping"}


def order_taxes(call: Call) -> Reply:
    """``/orders/{id}/taxes``: one row per taxed line (manual tax); ``order_product_id``
    and ``line_item_type`` only with ``?details=true``, as the spec says."""
    order = find_order(call.store, call.params["order_id"])
    details = str(call.query.get("details", "false")).lower() == "true"
    rows: list[dict[str, Any]] = []
    for line in (p for p in call.store.order_products.values() if p["order_id"] == order["id"]):
        if float(line["total_tax"]) == 0:
            continue
        product = call.store.products.get(line["product_id"]) or {}
        class_id = int(product.get("tax_class_id") or 0)
        ex, tax = float(line["total_ex_tax"]), float(line["total_tax"])
        row = {
            "id": len(rows) + 1, "order_id": order["id"],
            "order_address_id": line["order_address_id"], "tax_rate_id": 1,
            "sales_tax_id": "1", "tax_class_id": class_id, "name": "Tax",
            "class": TAX_CLASSES.get(class_id, f"Tax class {class_id}"),
            "rate": f"{round(tax / ex * 100, 4) if ex else 0:.4f}", "priority": 0,
            "priority_amount": money(tax), "line_amount": money(tax),
            "order_pickup_method_id": 0,
        }  # fmt: skip
        if details:
            row |= {"order_product_id": str(line["id"]), "line_item_type": "item"}
        rows.append(row)
    return v2_page(call, rows)


def order_product(call: Call) -> Reply:
    find_order(call.store, call.params["order_id"])
    line = call.store.order_products.get(call.params["line_id"])
    if line is None or line["order_id"] != call.params["order_id"]:
        raise not_found("order product")
    return Reply(200, dict(line))


def shipping_addresses(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    rows = [
        render_address(call.store, a)
        for a in call.store.order_addresses.values()
        if a["order_id"] == order["id"]
    ]
    return v2_page(call, rows)


def shipping_address(call: Call) -> Reply:
    find_order(call.store, call.params["order_id"])
    row = call.store.order_addresses.get(call.params["address_id"])
    if row is None or row["order_id"] != call.params["order_id"]:
        raise not_found("shipping address")
    return Reply(200, render_address(call.store, row))


def render_address(store: SandboxStore, address: dict[str, Any]) -> dict[str, Any]:
    """A shipping address with its quotes link."""
    data = dict(address)
    resource = f"/orders/{address['order_id']}/shipping_addresses/{address['id']}/shipping_quotes"
    data["shipping_quotes"] = {
        "url": f"https://api.bigcommerce.com/stores/{store.hash}/v2{resource}",
        "resource": resource,
    }
    return data


def coupons(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    return v2_page(call, list(order.get("_coupons") or []))


def order_statuses(call: Call) -> Reply:
    return Reply(200, [_status_row(call.store, i) for i in STATUSES])


def order_status(call: Call) -> Reply:
    if call.params["status_id"] not in STATUSES:
        raise not_found("order status")
    return Reply(200, _status_row(call.store, call.params["status_id"]))


def _status_row(store: SandboxStore, status_id: int) -> dict[str, Any]:
    return {
        "id": status_id,
        "name": STATUSES[status_id],
        "system_label": STATUSES[status_id],
        "custom_label": status_name(store, status_id),
        "system_description": f"Orders in state {STATUSES[status_id]}.",
        "order": status_id,
    }


def store_info(call: Call) -> Reply:
    from bcapp.sandbox.bigcommerce.storeinfo import store_information

    return Reply(200, store_information(call.store))


def store_time(call: Call) -> Reply:
    return Reply(200, {"time": int(call.store.now())})


ROUTES = [
    Route("GET", "/v2/orders", list_orders),
    Route("GET", "/v2/orders/count", count_orders),
    Route("GET", "/v2/orders/{order_id}", get_order),
    Route("PUT", "/v2/orders/{order_id}", put_order),
    Route("DELETE", "/v2/orders/{order_id}", archive_order),
    Route("GET", "/v2/orders/{order_id}/products", order_products),
    Route("GET", "/v2/orders/{order_id}/products/{line_id}", order_product),
    Route("GET", "/v2/orders/{order_id}/shipping_addresses", shipping_addresses),
    Route("GET", "/v2/orders/{order_id}/shipping_addresses/{address_id}", shipping_address),
    Route("GET", "/v2/orders/{order_id}/coupons", coupons),
    Route("GET", "/v2/orders/{order_id}/taxes", order_taxes),
    Route("GET", "/v2/order_statuses", order_statuses),
    Route("GET", "/v2/order_statuses/{status_id}", order_status),
    Route("GET", "/v2/store", store_info),
    Route("GET", "/v2/time", store_time),
]
