"""What the fulfilment flows share: which store order a record is about, BigCommerce's words.

:mod:`bcapp.sync.shipments` and :mod:`bcapp.sync.refunds` both turn an ERP
record about an exported order into a BigCommerce write. Both must

* find the order only among orders this app exported (:func:`order_id_for`):
  an ERP reference that merely looks like an order id must never ship or refund
  a stranger's order;
* read the order's items through the store facade (:func:`order_items`) and
  spread ERP quantities over them by SKU (:func:`allocate`);
* skip a record BigCommerce refuses with BigCommerce's own sentence
  (:func:`bc_failure`: the facade's error already carries it), keeping the
  record as the log's request so the activity log's Replay can send it again
  (:func:`with_request`);
* re-read one record for the log's Retry (:func:`current`: the connector's point read).

No flow is registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from bcapp.bigcommerce.store import OrderItem
from bcapp.errors import ConfigError, FatalSyncError, SkipRecord
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.records import to_jsonable

ORDER = "order"
T = TypeVar("T")
R = TypeVar("R")
#: Order items with the units each gets.
Allocation = list[tuple[OrderItem, int]]


def order_id_for(ctx: SyncContext, reference: str, erp_order_id: str = "") -> int:
    """The BigCommerce order a fulfilment record is about; only orders this app exported.

    Found by the ERP order number's binding, else by the reference (our BigCommerce
    order id) when that order is bound. A record for any other order is skipped:
    an ERP reference that merely looks like an order id must never ship or refund
    a stranger's order.
    """
    bound = ctx.binder.by_erp(ORDER, erp_order_id) if erp_order_id else None
    text = str(reference or "").strip()
    order_id = ctx.rules.orders.order_id_in(text)  # the merchant's reference template(s)
    if bound is None and order_id is not None:
        bound = ctx.binder.by_bc(ORDER, order_id)
    if bound is None and order_id is None:
        bound = _further_document(ctx, text)
    if bound is not None and str(bound.bc_id).isdigit():
        return int(bound.bc_id)
    raise SkipRecord(
        f"ERP order {erp_order_id or '?'} (reference {text!r}) was not exported by this app: "
        "nothing is changed in BigCommerce."
    )


def _further_document(ctx: SyncContext, reference: str) -> Binding | None:
    """The order whose second, third ... document (one per shipping address) has this
    reference (``BC-1042-2``): only when the order's binding lists that document."""
    stem, _, number = reference.rpartition("-")
    order_id = ctx.rules.orders.order_id_in(stem) if number.isdigit() else None
    bound = ctx.binder.by_bc(ORDER, order_id) if order_id is not None else None
    if bound is not None and reference in ((bound.data or {}).get("documents") or {}):
        return bound
    return None


def current(read: Callable[[str], T | None], erp_id: str) -> T:
    """The ERP record ``erp_id`` in its latest state, through a connector's point read."""
    record = read(str(erp_id))
    if record is None:
        raise ConfigError(f"The ERP no longer lists record {erp_id} (deleted or not ready).")
    return record


def whole(quantity: Decimal, what: str) -> int:
    """BigCommerce counts items in whole units; a fractional ERP quantity cannot be sent."""
    if quantity != quantity.to_integral_value():
        raise SkipRecord(f"{what}: quantity {quantity} is not a whole number of items.")
    return int(quantity)


def _items_by_sku(items: Iterable[OrderItem]) -> dict[str, list[OrderItem]]:
    out: dict[str, list[OrderItem]] = {}
    for item in items:
        out.setdefault(item.sku.strip().casefold(), []).append(item)
    return out


def allocate(
    lines: Iterable[tuple[str, int, int | None]],
    items: Sequence[OrderItem],
    left: Callable[[OrderItem], int],
) -> Allocation:
    """Spread (sku, quantity, order line id) over order items with room ``left``.

    A SKU on two order lines fills the first before the second; whatever no line
    has room for goes to the SKU's last line, so BigCommerce refuses it with its
    own words. A SKU the order does not have raises SkipRecord naming it.
    """
    by_sku, by_id = _items_by_sku(items), {item.bc_line_id: item for item in items}
    taken: dict[int, int] = {}
    out: Allocation = []
    for sku, quantity, line_id in lines:
        candidates = [by_id[line_id]] if line_id in by_id else by_sku.get(sku.casefold(), [])
        if not candidates:
            raise SkipRecord(f"BigCommerce order has no line for SKU {sku} (any more).",
                             details={"sku": sku})  # fmt: skip
        for index, item in enumerate(candidates):
            room = max(left(item) - taken.get(item.bc_line_id, 0), 0)
            last = index == len(candidates) - 1
            share = quantity if last else min(room, quantity)
            if share > 0:
                out.append((item, share))
                taken[item.bc_line_id] = taken.get(item.bc_line_id, 0) + share
                quantity -= share
            if not quantity:
                break
    return out


def bc_failure(exc: FatalSyncError, what: str) -> SkipRecord:
    """BigCommerce refused the record: skip it with BigCommerce's own sentence."""
    return SkipRecord(f"{what}: {exc.message}", status=exc.status, remote=exc.remote,
                      details=exc.details)  # fmt: skip


def with_request(record: R, fn: Callable[[R], T]) -> T:
    """``fn(record)``; a skipped or failed record keeps ``record`` as the log's request (Replay)."""
    try:
        return fn(record)
    except (SkipRecord, FatalSyncError) as exc:
        exc.details.setdefault("request", to_jsonable(record))
        raise


def order_items(ctx: SyncContext, order_id: int) -> list[OrderItem]:
    """The order's items; an order BigCommerce no longer has skips the record."""
    try:
        return ctx.store.order_items(order_id)
    except FatalSyncError as exc:
        raise bc_failure(exc, f"BigCommerce order {order_id} cannot be read") from exc
