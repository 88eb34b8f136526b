"""Shipments, refunds and status mapping on PostgreSQL: bindings, cursors and log as on SQLite."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import base_config
from tests.fulfilment.conftest import exported
from tests.orders.conftest import WORLD_CONFIG, World


@pytest.fixture
def app_config(tmp_path: Any, fresh_pg_url: str) -> dict[str, Any]:
    url = fresh_pg_url.replace("postgresql://", "postgresql+psycopg://")
    return base_config(tmp_path, **{**WORLD_CONFIG, "DATABASE_URL": url})


def test_fulfilment_round_on_postgres(world: World) -> None:
    order_id, number = exported(world, ("CAP", 2), shipping_cost=0)
    world.settings("mappings", order_status={"Geleverd": 10})
    world.afas.add_packing_slip(number, [("CAP", 1)], tracking="T1")
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    assert world.run("shipments").created == 1
    assert world.run("refunds").created == 1
    assert world.bc_order(order_id)["status_id"] == 14  # Partially Refunded after Partially Shipped
    world.afas.set_order_status(number, "Geleverd")
    assert world.run("order_status").updated == 1
    assert world.bc_order(order_id)["status_id"] == 10
    for flow in ("shipments", "refunds"):
        again = world.run(flow, full=True)
        assert again.created == 0 and again.unchanged == 1, (flow, again.message)
    assert len(world.bc_store.shipments) == 1 and len(world.bc_store.refunds) == 1
