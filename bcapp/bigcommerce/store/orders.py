"""The order side of the store facade: orders, customers and their statuses.

Reads return canonical :class:`~bcapp.canonical.Order` and
:class:`~bcapp.canonical.Customer` records (or an
:class:`~bcapp.bigcommerce.store.records.OrderHead` for list decisions); the
v2 JSON never leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.mapping import customer_from_bc, money, order_from_bc, v2_date
from bcapp.bigcommerce.mapping import with_line_taxes as _with_line_taxes
from bcapp.bigcommerce.store.records import OrderHead, StatusLabel
from bcapp.canonical import Customer, Order
from bcapp.errors import SyncError


def order_head(raw: dict[str, Any]) -> OrderHead:
    """A v2 order (list or single) → :class:`OrderHead`."""
    shipped = raw.get("items_shipped")
    return OrderHead(
        bc_id=int(raw["id"]),
        status_id=int(raw.get("status_id") or 0),
        channel_id=int(raw.get("channel_id") or 1),
        modified_at=v2_date(raw.get("date_modified")),
        items_shipped=int(shipped) if shipped is not None else None,
        total_inc_tax=money(raw.get("total_inc_tax")),
        deleted=bool(raw.get("is_deleted")),
        refunded_amount=money(raw.get("refunded_amount")),
    )


class OrderSide:
    """Orders, customers and statuses (a side of the store facade)."""

    client: BigCommerceClient

    def order(self, bc_id: int) -> Order | None:
        """The order with its lines, shipping addresses and coupons; None when it is gone."""
        raw = self.client.orders.get(bc_id)
        if not raw or raw.get("is_deleted"):
            return None
        orders = self.client.orders
        reads: dict[str, Callable[[], list[dict[str, Any]]]] = {
            "products": lambda: orders.products(bc_id)
        }
        if raw.get("shipping_address_count"):
            reads["shipping"] = lambda: orders.shipping_addresses(bc_id)
        if money(raw.get("coupon_discount")) != Decimal("0"):
            reads["coupons"] = lambda: orders.coupons(bc_id)
        got = self._read_together(reads)
        return order_from_bc(raw, got["products"], got.get("shipping", []), got.get("coupons", []))

    def _read_together(self, reads: dict[str, Callable[[], Any]]) -> dict[str, Any]:
        """Independent reads at once (within the store's in-flight limit); an error is raised.

        An order's lines, addresses and coupons are three requests that wait on
        BigCommerce; sent together they cost one latency instead of three.
        """
        depth = min(len(reads), self.client.max_in_flight)
        answers: list[tuple[str, Any]] = []
        with self.client.pipeline(depth) as pipe:
            for name, read in reads.items():
                answers += pipe.submit(name, read)
            answers += pipe.drain()
        for _name, answer in answers:
            if isinstance(answer, SyncError):
                raise answer
        return dict(answers)

    def order_head(self, bc_id: int) -> OrderHead | None:
        """The order's status and dates only (one request); None when it is gone."""
        raw = self.client.orders.get(bc_id)
        return order_head(raw) if raw else None

    def with_tax_classes(self, order: Order) -> Order:
        """``order`` with each line's tax class (one request: order products do not name it)."""
        return _with_line_taxes(order, self.client.orders.taxes(order.bc_id))

    def orders_changed_since(self, since: datetime) -> Iterator[OrderHead]:
        """Every order modified at or after ``since``, oldest change first."""
        for raw in self.client.orders.iterate(min_date_modified=since.isoformat()):
            yield order_head(raw)

    def set_order_status(self, bc_id: int, status_id: int) -> None:
        """Move the order to ``status_id`` (fires ``store/order/statusUpdated``)."""
        self.client.orders.update_status(int(bc_id), int(status_id))

    def order_statuses(self) -> list[StatusLabel]:
        """The store's order statuses with the merchant's labels."""
        return [
            StatusLabel(
                status_id=int(row["id"]),
                label=str(row.get("custom_label") or row.get("name") or ""),
                system_label=str(row.get("system_label") or row.get("name") or ""),
            )
            for row in self.client.orders.statuses()
            if "id" in row
        ]

    def customer(self, customer_id: int) -> Customer | None:
        """The registered customer with addresses; None when BigCommerce has none by that id."""
        found = self.client.customers.by_ids(
            [int(customer_id)], include=("addresses", "formfields")
        )
        return customer_from_bc(found[0]) if found else None
