"""The BigCommerce store as the flows see it: canonical records in, canonical records out.

:class:`BigCommerceStore` is the store-side twin of an ERP
:class:`~bcapp.connectors.base.Connector`. A flow reads an order with its lines,
addresses, coupons and taxes as one :class:`~bcapp.canonical.Order`,
creates a shipment from a :class:`~bcapp.canonical.Shipment`, matches
and writes products, reads and writes stock, and keeps the webhooks right —
without building a URL or indexing BigCommerce's JSON, which stays in
:mod:`bcapp.bigcommerce` (the client, its resources and the mapping modules).

Each side lives in its own module and is mixed in here:

* :class:`~.orders.OrderSide` — orders, customers, statuses;
* :class:`~.customers.CustomerSide` — customers by e-mail, customer groups, batched
  customer writes (ERP → store);
* :class:`~.fulfilment.FulfilmentSide` — an order's items and shipments;
* :class:`~.refunds.RefundSide` — refund quotes and refunds;
* :class:`~.hooks.HookSide` — webhook subscriptions;
* :class:`~.catalog.CatalogSide` — which products (and brands) the store has;
* :class:`~.product_writes.ProductWriteSide` — what to write for an article, and writing it;
* :class:`~.categories.CategorySide` — a channel's category tree;
* :class:`~.channels.ChannelSide` — storefronts and the products they sell;
* :class:`~.inventory.InventorySide` — stock levels, set and read.

Batched writes answer lazily with one
:class:`~.batches.WriteResult` per request: what BigCommerce took, and what it
refused in its own words, item by item (:mod:`.batches`).

The raw client stays reachable as ``store.client`` for the facade's own modules
and for tests; flows do not use it (an import-linter contract keeps
``bcapp.sync`` away from the client and resource modules).
"""

from __future__ import annotations

from typing import Any

import httpx

from bcapp.bigcommerce.catalog_mapping import MappingOptions, ProductParts
from bcapp.bigcommerce.catalog_plan import UpdatePlan
from bcapp.bigcommerce.client import API_URL, BigCommerceClient
from bcapp.bigcommerce.concurrency import DEFAULT_MAX_IN_FLIGHT
from bcapp.bigcommerce.pipeline import Pipeline
from bcapp.bigcommerce.ratelimit import Budget
from bcapp.bigcommerce.store.batches import WriteResult, Written
from bcapp.bigcommerce.store.catalog import CatalogSide
from bcapp.bigcommerce.store.catalog_records import (
    Assignment,
    Brand,
    CategoryWrite,
    CreatedProduct,
    ModifiedProduct,
    ProductExtras,
    StockSetting,
    StoreCategory,
    StoreLevel,
    StoreProduct,
)
from bcapp.bigcommerce.store.categories import CategorySide
from bcapp.bigcommerce.store.channels import ChannelSide
from bcapp.bigcommerce.store.customers import (
    CustomerGroup,
    CustomerSide,
    CustomerWrite,
    StoreCustomer,
)
from bcapp.bigcommerce.store.extras import ExtrasSide
from bcapp.bigcommerce.store.fulfilment import FulfilmentSide, shipment_hook_ids, shipment_requests
from bcapp.bigcommerce.store.hooks import HookSide
from bcapp.bigcommerce.store.inventory import InventorySide
from bcapp.bigcommerce.store.orders import OrderSide
from bcapp.bigcommerce.store.product_writes import ProductWriteSide
from bcapp.bigcommerce.store.readonly import ReadOnlyTransport
from bcapp.bigcommerce.store.records import (
    Hook,
    OrderHead,
    OrderItem,
    RefundItem,
    RefundKind,
    RefundMethod,
    RefundPayment,
    RefundQuote,
    RefundRequest,
    ShipmentItem,
    ShipmentRequest,
    StatusLabel,
    StoreRefund,
    StoreShipment,
)
from bcapp.bigcommerce.store.refunds import RefundSide

__all__ = [
    "Assignment",
    "BigCommerceStore",
    "Brand",
    "CategoryWrite",
    "CreatedProduct",
    "CustomerGroup",
    "CustomerWrite",
    "Hook",
    "MappingOptions",
    "ModifiedProduct",
    "OrderHead",
    "OrderItem",
    "Pipeline",
    "ProductExtras",
    "ProductParts",
    "RefundItem",
    "RefundKind",
    "RefundMethod",
    "RefundPayment",
    "RefundQuote",
    "RefundRequest",
    "ShipmentItem",
    "ShipmentRequest",
    "StatusLabel",
    "StockSetting",
    "StoreCategory",
    "StoreCustomer",
    "StoreLevel",
    "StoreProduct",
    "StoreRefund",
    "StoreShipment",
    "UpdatePlan",
    "WriteResult",
    "Written",
    "shipment_hook_ids",
    "shipment_requests",
]


class BigCommerceStore(
    OrderSide,
    ExtrasSide,
    CustomerSide,
    FulfilmentSide,
    RefundSide,
    HookSide,
    CatalogSide,
    ProductWriteSide,
    CategorySide,
    ChannelSide,
    InventorySide,
):
    """One store's BigCommerce, speaking canonical records (see the module docstring)."""

    def __init__(self, client: BigCommerceClient) -> None:
        self.client = client

    @classmethod
    def connect(
        cls,
        store_hash: str,
        access_token: str,
        *,
        api_url: str = API_URL,
        transport: httpx.BaseTransport | None = None,
        budget: Budget | None = None,
        timeout: float = 20.0,
        read_only: bool = False,
        max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    ) -> BigCommerceStore:
        """The store at ``api_url`` with its own client; ``read_only`` refuses every write."""
        if read_only:
            transport = ReadOnlyTransport(transport or httpx.HTTPTransport())
        client = BigCommerceClient(
            store_hash,
            access_token,
            api_url=api_url,
            transport=transport,
            budget=budget,
            timeout=timeout,
            max_in_flight=max_in_flight,
        )
        return cls(client)

    @property
    def store_hash(self) -> str:
        return self.client.store_hash

    @property
    def budget(self) -> Budget:
        """The store's shared rate budget (the catalog flow waits out its windows)."""
        return self.client.budget

    @property
    def in_flight(self) -> int:
        """Requests this store's client sends at once (``BC_MAX_IN_FLIGHT``)."""
        return self.client.max_in_flight

    def pipeline(self) -> Pipeline[Any, Any]:
        """A bounded pipeline for this store's calls (see :mod:`bcapp.bigcommerce.pipeline`)."""
        return self.client.pipeline()

    @property
    def calls(self) -> int:
        """Requests sent so far (benchmarks and logs)."""
        return self.client.calls

    def close(self) -> None:
        self.client.close()
