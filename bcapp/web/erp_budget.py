"""The ERP's own call budget for the dashboard (e.g. Exact Online's calls of the day).

An ERP that rations calls per day carries a call-budget hook on its connector class
(:class:`~bcapp.connectors.hooks.CallBudgetReport`, in its own package). The workers
share the count in Redis, learnt from the ERP's rate-limit headers; the hook reads
that count (no call to the ERP) so the merchant sees what is used, what is left, and
what is kept for orders. This module only finds the hook and keeps the dashboard
rendering when the count cannot be read.
"""

from __future__ import annotations

from flask import current_app

from bcapp.connectors import registry
from bcapp.connectors.hooks import BudgetView, call_budget_of
from bcapp.models import Connection

#: What the dashboard card shows (counts are None until the ERP answered once today).
ErpBudget = BudgetView


def erp_budget(connection: Connection | None) -> ErpBudget | None:
    """The day's budget of the store's ERP (None for an ERP without a call-budget hook)."""
    if connection is None:
        return None
    hook = call_budget_of(registry().get(connection.kind))
    if hook is None:
        return None
    try:
        return hook.snapshot(connection.connector_settings())
    except Exception:  # the dashboard must render without Redis
        current_app.logger.info("no %s budget snapshot for connection %s", connection.kind,
                                connection.id)  # fmt: skip
        return None
