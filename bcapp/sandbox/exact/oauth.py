"""Exact's OAuth2 authorisation server: codes, 10-minute access tokens, rotating refresh tokens.

Rules (sources in bcapp/connectors/exact/README.md):

* An authorisation code lives 3 minutes and works once [V E5].
* An access token lives 600 s whether used or not; ``expires_in`` is sent as the
  string ``"600"`` (E1 parses it with ``ctype_digit``).
* Every token answer carries a new refresh token; once the new one is used, an
  older one answers 401 ``{"error":"unauthorized_client","error_description":"Old
  refresh token used."}`` (picqer/exact-php-client issues 300, 644).
* An unused refresh token expires after 30 days: 400 ``invalid_request`` "The
  refresh token expired at … and it is now …" (websmurf/laravel-exact-online #22).
* No new access token within 570 s of the previous one [V E5/E6]. Exact's answer is
  not public; we answer 400 ``invalid_request`` and leave the refresh token usable.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bcapp.sandbox.bigcommerce.clock import SandboxClock

ACCESS_TTL = 600
REFRESH_INTERVAL = 570
CODE_TTL = 180
REFRESH_IDLE_TTL = 30 * 86_400
TOO_EARLY = "An access token can only be requested once every 570 seconds."


@dataclass(frozen=True)
class App:
    """The app registration: client id/secret, redirect URL, webhook secret."""

    client_id: str
    client_secret: str
    redirect_uri: str
    webhook_secret: str


def _token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(48)


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%m/%d/%Y %I:%M:%S %p")


@dataclass
class TokenServer:
    """The token state of the sandbox's one user (tests read ``refreshes``)."""

    app: App
    clock: SandboxClock
    codes: dict[str, float] = field(default_factory=dict)
    access: dict[str, float] = field(default_factory=dict)
    refresh_token: str | None = None
    refresh_issued: float = 0.0
    old_refresh: set[str] = field(default_factory=set)
    last_issue: float | None = None
    refreshes: int = 0
    calls: list[tuple[float, str, int]] = field(default_factory=list)

    def authorize(self, redirect_uri: str) -> str:
        """The consent step: a fresh code for ``redirect_uri`` (must be the registered one)."""
        if redirect_uri != self.app.redirect_uri:
            raise ValueError("redirect_uri does not match the app registration")
        code = _token("stampNL001.")
        self.codes[code] = self.clock.now()
        return code

    def valid_access(self, token: str) -> bool:
        expires = self.access.get(token)
        return expires is not None and self.clock.now() < expires

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (HTTP status, JSON body)."""
        status, body = self._token(form)
        self.calls.append((self.clock.now(), form.get("grant_type", ""), status))
        return status, body

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("client_id") != self.app.client_id or (
            form.get("client_secret") != self.app.client_secret
        ):
            return 401, {"error": "invalid_client"}
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._code_grant(form)
        if grant == "refresh_token":
            return self._refresh_grant(form.get("refresh_token") or "")
        return 400, {"error": "unsupported_grant_type"}

    def _code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        issued = self.codes.pop(form.get("code") or "", None)
        if issued is None or self.clock.now() - issued > CODE_TTL:
            return 400, {"error": "invalid_grant", "error_description": "Invalid code."}
        if form.get("redirect_uri") != self.app.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "Invalid redirect_uri."}
        return 200, self._issue()

    def _refresh_grant(self, token: str) -> tuple[int, dict[str, Any]]:
        now = self.clock.now()
        if token in self.old_refresh:
            return 401, {
                "error": "unauthorized_client",
                "error_description": "Old refresh token used.",
            }
        if not token or token != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token."}
        expires = self.refresh_issued + REFRESH_IDLE_TTL
        if now >= expires:
            text = f"The refresh token expired at {_stamp(expires)} and it is now {_stamp(now)}."
            return 400, {"error": "invalid_request", "error_description": text}
        if self.last_issue is not None and now - self.last_issue < REFRESH_INTERVAL:
            return 400, {"error": "invalid_request", "error_description": TOO_EARLY}
        self.refreshes += 1
        return 200, self._issue()

    def _issue(self) -> dict[str, Any]:
        now = self.clock.now()
        if self.refresh_token:
            self.old_refresh.add(self.refresh_token)
        access, refresh = _token("gAAAA"), _token("Gcp!IAAA")
        self.access[access] = now + ACCESS_TTL
        self.refresh_token, self.refresh_issued, self.last_issue = refresh, now, now
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": str(ACCESS_TTL),
            "refresh_token": refresh,
        }

    def revoke(self) -> None:
        """The merchant disconnects the app in Exact: every token stops working."""
        self.access.clear()
        self.refresh_token = None
