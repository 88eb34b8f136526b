"""Fixtures for the in-app pages: stores with users, session tokens, the AFAS sandbox as ERP."""

from __future__ import annotations

import random
from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.models import Store, StoreUser
from tests.conftest import make_jwt


def make_store(store_hash: str, **fields: Any) -> Store:
    """A store with its owner; a random id keeps RQ job ids (store-{id}-...) unique in the
    shared test Redis, where other test runs may have left jobs for store 1."""
    fields.setdefault("id", random.randint(10**6, 10**9))
    store = Store(store_hash=store_hash, access_token=f"tok-{store_hash}", settings={}, **fields)
    db.session.add(store)
    db.session.flush()
    db.session.add(StoreUser(store_id=store.id, bc_user_id=1, is_owner=True, email="o@x.test"))
    db.session.commit()
    return store


def open_app(client: Any, store_hash: str, user_id: int = 1) -> str:
    """Open the app the way BigCommerce does (/load) and return the session token."""
    page = client.get(
        "/bigcommerce/load",
        query_string={"signed_payload_jwt": make_jwt(store_hash, user_id=user_id)},
    )
    assert page.status_code == 200, page.text
    return page.text.split('name="bcapp-session" content="')[1].split('"')[0]


class Session:
    """A logged-in browser stand-in: GETs with the header, POSTs with the form field."""

    def __init__(self, client: Any, token: str) -> None:
        self.client, self.token = client, token

    def get(self, url: str, **kw: Any) -> Any:
        headers = {"X-Bcapp-Session": self.token, **kw.pop("headers", {})}
        return self.client.get(url, headers=headers, **kw)

    def post(self, url: str, data: Any = None, **kw: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "_session": self.token}
        else:
            from werkzeug.datastructures import MultiDict

            data = MultiDict([*(data or []), ("_session", self.token)])
        return self.client.post(url, data=data, **kw)

    def htmx_post(self, url: str, data: Any = None) -> Any:
        return self.post(url, data, headers={"HX-Request": "true"})


@pytest.fixture
def afas(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The AFAS sandbox, registered as the "afas" connector and wired as the ERP transport."""
    from bcapp.connectors import CONNECTORS
    from bcapp.connectors.afas.connector import AfasConnector
    from bcapp.sandbox.afas import AfasSandbox

    sandbox = AfasSandbox()
    monkeypatch.setitem(CONNECTORS, "afas", AfasConnector)
    app.extensions["bcapp.erp_transport"] = sandbox.transport()
    return sandbox


@pytest.fixture
def store(app: Any) -> Store:
    return make_store("storea")


@pytest.fixture
def session(client: Any, store: Store) -> Session:
    return Session(client, open_app(client, store.store_hash))
