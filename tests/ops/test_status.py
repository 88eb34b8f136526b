"""``bcapp status``: workers alive, queues, and a store's runs, failures, webhooks and budget."""

from __future__ import annotations

from typing import Any

import pytest
from rq import Worker

from bcapp.cli import status
from bcapp.extensions import redis_ext
from bcapp.jobs.queues import queue
from tests.conftest import base_config
from tests.orders.conftest import WORLD_CONFIG, World, deliver, drain


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


def _status(app: Any, *args: str) -> str:
    result = app.test_cli_runner().invoke(status, list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_status_shows_workers_alive_and_queues_without_one(world: World) -> None:
    out = _status(world.app)
    assert "Workers: 0 alive" in out
    assert "no live worker serves the orders queue" in out

    worker = Worker([queue("orders")], connection=redis_ext.client, name="w-orders-1")
    worker.register_birth()
    try:
        worker.heartbeat()
        queue("orders").enqueue("builtins.len", "x")
        out = _status(world.app)
        assert "Workers: 1 alive, 0 stale" in out
        assert "w-orders-1" in out and "[orders]" in out
        assert "no live worker serves the orders queue" not in out
        assert "no live worker serves the catalog queue" in out
        assert "Queues: orders 1 (oldest " in out
    finally:
        worker.register_death()
    assert "Workers: 0 alive" in _status(world.app)


def test_status_of_a_store_after_a_sync_an_order_and_a_failure(world: World) -> None:
    world.run("webhooks")
    world.afas.add_article("A1", "Article A1", price="10")
    world.run("catalog")
    world.product("SKU-1")
    world.order("SKU-1")
    deliver(world)
    drain(world)
    world.product("GHOST-9")
    del world.afas.tables.articles["GHOST-9"]  # the ERP has no such article: the export fails
    world.export(world.order("GHOST-9"))

    out = _status(world.app, "--store", world.store.store_hash)
    block = out.split(f"Store {world.store.store_hash}", 1)[1]
    assert "(active) — afas" in block
    assert "Catalog" in block and "succeeded" in block
    assert "Failures waiting: 1 (1 orders not exported)" in block
    assert "Webhooks: last delivery" in block and "0 failed" in block
    assert "Queued jobs: orders 0, default 0, catalog 0" in block
    assert "Rate budget: " in block and "requests left" in block


def test_status_of_an_unknown_store_is_one_line(world: World) -> None:
    result = world.app.test_cli_runner().invoke(status, ["--store", "nope"])
    assert result.exit_code != 0
    assert "No store with hash 'nope'" in result.output
