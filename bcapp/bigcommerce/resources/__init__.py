"""BigCommerce resources, one small class per API area, attached to each client.

They speak BigCommerce's JSON (dicts in, dicts out) and know the API's paths,
filters and per-request maxima; mapping to canonical records happens elsewhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bcapp.bigcommerce.client import BigCommerceClient


class Resource:
    """Base: holds the client whose budget and errors every call goes through."""

    def __init__(self, api: BigCommerceClient) -> None:
        self.api = api


def as_record(value: Any) -> dict[str, Any]:
    """A JSON object BigCommerce returned; an empty dict for None (a 204) or anything else."""
    return value if isinstance(value, dict) else {}


def as_records(value: Any) -> list[dict[str, Any]]:
    """A JSON list of objects BigCommerce returned; empty for None (a 204) or anything else."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


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

    client.products = catalog.Products(client)
    client.variants = catalog.Variants(client)
    client.options = catalog.Options(client)
    client.images = catalog.Images(client)
    client.custom_fields = catalog.CustomFields(client)
    client.metafields = catalog.Metafields(client)
    client.brands = catalog.Brands(client)
    client.channel_assignments = catalog.ChannelAssignments(client)
    client.category_trees = categories.CategoryTrees(client)
    client.inventory = inventory.Inventory(client)
    client.customers = customers.Customers(client)
    client.orders = orders.Orders(client)
    client.refunds = orders.Refunds(client)
    client.hooks = hooks.Hooks(client)
    client.store = store.StoreInformation(client)
