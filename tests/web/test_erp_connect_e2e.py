"""From "Connect …" to a first catalog sync, through the vendors' and BigCommerce's sandboxes.

The store starts with only the app registration saved (no tokens, nothing picked), as
a merchant has it right after typing the client id and secret. The sign-in goes
through the sandbox's authorize page and token endpoint, the pick through its company
or division list, and then the catalog flow — built by the app from the connection row,
with the tokens through ConnectionCredentials — fills the BigCommerce sandbox store.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from bcapp.extensions import db
from bcapp.models import Connection, RunStatus, StoreUser
from bcapp.sandbox.exact import ExactSandbox
from tests.accountview.world import accountview_world
from tests.conftest import base_config
from tests.exact.world import START, exact_world
from tests.orders.conftest import WORLD_CONFIG
from tests.web.conftest import Session, open_app


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


def owner_session(client: Any, store: Any) -> Session:
    db.session.add(StoreUser(store_id=store.id, bc_user_id=1, is_owner=True, email="o@x.test"))
    db.session.commit()
    return Session(client, open_app(client, store.store_hash))


def not_yet_connected(connection: Connection, tokens: tuple[str, ...], picked: dict) -> None:
    """Only the app registration is saved: no tokens, nothing picked."""
    connection.secrets = {k: v for k, v in connection.secrets.items() if k not in tokens}
    connection.settings = {**connection.settings, **picked}
    db.session.commit()


def sign_in(session: Session, client: Any, kind: str, transport: Any) -> Any:
    start = session.get(f"/app/connect/{kind}/start")
    assert start.status_code == 303, start.text
    with httpx.Client(transport=transport) as vendor:
        consent = vendor.get(start.headers["Location"])
    back = urlsplit(consent.headers["Location"])
    assert back.path == f"/app/connect/{kind}/callback"
    done = client.get(back.path, query_string=back.query)
    assert done.status_code == 200 and "is connected" in done.text, done.text
    return done


@pytest.fixture
def av_world(app: Any, redis_url: str) -> Iterator[Any]:
    with accountview_world(app, redis_url) as world:
        yield world


def test_accountview_from_connect_to_the_first_catalog_sync(av_world, client):
    world = av_world
    world.av.oauth.redirect_uris.add("https://app.example.com/app/connect/accountview/callback")
    world.av.seed(6)
    not_yet_connected(world.connection, ("access_token", "refresh_token", "expires_at", "scope"),
                      {"company_id": "", "company_name": ""})  # fmt: skip
    session = owner_session(client, world.store)
    assert "Connect AccountView" in session.get("/app/setup/erp").text

    sign_in(session, client, "accountview", world.av.transport())
    picked = session.get("/app/connect/accountview/pick")  # one company: taken at once
    assert picked.status_code == 303 and "/app/setup/flows" in picked.headers["Location"]
    connection = world.connection
    assert connection.settings["company_id"] == world.av.company_id
    assert connection.checked_at is not None and not connection.check_message

    run = world.run("catalog")
    assert run.status == RunStatus.SUCCEEDED, run.message
    skus = {p["sku"] for p in world.bc_store.products.values()}
    assert {"A0001", "A0006"} <= skus


def test_exact_from_connect_to_the_first_catalog_sync(app, client):
    callback = "https://bcapp.example/app/connect/exact/callback"
    sandbox = ExactSandbox(speed=0, start=START, redirect_uri=callback)
    sandbox.division().seed_items(5)
    with exact_world(app, exact=sandbox, connector_settings={"redirect_uri": callback}) as world:
        not_yet_connected(world.connection, ("oauth",), {"division": 0})
        session = owner_session(client, world.store)
        sign_in(session, client, "exact", sandbox.transport())
        picker = session.get("/app/connect/exact/pick")
        assert picker.status_code == 200  # two divisions: the merchant picks
        chosen = session.post("/app/connect/exact/pick",
                              {"choice": str(sandbox.current_division)})  # fmt: skip
        assert chosen.status_code == 303, chosen.text
        assert world.connection.settings["division"] == sandbox.current_division

        run = world.run("catalog")
        assert run.status == RunStatus.SUCCEEDED, run.message
        assert len(world.bc_store.products) == 5
