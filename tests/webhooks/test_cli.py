"""``bcapp ensure-webhooks`` and ``bcapp reconcile`` against the sandboxes."""

from __future__ import annotations

import pytest

from bcapp.sync.webhooks import SCOPES
from tests.orders.conftest import WORLD_CONFIG
from tests.orders.conftest import world as world


@pytest.fixture
def app_config(tmp_path):
    from tests.conftest import base_config

    return base_config(tmp_path, **WORLD_CONFIG)


def test_ensure_webhooks_and_reconcile_commands(world):
    runner = world.app.test_cli_runner()
    result = runner.invoke(args=["ensure-webhooks", "--store", "ord3rs"])
    assert result.exit_code == 0, result.output
    assert len(world.bc_store.hooks) == len(SCOPES)  # one hook per scope

    world.product("SKU-1")
    order_id = world.order("SKU-1")
    result = runner.invoke(args=["reconcile", "--store", "ord3rs"])
    assert result.exit_code == 0, result.output
    assert "1 needed export" in result.output
    assert len(world.erp_orders(order_id)) == 1

    result = runner.invoke(args=["reconcile", "--store", "nope"])
    assert result.exit_code != 0
