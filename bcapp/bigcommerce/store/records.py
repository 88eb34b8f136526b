"""Store-side facts the flows need that are not canonical records.

The canonical records (:mod:`bcapp.canonical`) describe what crosses to
the ERP. Some flow decisions need a little more of the store's own state: an
order's status and when it last changed (reconciliation), which order lines
still have items to ship or refund (fulfilment), which hooks exist (the
watchdog). These frozen dataclasses carry exactly that, so no flow ever reads
BigCommerce JSON. Shipments and refunds to create are typed requests too
(:class:`ShipmentRequest`, :class:`RefundRequest`): the facade turns them into
BigCommerce's JSON, so no flow builds a request body either.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bcapp.canonical import Shipment, ShipmentLine

#: BigCommerce's Shipped, Partially Shipped and Completed: some items have left.
SHIPPED_STATUSES = frozenset({2, 3, 10})


@dataclass(frozen=True)
class OrderHead:
    """An order as the order list shows it: enough to decide whether to export or sweep it."""

    bc_id: int
    status_id: int
    channel_id: int = 1
    modified_at: datetime | None = None
    #: Items shipped so far (None: BigCommerce did not say; decide by status).
    items_shipped: int | None = None
    total_inc_tax: Decimal = Decimal("0")
    deleted: bool = False
    #: What BigCommerce has refunded so far (refunds it recorded, not status-only credits).
    refunded_amount: Decimal = Decimal("0")

    @property
    def has_shipped(self) -> bool:
        """Whether any item has left: BigCommerce's count, else (not given) the status."""
        if self.items_shipped is not None:
            return self.items_shipped > 0
        return self.status_id in SHIPPED_STATUSES


@dataclass(frozen=True)
class OrderItem:
    """One line of a store order with what fulfilment needs: left to ship, where it goes."""

    bc_line_id: int
    sku: str
    quantity: int
    quantity_shipped: int = 0
    quantity_refunded: int = 0
    #: The order shipping address the line goes to (None: a digital line, nothing to ship).
    address_id: int | None = None
    name: str = ""
    price_inc_tax: Decimal = Decimal("0")
    bc_product_id: int | None = None
    bc_variant_id: int | None = None

    @property
    def left_to_ship(self) -> int:
        return self.quantity - self.quantity_shipped

    @property
    def left_to_refund(self) -> int:
        return self.quantity - self.quantity_refunded


@dataclass(frozen=True)
class ShipmentItem:
    """Units of one order line in a store shipment."""

    bc_line_id: int
    quantity: int


@dataclass(frozen=True)
class ShipmentRequest:
    """A store shipment to create: one shipping address, its items, the tracking and a note.

    BigCommerce takes one shipping address per shipment (see
    :func:`~bcapp.bigcommerce.store.fulfilment.shipment_requests`); the facade maps
    the carrier onto BigCommerce's providers and trims what is too long.
    """

    address_id: int
    items: tuple[ShipmentItem, ...]
    tracking_number: str = ""
    carrier: str = ""
    tracking_link: str = ""
    #: Free text kept with the shipment; flows put their idempotency marker here.
    note: str = ""


@dataclass(frozen=True)
class StoreShipment:
    """A shipment as the store has it: the canonical record plus its address and note."""

    bc_id: int
    order_id: int
    address_id: int
    items: tuple[ShipmentItem, ...]
    tracking_number: str = ""
    carrier: str = ""
    tracking_link: str = ""
    note: str = ""
    shipped_at: datetime | None = None

    def as_shipment(self, order_items: Iterable[OrderItem]) -> Shipment:
        """The canonical record for the ERP; each line's SKU named by the order's items."""
        skus = {item.bc_line_id: item.sku for item in order_items}
        lines = tuple(
            ShipmentLine(sku=skus.get(i.bc_line_id, ""), quantity=Decimal(i.quantity),
                         bc_line_id=i.bc_line_id)
            for i in self.items
        )  # fmt: skip
        return Shipment(
            erp_id="", order_reference=str(self.order_id), lines=lines,
            tracking_number=self.tracking_number, carrier=self.carrier,
            tracking_link=self.tracking_link, shipped_at=self.shipped_at, bc_id=self.bc_id,
        )  # fmt: skip


class RefundKind(enum.StrEnum):
    """What a refund item gives back."""

    PRODUCT = "PRODUCT"  # units of an order line (BigCommerce then counts them refunded)
    SHIPPING = "SHIPPING"  # an amount of one shipping address's shipping cost
    ORDER = "ORDER"  # an amount on the order as a whole


@dataclass(frozen=True)
class RefundItem:
    """One part of a refund; ``item_id`` is the order line, shipping address or order."""

    kind: RefundKind
    item_id: int
    quantity: int = 0  # PRODUCT
    amount: Decimal = Decimal("0")  # SHIPPING and ORDER, incl. tax
    reason: str = ""


@dataclass(frozen=True)
class RefundMethod:
    """One way the store offers to pay a quoted refund back, in a single payment."""

    provider_id: str
    description: str = ""
    #: The store only records the refund; the merchant pays the customer back.
    offline: bool = False
    #: The order was paid offline (cash on delivery, bank deposit): no provider can pay it back.
    offline_provider: bool = False
    offline_reason: str = ""
    #: Store credit for the customer's next order instead of money back.
    store_credit: bool = False


@dataclass(frozen=True)
class RefundQuote:
    """What the store would refund for some items (incl. tax), and the ways it can pay it."""

    total: Decimal
    methods: tuple[RefundMethod, ...] = ()


@dataclass(frozen=True)
class RefundPayment:
    """One payment of a refund: through ``provider_id``, or only recorded (``offline``)."""

    provider_id: str
    amount: Decimal
    offline: bool = False


@dataclass(frozen=True)
class RefundRequest:
    """A refund to create: its items, the payments that pay them back, and a reason."""

    items: tuple[RefundItem, ...]
    payments: tuple[RefundPayment, ...]
    #: Free text kept with the refund; flows put their idempotency marker here.
    reason: str = ""


@dataclass(frozen=True)
class StoreRefund:
    """A refund the store has made for an order."""

    bc_id: int
    reason: str = ""
    total: Decimal | None = None
    payments: tuple[RefundPayment, ...] = ()


@dataclass(frozen=True)
class StatusLabel:
    """One of the store's order statuses with the merchant's own label."""

    status_id: int
    label: str
    system_label: str = ""


@dataclass(frozen=True)
class Hook:
    """One webhook subscription of ours as the store has it."""

    hook_id: int
    scope: str
    destination: str
    is_active: bool
    #: When BigCommerce last changed it (deactivation time for an inactive hook).
    updated_at: datetime | None = None
