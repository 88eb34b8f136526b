"""OAuth2 against the sandbox: code flow, refresh only when due, rotation, one refresher."""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.oauth import (
    ReconnectRequired,
    TokenEndpoint,
    TokenKeeper,
    code_from_callback,
)
from bcapp.connectors.base import MemoryCredentials
from bcapp.errors import ConfigError, RetryableSyncError
from bcapp.sandbox.accountview import DEFAULT_REDIRECT, AccountViewSandbox
from tests.accountview.conftest import (
    connect,
    keeper,
    oauth_app,
    stored_tokens,
    token_requests,
)


def visit_authorize_page(sandbox: AccountViewSandbox, url: str) -> httpx.Response:
    with httpx.Client(transport=sandbox.transport()) as browser:
        return browser.get(url)


def test_authorize_url_asks_for_a_code_with_state_scopes_and_redirect(
    sandbox: AccountViewSandbox,
) -> None:
    url = oauth_app(sandbox).authorize_url("s-123")
    parts = urlsplit(url)
    assert parts.path == "/ams/authorize.aspx"
    query = parse_qs(parts.query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [sandbox.oauth.client_id]
    assert query["redirect_uri"] == [DEFAULT_REDIRECT]
    assert query["scope"] == ["readaccountviewdata updateaccountviewdata"]
    assert query["state"] == ["s-123"]


def test_code_flow_connects_and_lists_companies(sandbox: AccountViewSandbox) -> None:
    app = oauth_app(sandbox)
    page = visit_authorize_page(sandbox, app.authorize_url("xyz"))
    assert page.status_code == 302
    callback = page.headers["location"]
    assert callback.startswith(DEFAULT_REDIRECT + "?")
    credentials = MemoryCredentials({"client_note": "kept"})
    tokens = keeper(sandbox, credentials).authorize(code_from_callback(callback, "xyz"))
    stored = credentials.read()
    assert stored["access_token"] == tokens.access_token
    assert stored["refresh_token"] == tokens.refresh_token
    assert stored["client_note"] == "kept"  # other secrets of the connection survive
    (exchange,) = token_requests(sandbox, "authorization_code")
    assert exchange["body"]["client_id"] == sandbox.oauth.client_id  # credentials in the body
    assert exchange["body"]["client_secret"] == sandbox.oauth.client_secret
    companies = connect(sandbox, credentials, company="").companies()
    assert [(c.code, c.id) for c in companies] == [("DEMO", sandbox.company_id)]


def test_a_code_works_once(sandbox: AccountViewSandbox) -> None:
    app = oauth_app(sandbox)
    code = code_from_callback(
        visit_authorize_page(sandbox, app.authorize_url("s")).headers["location"], "s"
    )
    keeper(sandbox, MemoryCredentials()).authorize(code)
    with pytest.raises(ConfigError, match="connect again") as info:
        keeper(sandbox, MemoryCredentials()).authorize(code)
    assert "invalid_grant" in str(info.value)


def test_callback_with_another_state_or_a_refusal_is_a_config_error(
    sandbox: AccountViewSandbox,
) -> None:
    app = oauth_app(sandbox)
    callback = visit_authorize_page(sandbox, app.authorize_url("mine")).headers["location"]
    with pytest.raises(ConfigError, match="did not match"):
        code_from_callback(callback, "someone-elses")
    sandbox.deny_next_authorization()
    denied = visit_authorize_page(sandbox, app.authorize_url("mine")).headers["location"]
    assert "code=" not in denied and "state=mine" in denied
    with pytest.raises(ConfigError, match="access_denied"):
        code_from_callback(denied, "mine")


def test_unregistered_redirect_uri_gets_no_redirect(sandbox: AccountViewSandbox) -> None:
    app = oauth_app(sandbox, redirect_uri="https://evil.example.com/cb")
    page = visit_authorize_page(sandbox, app.authorize_url("s"))
    assert page.status_code == 400
    assert "location" not in page.headers


def test_wrong_client_secret_is_a_config_error_about_the_app_registration(
    sandbox: AccountViewSandbox,
) -> None:
    credentials = stored_tokens(sandbox)
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME)
    tokens = keeper(sandbox, credentials, client_secret="wrong")
    with pytest.raises(ConfigError, match="client id or secret"):
        tokens.access_token()


def test_refresh_happens_only_when_the_token_is_due(sandbox: AccountViewSandbox) -> None:
    credentials = stored_tokens(sandbox)
    first = credentials.read()
    client = connect(sandbox, credentials)
    client.companies()
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME - facts.REFRESH_MARGIN - 5)
    client.companies()
    assert token_requests(sandbox, "refresh_token") == []
    sandbox.clock.advance(10)  # now inside the refresh margin
    client.companies()
    client.companies()
    assert len(token_requests(sandbox, "refresh_token")) == 1
    rotated = credentials.read()
    assert rotated["access_token"] != first["access_token"]
    assert rotated["refresh_token"] != first["refresh_token"]  # refresh tokens rotate
    assert credentials.writes == 1


def test_a_spent_refresh_token_is_refused_as_invalid_grant(sandbox: AccountViewSandbox) -> None:
    credentials = stored_tokens(sandbox)
    spent = credentials.read()["refresh_token"]
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME)
    keeper(sandbox, credentials).access_token()
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url + "/") as raw:
        answer = raw.post(
            "token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": spent,
                "client_id": sandbox.oauth.client_id,
                "client_secret": sandbox.oauth.client_secret,
            },
        )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_reusing_a_spent_refresh_token_asks_the_merchant_to_reconnect(
    sandbox: AccountViewSandbox,
) -> None:
    credentials = stored_tokens(sandbox)
    stale_copy = credentials.read()  # e.g. a worker that wrote back what it read earlier
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME)
    keeper(sandbox, credentials).access_token()
    credentials.write(stale_copy)
    with pytest.raises(ReconnectRequired) as info:
        connect(sandbox, credentials).companies()
    assert str(info.value).startswith("Reconnect AccountView:")
    assert isinstance(info.value, ConfigError)


def test_revoked_refresh_tokens_ask_the_merchant_to_reconnect(sandbox: AccountViewSandbox) -> None:
    credentials = stored_tokens(sandbox)
    client = connect(sandbox, credentials)
    client.companies()
    sandbox.revoke_refresh_tokens()
    client.companies()  # the access token still works until it expires
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME)
    with pytest.raises(ReconnectRequired, match=r"^Reconnect AccountView: .*connect again"):
        client.companies()


def test_an_access_token_refused_early_is_replaced_once(sandbox: AccountViewSandbox) -> None:
    credentials = stored_tokens(sandbox)
    client = connect(sandbox, credentials)
    sandbox.expire_access_tokens()  # revoked before its time, as far as the client knows
    assert client.companies()
    assert len(token_requests(sandbox, "refresh_token")) == 1
    statuses = [e.status for e in client.exchanges]
    assert statuses == [401, 200]


def test_two_workers_refreshing_at_once_spend_the_refresh_token_once(
    sandbox: AccountViewSandbox,
) -> None:
    credentials = stored_tokens(sandbox)
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME)
    sandbox.latency = 0.05  # widen the window in which both see a stale token
    workers = [keeper(sandbox, credentials) for _ in range(2)]
    start = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def work(tokens: TokenKeeper) -> None:
        start.wait()
        try:
            results.append(tokens.access_token())
        except BaseException as exc:  # reported below, not swallowed
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    assert len(token_requests(sandbox, "refresh_token")) == 1
    assert results[0] == results[1] == credentials.read()["access_token"]
    assert credentials.writes == 1


def test_token_exchanges_are_logged_without_secrets(sandbox: AccountViewSandbox) -> None:
    credentials = stored_tokens(sandbox)
    old_refresh = credentials.read()["refresh_token"]
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME)
    tokens = keeper(sandbox, credentials)
    tokens.access_token()
    new = credentials.read()
    logged = json.dumps([e.as_dict() for e in tokens.endpoint.exchanges])
    for secret in (
        old_refresh,
        new["refresh_token"],
        new["access_token"],
        sandbox.oauth.client_secret,
    ):
        assert secret not in logged
    assert sandbox.oauth.client_id in logged  # not a secret: useful when debugging


def test_token_endpoint_outage_is_retryable(sandbox: AccountViewSandbox) -> None:
    credentials = stored_tokens(sandbox)
    sandbox.clock.advance(facts.ACCESS_TOKEN_LIFETIME)
    endpoint = TokenEndpoint.connect(oauth_app(sandbox), transport=sandbox.transport())
    tokens = TokenKeeper(credentials, endpoint, now=sandbox.clock.timestamp)
    sandbox.fail_next(503)
    with pytest.raises(RetryableSyncError):
        tokens.access_token()
    sandbox.fail_next("timeout")
    with pytest.raises(RetryableSyncError):
        tokens.access_token()
    assert tokens.access_token() == credentials.read()["access_token"]


def test_nothing_stored_yet_asks_to_connect(sandbox: AccountViewSandbox) -> None:
    with pytest.raises(ConfigError, match="Connect AccountView"):
        connect(sandbox, MemoryCredentials()).companies()
