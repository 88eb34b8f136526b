"""The refund side of the store facade: quote, create and list an order's refunds.

BigCommerce refunds in two steps (v3 payment actions): a *quote* prices the
items and lists the ways the money can go back; the refund then pays exactly the
quoted amount through one of them. Requests go in as
:class:`~bcapp.bigcommerce.store.records.RefundRequest`, answers come back as
:class:`~bcapp.bigcommerce.store.records.RefundQuote` and
:class:`~bcapp.bigcommerce.store.records.StoreRefund`; a refusal is BigCommerce's
FatalSyncError with BigCommerce's own sentence (the payment actions API wraps
its errors, :mod:`bcapp.bigcommerce.errors` unwraps them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.mapping import money
from bcapp.bigcommerce.store.records import (
    RefundItem,
    RefundKind,
    RefundMethod,
    RefundPayment,
    RefundQuote,
    RefundRequest,
    StoreRefund,
)

CENT = Decimal("0.01")
#: The provider id BigCommerce gives store credit.
STORE_CREDIT = "storecredit"


def _amount(value: Decimal) -> float:
    """Money the way the payment actions API takes it: a number with cents."""
    return float(value.quantize(CENT))


def refund_item_body(item: RefundItem) -> dict[str, Any]:
    """One ``items`` entry of a quote or refund."""
    body: dict[str, Any] = {"item_type": item.kind.value, "item_id": item.item_id}
    if item.kind is RefundKind.PRODUCT:
        body["quantity"] = item.quantity
    else:
        body["amount"] = _amount(item.amount)
    if item.reason:
        body["reason"] = item.reason
    return body


def refund_body(request: RefundRequest) -> dict[str, Any]:
    """The ``POST .../payment_actions/refunds`` body for ``request``."""
    payments = [
        {"provider_id": p.provider_id, "amount": float(p.amount), "offline": p.offline}
        for p in request.payments
    ]
    items = [refund_item_body(i) for i in request.items]
    return {"items": items, "payments": payments, "reason": request.reason}


def refund_method(raw: Mapping[str, Any]) -> RefundMethod:
    """One payment option of a quote's refund method."""
    provider = str(raw.get("provider_id") or "")
    return RefundMethod(
        provider_id=provider,
        description=str(raw.get("provider_description") or ""),
        offline=bool(raw.get("offline")),
        offline_provider=bool(raw.get("offline_provider")),
        offline_reason=str(raw.get("offline_reason") or ""),
        store_credit=provider == STORE_CREDIT,
    )


def refund_quote(raw: Mapping[str, Any]) -> RefundQuote:
    """A quote → :class:`RefundQuote`; only methods that pay it back in one payment count."""
    methods = [m for m in raw.get("refund_methods") or [] if len(m) == 1]
    return RefundQuote(
        total=money(raw.get("total_refund_amount")),
        methods=tuple(refund_method(m[0]) for m in methods),
    )


def store_refund(raw: Mapping[str, Any]) -> StoreRefund:
    """A v3 refund → :class:`StoreRefund`."""
    total = raw.get("total_amount")
    payments = tuple(
        RefundPayment(provider_id=str(p.get("provider_id") or ""), amount=money(p.get("amount")),
                      offline=bool(p.get("offline")))
        for p in raw.get("payments") or []
    )  # fmt: skip
    return StoreRefund(
        bc_id=int(raw["id"]),
        reason=str(raw.get("reason") or ""),
        total=money(total) if total is not None else None,
        payments=payments,
    )


class RefundSide:
    """An order's refunds (a side of the store facade)."""

    client: BigCommerceClient

    def refund_quote(self, order_id: int, items: Sequence[RefundItem]) -> RefundQuote:
        """What BigCommerce would refund for ``items`` and how (a quote refunds nothing).

        Raises FatalSyncError (BigCommerce's words) when the items cannot be refunded:
        more than was paid, more units than are left.
        """
        bodies = [refund_item_body(i) for i in items]
        return refund_quote(self.client.refunds.quote(int(order_id), bodies) or {})

    def create_refund(self, order_id: int, request: RefundRequest) -> StoreRefund:
        """Refund (refunds on one order must be sequential); the order's status follows."""
        return store_refund(self.client.refunds.create(int(order_id), refund_body(request)))

    def refunds(self, order_id: int) -> list[StoreRefund]:
        """The refunds made for the order so far."""
        return [store_refund(raw) for raw in self.client.refunds.for_order(int(order_id))]
