"""Orders v2 (orders, products, addresses, shipments, statuses) and v3 refunds and transactions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from bcapp.bigcommerce.resources import Resource


class Orders(Resource):
    """``/v2/orders`` and friends; v2 lists page until empty, and some answer 204 when empty."""

    def get(self, order_id: int) -> dict[str, Any]:
        return self.api.v2("GET", f"/orders/{order_id}") or {}

    def iterate(
        self,
        *,
        min_date_modified: str | None = None,
        status_id: int | None = None,
        sort: str | None = "date_modified:asc",
        filters: Mapping[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Orders modified since ``min_date_modified`` (RFC 2822 or ISO 8601), oldest change first.

        ``filters`` takes the other v2 parameters (``channel_id``, ``min_id``, ``email`` ...).
        """
        params = {
            **(filters or {}),
            "min_date_modified": min_date_modified,
            "status_id": status_id,
            "sort": sort,
        }
        return self.api.iter_v2("/orders", params)

    def products(self, order_id: int) -> list[dict[str, Any]]:
        return list(self.api.iter_v2(f"/orders/{order_id}/products"))

    def taxes(self, order_id: int) -> list[dict[str, Any]]:
        """Taxes applied, with ``order_product_id`` and ``line_item_type`` (``details=true``):
        the only place BigCommerce names a line's tax class."""
        return list(self.api.iter_v2(f"/orders/{order_id}/taxes", {"details": "true"}))

    def coupons(self, order_id: int) -> list[dict[str, Any]]:
        """The coupons applied to the order (codes and amounts)."""
        return list(self.api.iter_v2(f"/orders/{order_id}/coupons"))

    def shipping_addresses(self, order_id: int) -> list[dict[str, Any]]:
        return list(self.api.iter_v2(f"/orders/{order_id}/shipping_addresses"))

    def shipments(self, order_id: int) -> list[dict[str, Any]]:
        return list(self.api.iter_v2(f"/orders/{order_id}/shipments"))

    def create_shipment(self, order_id: int, shipment: Mapping[str, Any]) -> dict[str, Any]:
        """Create a shipment (needs ``order_address_id`` and ``items``); may e-mail the shopper."""
        return self.api.v2("POST", f"/orders/{order_id}/shipments", json=dict(shipment)) or {}

    def update_status(self, order_id: int, status_id: int) -> dict[str, Any]:
        return self.api.v2("PUT", f"/orders/{order_id}", json={"status_id": status_id}) or {}

    def update(self, order_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self.api.v2("PUT", f"/orders/{order_id}", json=dict(fields)) or {}

    def statuses(self) -> list[dict[str, Any]]:
        """The store's order statuses (ids 0-14 with the merchant's custom labels)."""
        return self.api.v2("GET", "/order_statuses") or []


class Refunds(Resource):
    """v3 payment actions: a refund quote first, then the refund for the quoted amount."""

    def _path(self, order_id: int) -> str:
        return f"/orders/{order_id}/payment_actions"

    def quote(self, order_id: int, items: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        quote: dict[str, Any] = self.api.data(
            "POST",
            f"{self._path(order_id)}/refund_quotes",
            json={"items": [dict(i) for i in items]},
        )
        return quote

    def create(self, order_id: int, refund: Mapping[str, Any]) -> dict[str, Any]:
        """Create a refund (``items`` and ``payments``); refunds on one order must be sequential."""
        made: dict[str, Any] = self.api.data(
            "POST", f"{self._path(order_id)}/refunds", json=dict(refund)
        )
        return made

    def for_order(self, order_id: int) -> list[dict[str, Any]]:
        return self.api.data("GET", f"{self._path(order_id)}/refunds") or []

    def transactions(self, order_id: int) -> list[dict[str, Any]]:
        return self.api.data("GET", f"/orders/{order_id}/transactions") or []
