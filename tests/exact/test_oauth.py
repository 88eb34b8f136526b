"""OAuth against the sandbox: consent, division, refresh rules, rotation, refused tokens."""

from __future__ import annotations

import threading
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bcapp.connectors.base import MemoryCredentials
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.oauth import authorize_url, code_from_callback
from bcapp.errors import ConfigError, RetryableSyncError
from bcapp.sandbox.exact import ExactSandbox
from tests.exact.conftest import (
    SITE,
    START,
    connect,
    local_budget,
    stored_tokens,
    token_manager,
)


def groups(client: ExactClient) -> list[str]:
    rows = client.find("logistics/ItemGroups", select=["Code"])
    return [r["Code"] for r in rows]


def test_authorize_url_uses_the_merchants_country_site() -> None:
    url = authorize_url("be", "cid", "https://app.example/cb", "s1", force_login=True)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "start.exactonline.be",
        "/api/oauth2/auth",
    )
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": ["cid"],
        "redirect_uri": ["https://app.example/cb"],
        "state": ["s1"],
        "force_login": ["1"],
    }
    assert authorize_url("uk", "c", "https://a/cb", "s").startswith(
        "https://start.exactonline.co.uk/"
    )
    with pytest.raises(ConfigError, match="Unknown Exact Online country site"):
        authorize_url("xx", "c", "https://a/cb", "s")


def test_consent_code_exchange_then_division_from_me(sandbox: ExactSandbox) -> None:
    app = sandbox.app
    url = authorize_url(SITE, app.client_id, app.redirect_uri, "state-42")
    with httpx.Client(transport=sandbox.transport()) as browser:
        redirect = browser.get(url)
    assert redirect.status_code == 302
    code = code_from_callback(redirect.headers["Location"], "state-42")

    credentials = MemoryCredentials({"note": "kept"})
    manager = token_manager(sandbox, credentials)
    manager.exchange_code(code)
    stored = credentials.read()
    assert stored["note"] == "kept" and stored["refresh_token"] and stored["access_token"]

    client = ExactClient.connect(SITE, manager, transport=sandbox.transport())
    client.budget = local_budget(sandbox)
    assert client.me().current_division == sandbox.current_division
    picks = client.divisions()
    assert [(d.code, d.current) for d in picks] == [(1234567, True), (7654321, False)]
    assert client.division == 1234567


def test_a_callback_with_another_state_is_refused() -> None:
    with pytest.raises(ConfigError):
        code_from_callback("https://app.example/cb?code=abc&state=evil", "state-42")


def test_the_access_token_is_refreshed_only_when_due(sandbox: ExactSandbox) -> None:
    credentials = stored_tokens(sandbox)
    first_refresh_token = credentials.read()["refresh_token"]
    client = connect(sandbox, credentials=credentials)
    for _ in range(5):  # 500 s of calls on the first token
        groups(client)
        sandbox.advance(100)
    assert sandbox.oauth.refreshes == 0

    sandbox.advance(75)  # 575 s: within 30 s of the end, past the 570 s rule
    groups(client)
    assert sandbox.oauth.refreshes == 1
    rotated = credentials.read()
    assert rotated["refresh_token"] != first_refresh_token  # stored, durable, rotated
    assert rotated["refreshed_at"] == sandbox.clock.now()

    sandbox.advance(300)
    groups(client)
    assert sandbox.oauth.refreshes == 1


def test_never_a_refresh_within_570_seconds_of_the_last(sandbox: ExactSandbox) -> None:
    """Stored times that say "stale" 100 s after a refresh: we wait instead of asking Exact."""
    credentials = stored_tokens(sandbox)
    values = credentials.read()
    now = sandbox.clock.now()
    credentials.write({**values, "expires_at": now, "refreshed_at": now - 100})
    token_calls = len(sandbox.oauth.calls)
    with pytest.raises(RetryableSyncError) as info:
        groups(connect(sandbox, credentials=credentials))
    assert info.value.retry_after == pytest.approx(470)
    assert len(sandbox.oauth.calls) == token_calls  # nothing reached Exact


def test_exact_refuses_an_early_refresh_and_keeps_the_refresh_token(sandbox: ExactSandbox) -> None:
    tokens = sandbox.issue_tokens()
    form = {
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
        "client_id": sandbox.app.client_id,
        "client_secret": sandbox.app.client_secret,
    }
    with httpx.Client(base_url="https://start.exactonline.nl", transport=sandbox.transport()) as h:
        sandbox.advance(100)
        early = h.post("/api/oauth2/token", data=form)
        sandbox.advance(500)
        later = h.post("/api/oauth2/token", data=form)
    assert early.status_code == 400 and early.json()["error"] == "invalid_request"
    assert later.status_code == 200 and later.json()["expires_in"] == "600"


def test_a_reused_refresh_token_asks_the_merchant_to_reconnect(sandbox: ExactSandbox) -> None:
    """Two installs holding one token pair: the second refresh meets a rotated token."""
    values = stored_tokens(sandbox).read()
    first = connect(sandbox, credentials=MemoryCredentials(values))
    second = connect(sandbox, credentials=MemoryCredentials(values))
    sandbox.advance(600)
    groups(first)
    with pytest.raises(ConfigError) as info:
        groups(second)
    assert info.value.message.startswith("Reconnect Exact Online: ")
    assert "Old refresh token used." in info.value.message


def test_an_expired_refresh_token_asks_the_merchant_to_reconnect(sandbox: ExactSandbox) -> None:
    client = connect(sandbox)
    sandbox.advance(31 * 86_400)
    with pytest.raises(ConfigError, match=r"Reconnect Exact Online: .*expired"):
        groups(client)


def test_a_revoked_access_token_is_a_config_error(sandbox: ExactSandbox) -> None:
    client = connect(sandbox)
    groups(client)
    sandbox.oauth.revoke()
    with pytest.raises(ConfigError, match="Reconnect Exact Online"):
        groups(client)


def test_two_workers_refreshing_at_once_make_one_refresh(sandbox: ExactSandbox) -> None:
    """Two clients (two workers) share one connection's credentials and its lock."""
    credentials = stored_tokens(sandbox)
    workers = [connect(sandbox, credentials=credentials) for _ in range(2)]
    for worker in workers:
        groups(worker)  # both cache the first access token
    sandbox.advance(600)
    sandbox.latency = 0.2  # the refresh is slow: the other worker arrives meanwhile
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(client: ExactClient) -> None:
        start.wait()
        try:
            groups(client)
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sandbox.oauth.refreshes == 1
    assert credentials.writes == 1
    assert all(r["status"] == 200 for r in sandbox.api_calls())


def test_tokens_and_secrets_never_reach_the_exchange_log(sandbox: ExactSandbox) -> None:
    credentials = stored_tokens(sandbox)
    old_refresh_token = credentials.read()["refresh_token"]
    manager = token_manager(sandbox, credentials)
    client = ExactClient.connect(
        SITE, manager, division=sandbox.current_division, transport=sandbox.transport(), record=True
    )
    client.budget = local_budget(sandbox)
    sandbox.advance(600)
    groups(client)
    values = credentials.read()
    assert manager.endpoint.exchanges and client.exchanges
    logged = repr(client.exchanges) + repr(manager.endpoint.exchanges)
    for secret in (values["access_token"], values["refresh_token"], old_refresh_token):
        assert secret not in logged
    assert sandbox.app.client_secret not in logged


def test_waiting_for_the_minute_never_sends_a_token_that_expired_meanwhile() -> None:
    sandbox = ExactSandbox(speed=0, start=START, per_minute=2)
    client = connect(sandbox, budget=local_budget(sandbox, max_wait=120))
    sandbox.advance(565)  # the token is 565 s old: not due yet
    groups(client)
    groups(client)
    groups(client)  # waits 35 s for the next minute; the token is 600 s old by then
    assert sandbox.oauth.refreshes == 1
    assert {r["status"] for r in sandbox.api_calls()} == {200}
