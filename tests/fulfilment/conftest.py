"""A store wired to the BigCommerce and AFAS sandboxes (the orders suite's world), for fulfilment.

Orders reach AFAS through the real ``order_export`` flow first, so every
shipment, credit note and status change below is about an order bound exactly
as production binds it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import base_config, clear_redis
from tests.orders.conftest import WORLD_CONFIG, World, build_world


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[World]:
    w = build_world(app)
    clear_redis(app)
    yield w
    clear_redis(app)


def exported(world: World, *lines: tuple[str, int], **spec: Any) -> tuple[int, str]:
    """An order of ``(sku, quantity)`` lines, exported to AFAS: (order id, ERP order number)."""
    for sku, _ in lines:
        if sku not in world.skus:
            world.product(sku, price=spec.pop(f"price_{sku}", 10.0))
    order_id = world.order(lines=[{"product_id": world.skus[s], "quantity": q} for s, q in lines],
                           **spec)  # fmt: skip
    world.export(order_id)
    [erp] = world.erp_orders(order_id)
    return order_id, erp["OrderNumber"]
