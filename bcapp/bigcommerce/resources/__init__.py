"""BigCommerce resources, one small class per API area, attached to each client.

They speak BigCommerce's JSON (dicts in, dicts out) and know the API's paths,
filters and per-request maxima; mapping to canonical records happens elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bcapp.bigcommerce.client import BigCommerceClient


class Resource:
    """Base: holds the client whose budget and errors every call goes through."""

    def __init__(self, api: BigCommerceClient) -> None:
        self.api = api


def attach_resources(client: BigCommerceClient) -> None:
    """Give ``client`` its resource attributes (``client.products``, ``client.orders`` ...)."""
    from bcapp.bigcommerce.resources import (
        catalog,
        categories,
        customers,
        hooks,
        inventory,
        orders,
        store,
    )

    client.products = catalog.Products(client)  # type: ignore[attr-defined]
    client.variants = catalog.Variants(client)  # type: ignore[attr-defined]
    client.options = catalog.Options(client)  # type: ignore[attr-defined]
    client.images = catalog.Images(client)  # type: ignore[attr-defined]
    client.custom_fields = catalog.CustomFields(client)  # type: ignore[attr-defined]
    client.brands = catalog.Brands(client)  # type: ignore[attr-defined]
    client.channel_assignments = catalog.ChannelAssignments(client)  # type: ignore[attr-defined]
    client.category_trees = categories.CategoryTrees(client)  # type: ignore[attr-defined]
    client.inventory = inventory.Inventory(client)  # type: ignore[attr-defined]
    client.customers = customers.Customers(client)  # type: ignore[attr-defined]
    client.orders = orders.Orders(client)  # type: ignore[attr-defined]
    client.refunds = orders.Refunds(client)  # type: ignore[attr-defined]
    client.hooks = hooks.Hooks(client)  # type: ignore[attr-defined]
    client.store = store.StoreInformation(client)  # type: ignore[attr-defined]
