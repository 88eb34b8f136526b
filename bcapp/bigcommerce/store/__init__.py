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
* :class:`~.fulfilment.FulfilmentSide` — an order's items and shipments;
* :class:`~.refunds.RefundSide` — refund quotes and refunds;
* :class:`~.hooks.HookSide` — webhook subscriptions;
* (catalog and inventory sides are added beside them).

The raw client stays reachable as ``store.client`` for the facade's own modules
and for tests; flows do not use it (an import-linter contract keeps
``bcapp.sync`` away from the client and resource modules).
"""

from __future__ import annotations

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.ratelimit import Budget
from bcapp.bigcommerce.store.fulfilment import FulfilmentSide, shipment_hook_ids, shipment_requests
from bcapp.bigcommerce.store.hooks import HookSide
from bcapp.bigcommerce.store.orders import OrderSide
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
    "BigCommerceStore",
    "Hook",
    "OrderHead",
    "OrderItem",
    "RefundItem",
    "RefundKind",
    "RefundMethod",
    "RefundPayment",
    "RefundQuote",
    "RefundRequest",
    "ShipmentItem",
    "ShipmentRequest",
    "StatusLabel",
    "StoreRefund",
    "StoreShipment",
    "shipment_hook_ids",
    "shipment_requests",
]


class BigCommerceStore(OrderSide, FulfilmentSide, RefundSide, HookSide):
    """One store's BigCommerce, speaking canonical records (see the module docstring)."""

    def __init__(self, client: BigCommerceClient) -> None:
        self.client = client

    @property
    def store_hash(self) -> str:
        return self.client.store_hash

    @property
    def budget(self) -> Budget:
        """The store's shared rate budget (the catalog flow waits out its windows)."""
        return self.client.budget

    @property
    def calls(self) -> int:
        """Requests sent so far (benchmarks and logs)."""
        return self.client.calls

    def close(self) -> None:
        self.client.close()
