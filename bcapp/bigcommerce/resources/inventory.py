"""Inventory v3 adjustments: absolute by default, relative for order-driven changes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bcapp.bigcommerce.resources import Resource
from bcapp.bigcommerce.resources.paging import chunked

#: Items per adjustment request (BigCommerce's documented maximum).
ADJUSTMENT_BATCH = 2000


class Inventory(Resource):
    """``/inventory/adjustments/{absolute,relative}``; returns the transaction ids."""

    def adjust_absolute(
        self, items: Sequence[Mapping[str, Any]], *, reason: str | None = None
    ) -> list[str]:
        """Set stock levels: ``[{"location_id", "sku"|"variant_id"|"product_id", "quantity"}]``.

        Items are grouped by location (BigCommerce's advice) and sent 2,000 at a time,
        one request after the other, each waiting for the previous answer.
        """
        ordered = sorted(
            (dict(item) for item in items), key=lambda item: item.get("location_id", 0)
        )
        return self._send("PUT", "/inventory/adjustments/absolute", ordered, reason)

    def adjust_relative(
        self, items: Sequence[Mapping[str, Any]], *, reason: str | None = None
    ) -> list[str]:
        """Add to or take from stock (negative ``quantity``); may fail on insufficient stock."""
        return self._send(
            "POST", "/inventory/adjustments/relative", [dict(item) for item in items], reason
        )

    def _send(
        self, method: str, path: str, items: list[dict[str, Any]], reason: str | None
    ) -> list[str]:
        transactions: list[str] = []
        for batch in chunked(items, ADJUSTMENT_BATCH):
            body: dict[str, Any] = {"items": batch}
            if reason:
                body["reason"] = reason
            answer = self.api.v3(method, path, json=body) or {}
            if answer.get("transaction_id"):
                transactions.append(str(answer["transaction_id"]))
        return transactions
