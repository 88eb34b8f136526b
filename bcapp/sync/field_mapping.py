"""The merchant's field mappings applied inside the flows (orders, customers, products).

Each function takes a canonical record and returns what the connector gets: the
order's :class:`~bcapp.canonical.OrderInstructions` with ``fields``,
``line_fields`` and ``address_fields`` filled, or the record with ``erp_fields``.
With no saved mapping (``ctx.field_mappings.version`` None) nothing changes and no
extra request is made, so a store that never opens the mapper exports exactly as
before. BigCommerce extras (form fields, metafields) are read only when a template
uses them. A failing template fails only its record: :class:`FatalSyncError`
naming the record type, field, template and value (``details["mapping"]``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from bcapp.canonical import Customer, Order, OrderInstructions, Product, StoreExtras
from bcapp.errors import FatalSyncError
from bcapp.mapping import contexts
from bcapp.mapping.fields import FieldMappings, MappingFailure, evaluate
from bcapp.sync.context import SyncContext

T = TypeVar("T")


def failed(exc: MappingFailure) -> FatalSyncError:
    """The record's failure as the activity log shows it."""
    return FatalSyncError(exc.sentence() + " Fix the template in the field mapping settings, "
                          "then retry.", details={"mapping": exc.details()})  # fmt: skip


def _guarded(func: Callable[[], T]) -> T:
    try:
        return func()
    except MappingFailure as exc:
        raise failed(exc) from None


def map_order(ctx: SyncContext, order: Order, instructions: OrderInstructions) -> OrderInstructions:
    """``instructions`` with the order header, line and address fields the merchant mapped."""
    mappings = ctx.field_mappings
    if not any(mappings.has(r) for r in ("order", "order_line", "address")):
        return replace(instructions, mapping_version=mappings.version)
    extras = StoreExtras()
    if mappings.mentions("form") or mappings.mentions("coupons"):
        extras = ctx.store.order_extras(order.bc_id)
    return _guarded(lambda: order_instructions(mappings, order, instructions, extras))


def order_instructions(
    mappings: FieldMappings,
    order: Order,
    instructions: OrderInstructions,
    extras: StoreExtras | None = None,
) -> OrderInstructions:
    """The mapping applied to one order (pure: the preview calls it too).

    Raises:
        MappingFailure: a template failed or its value does not fit.
    """
    header = contexts.order_context(order, extras)
    lines = {}
    if mappings.has("order_line"):
        for index, line in enumerate(order.lines):
            lines[index] = evaluate(
                mappings, "order_line", contexts.line_context(header, line, index)
            )
    address = order.shipping_addresses[0] if order.shipping_addresses else order.billing_address
    return replace(
        instructions,
        fields=evaluate(mappings, "order", header),
        line_fields=lines,
        address_fields=evaluate(mappings, "address", contexts.address_context(address, order)),
        mapping_version=mappings.version,
    )


def map_customer(ctx: SyncContext, customer: Customer, order: Order | None = None) -> Customer:
    """``customer`` with the ERP fields the merchant mapped (unchanged when none)."""
    mappings = ctx.field_mappings
    if not mappings.has("customer"):
        return customer
    extras = StoreExtras()
    if mappings.mentions("form") and customer.bc_id:
        extras = ctx.store.customer_extras(customer.bc_id)
    context = contexts.customer_context(customer, extras, order)
    values = _guarded(lambda: evaluate(mappings, "customer", context))
    return replace(customer, erp_fields=tuple(values.items()))


def map_product(ctx: SyncContext, product: Product, bc_id: int) -> Product:
    """``product`` (and its variants) with the ERP fields the merchant mapped."""
    mappings = ctx.field_mappings
    if not (mappings.has("product") or mappings.has("variant")):
        return product
    extras = StoreExtras()
    if mappings.mentions("metafields") or mappings.mentions("custom_fields"):
        extras = ctx.store.product_extras(bc_id)
    return _guarded(lambda: product_fields(mappings, product, extras))


def map_store_product(ctx: SyncContext, product: Product) -> Product:
    """The ERP's ``product`` with the BigCommerce fields the merchant mapped (ERP → store)."""
    mappings = ctx.field_mappings
    if not mappings.has("store_product"):
        return product
    return _guarded(lambda: map_store_values(mappings, product))


def map_store_values(mappings: FieldMappings, product: Product) -> Product:
    """The mapping applied to one ERP article (pure: the preview calls it too)."""
    values = evaluate(mappings, "store_product", contexts.product_context(product))
    return replace(product, store_fields=tuple(values.items()))


def product_fields(
    mappings: FieldMappings, product: Product, extras: StoreExtras | None = None
) -> Product:
    """The mapping applied to one product and its variants (pure)."""
    values = evaluate(mappings, "product", contexts.product_context(product, extras))
    variants = tuple(
        replace(v, erp_fields=tuple(
            evaluate(mappings, "variant", contexts.variant_context(product, v, extras)).items()
        ))
        for v in product.variants
    ) if mappings.has("variant") else product.variants  # fmt: skip
    return replace(product, erp_fields=tuple(values.items()), variants=variants)
