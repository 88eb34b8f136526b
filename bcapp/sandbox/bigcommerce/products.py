"""The store's products as the other catalog modules find and stamp them."""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.clock import iso
from bcapp.sandbox.bigcommerce.errors import not_found
from bcapp.sandbox.bigcommerce.state import SandboxStore


def find_product(store: SandboxStore, product_id: int) -> dict[str, Any]:
    """The stored product, or BigCommerce's 404."""
    product = store.products.get(product_id)
    if product is None:
        raise not_found("product")
    return product


def sku_taken(store: SandboxStore, sku: str, *, product_id: int = 0, variant_id: int = 0) -> bool:
    """True when ``sku`` belongs to another product or variant of the store."""
    if not sku:
        return False
    for kind, owner_id in store.sku_owners(sku):
        if kind == "product" and owner_id != product_id:
            return True
        variant = store.variants.get(owner_id) if kind == "variant" else None
        if (
            variant
            and owner_id != variant_id
            and (variant["product_id"] != product_id or not variant.get("_base"))
        ):
            return True
    return False


def touch(store: SandboxStore, product: dict[str, Any]) -> None:
    """Bump ``date_modified`` (feeds ``date_modified:min`` polling)."""
    now = store.now()
    product["date_modified"], product["_mtime"] = iso(now), now
