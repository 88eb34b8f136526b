"""A simulated storefront checkout: turns a cart description into a v2 order.

Used by the control panel ("place a test order") and the seed. It writes the
order, its lines and shipping addresses, a payment transaction, takes the stock
and fires ``store/order/created`` like a real checkout.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce import stock
from bcapp.sandbox.bigcommerce.errors import unprocessable
from bcapp.sandbox.bigcommerce.orders import money
from bcapp.sandbox.bigcommerce.state import SandboxStore

#: Payment methods settled outside a gateway (method → BigCommerce gateway id): the
#: shopper cannot be refunded through a provider.
OFFLINE_METHODS = {
    "Cash on Delivery": "cod",
    "Bank Deposit": "bankdeposit",
    "Check": "cheque",
    "Money Order": "moneyorder",
    "Pay in Store": "instore",
    "Manual": "custom",  # orders created through the API or the control panel
}
ADDRESS_KEYS = (
    "first_name",
    "last_name",
    "company",
    "street_1",
    "street_2",
    "city",
    "state",
    "zip",
    "country",
    "country_iso2",
    "phone",
    "email",
)


def _address(given: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {key: str(given.get(key, "")) for key in ADDRESS_KEYS}
    # checkout form fields the merchant added (v2 shows them on the billing address)
    data["form_fields"] = [
        {"name": str(f["name"]), "value": f["value"]} for f in given.get("form_fields") or []
    ]
    return data


def create_order(store: SandboxStore, spec: dict[str, Any]) -> dict[str, Any]:
    """Place an order described by ``spec`` (see module docstring of seed.py for keys)."""
    lines = spec.get("lines") or []
    if not lines:
        raise unprocessable("An order needs at least one line.")
    order_id = store.next_id("order")
    billing = _address(spec.get("billing_address") or {})
    tax_rate = float(spec.get("tax_rate", 0.0))
    order = _order_record(store, order_id, spec, billing)
    addresses = _shipping_addresses(store, order, spec, billing)
    subtotal_ex = 0.0
    for line in lines:
        address_id = addresses[int(line.get("address", 0))]["id"] if addresses else 0
        product_line = _order_line(store, order_id, line, address_id, tax_rate)
        subtotal_ex += float(product_line["total_ex_tax"])
    _totals(order, addresses, subtotal_ex, tax_rate, spec)
    store.orders[order_id] = order
    _take_stock(store, order_id)
    _payment(store, order, spec)
    store.emit("store/order/created", {"type": "order", "id": order_id})
    return order


def _order_record(store: SandboxStore, order_id: int, spec: dict[str, Any], billing: dict) -> dict:
    now = store.now()
    method = spec.get("payment_method", "Credit Card")
    coupon = spec.get("coupon")
    return {
        "id": order_id,
        "customer_id": int(spec.get("customer_id", 0)),
        "status_id": int(spec.get("status_id", 11)),
        "_created": now,
        "_mtime": now,
        "_shipped": None,
        "_coupons": [_coupon_row(order_id, coupon)] if coupon else [],
        "billing_address": billing,
        "payment_method": method,
        "payment_provider_id": "" if method in OFFLINE_METHODS else f"pi_{order_id:08d}",
        "payment_status": "" if method in OFFLINE_METHODS else "captured",
        "refunded_amount": money(0),
        "store_credit_amount": money(0),
        "gift_certificate_amount": money(0),
        "ip_address": "192.0.2.10",
        "ip_address_v6": "",
        "geoip_country": billing["country"],
        "geoip_country_iso2": billing["country_iso2"],
        "currency_id": 1,
        "currency_code": spec.get("currency_code", "EUR"),
        "currency_exchange_rate": "1.0000000000",
        "default_currency_id": 1,
        "default_currency_code": spec.get("currency_code", "EUR"),
        "store_default_currency_code": spec.get("currency_code", "EUR"),
        "store_default_to_transactional_exchange_rate": "1.0000000000",
        "staff_notes": "",
        "customer_message": spec.get("customer_message", ""),
        "is_deleted": False,
        "ebay_order_id": "0",
        "cart_id": f"cart-{order_id}",
        "is_email_opt_in": False,
        "credit_card_type": None,
        "order_source": "www",
        "channel_id": int(spec.get("channel_id", 1)),
        "external_source": None,
        "external_id": None,
        "external_merchant_id": None,
        "tax_provider_id": "BasicTaxProvider",
        "customer_locale": spec.get("customer_locale", "en"),
        "external_order_id": "",
        "items_shipped": 0,
        "shipping_cost_tax_class_id": 2,
        "handling_cost_tax_class_id": 2,
        "wrapping_cost_tax_class_id": 3,
        "base_handling_cost": money(0),
        "handling_cost_ex_tax": money(0),
        "handling_cost_inc_tax": money(0),
        "handling_cost_tax": money(0),
        "base_wrapping_cost": money(0),
        "wrapping_cost_ex_tax": money(0),
        "wrapping_cost_inc_tax": money(0),
        "wrapping_cost_tax": money(0),
    }


def _coupon_row(order_id: int, coupon: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": order_id,
        "coupon_id": 1,
        "order_id": order_id,
        "code": coupon["code"],
        "amount": money(float(coupon["amount"])),
        "type": 0,
        "discount": money(float(coupon["amount"])),
    }


def _shipping_addresses(store: SandboxStore, order: dict, spec: dict, billing: dict) -> list[dict]:
    given = spec.get("shipping_addresses")
    if given is None:
        given = [] if spec.get("digital") else [billing]
    rows = []
    for address in given:
        address_id = store.next_id("order_address")
        row = {
            "id": address_id,
            "order_id": order["id"],
            **_address(address),
            "items_total": 0,
            "items_shipped": 0,
            "shipping_method": address.get("shipping_method", "Flat Rate"),
            "base_cost": money(0),
            "cost_ex_tax": money(0),
            "cost_inc_tax": money(0),
            "cost_tax": money(0),
            "cost_tax_class_id": 2,
            "base_handling_cost": money(0),
            "handling_cost_ex_tax": money(0),
            "handling_cost_inc_tax": money(0),
            "handling_cost_tax": money(0),
            "handling_cost_tax_class_id": 2,
            "shipping_zone_id": 1,
            "shipping_zone_name": "Everywhere",
        }
        store.order_addresses[address_id] = row
        rows.append(row)
    return rows


def _order_line(
    store: SandboxStore, order_id: int, line: dict, address_id: int, tax_rate: float
) -> dict:
    product = store.products.get(int(line["product_id"])) or {}
    variant = store.variants.get(int(line.get("variant_id") or 0)) or {}
    quantity = int(line.get("quantity", 1))
    price_ex = float(line.get("price", variant.get("price") or product.get("price") or 0))
    price_inc = round(price_ex * (1 + tax_rate), 4)
    line_id = store.next_id("order_product")
    discount = float(line.get("discount", 0))
    row = {
        "id": line_id,
        "order_id": order_id,
        "product_id": int(line["product_id"]),
        "variant_id": variant.get("id") or product.get("base_variant_id") or 0,
        "order_address_id": address_id if product.get("type", "physical") == "physical" else 0,
        "name": line.get("name") or product.get("name", "Item"),
        "name_customer": line.get("name") or product.get("name", "Item"),
        "name_merchant": line.get("name") or product.get("name", "Item"),
        "sku": variant.get("sku") or product.get("sku", ""),
        "upc": "",
        "type": product.get("type", "physical"),
        "base_price": money(price_ex),
        "price_ex_tax": money(price_ex),
        "price_inc_tax": money(price_inc),
        "price_tax": money(price_inc - price_ex),
        "base_total": money(price_ex * quantity),
        "total_ex_tax": money(price_ex * quantity),
        "total_inc_tax": money(price_inc * quantity),
        "total_tax": money((price_inc - price_ex) * quantity),
        "weight": product.get("weight", 0),
        "quantity": quantity,
        "base_cost_price": money(0),
        "cost_price_inc_tax": money(0),
        "cost_price_ex_tax": money(0),
        "cost_price_tax": money(0),
        "is_refunded": False,
        "quantity_refunded": 0,
        "refund_amount": money(0),
        "return_id": 0,
        "quantity_shipped": 0,
        "fixed_shipping_cost": money(0),
        "option_set_id": None,
        "parent_order_product_id": None,
        "is_bundled_product": False,
        "bin_picking_number": "",
        "external_id": None,
        "brand": "",
        "applied_discounts": [
            {
                "id": "coupon",
                "amount": money(discount),
                "name": "Coupon",
                "code": None,
                "target": "product",
            }
        ]
        if discount
        else [],
        "product_options": _line_options(line_id, variant),
        "configurable_fields": [],
        "discounted_total_inc_tax": money(price_inc * quantity - discount),
        "gift_certificate_id": None,
        "wrapping_name": "",
        "wrapping_message": "",
        "wrapping_cost_ex_tax": money(0),
        "wrapping_cost_inc_tax": money(0),
        "wrapping_cost_tax": money(0),
        "event_name": None,
        "event_date": None,
        "ebay_item_id": "",
        "ebay_transaction_id": "",
    }
    store.order_products[line_id] = row
    if address_id and row["order_address_id"]:
        store.order_addresses[address_id]["items_total"] += quantity
    return row


def _line_options(line_id: int, variant: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": i + 1,
            "option_id": ov["option_id"],
            "order_product_id": line_id,
            "product_option_id": ov["option_id"],
            "display_name": ov["option_display_name"],
            "display_value": ov["label"],
            "value": str(ov["id"]),
            "type": "Multiple choice",
            "name": ov["option_display_name"],
            "display_style": "Dropdown",
        }
        for i, ov in enumerate(variant.get("option_values") or [])
    ]


def _totals(
    order: dict, addresses: list[dict], subtotal_ex: float, tax_rate: float, spec: dict
) -> None:
    costs = _address_costs(addresses, spec)
    shipping_ex = sum(costs) if addresses else float(spec.get("shipping_cost", 0))
    discount = float(spec.get("discount_amount", 0))
    coupon = float((spec.get("coupon") or {}).get("amount", 0))
    subtotal_tax = subtotal_ex * tax_rate
    shipping_tax = shipping_ex * tax_rate
    total_ex = subtotal_ex + shipping_ex - discount - coupon
    total_tax = subtotal_tax + shipping_tax
    order.update(
        subtotal_ex_tax=money(subtotal_ex),
        subtotal_inc_tax=money(subtotal_ex + subtotal_tax),
        subtotal_tax=money(subtotal_tax),
        base_shipping_cost=money(shipping_ex),
        shipping_cost_ex_tax=money(shipping_ex),
        shipping_cost_inc_tax=money(shipping_ex + shipping_tax),
        shipping_cost_tax=money(shipping_tax),
        total_ex_tax=money(total_ex),
        total_inc_tax=money(total_ex + total_tax),
        total_tax=money(total_tax),
        discount_amount=money(discount),
        coupon_discount=money(coupon),
        shipping_address_count=len(addresses),
        order_is_digital=not addresses,
    )
    order["items_total"] = sum(int(line.get("quantity", 1)) for line in spec["lines"])
    for address, cost in zip(addresses, costs, strict=True):
        address.update(
            base_cost=money(cost),
            cost_ex_tax=money(cost),
            cost_inc_tax=money(cost * (1 + tax_rate)),
            cost_tax=money(cost * tax_rate),
        )


def _address_costs(addresses: list[dict], spec: dict) -> list[float]:
    """Each shipping address's shipping cost (ex tax), as BigCommerce prices them.

    A checkout to several addresses picks a method per address, each with its own
    cost (``shipping_cost`` on a given address); the order's shipping is their sum.
    Without per-address costs the order's ``shipping_cost`` is the first address's.
    """
    given = spec.get("shipping_addresses") or []
    if any(isinstance(a, dict) and "shipping_cost" in a for a in given):
        return [float(a.get("shipping_cost") or 0) for a in given]
    shipping_ex = float(spec.get("shipping_cost", 0 if not addresses else 4.95))
    return [shipping_ex] + [0.0] * (len(addresses) - 1) if addresses else []


def _take_stock(store: SandboxStore, order_id: int) -> None:
    for line in [p for p in store.order_products.values() if p["order_id"] == order_id]:
        variant = store.variants.get(line["variant_id"])
        if variant is None:
            continue
        key = stock.holder(store, variant)
        current = stock.level(store, key, stock.DEFAULT_LOCATION)
        # the storefront sells out rather than going negative (backorders are not simulated)
        stock.set_level(store, key, max(0, current - line["quantity"]), stock.DEFAULT_LOCATION)
        inventory = {
            "product_id": line["product_id"],
            "method": "relative",
            "value": -line["quantity"],
        }
        if key[0] == "variant":
            store.emit(
                "store/sku/inventory/order/updated",
                {
                    "type": "sku",
                    "id": variant["id"],
                    "inventory": {**inventory, "variant_id": variant["id"]},
                },
            )
        else:
            store.emit(
                "store/product/inventory/order/updated",
                {"type": "product", "id": line["product_id"], "inventory": inventory},
            )


def _payment(store: SandboxStore, order: dict[str, Any], spec: dict[str, Any]) -> None:
    method = order["payment_method"]
    offline = method in OFFLINE_METHODS
    transaction_id = store.next_id("transaction")
    store.transactions[transaction_id] = {
        "id": transaction_id,
        "order_id": str(order["id"]),
        "event": "purchase",
        "method": "offline" if offline else "credit_card",
        "amount": float(order["total_inc_tax"]),
        "currency": order["currency_code"],
        "gateway": OFFLINE_METHODS.get(method, "stripe"),
        "gateway_transaction_id": "" if offline else order["payment_provider_id"],
        "date_created": order["_created"],
        "test": True,
        "status": "ok",
        "fraud_review": False,
        "offline": {"display_name": method} if offline else None,
        "custom": None,
        "payment_method_id": OFFLINE_METHODS.get(method, "stripe.card"),
    }
