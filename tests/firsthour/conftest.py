"""Issue 21, the merchant's first hour: a store wired to the BigCommerce and AFAS sandboxes
(the orders suite's world), signed in as its owner, as a merchant uses the app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.models import StoreUser
from tests.conftest import clear_redis
from tests.orders.conftest import World, build_world
from tests.web.conftest import Session, open_app


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[World]:
    w = build_world(app)
    db.session.add(StoreUser(store_id=w.store.id, bc_user_id=1, is_owner=True, email="o@x.test"))
    db.session.commit()
    clear_redis(app)
    yield w
    clear_redis(app)


@pytest.fixture
def owner(client: Any, world: World) -> Session:
    """The store owner, signed in through the load callback."""
    return Session(client, open_app(client, world.store.store_hash))


@pytest.fixture
def staff(client: Any, world: World) -> Session:
    """Another user of the store (BigCommerce's load payload names someone else as owner)."""
    return Session(client, open_app(client, world.store.store_hash, user_id=2))


def pending(world: World) -> None:
    """The store as a first install leaves it: the onboarding gate closed."""
    world.store.setup_pending = True
    db.session.commit()


def connect_mplus_demo(app: Any) -> None:
    """The store's connection switched to MplusKASSA, answered by the demo's Mplus sandbox."""
    import httpx

    from bcapp.connectors.base import split_settings
    from bcapp.connectors.mplus.settings import SETTINGS_SCHEMA
    from bcapp.models import Connection
    from bcapp.sandbox.mplus.demo import DEMO_SETTINGS, demo_sandbox

    connection = db.session.execute(db.select(Connection)).scalar_one()
    plain, secret = split_settings(
        SETTINGS_SCHEMA,
        {**DEMO_SETTINGS, "port": 443, "base_url": "https://api.mpluskassa.nl:443/"},
    )
    connection.kind, connection.settings, connection.secrets = "mplus", plain, secret
    db.session.commit()
    app.extensions["bcapp.erp_transport"] = httpx.WSGITransport(app=demo_sandbox())
