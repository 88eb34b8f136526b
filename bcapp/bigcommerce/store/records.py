"""Store-side facts the flows need that are not canonical records.

The canonical records (:mod:`bcapp.canonical`) describe what crosses to
the ERP. Some flow decisions need a little more of the store's own state: an
order's status and when it last changed (reconciliation), which order lines
still have items to ship or refund (fulfilment), which hooks exist (the
watchdog). These frozen dataclasses carry exactly that, so no flow ever reads
BigCommerce JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


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
