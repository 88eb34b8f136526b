"""Connecting AccountView: what the settings wizard calls (the OAuth2 sign-in and the company).

AccountView's sign-in page cannot be framed, so the wizard opens it in a new window::

    url = authorize_url(settings, redirect_uri, state)          # open this
    # ... AccountView redirects the browser to redirect_uri?code=...&state=...
    companies = complete_connect(settings, redirect_uri=redirect_uri,
                                 callback_url=request.url, state=state,
                                 credentials=ConnectionCredentials(connection.id, redis))
    # show companies; store the chosen one as settings["company_id"] (and company_name)

``settings`` are the connection's settings with the client secret (``client_id``,
``client_secret``, ``base_url``); the tokens go into ``credentials`` (the app's
encrypted store, never the plain settings). The same functions are reachable through
the connector class (``AccountViewConnector.authorize_url`` ...) for code that finds
connectors by kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bcapp.connectors.accountview.client import AccountViewClient, Company
from bcapp.connectors.accountview.oauth import (
    OAuthApp,
    TokenEndpoint,
    TokenKeeper,
    code_from_callback,
)
from bcapp.connectors.accountview.settings import AccountViewSettings
from bcapp.connectors.base import Credentials

#: The keys :class:`~bcapp.connectors.accountview.oauth.TokenKeeper` keeps in the credentials.
TOKEN_KEYS = ("access_token", "refresh_token", "expires_at", "scope")


def _settings(settings: Mapping[str, Any] | AccountViewSettings) -> AccountViewSettings:
    if isinstance(settings, AccountViewSettings):
        return settings
    return AccountViewSettings.parse(settings)


def oauth_app(
    settings: Mapping[str, Any] | AccountViewSettings, redirect_uri: str = ""
) -> OAuthApp:
    """The registered AccountView.net app of these settings, calling back to ``redirect_uri``."""
    s = _settings(settings)
    return OAuthApp(s.client_id, s.client_secret, redirect_uri, base_url=s.base_url)


def authorize_url(settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
    """Where to send the merchant (a new window); ``state`` comes back on the callback."""
    return oauth_app(settings, redirect_uri).authorize_url(state)


def complete_connect(
    settings: Mapping[str, Any],
    *,
    redirect_uri: str,
    callback_url: str,
    state: str,
    credentials: Credentials,
    transport: httpx.BaseTransport | None = None,
) -> list[Company]:
    """Trade the callback's code for tokens (stored in ``credentials``); the company list.

    Raises:
        ConfigError: the merchant declined, the state does not match, the code was refused.
    """
    app = oauth_app(settings, redirect_uri)
    keeper = TokenKeeper(credentials, TokenEndpoint.connect(app, transport=transport))
    keeper.authorize(code_from_callback(callback_url, state))
    return companies(settings, credentials, transport=transport)


def companies(
    settings: Mapping[str, Any],
    credentials: Credentials,
    *,
    transport: httpx.BaseTransport | None = None,
) -> list[Company]:
    """The companies the connected user may open (``Company.id`` is the X-Company value)."""
    app = oauth_app(settings)
    keeper = TokenKeeper(credentials, TokenEndpoint.connect(app, transport=transport))
    client = AccountViewClient.connect(app.api_url, keeper, transport=transport)
    try:
        return client.companies()
    finally:
        client.close()
        keeper.endpoint.close()
