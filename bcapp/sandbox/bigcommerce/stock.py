"""Stock levels per location, and how the catalog reads them.

A product tracked at product level (or without variants of its own) keeps its
stock on the product; a product tracked by variant keeps it per variant and
the product shows the sum. The base variant mirrors its product.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.state import SandboxStore

MAX_QUANTITY = 2_147_483_647
DEFAULT_LOCATION = 1


def holder(store: SandboxStore, variant: dict[str, Any]) -> tuple[str, int]:
    """Where a variant's stock is kept: on itself, or on its product (base variant, or
    a product tracked at product level)."""
    product = store.products[variant["product_id"]]
    if variant.get("_base") or product.get("inventory_tracking") == "product":
        return ("product", variant["product_id"])
    return ("variant", variant["id"])


def level(store: SandboxStore, key: tuple[str, int], location_id: int | None = None) -> int:
    """Quantity of ``key`` at one location, or summed over all locations."""
    if location_id is not None:
        return store.stock.get((*key, location_id), 0)
    return sum(store.stock.get((*key, loc), 0) for loc in store.locations)


def product_level(store: SandboxStore, product_id: int) -> int:
    """What the catalog shows as a product's ``inventory_level``."""
    product = store.products[product_id]
    own = [v for v in store.variants_of(product_id) if not v.get("_base")]
    if own and product.get("inventory_tracking") != "product":
        return sum(level(store, ("variant", v["id"])) for v in own)
    return level(store, ("product", product_id))


def variant_level(store: SandboxStore, variant: dict[str, Any]) -> int:
    """What the catalog shows as a variant's ``inventory_level``."""
    return level(store, holder(store, variant))


def set_level(store: SandboxStore, key: tuple[str, int], quantity: int, location_id: int) -> None:
    """Set an absolute quantity at one location."""
    store.stock[(*key, location_id)] = quantity


def clear(store: SandboxStore, key: tuple[str, int]) -> None:
    """Drop every location's stock of a deleted product or variant."""
    for location_id in store.locations:
        store.stock.pop((*key, location_id), None)
