"""The cookieless in-app session: tokens, CSRF, and the general settings form."""

from __future__ import annotations

import time

import pytest

from bcapp.extensions import db
from bcapp.models import Store, StoreUser
from tests.conftest import make_jwt


@pytest.fixture
def token(app, client):
    s = Store(store_hash="abc123", access_token="tok", settings={})
    db.session.add(s)
    db.session.flush()
    db.session.add(StoreUser(store_id=s.id, bc_user_id=1, is_owner=True))
    db.session.commit()
    page = client.get("/bigcommerce/load", query_string={"signed_payload_jwt": make_jwt("abc123")})
    assert page.status_code == 200
    return page.text.split('name="bcapp-session" content="')[1].split('"')[0]


def test_app_needs_a_session(client, token):
    assert client.get("/app").status_code == 401
    assert client.get("/app", query_string={"_session": "forged"}).status_code == 401
    assert client.get("/app", query_string={"_session": token}).status_code == 200


def test_no_cookies_are_set(client, token):
    r = client.get("/app", headers={"X-Bcapp-Session": token})
    assert "Set-Cookie" not in r.headers
    assert r.headers["X-Bcapp-Session"]  # a fresh token for the next request


def test_flask_cookie_session_is_off(app):
    """Code that reaches for ``flask.session`` by habit fails loudly instead of setting a
    cookie the iframe would lose; a cookie sent anyway is not read."""
    from flask import session

    with app.test_request_context("/app", headers={"Cookie": "session=eyJ1IjoxfQ.forged"}):
        assert dict(session) == {}
        with pytest.raises(RuntimeError, match="no cookie session"):
            session["user"] = 1


def test_settings_form_saves(client, token):
    r = client.post(
        "/app/settings/general",
        data={"_session": token, "alert_email": "ops@example.com", "log_retention_days": "14"},
    )
    assert r.status_code == 200 and "Settings saved" in r.text
    page = client.get("/app", headers={"X-Bcapp-Session": token}).text
    assert 'value="ops@example.com"' in page and 'value="14"' in page


def test_invalid_settings_are_explained_and_not_saved(client, token):
    r = client.post(
        "/app/settings/general",
        data={"_session": token, "alert_email": "not an email", "log_retention_days": "0"},
    )
    assert r.status_code == 422
    assert "Enter an e-mail address" in r.text and "between 1 and 365" in r.text
    assert db.session.execute(db.select(Store)).scalar_one().settings.get("general") is None


def test_post_with_token_only_in_query_is_refused(client, token):
    """A forged cross-site form could put a leaked token in a URL, never in our body/header."""
    r = client.post(f"/app/settings/general?_session={token}", data={"alert_email": "x@evil.com"})
    assert r.status_code == 401


def test_foreign_origin_is_refused(client, token):
    r = client.post(
        "/app/settings/general",
        data={"_session": token, "log_retention_days": "5"},
        headers={"Origin": "https://evil.example"},
    )
    assert r.status_code == 403


def test_expired_token_is_refused(app, client, token):
    app.config["SESSION_TOKEN_MAX_AGE"] = 1
    time.sleep(2.1)
    assert client.get("/app", headers={"X-Bcapp-Session": token}).status_code == 401


def test_only_control_panel_may_frame_the_app(client, token):
    r = client.get("/app", headers={"X-Bcapp-Session": token})
    assert "frame-ancestors" in r.headers["Content-Security-Policy"]
    assert "bigcommerce.com" in r.headers["Content-Security-Policy"]
    assert r.headers["Referrer-Policy"] == "no-referrer"
