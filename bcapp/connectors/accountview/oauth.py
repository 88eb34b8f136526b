"""OAuth2 with AccountView.net: the authorize URL, the code exchange, rotating refreshes.

AccountView.net uses the authorization-code grant: the merchant logs in on
``/ams/authorize.aspx`` (in a new window: the page cannot be framed), AccountView
redirects back with ``code`` and ``state``, and ``POST /api/v3/token`` trades the code
for an access token and a refresh token, with the app's client id and secret in the
form body (A1 forces body credentials). Refresh tokens are treated as single-use:
each refresh returns a new one, and the old one is spent.

That last point is why every refresh goes through a
:class:`~bcapp.connectors.base.Credentials` object, under its lock, re-reading the
stored tokens first: two workers that both find the access token stale must not both
spend the same refresh token (the second would disconnect the merchant). A refused
refresh raises :class:`ReconnectRequired`, a :class:`~bcapp.errors.ConfigError` whose
sentence tells the merchant to reconnect.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import httpx
from authlib.oauth2.rfc6749.errors import (  # type: ignore[import-untyped]
    MismatchingStateException,
    MissingCodeException,
)
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    parse_authorization_code_response,
    prepare_grant_uri,
)

from bcapp.connectors.accountview import facts
from bcapp.connectors.base import Credentials
from bcapp.connectors.http import SECRET_KEYS, HttpApi, make_client, redact, response_payload
from bcapp.errors import BcappError, ConfigError, CredentialsRefused, RetryableSyncError

#: Keys of token requests and answers that never reach a log (beyond the shared set).
OAUTH_SECRET_KEYS = SECRET_KEYS | {"refresh_token", "client_secret", "code"}


class ReconnectRequired(CredentialsRefused):
    """AccountView no longer accepts the stored authorisation: the merchant must reconnect."""


@dataclass(frozen=True)
class OAuthApp:
    """The app as registered under "Ontwikkelaar" on accountview.net, and where it lives.

    Attributes:
        base_url: the AccountView.net site root (production, the test host or a sandbox).
    """

    client_id: str
    client_secret: str
    redirect_uri: str
    base_url: str = facts.PRODUCTION_URL
    scopes: tuple[str, ...] = facts.SCOPES

    @property
    def api_url(self) -> str:
        """The REST base, ``…/api/v3``."""
        return self.base_url.rstrip("/") + facts.API_PATH

    def authorize_url(self, state: str) -> str:
        """Where to send the merchant's browser; ``state`` comes back on the callback."""
        uri: str = prepare_grant_uri(
            self.base_url.rstrip("/") + facts.AUTHORIZE_PATH,
            self.client_id,
            "code",
            redirect_uri=self.redirect_uri,
            scope=" ".join(self.scopes),
            state=state,
        )
        return uri


def code_from_callback(url: str, state: str) -> str:
    """The authorization code of a callback URL, after checking its ``state``.

    Raises:
        ConfigError: the merchant declined, or the callback is not the one we started.
    """
    query = httpx.URL(url).params
    if query.get("error"):
        reason = query.get("error_description") or query["error"]
        raise ConfigError(f"AccountView did not grant access ({reason}): connect again.")
    try:
        params = parse_authorization_code_response(url, state=state)
    except MismatchingStateException as exc:
        raise ConfigError("The AccountView sign-in did not match this session: try again.") from exc
    except MissingCodeException as exc:
        raise ConfigError("AccountView returned without an authorization code.") from exc
    return str(params["code"])


@dataclass(frozen=True)
class Tokens:
    """An access token, the refresh token that replaces it, and when it expires (epoch s)."""

    access_token: str
    refresh_token: str
    expires_at: float
    scope: str = ""

    def stale(self, now: float, margin: float = facts.REFRESH_MARGIN) -> bool:
        """True when the access token expires within ``margin`` seconds."""
        return now >= self.expires_at - margin

    def as_values(self) -> dict[str, Any]:
        """The keys this module keeps in a :class:`Credentials` store."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "scope": self.scope,
        }

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Tokens:
        """Read stored tokens; ConfigError when the connection was never authorised."""
        if not values.get("refresh_token") and not values.get("access_token"):
            raise ReconnectRequired(
                "Connect AccountView: bcapp has no AccountView authorisation yet."
            )
        return cls(
            access_token=str(values.get("access_token") or ""),
            refresh_token=str(values.get("refresh_token") or ""),
            expires_at=float(values.get("expires_at") or 0),
            scope=str(values.get("scope") or ""),
        )

    @classmethod
    def from_response(cls, body: Any, now: float) -> Tokens:
        """Parse a token response; ``expires_in`` defaults to the assumed lifetime."""
        if not isinstance(body, Mapping) or not body.get("access_token"):
            raise RetryableSyncError(
                "AccountView answered the token request without a token.", remote="accountview"
            )
        lifetime = float(body.get("expires_in") or facts.ACCESS_TOKEN_LIFETIME)
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body.get("refresh_token") or ""),
            expires_at=now + lifetime,
            scope=str(body.get("scope") or ""),
        )


@dataclass(kw_only=True)
class TokenEndpoint(HttpApi):
    """``POST /api/v3/token``: errors from the shared table, exchanges without secrets."""

    remote: ClassVar[str] = "accountview"
    remote_label: ClassVar[str] = "AccountView"
    app: OAuthApp

    @classmethod
    def connect(
        cls,
        app: OAuthApp,
        *,
        transport: httpx.BaseTransport | None = None,
        record: bool = False,
    ) -> TokenEndpoint:
        """A token endpoint client for ``app`` (``transport``: a sandbox in tests)."""
        client = make_client(
            app.api_url + "/", transport=transport, headers={"Accept": "application/json"}
        )
        return cls(client=client, secrets=(app.client_secret,), record=record, app=app)

    def exchange_code(self, code: str, now: float) -> Tokens:
        """Trade an authorization code for tokens."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.app.redirect_uri,
        }
        try:
            return self._grant(form, now)
        except ReconnectRequired as exc:
            raise ConfigError(
                "AccountView refused the sign-in code (it expired or was used already): "
                f"connect again. (AccountView says: {exc.details.get('said', '')})",
                details=exc.details,
            ) from exc

    def refresh(self, refresh_token: str, now: float) -> Tokens:
        """Trade a refresh token (spent by this call) for a new pair."""
        return self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token}, now)

    def _grant(self, form: dict[str, str], now: float) -> Tokens:
        form = {**form, "client_id": self.app.client_id, "client_secret": self.app.client_secret}
        self.secrets = (*self.secrets, *(v for k, v in form.items() if k in OAUTH_SECRET_KEYS))
        response = self._post_form(facts.TOKEN_PATH, form)
        tokens = Tokens.from_response(response_payload(response), now)
        self.secrets = (*self.secrets, tokens.access_token, tokens.refresh_token)
        return tokens

    def _post_form(self, path: str, form: dict[str, str]) -> httpx.Response:
        """Like :meth:`HttpApi.request`, for a form body (the token endpoint takes no JSON)."""
        started = time.perf_counter()
        try:
            response = self.client.post(path, data=form)
        except httpx.TransportError as exc:
            self._log("POST", path, None, form, started, error=f"{type(exc).__name__}: {exc}")
            self._scrub_last()
            raise RetryableSyncError(
                "AccountView's sign-in service could not be reached.", remote=self.remote
            ) from exc
        self._log("POST", path, None, form, started, response=response)
        self._scrub_last()
        if response.is_success:
            return response
        raise self.error_from(response)

    def _scrub_last(self) -> None:
        """Mask token-request keys the shared redaction does not know (refresh_token, code)."""
        exchange = self.last_exchange
        if exchange is None:
            return
        clean = replace(
            exchange,
            request_body=redact(exchange.request_body, self.secrets, OAUTH_SECRET_KEYS),
            response_body=redact(exchange.response_body, self.secrets, OAUTH_SECRET_KEYS),
        )
        self.last_exchange = clean
        if self.record and self.exchanges:
            self.exchanges[-1] = clean

    def error_from(self, response: httpx.Response) -> BcappError:
        """OAuth errors (``{"error": ...}``) in merchant words; the rest from the table."""
        body = response_payload(response)
        code = body.get("error") if isinstance(body, Mapping) else None
        if not isinstance(code, str) or response.status_code >= 500:
            return super().error_from(response)
        said = f"{code}: {body.get('error_description')}" if body.get("error_description") else code
        details = {"status": response.status_code, "body": self.last_body(), "said": said}
        if code == "invalid_client":
            return ConfigError(
                "AccountView refused bcapp's client id or secret: check the AccountView app "
                f"registration in the settings. (AccountView says: {said})",
                details=details,
            )
        return ReconnectRequired(
            "Reconnect AccountView: AccountView no longer accepts bcapp's authorisation (it was "
            "withdrawn, has expired or was already used). Open the settings and connect again. "
            f"(AccountView says: {said})",
            details=details,
        )


class TokenKeeper:
    """Hands out a valid access token; refreshes only when needed, once, under the lock.

    Args:
        credentials: where the tokens live (the app's encrypted store, or memory in tests).
        endpoint: the token endpoint.
        now: the clock (epoch seconds); tests tie it to the sandbox's clock.
    """

    def __init__(
        self,
        credentials: Credentials,
        endpoint: TokenEndpoint,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self.endpoint = endpoint
        self.now = now

    def authorize(self, code: str) -> Tokens:
        """Exchange a callback's code and store the first tokens."""
        with self.credentials.locked():
            tokens = self.endpoint.exchange_code(code, self.now())
            self.credentials.write({**self.credentials.read(), **tokens.as_values()})
            return tokens

    def access_token(self) -> str:
        """A token that is valid for at least the refresh margin."""
        current = Tokens.from_values(self.credentials.read())
        if not current.stale(self.now()):
            return current.access_token
        return self._refresh(lambda tokens: tokens.stale(self.now())).access_token

    def replace_rejected(self, rejected: str) -> str:
        """AccountView refused ``rejected`` before its time: refresh, unless another worker did."""
        return self._refresh(lambda tokens: tokens.access_token == rejected).access_token

    def _refresh(self, still_needed: Callable[[Tokens], bool]) -> Tokens:
        with self.credentials.locked():
            values = self.credentials.read()  # another worker may have refreshed meanwhile
            current = Tokens.from_values(values)
            if not still_needed(current):
                return current
            if not current.refresh_token:
                raise ReconnectRequired("Reconnect AccountView: bcapp holds no refresh token.")
            fresh = self.endpoint.refresh(current.refresh_token, self.now())
            self.credentials.write({**values, **fresh.as_values()})
            return fresh
