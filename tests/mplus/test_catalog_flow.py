"""Mplus → BigCommerce through the real catalog flow (both sandboxes over WSGI).

What a merchant of an Mplus shop notices: their articles (with sizes as
variants, letter SKUs intact), prices and free stock appear in the store, and
a second run changes nothing.
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.connectors.base import split_settings
from bcapp.connectors.mplus.settings import SETTINGS_SCHEMA
from bcapp.extensions import db
from bcapp.models import Connection, Store
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.mplus import MplusSandbox, MplusState
from bcapp.sandbox.mplus.demo import DEMO_SETTINGS, seed_demo
from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT
from bcapp.sync.runner import run_flow

STORE_HASH = "mplus01"


def ensure_catalog_flow() -> None:
    """Register the catalog flow even if another suite's fixture restored the registry
    to a snapshot taken before ``bcapp.sync.catalog`` was first imported."""
    import bcapp.sync.catalog as catalog
    from bcapp.sync import registry

    if "catalog" not in registry.FLOWS:
        importlib.reload(catalog)


@pytest.fixture
def shop(app: Any, redis_url: str) -> Iterator[tuple[Store, MplusSandbox, Any]]:
    ensure_catalog_flow()
    mplus = MplusSandbox(seed_demo(MplusState(**DEMO_SETTINGS)))
    bc = BigCommerceSandbox(clock=SandboxClock(speed=0))
    bc_store = bc.create_store(STORE_HASH, plan="unlimited")
    # a store id of its own: run locks live in the Redis db every test suite shares
    store = Store(id=secrets.randbelow(10**9) + 10**6, store_hash=STORE_HASH,
                  access_token=bc_store.access_token, settings={})  # fmt: skip
    db.session.add(store)
    db.session.flush()
    plain, secret = split_settings(
        SETTINGS_SCHEMA, {"port": 34567, "stock_branches": [1, 2], **DEMO_SETTINGS}
    )
    db.session.add(Connection(store_id=store.id, kind="mplus", settings=plain, secrets=secret))
    db.session.commit()
    app.extensions[ERP_TRANSPORT] = mplus.transport()
    app.extensions[BC_TRANSPORT] = httpx.WSGITransport(app=bc.wsgi_app)
    app.extensions[BC_BUDGET] = LocalBudget(STORE_HASH, clock=bc.clock.now, sleep=bc.clock.advance)
    yield store, mplus, bc_store
    import redis

    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"bcapp:lock:store-{store.id}:*"):
        client.delete(key)
    assert mplus.invalid_requests == []


def test_mplus_catalog_reaches_the_store(shop: tuple[Store, MplusSandbox, Any]) -> None:
    store, _mplus, bc_store = shop
    run = run_flow(store.id, "catalog")
    assert run is not None and run.status == "succeeded", run.message
    by_sku = {p["sku"]: p for p in bc_store.products.values()}
    assert by_sku["1001"]["name"] == "Mok Delfts blauw"
    assert by_sku["TOTE-NAT"]["name"] == "Tas naturel"  # letter SKU back from extArticleId
    [shirt] = [p for p in by_sku.values() if p["name"] == "T-shirt Oranje"]
    sizes = sorted(v["sku"] for v in bc_store.variants.values() if v["product_id"] == shirt["id"])
    assert sizes == ["2001", "2002", "2003"]
    mug = by_sku["1001"]["id"]
    assert bc_store.stock[("product", mug, 1)] == 126  # 24 free + 2 reserved + 100 in branch 2
    again = run_flow(store.id, "catalog")
    assert again is not None and again.status == "succeeded", again.message
    assert len(bc_store.products) == 3 and "created" not in again.message
