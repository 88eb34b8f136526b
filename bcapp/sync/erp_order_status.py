"""ERP order status → BigCommerce order status, through the merchant's table only.

After export the ERP owns the order's progress (picked, invoiced, cancelled…).
``mappings.order_status`` is a merchant-editable table ERP status → BigCommerce
status id; a status mapped to nothing ("not assigned") leaves BigCommerce alone.
That table is the *only* way a change after export reaches BigCommerce:

* a status is followed once, when it changes (the last ERP status followed is
  kept on the order's binding), so a merchant who moves the order by hand in
  BigCommerce is not overruled on every poll;
* a mapping onto one of the export statuses is refused (it would send the
  order to the ERP again);
* an ERP order whose total changed after export (lines or amounts edited in the
  ERP) is *reported* in the log, never pushed: BigCommerce keeps what the shopper
  paid, and the merchant decides (refund, invoice the difference).

Only orders this app exported (bound ``order`` records) are followed. Log
entries use ``entity="order"`` and the BigCommerce order id, so the lineage page
shows them with the order. (Status write-back right after export lives in
:mod:`bcapp.sync.order_status`.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bcapp.connectors.base import Capability, OrderStatusChange
from bcapp.errors import SkipRecord
from bcapp.mapping.rules import BC_ORDER_STATUSES
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Outcome
from bcapp.sync.registry import register_flow
from bcapp.sync.runner import for_each

ORDER = "order"
#: ERP totals within this of the first one seen are rounding, not a change.
ROUNDING = Decimal("0.05")


def _label(status_id: int | None) -> str:
    return BC_ORDER_STATUSES.get(int(status_id), str(status_id)) if status_id is not None else "-"


def order_binding(ctx: SyncContext, change: OrderStatusChange) -> Binding | None:
    """The order binding of an exported order (by ERP number, else by our reference)."""
    binding = ctx.binder.by_erp(ORDER, change.erp_order_id) if change.erp_order_id else None
    order_id = ctx.rules.orders.order_id_in(change.order_reference)
    if binding is None and order_id is not None:
        binding = ctx.binder.by_bc(ORDER, order_id)
    return binding


def follow_status(ctx: SyncContext, change: OrderStatusChange) -> None:
    """One ERP order's status (and total) → BigCommerce, as the merchant's table says."""
    binding = order_binding(ctx, change)
    if binding is None:
        return  # not an order this app exported: not ours to follow
    ctx.add_total(1)
    data = binding.data or {}
    report_total_change(ctx, binding, change)
    if data.get("erp_status") == change.status:
        ctx.record(Outcome.UNCHANGED, ORDER, binding.bc_id, binding.erp_id,
                   f"ERP status {change.status!r} was followed before.")  # fmt: skip
        return
    apply_status(ctx, binding, change)
    ctx.binder.touch(binding, data={"erp_status": change.status})


def apply_status(ctx: SyncContext, binding: Binding, change: OrderStatusChange) -> None:
    """Move the BigCommerce order to the mapped status (or say why not)."""
    rules = ctx.rules
    target = rules.mappings.bc_status_for(change.status)
    details: dict[str, Any] = {"erp_status": change.status, "erp_order_id": binding.erp_id}
    if target is None:
        ctx.record(Outcome.UNCHANGED, ORDER, binding.bc_id, binding.erp_id,
                   f"ERP status {change.status!r} is not assigned: BigCommerce left alone.",
                   details=details)  # fmt: skip
        return
    if rules.orders.exports(target):
        raise SkipRecord(
            f"ERP status {change.status!r} maps to {_label(target)}, an export status: that "
            "would send the order to the ERP again. Choose another status in the mapping.",
            details=details)  # fmt: skip
    head = ctx.store.order_head(int(binding.bc_id))
    if head is None or head.deleted:
        raise SkipRecord(f"BigCommerce order {binding.bc_id} no longer exists.", details=details)
    current = head.status_id
    details.update(bc_status_from=current, bc_status_to=target)
    if current == target:
        ctx.record(Outcome.UNCHANGED, ORDER, binding.bc_id, binding.erp_id,
                   f"Already {_label(target)}.", details=details)  # fmt: skip
        return
    if not ctx.dry_run:
        ctx.store.set_order_status(int(binding.bc_id), target)
    ctx.record(Outcome.UPDATED, ORDER, binding.bc_id, binding.erp_id,
               f"ERP status {change.status!r}: {_label(current)} → {_label(target)}.",
               details=details)  # fmt: skip


def report_total_change(ctx: SyncContext, binding: Binding, change: OrderStatusChange) -> None:
    """Log (once per new total) that the ERP order's amount changed after export."""
    total = change.total
    if total is None:
        return
    data = binding.data or {}
    first = data.get("erp_total_first")
    if first is None:
        ctx.binder.touch(binding, data={"erp_total_first": str(total)})
        return
    if abs(Decimal(first) - total) <= ROUNDING or data.get("erp_total_reported") == str(total):
        return
    ctx.record(
        Outcome.SKIPPED, ORDER, binding.bc_id, binding.erp_id,
        f"The ERP order's total changed after export ({first} → {total}). BigCommerce is not "
        "changed: refund or charge the difference there by hand if the shopper should see it.",
        details={"erp_total_first": first, "erp_total_now": str(total)},
    )  # fmt: skip
    ctx.binder.touch(binding, data={"erp_total_reported": str(total)})


@register_flow("order_status", requires={Capability.ORDER_STATUS}, lock="order_status",
               group="order_status", every=15)  # fmt: skip
def sync_order_statuses(ctx: SyncContext, **_: Any) -> None:
    """ERP order statuses changed since the cursor → BigCommerce, through the mapping table."""
    for batch in ctx.connector.fetch_order_statuses(ctx.load_cursor()):
        for_each(ctx, batch.records, lambda c: follow_status(ctx, c), entity=ORDER,
                 ids=lambda c: (c.order_reference or None, c.erp_order_id))  # fmt: skip
        ctx.commit(cursor=batch.cursor)
