"""Flows for the forking-worker test; imported by the worker subprocess (not a test module)."""

from __future__ import annotations

import os

from bcapp.connectors import CONNECTORS
from bcapp.sync import Outcome, register_flow
from bcapp.sync.context import SyncContext
from tests.sync_core.conftest import MemoryConnector

CONNECTORS["memory"] = MemoryConnector  # type: ignore[assignment]


@register_flow("test_forked")
def forked(ctx: SyncContext) -> str:
    """Touches the database and the connector inside RQ's forked work horse."""
    assert ctx.connector.settings["api_key"] == "erp-secret"
    ctx.binder.bind("product", 1, "A")
    ctx.record(Outcome.CREATED, "product", 1, "A", details={"pid": os.getpid()})
    return f"ran in {os.getpid()}"
