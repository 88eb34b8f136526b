"""Order status write-back: tell the merchant, in BigCommerce itself, what the export did.

After an order reaches the ERP it moves to the merchant's success status
(default "Awaiting Shipment"); after an import error to the error status
(default "Manual Verification Required"), so the order list in the control
panel shows which orders need a human. Both are optional (None = leave the
order alone).

Write-back happens *after* the binding is committed: a failed write-back
(BigCommerce 429, 5xx) is retried by the job without any risk of a second ERP
order, because the retried export finds the binding and only finishes the
remaining steps. Moving an order fires ``store/order/statusUpdated``; export
decides by status, so that event exports nothing as long as the success and
error statuses are not export statuses (:func:`safe_target` guards it).
"""

from __future__ import annotations

import logging

from bcapp.mapping.rules import OrderRules
from bcapp.sync.context import SyncContext

log = logging.getLogger(__name__)


def safe_target(rules: OrderRules, status_id: int | None) -> int | None:
    """``status_id`` unless it is None or an export status (that would loop back into export)."""
    if status_id is None or rules.exports(int(status_id)):
        return None
    return int(status_id)


def write_status(
    ctx: SyncContext, bc_id: int, status_id: int | None, current: int | None = None
) -> bool:
    """Move BigCommerce order ``bc_id`` to ``status_id``; False when nothing was written."""
    if status_id is None or current == status_id or ctx.dry_run:
        return False
    ctx.store.set_order_status(int(bc_id), int(status_id))
    return True


def mark_exported(ctx: SyncContext, rules: OrderRules, bc_id: int, current: int | None) -> bool:
    """The success write-back: only while the order still sits in an export status.

    A merchant who moved the order on by hand (shipped it, cancelled it) in the
    meantime keeps their status; an order retried out of the error status moves on.
    """
    if current is not None and not (rules.exports(current) or current == rules.error_status_id):
        return False
    return write_status(ctx, bc_id, safe_target(rules, rules.success_status_id), current)


def mark_failed(ctx: SyncContext, rules: OrderRules, bc_id: int, current: int | None) -> bool:
    """The error write-back (import error): the order shows up as needing attention."""
    return write_status(ctx, bc_id, safe_target(rules, rules.error_status_id), current)
