"""Install (auth callback): the OAuth code exchange, storing the store, and failures."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text

from bcapp.extensions import db
from bcapp.models import Store, StoreUser
from tests.conftest import CLIENT_SECRET

GRANT = {
    "access_token": "tok-abc123-secret",
    "scope": "store_v2_orders store_v2_products",
    "user": {"id": 7, "username": "owner", "email": "owner@example.com"},
    "owner": {"id": 7, "username": "owner", "email": "owner@example.com"},
    "context": "stores/abc123",
    "account_uuid": "acc-uuid",
}
QUERY = {
    "code": "c0de",
    "scope": GRANT["scope"],
    "context": "stores/abc123",
    "account_uuid": "acc-uuid",
}


@pytest.fixture
def login(app):
    """BigCommerce's login service, answering as documented in docs/auth.mdx."""
    seen: list[dict] = []
    answer = {"status": 200, "body": GRANT}

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append({"url": str(request.url), "body": json.loads(request.content)})
        if answer.get("timeout"):
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(answer["status"], json=answer["body"])

    app.extensions["bcapp.login_transport"] = httpx.MockTransport(handler)
    return seen, answer


def test_install_exchanges_code_and_lands_in_app(app, client, login):
    seen, _ = login
    r = client.get("/bigcommerce/auth", query_string=QUERY)
    assert r.status_code == 200
    assert "General settings" in r.text
    assert seen[0]["url"] == "https://login.bigcommerce.com/oauth2/token"
    assert seen[0]["body"] == {
        "client_id": "test-client-id",
        "client_secret": CLIENT_SECRET,
        "code": "c0de",
        "scope": GRANT["scope"],
        "grant_type": "authorization_code",
        "redirect_uri": "http://localhost/bigcommerce/auth",
        "context": "stores/abc123",
    }
    store = db.session.execute(db.select(Store)).scalar_one()
    assert store.access_token == "tok-abc123-secret"
    assert store.owner_bc_user_id == 7 and store.account_uuid == "acc-uuid"
    owner = db.session.execute(db.select(StoreUser)).scalar_one()
    assert owner.is_owner and owner.email == "owner@example.com"


def test_token_is_not_stored_in_plaintext(app, client, login):
    client.get("/bigcommerce/auth", query_string=QUERY)
    raw = db.session.execute(text("SELECT access_token, webhook_secret FROM stores")).one()
    assert "tok-abc123" not in raw[0]
    assert raw[0].startswith("gAAAA")  # a Fernet token
    assert raw[1] and raw[1].startswith("gAAAA")


def test_reinstall_keeps_settings_and_refreshes_token(app, client, login):
    _, answer = login
    client.get("/bigcommerce/auth", query_string=QUERY)
    store = db.session.execute(db.select(Store)).scalar_one()
    store.settings = {"general": {"alert_email": "ops@example.com", "log_retention_days": 9}}
    db.session.commit()
    answer["body"] = {**GRANT, "access_token": "tok-new"}
    assert client.get("/bigcommerce/auth", query_string=QUERY).status_code == 200
    db.session.expire_all()
    store = db.session.execute(db.select(Store)).scalar_one()
    assert store.access_token == "tok-new"
    assert store.settings["general"]["alert_email"] == "ops@example.com"


@pytest.mark.parametrize(
    ("status", "body", "says", "answered"),
    [
        (
            400,
            {"error": "invalid_grant", "error_description": "The code has expired"},
            "The code has expired",
            400,  # BigCommerce refused the code: a bad request, not a gateway failure
        ),
        (500, {"title": "Internal error"}, "Internal error", 502),
        (200, {"no": "token"}, "no access token", 502),
    ],
)
def test_failed_exchange_stores_nothing(app, client, login, status, body, says, answered):
    _, answer = login
    answer.update(status=status, body=body)
    r = client.get("/bigcommerce/auth", query_string=QUERY)
    assert r.status_code == answered
    assert says in r.text and "Install" in r.text
    assert db.session.execute(db.select(Store)).first() is None


def test_timed_out_exchange_says_what_to_do(app, client, login):
    _, answer = login
    answer["timeout"] = True
    r = client.get("/bigcommerce/auth", query_string=QUERY)
    assert r.status_code == 502
    assert "did not answer in time" in r.text
    assert db.session.execute(db.select(Store)).first() is None


@pytest.mark.parametrize("query", [{**QUERY, "context": "evil"}, {**QUERY, "code": ""}])
def test_malformed_install_request_is_refused(app, client, login, query):
    seen, _ = login
    r = client.get("/bigcommerce/auth", query_string=query)
    assert r.status_code == 400
    assert not seen
    assert db.session.execute(db.select(Store)).first() is None
