"""The sandbox's OAuth2 server: authorization codes, access tokens, rotating refresh tokens.

* ``GET /ams/authorize.aspx?response_type=code&client_id&redirect_uri&scope&state``:
  the merchant is taken as logged in and consenting; the page redirects (302) to
  ``redirect_uri?code=…&state=…``. An unknown client or unregistered redirect URI gets
  an error page (never a redirect); ``deny_next()`` answers ``error=access_denied``.
* ``POST /api/v3/token`` (form body with ``client_id``/``client_secret``):
  ``authorization_code`` (single-use codes, bound to the redirect URI, valid
  ``facts.AUTH_CODE_LIFETIME``) and ``refresh_token`` (each refresh token works once
  and is replaced; reusing a spent one is ``invalid_grant`` and, per
  ``facts.REVOKE_FAMILY_ON_REUSE``, revokes every token descended from the same grant).
  Errors are RFC 6749 §5.2 JSON with HTTP 400.
* Access tokens expire after ``facts.ACCESS_TOKEN_LIFETIME`` seconds of the sandbox clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from bcapp.connectors.accountview import facts
from bcapp.sandbox.accountview.store import Clock


@dataclass
class Grant:
    """What a code, access token or refresh token stands for."""

    family: int
    scope: str
    expires: datetime | None = None
    redirect_uri: str = ""
    spent: bool = False


class OAuthError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


class OAuthServer:
    """One registered app and the tokens issued to it."""

    def __init__(
        self,
        clock: Clock,
        client_id: str,
        client_secret: str,
        redirect_uris: set[str],
        lifetime: int = facts.ACCESS_TOKEN_LIFETIME,
    ) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = redirect_uris
        self.lifetime = lifetime
        self.codes: dict[str, Grant] = {}
        self.access: dict[str, Grant] = {}
        self.refresh: dict[str, Grant] = {}
        self.revoked: set[int] = set()  # grants whose every token is refused
        self.refresh_revoked: set[int] = set()  # grants whose refresh tokens are refused
        self._families = 0
        self._deny = False

    # -- authorize ----------------------------------------------------------------------

    def deny_next(self) -> None:
        """The merchant's next visit to the authorize page declines access."""
        self._deny = True

    def authorize(self, args: Mapping[str, str]) -> tuple[int, str]:
        """(status, Location or error text) for a visit to the authorize page."""
        redirect = args.get("redirect_uri", "")
        if args.get("client_id") != self.client_id:
            return 400, "Unknown application (client_id)."
        if redirect not in self.redirect_uris:
            return 400, f"The redirect URI {redirect!r} is not registered for this application."
        state = {"state": args["state"]} if "state" in args else {}
        if args.get("response_type") != "code":
            return 302, _with_query(redirect, {"error": "unsupported_response_type", **state})
        if self._deny:
            self._deny = False
            return 302, _with_query(redirect, {"error": "access_denied", **state})
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(
            family=self._new_family(),
            scope=args.get("scope", facts.SCOPE_READ),
            expires=self.clock.now + timedelta(seconds=facts.AUTH_CODE_LIFETIME),
            redirect_uri=redirect,
        )
        return 302, _with_query(redirect, {"code": code, **state})

    def _new_family(self) -> int:
        self._families += 1
        return self._families

    # -- token --------------------------------------------------------------------------

    def token(self, form: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) for a token request."""
        try:
            if (
                form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret
            ):
                raise OAuthError("invalid_client", "The client id or secret is not valid.")
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                grant = self._spend_code(form.get("code", ""), form.get("redirect_uri", ""))
            elif grant_type == "refresh_token":
                grant = self._spend_refresh(form.get("refresh_token", ""))
            else:
                raise OAuthError(
                    "unsupported_grant_type", f"Grant type {grant_type!r} is not supported."
                )
        except OAuthError as exc:
            return 400, {"error": exc.error, "error_description": exc.description}
        return 200, self.issue(grant.scope, grant.family)

    def _spend_code(self, code: str, redirect_uri: str) -> Grant:
        grant = self.codes.get(code)
        if grant is None or grant.spent or (grant.expires and grant.expires <= self.clock.now):
            raise OAuthError(facts.REFUSED_GRANT, "The authorization code is invalid or expired.")
        grant.spent = True
        if grant.redirect_uri != redirect_uri:
            raise OAuthError(
                facts.REFUSED_GRANT, "The redirect URI does not match the authorization."
            )
        return grant

    def _spend_refresh(self, token: str) -> Grant:
        grant = self.refresh.get(token)
        if grant is None or grant.family in self.revoked | self.refresh_revoked:
            raise OAuthError(facts.REFUSED_GRANT, "The refresh token is invalid or revoked.")
        if grant.spent:
            if facts.REVOKE_FAMILY_ON_REUSE:
                self.revoked.add(grant.family)
            raise OAuthError(facts.REFUSED_GRANT, "The refresh token was already used.")
        grant.spent = True
        return grant

    def issue(
        self, scope: str = " ".join(facts.SCOPES), family: int | None = None
    ) -> dict[str, Any]:
        """A new token pair (a fresh grant unless ``family`` continues one)."""
        family = family if family is not None else self._new_family()
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = self.clock.now + timedelta(seconds=self.lifetime)
        self.access[access] = Grant(family, scope, expires)
        self.refresh[refresh] = Grant(family, scope)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": self.lifetime,
            "refresh_token": refresh,
            "scope": scope,
        }

    # -- checks and revocation ----------------------------------------------------------

    def bearer(self, header: str) -> Grant | None:
        """The grant of a valid ``Authorization: Bearer`` header, or None."""
        scheme, _, token = header.partition(" ")
        grant = self.access.get(token.strip()) if scheme.lower() == "bearer" else None
        if grant is None or grant.family in self.revoked:
            return None
        if grant.expires is not None and grant.expires <= self.clock.now:
            return None
        return grant

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token stops working (access tokens run out at their expiry)."""
        self.refresh_revoked.update(grant.family for grant in self.refresh.values())

    def expire_access_tokens(self) -> None:
        """Every access token expires now (refresh tokens keep working)."""
        for grant in self.access.values():
            grant.expires = self.clock.now


def _with_query(url: str, params: Mapping[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)
