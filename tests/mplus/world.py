"""One Mplus store for flow tests: a BigCommerce sandbox store and an Mplus sandbox, wired in.

Shared by the catalog, stock and order flow tests of both directions, so the
wiring (transports, budget, a store id of its own, lock clean-up, the WSDL
check of every request) is written once.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import redis

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.connectors.base import split_settings
from bcapp.connectors.mplus.settings import SETTINGS_SCHEMA
from bcapp.extensions import db
from bcapp.models import Connection, Store
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.mplus import MplusSandbox
from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT


@dataclass
class MplusWorld:
    store: Store
    mplus: MplusSandbox
    bc: BigCommerceSandbox
    bc_store: Any


@contextmanager
def mplus_world(
    app: Any,
    redis_url: str,
    mplus: MplusSandbox,
    *,
    store_hash: str,
    credentials: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
    connector_settings: Mapping[str, Any] | None = None,
) -> Iterator[MplusWorld]:
    """Wire ``mplus`` and a fresh BigCommerce sandbox store into ``app``; clean up after."""
    bc = BigCommerceSandbox(clock=SandboxClock(speed=0))
    bc_store = bc.create_store(store_hash, plan="unlimited")
    # A store id of its own: run and order locks live in the Redis db every suite shares.
    store = Store(id=secrets.randbelow(10**9) + 10**6, store_hash=store_hash,
                  access_token=bc_store.access_token, settings=dict(settings or {}))  # fmt: skip
    db.session.add(store)
    db.session.flush()
    values = {"port": 34567, **(connector_settings or {}), **credentials}
    plain, secret = split_settings(SETTINGS_SCHEMA, values)
    db.session.add(Connection(store_id=store.id, kind="mplus", settings=plain, secrets=secret))
    db.session.commit()
    app.extensions[ERP_TRANSPORT] = mplus.transport()
    app.extensions[BC_TRANSPORT] = httpx.WSGITransport(app=bc.wsgi_app)
    app.extensions[BC_BUDGET] = LocalBudget(store_hash, clock=bc.clock.now, sleep=bc.clock.advance)
    yield MplusWorld(store, mplus, bc, bc_store)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"bcapp:lock:store-{store.id}:*"):
        client.delete(key)
    assert mplus.invalid_requests == [], "the client sent requests outside the WSDL"
