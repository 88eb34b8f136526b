"""Catalog creates in flight together: failures stay with their article, a kill never half-binds.

The BigCommerce sandbox answers after a latency here, so the run's pipeline
really has several creates in flight (``BC_MAX_IN_FLIGHT``, 8 by default).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bcapp.errors import RetryableSyncError
from bcapp.extensions import db
from bcapp.models import Binding, LogEntry
from bcapp.sync import BC_TRANSPORT, ERP_TRANSPORT
from tests.catalog.conftest import STORE_HASH, World

SIZES = [("S", ""), ("M", ""), ("L", "")]


def bindings(entity: str) -> list[Binding]:
    return list(db.session.execute(db.select(Binding).filter_by(entity=entity)).scalars())


def articles(world: World, n: int, **odd: str) -> None:
    for i in range(n):
        code = f"A{i:03d}"
        world.afas.add_article(code, odd.get(code, f"Article {i}"), dimensions=SIZES)


def test_one_refused_create_among_concurrent_ones_fails_alone(world: World) -> None:
    world.bc_sandbox.latency = 0.02
    articles(world, 12, A005="x" * 300)  # BigCommerce refuses a name over 250 characters

    run = world.run()

    assert world.bc_sandbox.in_flight.peak[STORE_HASH] > 1  # the creates did overlap
    assert sorted(p["sku"] for p in world.bc.products.values()) == [
        f"A{i:03d}" for i in range(12) if i != 5
    ]
    failed = world.entries(run, outcome="failed", entity="product")
    assert [e.erp_id for e in failed] == ["A005"]
    assert "250" in failed[0].message
    assert len(world.entries(run, outcome="created", entity="product")) == 11
    assert len(bindings("product")) == 11 and len(bindings("sku")) == 33


class KilledAt(httpx.BaseTransport):
    """The worker dies (not a sync error) after BigCommerce created the n-th product."""

    def __init__(self, inner: Any, at: int) -> None:
        self.inner, self.at, self.creates = inner, at, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/catalog/products"):
            self.creates += 1
            if self.creates == self.at:
                raise SystemExit("worker killed")
        return response


def test_a_worker_killed_with_creates_in_flight_leaves_nothing_half_bound(world: World) -> None:
    world.bc_sandbox.latency = 0.02
    articles(world, 12)
    inner = world.app.extensions[BC_TRANSPORT]
    world.app.extensions[BC_TRANSPORT] = KilledAt(inner, at=7)

    with pytest.raises(BaseException, match="worker killed"):
        world.run()
    db.session.rollback()

    products, skus = bindings("product"), {b.erp_id: b for b in bindings("sku")}
    assert 0 < len(products) < 12
    for product in products:  # every bound product has all of its SKUs bound with it
        own = [s for s in skus.values() if (s.data or {}).get("p") == int(product.bc_id)]
        assert len(own) == 3, product.erp_id

    world.app.extensions[BC_TRANSPORT] = inner
    run = world.run()

    assert run.status == "succeeded", run.message
    assert sorted(p["sku"] for p in world.bc.products.values()) == [f"A{i:03d}" for i in range(12)]
    assert len(bindings("product")) == 12 and len(bindings("sku")) == 36
    logged = db.session.scalars(
        db.select(LogEntry.erp_id).filter_by(run_id=run.id, entity="product")
    )
    assert set(logged) >= {f"A{i:03d}" for i in range(12)} - {p.erp_id for p in products}


class ErpDown(httpx.BaseTransport):
    """The ERP stops answering from its ``down_from``-th request on (until healed)."""

    def __init__(self, inner: Any, down_from: int) -> None:
        self.inner, self.down_from, self.seen, self.healed = inner, down_from, 0, False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen += 1
        if not self.healed and self.seen >= self.down_from:
            raise httpx.ConnectError("ERP unreachable", request=request)
        return self.inner.handle_request(request)


def test_an_erp_read_failing_ahead_stops_the_run_after_what_was_read(world: World) -> None:
    """The next batch is read while creates are in flight; its failure loses nothing before it."""
    world.bc_sandbox.latency = 0.01
    for i in range(250):  # three connector batches of up to 100
        world.afas.add_article(f"B{i:03d}", f"Article {i}")
    erp = ErpDown(world.app.extensions[ERP_TRANSPORT], down_from=4)
    world.app.extensions[ERP_TRANSPORT] = erp

    with pytest.raises(RetryableSyncError):
        world.run()
    db.session.rollback()
    bound = len(bindings("product"))
    assert 0 < bound < 250
    assert len(world.bc.products) == bound  # every product created was bound before the stop

    erp.healed = True
    run = world.run()

    assert run.status == "succeeded", run.message
    assert sorted(p["sku"] for p in world.bc.products.values()) == [f"B{i:03d}" for i in range(250)]
    assert len(bindings("product")) == 250
