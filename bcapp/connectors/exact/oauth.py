"""Exact Online OAuth2: the country site, the authorize URL, the code exchange and refreshes.

Facts (sources in README.md): authorize at ``{site}/api/oauth2/auth``, tokens at
``{site}/api/oauth2/token`` (form body with the client id and secret); an access
token lives 600 s; every token answer carries a *new* refresh token and the old
one dies once the new one is used ("Old refresh token used."); Exact refuses a new
access token within 570 s of the previous one.

So :class:`TokenManager` refreshes only when the access token is within
``EXPIRY_MARGIN`` of its end (which, for 600 s tokens, is never within 570 s of
the last refresh), and only under the connection's lock::

    with credentials.locked():          # one refresher for all workers
        current = credentials.read()    # someone else may have refreshed already
        if still stale: refresh; credentials.write(...)   # durable before use

A refused refresh token means the merchant must connect again: it becomes
``ConfigError("Reconnect Exact Online: …")``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import httpx
from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    parse_authorization_code_response,
    prepare_grant_uri,
)

from bcapp.connectors.base import Credentials
from bcapp.connectors.http import SECRET_KEYS, HttpApi, make_client, redact, response_payload
from bcapp.errors import BcappError, ConfigError, CredentialsRefused, RetryableSyncError

#: Exact's country sites; the merchant's administration lives on exactly one of them.
SITES: dict[str, str] = {
    "nl": "https://start.exactonline.nl",
    "be": "https://start.exactonline.be",
    "de": "https://start.exactonline.de",
    "uk": "https://start.exactonline.co.uk",
    "fr": "https://start.exactonline.fr",
    "es": "https://start.exactonline.es",
    "us": "https://start.exactonline.com",
}
AUTHORIZE_PATH = "/api/oauth2/auth"
TOKEN_PATH = "/api/oauth2/token"
ACCESS_TOKEN_LIFETIME = 600
MIN_REFRESH_INTERVAL = 570
#: Refresh when the access token has this little left (Exact allows 30 s early).
EXPIRY_MARGIN = ACCESS_TOKEN_LIFETIME - MIN_REFRESH_INTERVAL
TOKEN_KEYS = SECRET_KEYS | {"refresh_token", "client_secret", "code"}
RECONNECT = "Reconnect Exact Online: "


class ReconnectRequired(CredentialsRefused):
    """Exact no longer accepts the stored authorisation: the store's flows pause until the
    merchant connects again (a refused credential, as :mod:`bcapp.onboarding` handles it)."""


def site_url(site: str) -> str:
    """The base URL of a country site (``nl``, ``be``, ``de``, ``uk`` …) or a full URL."""
    if site.startswith("https://") or site.startswith("http://"):
        return site.rstrip("/")
    try:
        return SITES[site.lower()]
    except KeyError:
        known = ", ".join(sorted(SITES))
        raise ConfigError(f"Unknown Exact Online country site {site!r} (one of {known}).") from None


def authorize_url(
    site: str, client_id: str, redirect_uri: str, state: str, *, force_login: bool = False
) -> str:
    """Where to send the merchant to consent (the wizard opens it in a new window)."""
    extra = {"force_login": "1"} if force_login else {}
    url: str = prepare_grant_uri(
        site_url(site) + AUTHORIZE_PATH, client_id, "code", redirect_uri, None, state, **extra
    )
    return url


def code_from_callback(url: str, state: str) -> str:
    """The authorisation code from the redirect Exact sent back (state checked)."""
    try:
        params = parse_authorization_code_response(url, state)
    except AuthlibBaseError as exc:
        raise ConfigError(
            f"Exact Online's answer to the connection was not valid ({exc})."
        ) from exc
    return str(params["code"])


@dataclass(frozen=True)
class AppCredentials:
    """The app registration in Exact's app centre."""

    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass(frozen=True)
class TokenSet:
    """The tokens of one connection; times are epoch seconds on the manager's clock."""

    access_token: str
    refresh_token: str
    expires_at: float
    refreshed_at: float

    KEYS: ClassVar[tuple[str, ...]] = (
        "access_token",
        "refresh_token",
        "expires_at",
        "refreshed_at",
    )

    @classmethod
    def from_answer(cls, body: Mapping[str, Any], now: float) -> TokenSet:
        """A token answer (``expires_in`` comes as the string "600")."""
        try:
            lifetime = float(str(body.get("expires_in") or ACCESS_TOKEN_LIFETIME))
            return cls(str(body["access_token"]), str(body["refresh_token"]), now + lifetime, now)
        except (KeyError, ValueError) as exc:
            raise RetryableSyncError(
                "Exact Online answered the token request without tokens.", remote="exact"
            ) from exc

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> TokenSet | None:
        """The stored tokens, or None when the connection has none."""
        if not values.get("refresh_token"):
            return None
        return cls(
            str(values.get("access_token") or ""),
            str(values["refresh_token"]),
            float(values.get("expires_at") or 0),
            float(values.get("refreshed_at") or 0),
        )

    def to_values(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.KEYS}

    def stale(self, now: float) -> bool:
        """True when the access token is (nearly) expired and must be replaced."""
        return not self.access_token or now >= self.expires_at - EXPIRY_MARGIN

    def refresh_allowed_at(self) -> float:
        return self.refreshed_at + MIN_REFRESH_INTERVAL


class TokenEndpoint(HttpApi):
    """``/api/oauth2/token``: form posts; tokens, codes and the secret never reach a log."""

    remote: ClassVar[str] = "exact"
    remote_label: ClassVar[str] = "Exact Online"

    @classmethod
    def connect(cls, site: str, *, transport: httpx.BaseTransport | None = None) -> TokenEndpoint:
        return cls(
            client=make_client(
                site_url(site), transport=transport, headers={"Accept": "application/json"}
            )
        )

    def post_form(self, form: Mapping[str, str]) -> dict[str, Any]:
        """POST the grant; the JSON answer, or the error a merchant can act on."""
        started = time.perf_counter()
        try:
            response = self.client.post(TOKEN_PATH, data=dict(form))
        except httpx.HTTPError as exc:
            self._log(
                "POST", TOKEN_PATH, None, dict(form), started, error=f"{type(exc).__name__}: {exc}"
            )
            raise RetryableSyncError(
                "Exact Online's token service could not be reached.", remote="exact"
            ) from exc
        self._log("POST", TOKEN_PATH, None, dict(form), started, response=response)
        body = response_payload(response)
        if response.is_success and isinstance(body, dict):
            return body
        raise token_error(response.status_code, body if isinstance(body, dict) else {})

    def _log(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        started: float,
        *,
        response: httpx.Response | None = None,
        error: str = "",
    ) -> None:
        super()._log(method, path, params, body, started, response=response, error=error)
        exchange = self.last_exchange
        if exchange is None:
            return
        clean = replace(
            exchange,
            request_body=redact(exchange.request_body, keys=TOKEN_KEYS),
            response_body=redact(exchange.response_body, keys=TOKEN_KEYS),
        )
        self.last_exchange = clean
        if self.record and self.exchanges:
            self.exchanges[-1] = clean


def token_error(status: int, body: Mapping[str, Any]) -> BcappError:
    """The error for a refused token request (Exact's OAuth error JSON)."""
    code = str(body.get("error") or "")
    text = str(body.get("error_description") or code or f"HTTP {status}")
    details = {"status": status, "error": code}
    if status >= 500 or status == 429:
        return RetryableSyncError(
            f"Exact Online's token service failed: {text}",
            remote="exact",
            status=status,
            details=details,
        )
    if code == "invalid_client":
        return ConfigError(
            "Exact Online refused the app's client ID or secret: check the app registration.",
            details=details,
        )
    if code == "invalid_request" and "expired" not in text.lower():
        # Exact's answer to a refresh within 570 s is not public (README): wait, don't disconnect.
        return RetryableSyncError(
            f"Exact Online refused a token refresh for now: {text}",
            retry_after=MIN_REFRESH_INTERVAL,
            remote="exact",
            status=status,
            details=details,
        )
    return ReconnectRequired(
        f"{RECONNECT}Exact Online no longer accepts the stored authorisation ({text}). "
        "Connect again from the settings page.",
        details=details,
    )


class TokenManager:
    """Hands out a valid access token, refreshing it only when due and only under the lock.

    Args:
        endpoint: the token endpoint of the merchant's country site.
        app: the app's client id, secret and redirect URL.
        credentials: where the connection's tokens live (see ``Credentials``).
        clock: epoch seconds (the sandbox's simulated clock in tests and the benchmark).
    """

    def __init__(
        self,
        endpoint: TokenEndpoint,
        app: AppCredentials,
        credentials: Credentials,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.endpoint = endpoint
        self.app = app
        self.credentials = credentials
        self.clock = clock
        self._cached: TokenSet | None = None

    def exchange_code(self, code: str) -> TokenSet:
        """Trade the consent's authorisation code for the first tokens, and store them."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.app.redirect_uri,
        }
        with self.credentials.locked():
            tokens = TokenSet.from_answer(self.endpoint.post_form(self._signed(form)), self.clock())
            self._store(tokens)
        return tokens

    def access_token(self) -> str:
        """A valid access token: the cached one, another worker's fresh one, or a new one."""
        cached = self._cached
        if cached is not None and not cached.stale(self.clock()):
            return cached.access_token
        with self.credentials.locked():
            current = TokenSet.from_values(self.credentials.read())
            if current is None:
                raise ReconnectRequired(RECONNECT + "no Exact Online authorisation is stored.")
            if current.stale(self.clock()):
                current = self._refresh(current)
            self._cached = current
        return current.access_token

    def _refresh(self, current: TokenSet) -> TokenSet:
        now = self.clock()
        if now < current.refresh_allowed_at():
            if current.access_token and now < current.expires_at:
                return current  # still valid; Exact would refuse a new one this early
            raise RetryableSyncError(
                "Exact Online allows a new access token only 570 s after the last one.",
                retry_after=current.refresh_allowed_at() - now,
                remote="exact",
            )
        form = {"grant_type": "refresh_token", "refresh_token": current.refresh_token}
        tokens = TokenSet.from_answer(self.endpoint.post_form(self._signed(form)), now)
        self._store(tokens)
        return tokens

    def _signed(self, form: Mapping[str, str]) -> dict[str, str]:
        return {**form, "client_id": self.app.client_id, "client_secret": self.app.client_secret}

    def _store(self, tokens: TokenSet) -> None:
        """Durable before use: a rotated refresh token lost here disconnects the merchant."""
        self.credentials.write({**self.credentials.read(), **tokens.to_values()})
        self._cached = tokens
