"""Exact fixtures: a sandbox on a frozen simulated clock and clients mounted on it.

The sandbox's clock does not move by itself (``speed=0``); tests move it with
``sandbox.advance``. Clients and budgets run on the same clock and "sleep" by
advancing it, so a minute's wait costs no real time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bcapp.connectors.base import MemoryCredentials
from bcapp.connectors.exact.budget import BudgetBase, LocalCallBudget
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.oauth import AppCredentials, TokenEndpoint, TokenManager, TokenSet
from bcapp.sandbox.exact import ExactSandbox

#: Monday 2 March 2026, 09:00:00 UTC: far from the day's reset.
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC).timestamp()
SITE = "nl"


@pytest.fixture
def sandbox() -> ExactSandbox:
    return ExactSandbox(speed=0, start=START)


def app_credentials(sb: ExactSandbox) -> AppCredentials:
    return AppCredentials(sb.app.client_id, sb.app.client_secret, sb.app.redirect_uri)


def stored_tokens(sb: ExactSandbox) -> MemoryCredentials:
    """Credentials holding a fresh token pair, as after the merchant connected."""
    return MemoryCredentials(TokenSet.from_answer(sb.issue_tokens(), sb.clock.now()).to_values())


def token_manager(sb: ExactSandbox, credentials: MemoryCredentials) -> TokenManager:
    endpoint = TokenEndpoint.connect(SITE, transport=sb.transport())
    endpoint.record = True
    return TokenManager(endpoint, app_credentials(sb), credentials, clock=sb.clock.now)


def local_budget(sb: ExactSandbox, **kwargs: Any) -> LocalCallBudget:
    return LocalCallBudget(str(sb.current_division), clock=sb.clock.now, sleep=sb.advance, **kwargs)


def connect(
    sb: ExactSandbox,
    *,
    credentials: MemoryCredentials | None = None,
    budget: BudgetBase | None = None,
    division: int | None = None,
) -> ExactClient:
    """A client of the sandbox's current division, recording its exchanges."""
    tokens = token_manager(sb, credentials or stored_tokens(sb))
    return ExactClient.connect(
        SITE,
        tokens,
        division=division or sb.current_division,
        budget=budget or local_budget(sb),
        transport=sb.transport(),
        record=True,
    )


@pytest.fixture
def exact(sandbox: ExactSandbox) -> Iterator[ExactClient]:
    client = connect(sandbox)
    yield client
    client.close()


def raw_client(sb: ExactSandbox) -> httpx.Client:
    """A bare httpx client with a valid token: the sandbox seen without our client's rules."""
    token = sb.issue_tokens()["access_token"]
    return httpx.Client(
        base_url=f"https://start.exactonline.nl/api/v1/{sb.current_division}/",
        transport=sb.transport(),
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )


def error_text(response: httpx.Response) -> str:
    """Exact's error message, asserting the error shape on the way."""
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == ""
    assert set(body["error"]["message"]) == {"lang", "value"}
    return str(body["error"]["message"]["value"])
