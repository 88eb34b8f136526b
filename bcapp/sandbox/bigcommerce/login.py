"""The login service: install codes, the OAuth code exchange, and signed_payload_jwt.

The control panel issues a one-time ``code`` when a user installs the app;
``POST /oauth2/token`` (JSON or form body) trades it, with the client id and
secret, the registered ``redirect_uri`` and the store ``context``, for the
store's access token. Load, uninstall and remove-user links carry a JWT signed
HS256 with the client secret.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from typing import TYPE_CHECKING, Any

import jwt
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox
    from bcapp.sandbox.bigcommerce.state import SandboxStore

CODE_TTL_S = 600
ACCOUNT_UUID = "00000000-0000-4000-8000-000000000001"
DEFAULT_SCOPE = (
    "store_v2_orders store_v2_products store_v2_customers store_v2_information "
    "store_v2_transactions store_inventory store_channel_listings store_sites_read_only"
)


class LoginError(Exception):
    """A refused exchange: HTTP status, OAuth error code and description."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def redirect_uri(sandbox: BigCommerceSandbox) -> str:
    """The auth callback registered in the app's profile."""
    return f"{sandbox.app_url}/bigcommerce/auth"


def issue_code(sandbox: BigCommerceSandbox, store: SandboxStore, user_id: int) -> str:
    """A one-time install code for ``user_id`` on ``store`` (valid 10 minutes)."""
    code = secrets.token_urlsafe(24)
    with sandbox.lock:
        sandbox.codes[code] = {
            "store_hash": store.hash,
            "user_id": user_id,
            "client_id": sandbox.client_id,
            "scope": sandbox.scope,
            "redirect_uri": redirect_uri(sandbox),
            "expires": sandbox.clock.now() + CODE_TTL_S,
        }
    return code


def _form(request: Request) -> dict[str, str]:
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data() or b"{}")
        except ValueError as exc:
            raise LoginError(400, "invalid_request", "The body is not valid JSON.") from exc
        return {k: str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {k: v for k, v in request.form.items()}


def exchange(sandbox: BigCommerceSandbox, form: dict[str, str]) -> dict[str, Any]:
    """Validate an exchange and return the grant; raises ``LoginError``."""
    client_id = form.get("client_id", "")
    if sandbox.clients.get(client_id) is None or not secrets.compare_digest(
        sandbox.clients[client_id], form.get("client_secret", "")
    ):
        raise LoginError(401, "invalid_client", "Invalid client id or client secret.")
    if form.get("grant_type") != "authorization_code":
        raise LoginError(400, "unsupported_grant_type", "grant_type must be authorization_code.")
    grant = sandbox.codes.pop(form.get("code", ""), None)
    if grant is None or grant["expires"] < sandbox.clock.now() or grant["client_id"] != client_id:
        raise LoginError(400, "invalid_grant", "The authorization code is invalid or has expired.")
    if form.get("redirect_uri") != grant["redirect_uri"]:
        raise LoginError(
            400, "invalid_grant", "The redirect_uri does not match the app's auth callback."
        )
    if form.get("context") != f"stores/{grant['store_hash']}":
        raise LoginError(400, "invalid_request", "The context does not match the code's store.")
    return _grant(sandbox, grant, client_id)


def _grant(sandbox: BigCommerceSandbox, grant: dict[str, Any], client_id: str) -> dict[str, Any]:
    store = sandbox.stores[grant["store_hash"]]
    store.installed = True
    token = store.issue_token(client_id)
    user = store.users[grant["user_id"]]
    return {
        "access_token": token,
        "scope": grant["scope"],
        "user": {k: user[k] for k in ("id", "username", "email")},
        "owner": {k: store.owner[k] for k in ("id", "username", "email")},
        "context": f"stores/{store.hash}",
        "account_uuid": ACCOUNT_UUID,
    }


def token_endpoint(sandbox: BigCommerceSandbox, request: Request) -> Response:
    """``POST /oauth2/token``."""
    if request.method != "POST":
        return _json(405, {"error": "invalid_request", "error_description": "Use POST."})
    try:
        form = _form(request)
        with sandbox.lock:
            grant = exchange(sandbox, form)
    except LoginError as exc:
        return _json(exc.status, {"error": exc.error, "error_description": exc.description})
    return _json(200, grant)


def _json(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def signed_payload(
    sandbox: BigCommerceSandbox,
    store: SandboxStore,
    user_id: int,
    url: str = "/",
    channel_id: int | None = None,
) -> str:
    """A ``signed_payload_jwt`` as BigCommerce sends to load, uninstall and remove_user.

    Times are wall-clock (the app checks them against its own clock)."""
    now = int(time.time())
    user = store.users[user_id]
    claims = {
        "aud": sandbox.client_id,
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 86400,
        "jti": str(uuid.uuid4()),
        "sub": f"stores/{store.hash}",
        "user": {"id": user["id"], "email": user["email"], "locale": "en-US"},
        "owner": {"id": store.owner["id"], "email": store.owner["email"]},
        "url": url,
        "channel_id": channel_id,
    }
    return jwt.encode(claims, sandbox.client_secret, algorithm="HS256")
