"""Catalog fixtures: AFAS sandbox → the real flow → BigCommerce sandbox, both over WSGI.

``world`` gives a store bound to a BigCommerce sandbox store and an AFAS
connection bound to an AFAS sandbox; ``world.run()`` runs a flow through the
real runner (lock in Redis db 15, database per test) and returns the run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.connectors.afas.settings import SETTINGS_SCHEMA
from bcapp.connectors.base import split_settings
from bcapp.extensions import db
from bcapp.mapping.rules import with_section
from bcapp.models import Binding, Connection, LogEntry, Store, SyncRun
from bcapp.sandbox.afas import AfasSandbox
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT
from bcapp.sync.runner import run_flow

STORE_HASH = "cat123"


@dataclass
class World:
    app: Any
    afas: AfasSandbox
    bc_sandbox: BigCommerceSandbox
    bc: Any  # the SandboxStore
    store: Store
    connection: Connection
    calls: list[tuple[str, str]] = field(default_factory=list)

    def run(self, flow: str = "catalog", **kwargs: Any) -> SyncRun:
        run = run_flow(self.store.id, flow, **kwargs)
        assert run is not None
        return run

    def settings(self, section: str, **values: Any) -> None:
        self.store.settings = with_section(self.store.settings, section, values)
        db.session.commit()

    def entries(self, run: SyncRun, **filters: Any) -> list[LogEntry]:
        stmt = db.select(LogEntry).filter_by(run_id=run.id, **filters).order_by(LogEntry.id)
        return list(db.session.execute(stmt).scalars())

    def binding(self, entity: str, erp_id: str) -> Binding | None:
        stmt = db.select(Binding).filter_by(entity=entity, erp_id=erp_id)
        return db.session.execute(stmt).scalar_one_or_none()

    def product_by_sku(self, sku: str) -> dict[str, Any]:
        matches = [p for p in self.bc.products.values() if p["sku"] == sku]
        assert len(matches) == 1, f"{len(matches)} products with SKU {sku}"
        return matches[0]

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] != "GET"]


class CountingTransport:
    """Wraps the sandbox transport and notes every request's method and path."""

    def __init__(self, inner: Any, calls: list[tuple[str, str]]) -> None:
        self.inner = inner
        self.calls = calls

    def handle_request(self, request: Any) -> Any:
        self.calls.append((request.method, request.url.path))
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture(autouse=True)
def catalog_flows() -> None:
    """Make sure the catalog flows are registered.

    Another suite's fixture may restore ``FLOWS`` to a snapshot taken before
    the flow modules were imported; importing again would not re-register.
    """
    import importlib

    from bcapp.sync import catalog
    from bcapp.sync.registry import FLOWS

    if "catalog" not in FLOWS or "stock" not in FLOWS:
        importlib.reload(catalog)


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[World]:
    afas = AfasSandbox()
    sandbox = BigCommerceSandbox(clock=SandboxClock(speed=0))
    bc_store = sandbox.create_store(STORE_HASH, plan="unlimited")
    # A random id: other suites share Redis db 15, and run locks are keyed by store id.
    store = Store(
        id=random.randint(10**6, 10**9),
        store_hash=STORE_HASH,
        access_token=bc_store.access_token,
        settings={},
    )
    db.session.add(store)
    db.session.flush()
    plain, secret = split_settings(
        SETTINGS_SCHEMA,
        afas.settings(
            catalog={"article_prices_include_vat": True},
            connectors={"articles": {"fields": {"brand": "Brand", "weight": "Weight"}}},
        ),
    )
    connection = Connection(store_id=store.id, kind="afas", settings=plain, secrets=secret)
    db.session.add(connection)
    db.session.commit()
    calls: list[tuple[str, str]] = []
    import httpx

    app.extensions[ERP_TRANSPORT] = afas.transport()
    app.extensions[BC_TRANSPORT] = CountingTransport(
        httpx.WSGITransport(app=sandbox.wsgi_app), calls
    )
    app.extensions[BC_BUDGET] = LocalBudget(
        STORE_HASH, clock=sandbox.clock.now, sleep=sandbox.clock.advance
    )
    yield World(app, afas, sandbox, bc_store, store, connection, calls)
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"bcapp:lock:store-{store.id}:*"):
        client.delete(key)
