"""Orders v3: refund quotes, refunds and transactions.

A quote prices the items to refund and lists the refund methods; the refund must
then pay exactly that amount through the methods offered. Nothing refunds more
than was paid, quantities cannot exceed what is left, and an order paid offline
(cash on delivery, bank deposit …) can only be refunded as an *offline* payment:
asking the provider to pay it back is BigCommerce's 422. The order moves to
Refunded or Partially Refunded and ``store/order/refund/created`` fires.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.checkout import OFFLINE_METHODS
from bcapp.sandbox.bigcommerce.clock import iso
from bcapp.sandbox.bigcommerce.errors import ApiError, not_found
from bcapp.sandbox.bigcommerce.orders import find_order, money, set_status, touch
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, one, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

REFUNDED, PARTIALLY_REFUNDED = 4, 14
UNPAID_STATUSES = {0, 6, 7}
QUANTITY_TYPES, AMOUNT_TYPES = (
    {"PRODUCT", "GIFT_WRAPPING"},
    {"ORDER", "SHIPPING", "HANDLING", "FEE"},
)


class RefundError(ApiError):
    """Refund endpoints wrap their errors in ``{"data": [error]}``."""

    def body(self, version: str) -> Any:
        return {"data": [super().body(version)]}


def paid_left(store: SandboxStore, order: dict[str, Any]) -> float:
    """What can still be refunded: paid total minus refunds so far."""
    if order["status_id"] in UNPAID_STATUSES:
        return 0.0
    return round(float(order["total_inc_tax"]) - float(order["refunded_amount"]), 2)


def _price_items(store: SandboxStore, order: dict[str, Any], items: Any) -> tuple[float, list]:
    if not isinstance(items, list) or not items:
        raise RefundError(422, "items must be a non-empty array.", {"items": "required"})
    total, priced = 0.0, []
    for index, item in enumerate(items):
        amount = _price_item(store, order, item, index)
        total += amount
        priced.append((item, amount))
    total = round(total, 2)
    if total > paid_left(store, order) + 0.005:
        raise RefundError(
            422,
            "The refund amount exceeds the amount paid that is left to refund.",
            {"items": f"at most {paid_left(store, order):.2f} can be refunded"},
        )
    return total, priced


def _price_item(store: SandboxStore, order: dict[str, Any], item: Any, index: int) -> float:
    kind = (item or {}).get("item_type")
    if kind in QUANTITY_TYPES:
        line = store.order_products.get(item.get("item_id") or 0)
        if line is None or line["order_id"] != order["id"]:
            raise RefundError(
                422, "The order product was not found.", {f"items[{index}].item_id": "not found"}
            )
        quantity = item.get("quantity")
        left = line["quantity"] - line["quantity_refunded"]
        if not isinstance(quantity, int) or quantity < 1 or quantity > left:
            raise RefundError(
                422,
                f"The quantity to refund must be between 1 and {left}.",
                {f"items[{index}].quantity": "out of bounds"},
            )
        return float(line["price_inc_tax"]) * quantity
    if kind in AMOUNT_TYPES:
        amount = item.get("amount")
        if not isinstance(amount, int | float) or amount <= 0:
            raise RefundError(
                422, "The amount must be positive.", {f"items[{index}].amount": "invalid"}
            )
        if kind == "SHIPPING" and amount > float(order["shipping_cost_inc_tax"]) + 0.005:
            raise RefundError(
                422,
                "The shipping refund exceeds the shipping paid.",
                {f"items[{index}].amount": "too large"},
            )
        return float(amount)
    raise RefundError(422, "The item_type is invalid.", {f"items[{index}].item_type": "invalid"})


def refund_methods(store: SandboxStore, order: dict[str, Any], amount: float) -> list[list[dict]]:
    """The ways BigCommerce offers to pay a refund of ``amount`` back."""
    method = order["payment_method"]
    if method in OFFLINE_METHODS:
        methods = [
            [
                {
                    "provider_id": OFFLINE_METHODS[method],
                    "provider_description": method,
                    "amount": amount,
                    "offline": True,
                    "offline_provider": True,
                    "offline_reason": f"{method} is an offline payment method.",
                }
            ]
        ]
    else:
        methods = [
            [
                {
                    "provider_id": "stripe",
                    "provider_description": "Stripe",
                    "amount": amount,
                    "offline": False,
                    "offline_provider": False,
                    "offline_reason": "",
                }
            ],
            [
                {
                    "provider_id": "custom",
                    "provider_description": "Custom",
                    "amount": amount,
                    "offline": True,
                    "offline_provider": True,
                    "offline_reason": "",
                }
            ],
        ]
    if order["customer_id"]:
        methods.append(
            [
                {
                    "provider_id": "storecredit",
                    "provider_description": "Store Credit",
                    "amount": amount,
                    "offline": False,
                    "offline_provider": False,
                    "offline_reason": "",
                }
            ]
        )
    return methods


def post_quote(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    body = call.json_object()
    total, _ = _price_items(call.store, order, body.get("items"))
    quote = {
        "order_id": order["id"],
        "total_refund_amount": total,
        "total_refund_tax_amount": 0,
        "order_level_refund_amount": 0,
        "rounding": 0,
        "adjustment": 0,
        "tax_inclusive": True,
        "refund_methods": refund_methods(call.store, order, total),
    }
    return Reply(201, {"data": quote, "meta": {}})


def _check_payments(order: dict[str, Any], payments: Any, total: float, methods: list) -> None:
    if not isinstance(payments, list) or not payments:
        raise RefundError(422, "payments must be a non-empty array.", {"payments": "required"})
    offered = {option["provider_id"]: option for method in methods for option in method}
    for index, payment in enumerate(payments):
        provider = (payment or {}).get("provider_id")
        if provider == "storecredit" and not order["customer_id"]:
            raise RefundError(422, "Unable to provide store credit for a guest customer.")
        option = offered.get(provider)
        if option is None:
            raise RefundError(
                422,
                f"The payment provider {provider} cannot refund this order.",
                {f"payments[{index}].provider_id": "not offered"},
            )
        if option["offline_provider"] and not payment.get("offline"):
            raise RefundError(
                422,
                f"{order['payment_method']} cannot be refunded through the payment provider; "
                "record the refund as an offline payment.",
                {f"payments[{index}].offline": "must be true for an offline payment method"},
            )
    paid = round(sum(float(p.get("amount") or 0) for p in payments), 2)
    if abs(paid - total) > 0.005:
        raise RefundError(
            422,
            f"The payments total {paid:.2f} does not match the refund total {total:.2f}.",
            {"payments": "amount mismatch"},
        )


def post_refund(call: Call) -> Reply:
    store = call.store
    order = find_order(store, call.params["order_id"])
    body = call.json_object()
    total, priced = _price_items(store, order, body.get("items"))
    _check_payments(order, body.get("payments"), total, refund_methods(store, order, total))
    refund = _record(store, order, body, total, priced)
    return Reply(201, {"data": refund, "meta": {}})


def _record(store: SandboxStore, order: dict, body: dict, total: float, priced: list) -> dict:
    refund_id = store.next_id("refund")
    for item, amount in priced:
        if item["item_type"] in QUANTITY_TYPES:
            line = store.order_products[item["item_id"]]
            line["quantity_refunded"] += item["quantity"]
            line["refund_amount"] = money(float(line["refund_amount"]) + amount)
            line["is_refunded"] = line["quantity_refunded"] >= line["quantity"]
    payments = [_refund_payment(store, order, p) for p in body["payments"]]
    refund = {
        "id": refund_id,
        "order_id": order["id"],
        "user_id": 0,
        "created": iso(store.now()),
        "reason": str(body.get("reason", "")),
        "total_amount": total,
        "total_tax": 0,
        "uses_merchant_override_values": False,
        "items": [
            {
                "item_type": i["item_type"],
                "item_id": i["item_id"],
                "reason": i.get("reason", ""),
                "quantity": i.get("quantity"),
                "requested_amount": round(a, 2),
            }
            for i, a in priced
        ],
        "payments": payments,
    }
    store.refunds[refund_id] = refund
    order["refunded_amount"] = money(float(order["refunded_amount"]) + total)
    touch(store, order)
    store.emit(
        "store/order/refund/created",
        {"type": "order", "id": order["id"], "refund": {"refund_id": refund_id}},
    )
    fully = paid_left(store, order) <= 0.005
    set_status(store, order, REFUNDED if fully else PARTIALLY_REFUNDED)
    return refund


def _refund_payment(store: SandboxStore, order: dict, payment: dict) -> dict[str, Any]:
    transaction_id = store.next_id("transaction")
    offline = bool(payment.get("offline"))
    store.transactions[transaction_id] = {
        "id": transaction_id,
        "order_id": str(order["id"]),
        "event": "refund",
        "method": "offline" if offline else "credit_card",
        "amount": float(payment["amount"]),
        "currency": order["currency_code"],
        "gateway": payment["provider_id"] if payment["provider_id"] != "custom" else "custom",
        "gateway_transaction_id": "" if offline else f"re_{transaction_id:08d}",
        "date_created": store.now(),
        "test": True,
        "status": "ok",
        "fraud_review": False,
        "offline": {"display_name": order["payment_method"]} if offline else None,
        "custom": None,
        "payment_method_id": payment["provider_id"],
    }
    return {
        "id": transaction_id,
        "provider_id": payment["provider_id"],
        "amount": float(payment["amount"]),
        "offline": offline,
        "is_declined": False,
        "declined_message": "",
        "transaction_id": str(transaction_id),
    }


def list_order_refunds(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    rows = [r for r in call.store.refunds.values() if r["order_id"] == order["id"]]
    return v3_page(call, rows)


def list_refunds(call: Call) -> Reply:
    orders, ids = call.ids("order_id"), call.ids("id")
    rows = [
        r
        for r in call.store.refunds.values()
        if (orders is None or r["order_id"] in orders) and (ids is None or r["id"] in ids)
    ]
    return v3_page(call, rows)


def get_refund(call: Call) -> Reply:
    refund = call.store.refunds.get(call.params["refund_id"])
    if refund is None:
        raise not_found("refund")
    return one(refund)


def render_transaction(transaction: dict[str, Any]) -> dict[str, Any]:
    """A transaction as v3 shows it (``date_created`` as a date-time string)."""
    data = {k: v for k, v in transaction.items() if v is not None or k in ("offline", "custom")}
    data["date_created"] = iso(transaction["date_created"])
    return data


def list_transactions(call: Call) -> Reply:
    order = find_order(call.store, call.params["order_id"])
    rows = [
        render_transaction(t)
        for t in call.store.transactions.values()
        if t["order_id"] == str(order["id"])
    ]
    if not rows:
        return Reply(204)
    return v3_page(call, rows)


ROUTES = [
    Route("POST", "/v3/orders/{order_id}/payment_actions/refund_quotes", post_quote),
    Route("POST", "/v3/orders/{order_id}/payment_actions/refunds", post_refund),
    Route("GET", "/v3/orders/{order_id}/payment_actions/refunds", list_order_refunds),
    Route("GET", "/v3/orders/payment_actions/refunds", list_refunds),
    Route("GET", "/v3/orders/payment_actions/refunds/{refund_id}", get_refund),
    Route("GET", "/v3/orders/{order_id}/transactions", list_transactions),
]
