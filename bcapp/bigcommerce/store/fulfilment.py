"""The fulfilment side of the store facade: an order's items and its shipments.

Reads return :class:`~bcapp.bigcommerce.store.records.OrderItem` (what is left to
ship or refund, which shipping address a line goes to) and
:class:`~bcapp.bigcommerce.store.records.StoreShipment` records; a shipment is
created from a :class:`~bcapp.bigcommerce.store.records.ShipmentRequest`. What
BigCommerce wants of a shipment (one shipping address each, its own provider
slugs, a 50-character tracking number) is decided here, so the v2 JSON never
leaves this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.mapping import money, v2_date
from bcapp.bigcommerce.store.records import (
    OrderItem,
    ShipmentItem,
    ShipmentRequest,
    StoreShipment,
)
from bcapp.canonical import Shipment

#: BigCommerce's built-in shipping providers by carrier name (anything else is free text).
PROVIDERS = {
    "auspost": "auspost", "australiapost": "auspost", "canadapost": "canadapost",
    "endicia": "endicia", "usps": "usps", "fedex": "fedex", "royalmail": "royalmail",
    "ups": "ups", "shipperhq": "shipperhq",
}  # fmt: skip
#: The longest tracking number and tracking link BigCommerce keeps.
TRACKING_LIMIT, LINK_LIMIT = 50, 500


def order_item(raw: Mapping[str, Any]) -> OrderItem:
    """A v2 order product → :class:`OrderItem` (address None: a digital line, nothing to ship)."""
    variant = raw.get("variant_id")
    return OrderItem(
        bc_line_id=int(raw["id"]),
        sku=str(raw.get("sku") or ""),
        quantity=int(raw.get("quantity") or 0),
        quantity_shipped=int(raw.get("quantity_shipped") or 0),
        quantity_refunded=int(raw.get("quantity_refunded") or 0),
        address_id=int(raw["order_address_id"]) if raw.get("order_address_id") else None,
        name=str(raw.get("name") or ""),
        price_inc_tax=money(raw.get("price_inc_tax")),
        bc_product_id=int(raw["product_id"]) if raw.get("product_id") else None,
        bc_variant_id=int(variant) if variant else None,
    )


def store_shipment(raw: Mapping[str, Any]) -> StoreShipment:
    """A v2 shipment → :class:`StoreShipment` (a free-text carrier wins over the provider)."""
    items = tuple(
        ShipmentItem(bc_line_id=int(i["order_product_id"]), quantity=int(i["quantity"]))
        for i in raw.get("items") or []
    )
    return StoreShipment(
        bc_id=int(raw["id"]),
        order_id=int(raw["order_id"]),
        address_id=int(raw.get("order_address_id") or 0),
        items=items,
        tracking_number=str(raw.get("tracking_number") or ""),
        carrier=str(raw.get("tracking_carrier") or raw.get("shipping_provider") or ""),
        tracking_link=str(raw.get("tracking_link") or raw.get("generated_tracking_link") or ""),
        note=str(raw.get("comments") or ""),
        shipped_at=v2_date(raw.get("date_created")),
    )


def shipment_requests(
    shipment: Shipment, allocation: Iterable[tuple[OrderItem, int]], note: str
) -> list[ShipmentRequest]:
    """``shipment``'s allocated items as store shipments: one per shipping address they go to.

    Items without an address (digital lines) cannot be shipped and must not be
    in ``allocation``.
    """
    by_address: dict[int, list[ShipmentItem]] = {}
    for item, quantity in allocation:
        if item.address_id is None:
            raise ValueError(f"order line {item.bc_line_id} has no shipping address")
        by_address.setdefault(item.address_id, []).append(ShipmentItem(item.bc_line_id, quantity))
    return [
        ShipmentRequest(
            address_id=address,
            items=tuple(items),
            tracking_number=shipment.tracking_number,
            carrier=shipment.carrier,
            tracking_link=shipment.tracking_link,
            note=note,
        )
        for address, items in by_address.items()
    ]


def tracking_fields(request: ShipmentRequest) -> dict[str, str]:
    """Tracking number and carrier the way BigCommerce takes them (known provider or free text)."""
    carrier = request.carrier.strip()
    slug = re.sub(r"[^a-z0-9]+", "", carrier.casefold())
    fields = {"tracking_number": request.tracking_number.strip()[:TRACKING_LIMIT]}
    if slug in PROVIDERS:
        fields["shipping_provider"] = PROVIDERS[slug]
    elif carrier:
        fields["shipping_provider"] = ""
        fields["tracking_carrier"] = re.sub(r"[^a-z0-9]+", "-", carrier.casefold()).strip("-")
    if request.tracking_link:
        fields["tracking_link"] = request.tracking_link[:LINK_LIMIT]
    return fields


def shipment_body(request: ShipmentRequest) -> dict[str, Any]:
    """The v2 ``POST /orders/{id}/shipments`` body for ``request``."""
    items = [{"order_product_id": i.bc_line_id, "quantity": i.quantity} for i in request.items]
    return {
        "order_address_id": request.address_id,
        "items": items,
        **tracking_fields(request),
        "comments": request.note,
    }


def shipment_hook_ids(payload: Mapping[str, Any]) -> tuple[int, int]:
    """(order id, shipment id) a ``store/shipment/created`` delivery names."""
    data = payload["data"]
    return int(data["orderId"]), int(data["id"])


class FulfilmentSide:
    """An order's items and shipments (a side of the store facade)."""

    client: BigCommerceClient

    def order_items(self, order_id: int) -> list[OrderItem]:
        """The order's lines with what is shipped and refunded so far (one request per page)."""
        return [order_item(raw) for raw in self.client.orders.products(int(order_id))]

    def shipments(self, order_id: int) -> list[StoreShipment]:
        """The order's shipments, oldest first."""
        return [store_shipment(raw) for raw in self.client.orders.shipments(int(order_id))]

    def shipment(self, order_id: int, shipment_id: int) -> StoreShipment | None:
        """One shipment of the order; None when the order has no such shipment (deleted?)."""
        return next((s for s in self.shipments(order_id) if s.bc_id == int(shipment_id)), None)

    def create_shipment(self, order_id: int, request: ShipmentRequest) -> int:
        """Create the shipment and return its id; BigCommerce may e-mail the shopper.

        BigCommerce moves the order to Shipped or Partially Shipped by itself.
        """
        created = self.client.orders.create_shipment(int(order_id), shipment_body(request))
        return int(created["id"])
