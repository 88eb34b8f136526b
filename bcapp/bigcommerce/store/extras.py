"""The extras side of the store facade: what a field mapping may read beyond canonical records.

Checkout form fields (v2 shows them on the order's billing address), account form
fields (v3 customers ``include=formfields``), product metafields and custom fields
(v3 catalog) and coupon codes, as :class:`~bcapp.canonical.StoreExtras`. Flows ask
only when the merchant's templates use them: each is one or two requests more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.mapping import money
from bcapp.bigcommerce.store.catalog import modified_product
from bcapp.canonical import Product, StoreExtras


def _by_name(rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in rows:
        name = str(row.get("name") or "").strip()
        if name:
            value = row.get("value")
            out[name] = ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")
    return out


class ExtrasSide:
    """Form fields, metafields, custom fields and coupon codes (a side of the store facade)."""

    client: BigCommerceClient

    def order_extras(self, bc_id: int) -> StoreExtras:
        """The order's checkout form fields and coupon codes (empty when the order is gone)."""
        raw = self.client.orders.get(bc_id)
        if not raw:
            return StoreExtras()
        billing = raw.get("billing_address") or {}
        coupons: list[dict[str, Any]] = []
        if money(raw.get("coupon_discount")) != Decimal("0"):
            coupons = self.client.orders.coupons(bc_id)
        return StoreExtras(
            form_fields=_by_name(billing.get("form_fields") or []),
            coupon_codes=tuple(str(c.get("code") or "") for c in coupons if c.get("code")),
        )

    def customer_extras(self, bc_id: int | None) -> StoreExtras:
        """The account's sign-up form fields (a guest has none)."""
        if not bc_id:
            return StoreExtras()
        found = self.client.customers.by_ids([bc_id], include=("formfields",))
        rows = found[0].get("form_fields") or [] if found else []
        return StoreExtras(form_fields=_by_name(rows))

    def last_order_id(self) -> int | None:
        """The newest order's id (the mapper's preview offers it first), None: no orders."""
        for row in self.client.orders.iterate(sort="id:desc"):
            return int(row["id"])
        return None

    def product_for_mapping(
        self, sku: str, *, prices_include_vat: bool = True
    ) -> tuple[int, Product] | None:
        """The product whose own SKU is ``sku``, as the store → ERP catalog flow reads it."""
        rows = self.client.products.iterate({"sku": sku}, include="variants,images")
        for row in rows:
            found = modified_product(row, {}, prices_include_vat)
            return found.bc_id, found.product
        return None

    def product_extras(self, bc_id: int) -> StoreExtras:
        """The product's metafields (by ``namespace.key`` and by key) and custom fields."""
        metafields: dict[str, str] = {}
        for row in self.client.metafields.iterate(bc_id):
            key, value = str(row.get("key") or ""), str(row.get("value") or "")
            metafields.setdefault(key, value)
            metafields[f"{row.get('namespace') or ''}.{key}"] = value
        custom = _by_name(self.client.custom_fields.iterate(bc_id))
        return StoreExtras(metafields=metafields, custom_fields=custom)
