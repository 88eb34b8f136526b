"""The catalog flow on PostgreSQL: bindings, cursors and the log behave as on SQLite."""

from __future__ import annotations

from typing import Any

import pytest

from tests.catalog.conftest import World
from tests.conftest import base_config


@pytest.fixture
def app_config(tmp_path: Any, fresh_pg_url: str) -> dict[str, Any]:
    return base_config(
        tmp_path, DATABASE_URL=fresh_pg_url.replace("postgresql://", "postgresql+psycopg://")
    )


def test_sync_resync_and_stock_on_postgres(world: World) -> None:
    world.afas.add_article(
        "SHIRT",
        "Shirt",
        dimensions=[("S", ""), ("M", "")],
        group="G1",
        image_url="https://img.example.com/shirt.jpg",
    )
    world.afas.add_article("MUG", "Mug")
    world.afas.set_stock("SHIRT", "HQ", 4, dim1="S")
    world.afas.set_stock("MUG", "HQ", 2)

    first = world.run()
    assert first.status == "succeeded", first.message
    assert (first.created, first.failed) == (3, 0)

    world.calls.clear()
    again = world.run(full=True)
    assert again.status == "succeeded" and world.writes() == []

    world.afas.touch_article("MUG", SalesPrice=50.0)
    world.afas.set_stock("MUG", "HQ", 9)
    third = world.run()
    assert (third.updated, third.failed) == (2, 0)  # the mug and its stock
    assert len(world.bc.products) == 2
