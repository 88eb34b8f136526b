"""The ERP's own call budget for the dashboard: Exact Online's calls of the day.

Exact allows 5,000 calls a day and 60 a minute per administration; the connector
keeps a share of the day for order export (:mod:`bcapp.connectors.exact.budget`).
Workers share the count in Redis, learnt from Exact's ``X-RateLimit-*`` headers;
this reads that count (no call to Exact) so the merchant sees what is used, what
is left, and what is kept for orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app

from bcapp.connectors.exact.budget import BudgetSnapshot
from bcapp.connectors.exact.session import shared_budget
from bcapp.connectors.exact.settings import ExactSettings
from bcapp.errors import ConfigError
from bcapp.models import Connection


@dataclass(frozen=True)
class ErpBudget:
    """What the dashboard card shows (counts are None until Exact answered once today)."""

    label: str
    division: int
    daily_limit: int | None
    daily_left: int | None
    minutely_limit: int | None
    minutely_left: int | None
    reserve: int | None
    reset_at: datetime | None
    endpoint_errors: dict[str, int]

    @property
    def daily_used(self) -> int | None:
        if self.daily_limit is None or self.daily_left is None:
            return None
        return self.daily_limit - self.daily_left

    @property
    def for_catalog(self) -> int | None:
        """Calls left that catalog, stock and fulfilment reads may still use today."""
        if self.daily_left is None:
            return None
        return max(self.daily_left - (self.reserve or 0), 0)


def erp_budget(connection: Connection | None) -> ErpBudget | None:
    """The day's budget of the store's Exact administration (None for other ERPs)."""
    if connection is None or connection.kind != "exact":
        return None
    try:
        settings = ExactSettings.parse(connection.connector_settings())
    except ConfigError:
        return None
    if not settings.division:
        return None  # the division is picked when connecting; nothing counted before
    try:
        budget = shared_budget(settings.division, reserve_fraction=settings.reserve_fraction)
        snap: BudgetSnapshot = budget.snapshot()
    except Exception:  # the dashboard must render without Redis
        current_app.logger.info("no Exact budget snapshot for division %s", settings.division)
        return None
    return _from_snapshot(settings.division, snap)


def _from_snapshot(division: int, snap: Any) -> ErpBudget:
    return ErpBudget(
        label="Exact Online",
        division=division,
        daily_limit=snap.daily_limit,
        daily_left=snap.daily_left,
        minutely_limit=snap.minutely_limit,
        minutely_left=snap.minutely_left,
        reserve=snap.reserve,
        reset_at=snap.daily_reset_at,
        endpoint_errors=dict(snap.endpoint_errors),
    )
