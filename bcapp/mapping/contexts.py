"""What a template sees for each record type: the canonical record plus BigCommerce's extras.

Every context is plain data (:func:`~bcapp.mapping.templates.plain`), so a template
reads ``order.customer_message``, ``line.sku``, ``form["PO number"]``,
``metafields["brand"]`` or ``coupons[0]`` and nothing else. The names per record type:

* order: ``order``, ``customer``, ``billing``, ``shipping`` (the first shipping
  address), ``form`` (checkout form fields), ``coupons``;
* order_line: the order's names plus ``line`` and ``index`` (0 for the first line);
* customer: ``customer``, ``billing`` (its first address), ``form`` (account form
  fields), ``order`` (the order it is exported for, when there is one);
* address: ``address``, ``order``;
* product: ``product``, ``metafields``, ``custom_fields``;
* variant: ``product``, ``variant``, ``metafields``, ``custom_fields``.
"""

from __future__ import annotations

from typing import Any

from bcapp.canonical import Address, Customer, Order, OrderLine, Product, StoreExtras, Variant
from bcapp.mapping.templates import plain

#: The names each record type's context has (the settings page lists them).
NAMES: dict[str, tuple[str, ...]] = {
    "order": ("order", "customer", "billing", "shipping", "form", "coupons"),
    "order_line": ("line", "index", "order", "customer", "form", "coupons"),
    "customer": ("customer", "billing", "form", "order"),
    "address": ("address", "order"),
    "product": ("product", "metafields", "custom_fields"),
    "variant": ("variant", "product", "metafields", "custom_fields"),
}


def order_context(order: Order, extras: StoreExtras | None = None) -> dict[str, Any]:
    """The order header's context."""
    more = extras or StoreExtras()
    shipping = order.shipping_addresses[0] if order.shipping_addresses else Address()
    return {
        "order": plain(order),
        "customer": plain(order.customer),
        "billing": plain(order.billing_address),
        "shipping": plain(shipping),
        "form": dict(more.form_fields),
        "coupons": list(more.coupon_codes or order.coupon_codes),
    }


def line_context(header: dict[str, Any], line: OrderLine, index: int) -> dict[str, Any]:
    """One order line's context (``header``: :func:`order_context` of its order)."""
    return {**header, "line": plain(line), "index": index}


def customer_context(
    customer: Customer, extras: StoreExtras | None = None, order: Order | None = None
) -> dict[str, Any]:
    """A customer's context (``order``: the order it is exported with)."""
    billing = customer.addresses[0] if customer.addresses else Address()
    return {
        "customer": plain(customer),
        "billing": plain(billing),
        "form": dict((extras or StoreExtras()).form_fields),
        "order": plain(order) if order is not None else {},
    }


def address_context(address: Address, order: Order | None = None) -> dict[str, Any]:
    return {"address": plain(address), "order": plain(order) if order is not None else {}}


def product_context(product: Product, extras: StoreExtras | None = None) -> dict[str, Any]:
    more = extras or StoreExtras()
    return {
        "product": plain(product),
        "metafields": dict(more.metafields),
        "custom_fields": dict(more.custom_fields) or dict(product.custom_fields),
    }


def variant_context(
    product: Product, variant: Variant, extras: StoreExtras | None = None
) -> dict[str, Any]:
    return {**product_context(product, extras), "variant": plain(variant)}
