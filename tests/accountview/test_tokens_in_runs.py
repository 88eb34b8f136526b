"""AccountView tokens refreshed inside real runs, through the app's ConnectionCredentials.

The access token runs out between runs; the next run refreshes it under the Redis lock,
stores the new pair (encrypted, durably) before using it, and the spent refresh token is
never sent again — on SQLite and on PostgreSQL, where the credentials are written in a
transaction of their own, so a run that fails afterwards cannot roll the new pair back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.errors import FatalSyncError
from bcapp.extensions import db
from bcapp.models import Connection, Cursor, RunStatus
from bcapp.sync.context import SyncContext
from bcapp.sync.registry import register_flow, unregister
from tests.accountview.conftest import token_requests
from tests.accountview.world import AccountViewWorld, accountview_world
from tests.conftest import base_config
from tests.orders.conftest import WORLD_CONFIG


@pytest.fixture(params=["sqlite", "postgresql"])
def app_config(request: pytest.FixtureRequest, tmp_path: Any) -> dict[str, Any]:
    if request.param == "sqlite":
        return base_config(tmp_path, **WORLD_CONFIG)
    url = request.getfixturevalue("fresh_pg_url")
    url = url.replace("postgresql://", "postgresql+psycopg://")
    return base_config(tmp_path, **WORLD_CONFIG, DATABASE_URL=url)


FAILS_AFTER_READING = "test_av_fails_after_reading"


def _fails_after_reading(ctx: SyncContext, **_: Any) -> None:
    list(ctx.connector.fetch_categories(None))
    db.session.add(Cursor(connection_id=ctx.connection.id, flow="uncommitted", value="x"))
    db.session.flush()
    raise FatalSyncError("The run failed after reading from AccountView.")


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[AccountViewWorld]:
    register_flow(FAILS_AFTER_READING)(_fails_after_reading)
    with accountview_world(app, redis_url) as w:
        yield w
    unregister(FAILS_AFTER_READING)


def stored(world: AccountViewWorld) -> dict[str, Any]:
    db.session.expire_all()
    return dict(db.session.get(Connection, world.connection.id).secrets or {})


def test_an_expired_token_is_refreshed_once_and_the_new_pair_outlives_a_failed_run(
    world: AccountViewWorld,
) -> None:
    world.av.add_article("MOK-01", "Mok", available=3)
    before = stored(world)
    world.av.expire_access_tokens()

    assert world.run("catalog").status == RunStatus.SUCCEEDED
    after = stored(world)
    assert after["refresh_token"] != before["refresh_token"]
    assert after["client_secret"] == before["client_secret"]
    assert len(token_requests(world.av, "refresh_token")) == 1

    world.av.expire_access_tokens()
    failed = world.run(FAILS_AFTER_READING)  # the run fails after the refresh ...
    assert failed.status == RunStatus.FAILED and "after reading" in failed.message
    latest = stored(world)
    assert latest["refresh_token"] != after["refresh_token"]  # ... which stayed stored
    assert db.session.execute(db.select(Cursor).filter_by(flow="uncommitted")).first() is None
    assert world.run("catalog").status == RunStatus.SUCCEEDED  # and works next time
    refreshes = token_requests(world.av, "refresh_token")
    assert len({r["body"]["refresh_token"] for r in refreshes}) == len(refreshes)
