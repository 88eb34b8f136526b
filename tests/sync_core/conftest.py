"""Fixtures for the sync core: a store with an in-memory ERP, isolated Redis queues, test flows.

The ERP here is a tiny in-memory connector (the runner, not the connector, is
under test); flows are registered per test and removed afterwards.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, ClassVar

import pytest
import redis

from bcapp.connectors import CONNECTORS
from bcapp.connectors.base import Batch, Capability, Product
from bcapp.extensions import db
from bcapp.models import Connection, Store
from bcapp.sync import registry
from tests.conftest import REDIS_URL, base_config


class MemoryConnector:
    """An ERP that lives in a class attribute: pages of products with string cursors."""

    kind: ClassVar[str] = "memory"
    label: ClassVar[str] = "Memory ERP"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PRODUCTS})
    settings_schema: ClassVar[dict[str, Any]] = {"type": "object", "properties": {}}
    rotating_credentials: ClassVar[bool] = False
    last_exchange = None
    shipping_article = ""
    pages: ClassVar[list[list[Product]]] = []
    closed: ClassVar[int] = 0

    def __init__(self, settings: dict[str, Any], transport: Any = None) -> None:
        self.settings = settings
        self.transport = transport

    def check(self) -> None:
        return None

    def close(self) -> None:
        type(self).closed += 1

    def fetch_products(self, cursor: str | None) -> Iterator[Batch[Product]]:
        start = int(cursor or 0)
        for index in range(start, len(self.pages)):
            yield Batch(tuple(self.pages[index]), str(index + 1))


def product(erp_id: str, price: str = "10.00", name: str | None = None) -> Product:
    return Product(erp_id=erp_id, sku=f"SKU-{erp_id}", name=name or f"Product {erp_id}",
                   price=Decimal(price))  # fmt: skip


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, RQ_QUEUE_PREFIX=f"test-sync-{uuid.uuid4().hex[:8]}-")


@pytest.fixture(autouse=True)
def memory_erp() -> Iterator[type[MemoryConnector]]:
    CONNECTORS["memory"] = MemoryConnector  # type: ignore[assignment]
    MemoryConnector.pages, MemoryConnector.closed = [], 0
    yield MemoryConnector
    CONNECTORS.pop("memory", None)


@pytest.fixture
def flows() -> Iterator[Any]:
    """Register test flows through this fixture; they are removed afterwards."""
    registry.load_flows()  # snapshot the real flows too, so restoring never drops them
    saved = (dict(registry.FLOWS), dict(registry.PERIODIC), dict(registry.RETRY_HANDLERS))

    def add(name: str, **kwargs: Any) -> Any:
        return registry.register_flow(name, **kwargs)

    def add_retry(entity: str, **kwargs: Any) -> Any:
        return registry.register_retry(entity, **kwargs)

    add.retry = add_retry  # type: ignore[attr-defined]
    yield add
    for live, before in zip(
        (registry.FLOWS, registry.PERIODIC, registry.RETRY_HANDLERS), saved, strict=True
    ):
        live.clear()
        live.update(before)  # type: ignore[arg-type]


def make_store(*, connection: bool = True, **fields: Any) -> Store:
    """An installed store with a memory-ERP connection (a secret in its settings).

    Ids are random and large so job ids and lock keys never meet another test run's on the
    shared Redis.
    """
    shop = Store(id=random.randint(10**6, 10**9), store_hash=f"s{uuid.uuid4().hex[:8]}",
                 access_token="bc-token", settings={}, **fields)  # fmt: skip
    db.session.add(shop)
    db.session.flush()
    if connection:
        db.session.add(Connection(store_id=shop.id, kind="memory", settings={"division": "1"},
                                  secrets={"api_key": "erp-secret"}))  # fmt: skip
    db.session.commit()
    return shop


@pytest.fixture
def store(app: Any) -> Store:
    return make_store()


@pytest.fixture
def rds(redis_url: str, app: Any) -> Iterator[redis.Redis]:
    """The test Redis; every key this test's queues and store locks made is removed after."""
    client = redis.Redis.from_url(REDIS_URL)
    yield client
    db.session.rollback()
    patterns = [f"*{app.config['RQ_QUEUE_PREFIX']}*"]
    for store_id in db.session.execute(db.select(Store.id)).scalars():
        patterns += [f"bcapp:lock:store-{store_id}:*", f"rq:*store-{store_id}-*"]
    for pattern in patterns:
        for key in client.scan_iter(pattern):
            client.delete(key)
