"""AccountView fixtures: a fresh sandbox, stored tokens, and a client mounted on it.

The client's clock is the sandbox's clock, so token expiry is driven by
``sandbox.clock.advance(...)`` on both sides.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.connectors.accountview.client import AccountViewClient
from bcapp.connectors.accountview.oauth import OAuthApp, TokenEndpoint, TokenKeeper
from bcapp.connectors.base import MemoryCredentials
from bcapp.sandbox.accountview import DEFAULT_REDIRECT, AccountViewSandbox
from bcapp.sandbox.accountview.spec import load_vendor

VENDOR = load_vendor()
NO_VENDOR_REASON = (
    "AccountView data dictionaries not found (../shared/erp-specs/accountview or "
    "BCAPP_SHARED_DIR): conformance with the vendor's dictionary is checked where they are present"
)
needs_vendor = pytest.mark.skipif(VENDOR is None, reason=NO_VENDOR_REASON)


@pytest.fixture
def sandbox() -> AccountViewSandbox:
    return AccountViewSandbox()


def oauth_app(sandbox: AccountViewSandbox, **overrides: Any) -> OAuthApp:
    values: dict[str, Any] = {
        "client_id": sandbox.oauth.client_id,
        "client_secret": sandbox.oauth.client_secret,
        "redirect_uri": DEFAULT_REDIRECT,
        "base_url": sandbox.base_url,
        **overrides,
    }
    return OAuthApp(**values)


def stored_tokens(sandbox: AccountViewSandbox, scope: str | None = None) -> MemoryCredentials:
    """Credentials holding a fresh token pair, as after a completed connect."""
    tokens = sandbox.issue_tokens(scope) if scope else sandbox.issue_tokens()
    keys = ("access_token", "refresh_token", "expires_at", "scope")
    return MemoryCredentials({k: tokens[k] for k in keys})


def keeper(sandbox: AccountViewSandbox, credentials: MemoryCredentials, **app: Any) -> TokenKeeper:
    endpoint = TokenEndpoint.connect(
        oauth_app(sandbox, **app), transport=sandbox.transport(), record=True
    )
    return TokenKeeper(credentials, endpoint, now=sandbox.clock.timestamp)


def connect(
    sandbox: AccountViewSandbox,
    credentials: MemoryCredentials | None = None,
    *,
    company: str | None = None,
) -> AccountViewClient:
    """A recording client on ``sandbox`` for its first company (or ``company`` id)."""
    creds = credentials if credentials is not None else stored_tokens(sandbox)
    return AccountViewClient.connect(
        sandbox.api_url,
        keeper(sandbox, creds),
        sandbox.company_id if company is None else company,
        transport=sandbox.transport(),
        record=True,
    )


@pytest.fixture
def client(sandbox: AccountViewSandbox) -> Iterator[AccountViewClient]:
    av = connect(sandbox)
    yield av
    av.close()


def token_requests(sandbox: AccountViewSandbox, grant_type: str) -> list[dict[str, Any]]:
    """The token requests of one grant type the sandbox received."""
    return [
        r
        for r in sandbox.requests
        if r["path"] == "token" and (r["body"] or {}).get("grant_type") == grant_type
    ]
