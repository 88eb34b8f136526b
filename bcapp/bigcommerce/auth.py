"""Single-click app authentication: the OAuth code exchange and signed_payload_jwt.

The install callback exchanges a one-time code for the store's permanent token;
load, uninstall and remove-user carry a JWT signed with our client secret.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from bcapp.errors import BcappError

STORE_CONTEXT = re.compile(r"^stores/([a-z0-9]{1,32})$")


class InstallError(BcappError):
    """The OAuth exchange failed; ``message`` tells the merchant what to do."""


class CallbackRefused(BcappError):
    """A signed_payload_jwt failed verification; ``message`` says why (for the log)."""


@dataclass(frozen=True)
class Grant:
    """What BigCommerce returned for a store's install."""

    store_hash: str
    access_token: str
    scope: str
    account_uuid: str
    user: Mapping[str, Any]
    owner: Mapping[str, Any]


def store_hash_from(context: str) -> str:
    """``stores/abc123`` → ``abc123``; anything else is refused."""
    match = STORE_CONTEXT.match(context or "")
    if not match:
        raise InstallError("The install request did not name a store.")
    return match.group(1)


def exchange_code(
    *,
    login_url: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    scope: str,
    context: str,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> Grant:
    """POST the code to ``{login_url}/oauth2/token`` and return the grant."""
    store_hash = store_hash_from(context)
    body = {
        "client_id": client_id,
        "client_secret": client_secret,
        "code": code,
        "scope": scope,
        "grant_type": "authorization_code",
        "redirect_uri": redirect_uri,
        "context": context,
    }
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(f"{login_url.rstrip('/')}/oauth2/token", json=body)
    except httpx.TimeoutException as exc:
        raise InstallError(
            "BigCommerce did not answer in time while confirming the install."
        ) from exc
    except httpx.HTTPError as exc:
        raise InstallError(
            "BigCommerce could not be reached while confirming the install."
        ) from exc
    return _grant_from(response, store_hash)


def _grant_from(response: httpx.Response, store_hash: str) -> Grant:
    if response.status_code != 200:
        raise InstallError(
            f"BigCommerce refused the install ({response.status_code}: {_error_text(response)}).",
            details={"status": response.status_code},
        )
    try:
        data = response.json()
        token = data["access_token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InstallError("BigCommerce's answer to the install had no access token.") from exc
    if not isinstance(data, dict):
        raise InstallError("BigCommerce's answer to the install had no access token.")
    if data.get("context") and data["context"] != f"stores/{store_hash}":
        raise InstallError("BigCommerce's answer named a different store.")
    user, owner = data.get("user") or {}, data.get("owner") or data.get("user") or {}
    if _person_problem(owner, "user") or (user and _person_problem(user, "user")):
        raise InstallError("BigCommerce's answer to the install named no valid user.")
    if not isinstance(token, str) or not token or "\x00" in token:
        raise InstallError("BigCommerce's answer to the install had no access token.")
    if not _short_text(data.get("scope", ""), 2000) or not _short_text(
        data.get("account_uuid", ""), 64
    ):
        raise InstallError("BigCommerce's answer to the install was not understood.")
    return Grant(
        store_hash=store_hash,
        access_token=token,
        scope=data.get("scope", ""),
        account_uuid=data.get("account_uuid", ""),
        user=data.get("user") or {},
        owner=data.get("owner") or data.get("user") or {},
    )


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    if isinstance(data, dict):
        return str(data.get("error_description") or data.get("error") or data.get("title") or data)
    return str(data)[:200]


REQUIRED_CLAIMS = ["iat", "nbf", "exp", "aud", "iss", "sub", "user"]


def verify_signed_payload(
    token: str, *, client_id: str, client_secret: str, leeway: int
) -> dict[str, Any]:
    """Verify a signed_payload_jwt (HS256 only, aud, iss=bc, times) and return its claims."""
    if not token:
        raise CallbackRefused("no signed_payload_jwt")
    try:
        claims = jwt.decode(
            token,
            client_secret,
            algorithms=["HS256"],
            audience=client_id,
            issuer="bc",
            leeway=leeway,
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise CallbackRefused(f"invalid signed_payload_jwt: {exc}") from exc
    match = STORE_CONTEXT.match(str(claims.get("sub", "")))
    user = claims.get("user")
    if not match or not isinstance(user, dict) or "id" not in user:
        raise CallbackRefused("signed_payload_jwt lacks a store or a user")
    problem = _person_problem(user, "user") or _person_problem(claims.get("owner"), "owner")
    if problem or not (claims.get("channel_id") is None or is_user_id(claims["channel_id"])):
        raise CallbackRefused(f"signed_payload_jwt has {problem or 'an invalid channel_id'}")
    claims["store_hash"] = match.group(1)
    return claims


def _short_text(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit and "\x00" not in value


def is_user_id(value: Any) -> bool:
    """A BigCommerce id as we store it: a whole number that fits a 64-bit column."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _person_problem(person: Any, role: str) -> str:
    """Why a user or owner object cannot be taken as is ("" when it can; owner is optional)."""
    if person is None and role == "owner":
        return ""
    if not isinstance(person, Mapping):
        return f"an invalid {role}"
    if not is_user_id(person.get("id")):
        return f"an invalid {role}.id"
    email = person.get("email", "")
    if not isinstance(email, str) or len(email) > 255 or "\x00" in email:
        return f"an invalid {role}.email"
    return ""
