"""load / uninstall / remove-user: JWT verification, users, and what uninstall deletes."""

from __future__ import annotations

import time

import jwt
import pytest
from sqlalchemy import text

from bcapp.extensions import db
from bcapp.jobs.queues import job_id, queue
from bcapp.models import Connection, Store, StoreStatus, StoreUser
from tests.conftest import CLIENT_SECRET, make_jwt


@pytest.fixture
def store(app):
    s = Store(
        store_hash="abc123",
        access_token="tok",
        settings={"general": {"alert_email": "a@b.c"}},
        owner_bc_user_id=1,
    )
    db.session.add(s)
    db.session.flush()
    db.session.add(StoreUser(store_id=s.id, bc_user_id=1, is_owner=True, email="owner@example.com"))
    db.session.add(
        Connection(
            store_id=s.id,
            kind="afas",
            settings={"environment": "12345"},
            secrets={"token": "afas-secret-token"},
        )
    )
    db.session.commit()
    return s


def load(client, token):
    return client.get("/bigcommerce/load", query_string={"signed_payload_jwt": token})


def test_load_renders_the_app(client, store):
    r = load(client, make_jwt("abc123"))
    assert r.status_code == 200 and "General settings" in r.text


def _forged(**changes):
    now = int(time.time())
    claims = {
        "aud": "test-client-id",
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 60,
        "sub": "stores/abc123",
        "user": {"id": 1, "email": "x@y.z"},
        "owner": {"id": 1},
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            jwt.encode(_forged(), "wrong-secret", algorithm="HS256"), id="wrong-signature"
        ),
        pytest.param(jwt.encode(_forged(), CLIENT_SECRET, algorithm="HS512"), id="hs512"),
        pytest.param(jwt.encode(_forged(), None, algorithm="none"), id="alg-none"),
        pytest.param(jwt.encode(_forged(exp=int(time.time()) - 3600), CLIENT_SECRET), id="expired"),
        pytest.param(jwt.encode(_forged(aud="other-app"), CLIENT_SECRET), id="wrong-audience"),
        pytest.param(jwt.encode(_forged(iss="evil"), CLIENT_SECRET), id="wrong-issuer"),
        pytest.param(jwt.encode(_forged(sub=None), CLIENT_SECRET), id="no-sub"),
        pytest.param(jwt.encode(_forged(user=None), CLIENT_SECRET), id="no-user"),
        pytest.param(jwt.encode(_forged(nbf=int(time.time()) + 600), CLIENT_SECRET), id="not-yet"),
        pytest.param(jwt.encode(_forged(sub="stores/unknown"), CLIENT_SECRET), id="unknown-store"),
        pytest.param("not.a.jwt", id="garbage"),
        pytest.param("", id="missing"),
    ],
)
@pytest.mark.parametrize("path", ["load", "uninstall", "remove-user"])
def test_bad_jwt_is_refused_without_state_change(client, store, token, path):
    r = client.get(f"/bigcommerce/{path}", query_string={"signed_payload_jwt": token})
    assert r.status_code == 401
    db.session.expire_all()
    assert store.access_token == "tok" and store.status == StoreStatus.ACTIVE
    assert db.session.query(StoreUser).count() == 1


def test_small_clock_skew_is_tolerated(client, store):
    token = jwt.encode(_forged(iat=int(time.time()) + 30, nbf=int(time.time()) + 30), CLIENT_SECRET)
    assert load(client, token).status_code == 200


def test_new_user_is_added_on_first_load(client, store):
    r = load(client, make_jwt("abc123", user_id=42, email="staff@example.com"))
    assert r.status_code == 200
    staff = db.session.execute(db.select(StoreUser).filter_by(bc_user_id=42)).scalar_one()
    assert staff.email == "staff@example.com" and not staff.is_owner


def test_uninstall_deletes_token_and_erp_credentials(client, store, redis_url):
    q = queue("default")
    q.enqueue("builtins.print", job_id=job_id(store.id, "catalog"))
    q.enqueue("builtins.print", job_id=job_id(99999, "catalog"))
    r = client.get(
        "/bigcommerce/uninstall", query_string={"signed_payload_jwt": make_jwt("abc123")}
    )
    assert r.status_code == 204
    raw = db.session.execute(text("SELECT access_token, status FROM stores")).one()
    assert raw == (None, "uninstalled")
    assert db.session.execute(text("SELECT secrets FROM connections")).scalar() is None
    assert db.session.query(StoreUser).count() == 0
    ids = q.get_job_ids()
    assert job_id(store.id, "catalog") not in ids and job_id(99999, "catalog") in ids
    q.empty()
    # the app no longer opens for this store
    assert load(client, make_jwt("abc123")).status_code == 401


def test_remove_user_loses_access_at_once(client, store):
    page = load(client, make_jwt("abc123", user_id=42)).text
    token = page.split('name="bcapp-session" content="')[1].split('"')[0]
    assert client.get("/app", headers={"X-Bcapp-Session": token}).status_code == 200
    r = client.get(
        "/bigcommerce/remove-user",
        query_string={"signed_payload_jwt": make_jwt("abc123", user_id=42)},
    )
    assert r.status_code == 204
    assert client.get("/app", headers={"X-Bcapp-Session": token}).status_code == 401
    # the owner is untouched
    assert db.session.execute(db.select(StoreUser).filter_by(bc_user_id=1)).scalar_one()
