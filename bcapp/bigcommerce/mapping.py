"""BigCommerce payloads → canonical records (orders and customers).

Flows never read BigCommerce JSON; they read what these functions return.
Money arrives as strings ("12.3400") and becomes Decimal without a float in
between; v2 dates are RFC 2822.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from bcapp.canonical import Address, Customer, Order, OrderLine, ShippingCharge

Json = Mapping[str, Any]


def money(value: Any) -> Decimal:
    """BigCommerce money (string or number) → Decimal; empty → 0."""
    if value in (None, ""):
        return Decimal("0")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def v2_date(value: str | None) -> datetime | None:
    """RFC 2822 (v2) or ISO 8601 (v3) → aware datetime."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))


def address_from_bc(data: Json) -> Address:
    """A v2 billing/shipping address or a v3 customer address."""
    return Address(
        first_name=(data.get("first_name") or "").strip(),
        last_name=(data.get("last_name") or "").strip(),
        company=(data.get("company") or "").strip(),
        street=(data.get("street_1") or data.get("address1") or "").strip(),
        street2=(data.get("street_2") or data.get("address2") or "").strip(),
        postal_code=(data.get("zip") or data.get("postal_code") or "").strip(),
        city=(data.get("city") or "").strip(),
        state=(data.get("state") or data.get("state_or_province") or "").strip(),
        country_code=(data.get("country_iso2") or data.get("country_code") or "").upper(),
        phone=(data.get("phone") or "").strip(),
        email=(data.get("email") or "").strip(),
        bc_id=data.get("id"),
    )


def form_fields(*sources: Json) -> tuple[tuple[str, str], ...]:
    """(name, value) of the ``form_fields`` of each source (a customer, an address), in order.

    BigCommerce gives text fields as strings and multiple-choice ones as lists; only
    filled single values are kept (a VAT number, a Chamber of Commerce number).
    """
    found: list[tuple[str, str]] = []
    for source in sources:
        for item in source.get("form_fields") or ():
            if not isinstance(item, dict):
                continue
            name, value = str(item.get("name") or "").strip(), item.get("value")
            if name and isinstance(value, str | int) and str(value).strip():
                found.append((name, str(value).strip()))
    return tuple(found)


def customer_from_bc(data: Json) -> Customer:
    """A v3 customer (with ``include=addresses,formfields``)."""
    return Customer(
        email=(data.get("email") or "").strip().lower(),
        first_name=(data.get("first_name") or "").strip(),
        last_name=(data.get("last_name") or "").strip(),
        company=(data.get("company") or "").strip(),
        phone=(data.get("phone") or "").strip(),
        addresses=tuple(address_from_bc(a) for a in data.get("addresses") or ()),
        bc_id=data.get("id"),
        channel_id=int(data.get("origin_channel_id") or 1),
        form_fields=form_fields(data, *(data.get("addresses") or ())),
        bc_group_id=int(data.get("customer_group_id") or 0),
    )


def customer_from_order(order: Json, shipping: Iterable[Address] = ()) -> Customer:
    """The order's buyer: registered (customer_id > 0) or a guest, from the billing address."""
    billing = address_from_bc(order.get("billing_address") or {})
    customer_id = int(order.get("customer_id") or 0)
    return Customer(
        email=billing.email.lower(),
        first_name=billing.first_name,
        last_name=billing.last_name,
        company=billing.company,
        phone=billing.phone,
        addresses=(billing, *shipping),
        bc_id=customer_id or None,
        channel_id=int(order.get("channel_id") or 1),
        form_fields=form_fields(order.get("billing_address") or {}),
    )


def _tax_rate(ex: Decimal, tax: Decimal) -> Decimal:
    if not ex:
        return Decimal("0")
    return (tax / ex * 100).quantize(Decimal("0.01"))


def line_from_bc(product: Json) -> OrderLine:
    """A v2 order product → OrderLine (per-unit prices; discounts summed per line)."""
    ex, inc = money(product.get("price_ex_tax")), money(product.get("price_inc_tax"))
    discounts = sum(
        (money(d.get("amount")) for d in product.get("applied_discounts") or ()), Decimal("0")
    )
    return OrderLine(
        sku=(product.get("sku") or "").strip(),
        name=product.get("name") or "",
        quantity=Decimal(str(product.get("quantity") or 0)),
        price_ex_tax=ex,
        price_inc_tax=inc,
        tax_rate=_tax_rate(ex, inc - ex),
        discount=discounts,
        is_digital=product.get("type") == "digital",
        bc_line_id=product.get("id"),
        bc_product_id=product.get("product_id"),
        bc_variant_id=product.get("variant_id"),
        address_id=int(product.get("order_address_id") or 0) or None,
    )


def order_from_bc(
    order: Json,
    products: Iterable[Json],
    shipping_addresses: Iterable[Json] = (),
    coupons: Iterable[Json] = (),
) -> Order:
    """A v2 order with its products, shipping addresses and coupons → Order."""
    rows = list(shipping_addresses)  # read three times below
    shipping = tuple(address_from_bc(a) for a in rows)
    methods = [a.get("shipping_method") or "" for a in rows]
    return Order(
        bc_id=int(order["id"]),
        reference=str(order["id"]),
        customer=customer_from_order(order, shipping),
        billing_address=address_from_bc(order.get("billing_address") or {}),
        lines=tuple(line_from_bc(p) for p in products),
        shipping_addresses=shipping,
        status_id=int(order.get("status_id") or 0),
        channel_id=int(order.get("channel_id") or 1),
        currency=order.get("currency_code") or "",
        created_at=v2_date(order.get("date_created")),
        shipping_method=next((m for m in methods if m), ""),
        shipping_cost_ex_tax=money(order.get("shipping_cost_ex_tax")),
        shipping_cost_inc_tax=money(order.get("shipping_cost_inc_tax")),
        payment_method=order.get("payment_method") or "",
        discount_total=money(order.get("discount_amount")) + money(order.get("coupon_discount")),
        coupon_codes=tuple(c.get("code", "") for c in coupons if c.get("code")),
        total_ex_tax=money(order.get("total_ex_tax")),
        total_inc_tax=money(order.get("total_inc_tax")),
        tax_total=money(order.get("total_tax")),
        customer_message=order.get("customer_message") or "",
        payment_status=str(order.get("payment_status") or ""),
        shipping_charges=tuple(shipping_charge(a) for a in rows),
    )


def shipping_charge(address: Json) -> ShippingCharge:
    """A v2 order shipping address's own shipping method and cost (its ``cost_*`` fields)."""
    return ShippingCharge(
        address_id=address.get("id"),
        method=address.get("shipping_method") or "",
        cost_ex_tax=money(address.get("cost_ex_tax")),
        cost_inc_tax=money(address.get("cost_inc_tax")),
    )


def with_line_taxes(order: Order, taxes: Iterable[Json]) -> Order:
    """``order`` with each line's tax class (id and name) from ``/orders/{id}/taxes`` rows.

    Order products do not name their tax class; the taxes do, per ``order_product_id``
    (``details=true``). A line without a row (BigCommerce charged no tax) keeps none.
    """
    rows = {
        str(t["order_product_id"]): t
        for t in taxes
        if t.get("line_item_type") in (None, "item")
        and t.get("order_product_id")
        and t.get("tax_class_id") is not None
    }
    lines = []
    for line in order.lines:
        row = rows.get(str(line.bc_line_id))
        if row is not None:
            name = str(row.get("class") or "")
            line = replace(line, tax_class=str(row["tax_class_id"]), tax_class_name=name)
        lines.append(line)
    return replace(order, lines=tuple(lines))
