"""A session cannot outlive what it names, on SQLite and PostgreSQL (issue 15.4).

Before: a session token named the StoreUser row id; SQLite reuses a deleted row's id,
so a removed user's token worked again as the next user who opened the app, and after
an uninstall and reinstall the old owner's token worked again.
"""

from __future__ import annotations

import httpx
import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from bcapp import create_app
from bcapp.extensions import db
from bcapp.models import Store, StoreUser
from tests.conftest import base_config, make_jwt
from tests.foundation.test_install import GRANT, QUERY

STORE = "abc123"


@pytest.fixture(params=["sqlite", "postgres"])
def app_config(request, tmp_path):
    if request.param == "postgres":
        url = request.getfixturevalue("fresh_pg_url")
        return base_config(tmp_path, DATABASE_URL=url)
    return base_config(tmp_path)


@pytest.fixture
def login(app):
    """BigCommerce's login service: every code is good for the store (a reinstall)."""
    app.extensions["bcapp.login_transport"] = httpx.MockTransport(
        lambda request: httpx.Response(200, json=GRANT)
    )


def token_of(page: httpx.Response | object) -> str:
    return page.text.split('name="bcapp-session" content="')[1].split('"')[0]  # type: ignore[attr-defined]


def opens(client, token: str) -> int:
    return client.get("/app/settings/general", headers={"X-Bcapp-Session": token}).status_code


def load(client, user_id: int) -> str:
    page = client.get("/bigcommerce/load", query_string={
        "signed_payload_jwt": make_jwt(STORE, user_id=user_id, owner_id=7)})  # fmt: skip
    assert page.status_code == 200, page.text
    return token_of(page)


def user_ids() -> dict[int, int]:
    db.session.expire_all()
    return {u.bc_user_id: u.id for u in db.session.execute(db.select(StoreUser)).scalars()}


def test_a_removed_users_token_does_not_open_the_app_as_the_next_user(app, client, login):
    assert client.get("/bigcommerce/auth", query_string=QUERY).status_code == 200
    removed = load(client, user_id=8)
    removed_id = user_ids()[8]
    assert opens(client, removed) == 200

    callback = make_jwt(STORE, user_id=8, owner_id=7)
    assert client.get("/bigcommerce/remove-user",
                      query_string={"signed_payload_jwt": callback}).status_code == 204  # fmt: skip
    assert opens(client, removed) == 401
    newcomer = load(client, user_id=9)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        assert user_ids()[9] == removed_id  # SQLite gave the newcomer the removed user's id
    assert opens(client, removed) == 401  # before: 200, as the newcomer
    assert opens(client, newcomer) == 200


def test_after_uninstall_and_reinstall_the_old_owners_token_is_dead(app, client, login):
    owner = token_of(client.get("/bigcommerce/auth", query_string=QUERY))
    assert opens(client, owner) == 200
    callback = make_jwt(STORE, user_id=7, owner_id=7)
    assert client.get("/bigcommerce/uninstall",
                      query_string={"signed_payload_jwt": callback}).status_code == 204  # fmt: skip
    assert opens(client, owner) == 401
    fresh = token_of(client.get("/bigcommerce/auth", query_string=QUERY))  # the reinstall
    assert opens(client, owner) == 401  # before: 200 again
    assert opens(client, fresh) == 200


def test_a_token_without_the_key_or_with_junk_in_it_is_refused(app, client, login):
    from itsdangerous import URLSafeTimedSerializer

    client.get("/bigcommerce/auth", query_string=QUERY)
    user = db.session.execute(db.select(StoreUser)).scalar_one()
    signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="bcapp-session")
    for data in ({"s": user.store_id, "u": user.id, "c": None},  # an old token: no key
                 {"s": user.store_id, "u": user.id, "k": "0" * 32},
                 {"s": user.store_id, "u": "1", "k": user.session_key},
                 {"s": user.store_id, "u": 10**30, "k": user.session_key},
                 ["not", "a", "dict"]):  # fmt: skip
        assert opens(client, signer.dumps(data)) == 401, data


def test_the_migration_gives_every_existing_user_a_key_of_its_own(tmp_path):
    app = create_app(base_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/m.sqlite"))
    with app.app_context():
        upgrade(revision="f5525e984468")
        db.session.execute(text(
            "INSERT INTO stores (id, store_hash, scope, account_uuid, owner_email, status, "
            "status_reason, settings, created_at, updated_at) VALUES (1, 'm1', '', '', '', "
            "'active', '', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))  # fmt: skip
        for n in (1, 2):
            db.session.execute(text(
                "INSERT INTO store_users (store_id, bc_user_id, email, is_owner, created_at) "
                f"VALUES (1, {n}, '', 0, CURRENT_TIMESTAMP)"))  # fmt: skip
        db.session.commit()
        upgrade()
        keys = [u.session_key for u in db.session.execute(db.select(StoreUser)).scalars()]
        assert len(keys) == 2 and len(set(keys)) == 2 and all(len(k) == 32 for k in keys)
        assert db.session.get(Store, 1).store_hash == "m1"
        db.engine.dispose()
