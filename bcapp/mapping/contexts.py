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
* variant: ``product``, ``variant``, ``metafields``, ``custom_fields``;
* store_product (ERP → store): ``product`` (the ERP's article) and ``custom_fields``
  (the ERP fields the catalog settings pass on).
"""

from __future__ import annotations

from decimal import Decimal
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
    "store_product": ("product", "custom_fields"),
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


def sample_contexts(order: Order | None = None, product: Product | None = None,
                    extras: StoreExtras | None = None) -> dict[str, dict[str, Any]]:  # fmt: skip
    """A context per record type to try templates on when saving (a real record's if given).

    Without a real order or product, a made-up one whose texts are typical; the
    save check also tries every context with long texts (``fields.stretched``).
    """
    if order is None:
        address = Address(first_name="Jan", last_name="de Vries", street="Keizersgracht 12",
                          postal_code="1015 CX", city="Amsterdam", country_code="NL",
                          email="jan@example.com")  # fmt: skip
        order = Order(
            bc_id=100, reference="100",
            customer=Customer(email="jan@example.com", first_name="Jan", last_name="de Vries",
                              addresses=(address,), bc_id=1),
            billing_address=address, shipping_addresses=(address,),
            lines=(OrderLine(sku="SKU-1", name="Product", quantity=Decimal(1),
                             price_ex_tax=Decimal("10"), price_inc_tax=Decimal("12.10")),),
            customer_message="Leave at the door", shipping_method="Post",
            payment_method="Card",
        )  # fmt: skip
    if product is None:
        product = Product(erp_id="", sku="SKU-1", name="Product", price=Decimal("12.10"),
                          variants=(Variant(sku="SKU-1-M", options=(("Size", "M"),)),))  # fmt: skip
    header = order_context(order, extras)
    variant = product.variants[0] if product.variants else Variant(sku=product.sku, options=())
    return {
        "order": header,
        "order_line": line_context(header, order.lines[0], 0) if order.lines else header,
        "customer": customer_context(order.customer, extras, order),
        "address": address_context(order.billing_address, order),
        "product": product_context(product, extras),
        "variant": variant_context(product, variant, extras),
        "store_product": product_context(product),
    }
