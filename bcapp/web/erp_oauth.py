"""The ERPs a merchant connects by signing in (OAuth2), e.g. AccountView and Exact Online.

Their sign-in pages cannot be framed inside BigCommerce's iframe, so the app
opens them in a new window (:mod:`bcapp.web.erp_connect` has the routes). What
differs per ERP is the connector class's sign-in hook
(:class:`~bcapp.connectors.hooks.SignIn`, in the ERP's own package), so an ERP
that signs in needs no edit here:

* where the sign-in starts (AccountView's site, Exact's country site);
* how the callback's code becomes tokens — stored encrypted through
  :class:`~bcapp.sync.credentials.ConnectionCredentials`, never in the plain settings;
* what the merchant picks afterwards (an AccountView company, an Exact division)
  and which settings the pick fills in.

This module adds the app's side: the connection, its credentials, the callback URL.

The ``state`` that travels through the vendor is signed (SECRET_KEY), names the
store, its connection and the ERP, expires after :data:`STATE_MAX_AGE` seconds and
is spent once (a Redis key per nonce), so a forged, stale or replayed callback
cannot attach someone's ERP to another store.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from redis.exceptions import RedisError

from bcapp.config import current_settings
from bcapp.connectors import make_connector, registry
from bcapp.connectors.hooks import SignIn, SignInOption, sign_in_of
from bcapp.extensions import key_prefix, redis_ext
from bcapp.models import Connection
from bcapp.sync.credentials import ConnectionCredentials

#: Seconds between opening the sign-in window and the vendor's callback.
STATE_MAX_AGE = 600
STATE_SALT = "bcapp-erp-connect"


#: One entry of the picker (a company or a division).
Option = SignInOption


@dataclass(frozen=True)
class State:
    """What a verified ``state`` says: which store, connection and ERP, back to where."""

    store_id: int
    connection_id: int
    kind: str
    back: str  # "setup" or "settings"
    ticket: str = ""  # the app window's ticket: it polls for the outcome under it


class StateRefused(Exception):
    """The callback's state is forged, expired, for another ERP or used already."""


# -- the state ----------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_settings().secret_key, salt=STATE_SALT)


def issue_state(connection: Connection, back: str, ticket: str = "") -> str:
    """A signed, single-use state for a sign-in of ``connection``'s ERP."""
    nonce = secrets.token_urlsafe(16)
    payload = {"s": connection.store_id, "c": connection.id, "k": connection.kind, "n": nonce}
    return str(_serializer().dumps({**payload, "b": back, "t": ticket}))


def spend_state(token: str, kind: str) -> State:
    """Verify ``token`` and mark it used; :class:`StateRefused` with the reason otherwise."""
    try:
        data = _serializer().loads(token, max_age=STATE_MAX_AGE)
    except SignatureExpired:
        raise StateRefused("The sign-in took too long: start connecting again.") from None
    except BadSignature:
        raise StateRefused("This sign-in was not started by this app: start again.") from None
    if not isinstance(data, dict) or data.get("k") != kind:
        raise StateRefused("This sign-in was started for another ERP: start again.")
    key = f"bcapp:{key_prefix()}erp-connect-state:{data.get('n')}"
    try:
        fresh = redis_ext.client.set(key, "1", nx=True, ex=STATE_MAX_AGE + 60)
    except RedisError:
        raise StateRefused("The app cannot check this sign-in now: try again.") from None
    if not fresh:
        raise StateRefused("This sign-in link was used already: start connecting again.")
    back, ticket = str(data.get("b") or "setup"), str(data.get("t") or "")
    return State(int(data["s"]), int(data["c"]), kind, back, ticket)


# -- the outcome, for the app's window -------------------------------------------------------
#
# The sign-in window tells the app's window how it went with ``postMessage`` through
# ``window.opener``. A vendor page may cut that link (``Cross-Origin-Opener-Policy``), so
# the app's window also polls for the outcome under a ticket it put into the start URL.

TICKET = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def _ticket_key(store_id: int, ticket: str) -> str:
    return f"bcapp:{key_prefix()}erp-connect-ticket:{store_id}:{ticket}"


def valid_ticket(ticket: str) -> str:
    """``ticket`` when it looks like one the app's window makes, else ""."""
    return ticket if TICKET.match(ticket or "") else ""


def record_outcome(state: State, ok: bool, message: str) -> None:
    """Leave the sign-in's outcome where the app's window polls for it (best effort)."""
    if not state.ticket:
        return
    value = json.dumps({"result": "connected" if ok else "failed", "message": message})
    with contextlib.suppress(RedisError):
        redis_ext.client.set(_ticket_key(state.store_id, state.ticket), value, ex=STATE_MAX_AGE)


def outcome(store_id: int, ticket: str) -> dict[str, str]:
    """The outcome recorded under ``ticket`` for this store, or ``{"result": "waiting"}``."""
    if not valid_ticket(ticket):
        return {"result": "waiting"}
    try:
        raw = redis_ext.client.get(_ticket_key(store_id, ticket))
    except RedisError:
        raw = None
    if not raw:
        return {"result": "waiting"}
    data = json.loads(raw)
    return {"result": str(data.get("result")), "message": str(data.get("message") or "")}


def callback_url(kind: str) -> str:
    """The redirect URL registered with the vendor: ``{APP_URL}/app/connect/<kind>/callback``."""
    return f"{current_settings().app_url.rstrip('/')}/app/connect/{kind}/callback"


def credentials_of(connection: Connection) -> ConnectionCredentials:
    """The connection's encrypted token store, shared with the workers (one refresher)."""
    return ConnectionCredentials(connection.id, redis_ext.client)


# -- the ERPs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OAuthERP:
    """What the connect routes need of one ERP: its sign-in hook with the app's side added.

    The hook (:class:`~bcapp.connectors.hooks.SignIn`, carried by the ERP's connector
    class) knows the vendor; this adds what only the app has: the connection, its
    encrypted credentials, the callback URL and the injected transport.
    """

    kind: str
    label: str
    hook: SignIn[Any]

    @property
    def pick_title(self) -> str:
        return self.hook.pick_title

    @property
    def pick_setting(self) -> str:
        return self.hook.pick_setting

    def registered(self, settings: Mapping[str, Any]) -> bool:
        """Whether the app registration (client id and secret) is saved."""
        return self.hook.registered(settings)

    def authorize_url(self, settings: Mapping[str, Any], state: str) -> str:
        redirect = self.hook.redirect_uri(settings, callback_url(self.kind))
        return self.hook.authorize_url(settings, redirect, state)

    def complete(self, connection: Connection, url: str, state: str, **kwargs: Any) -> list[Option]:
        """Trade the callback's code for tokens (stored); the choices to offer."""
        connector: Any = self._picking_connector(connection, **kwargs)
        try:
            self.hook.complete(connector, url, state)
            return self.hook.options(connector)
        finally:
            connector.close()

    def options(self, connection: Connection, **kwargs: Any) -> list[Option]:
        """The companies or divisions the connected user may pick."""
        connector: Any = self._picking_connector(connection, **kwargs)
        try:
            return self.hook.options(connector)
        finally:
            connector.close()

    def _picking_connector(self, connection: Connection, **kwargs: Any) -> Any:
        settings = self.hook.picking_settings(self.settings(connection))
        return make_connector(self.kind, settings, credentials=credentials_of(connection), **kwargs)

    def chosen(self, option: Option) -> dict[str, Any]:
        """The settings a pick fills in."""
        return self.hook.chosen(option)

    def current(self, settings: Mapping[str, Any]) -> str:
        """The saved pick ("" when none)."""
        return self.hook.current(settings)

    def current_label(self, settings: Mapping[str, Any]) -> str:
        return self.hook.current_label(settings)

    def has_tokens(self, secrets_: Mapping[str, Any]) -> bool:
        return self.hook.has_tokens(secrets_)

    def settings(self, connection: Connection) -> dict[str, Any]:
        """The connector's settings with the callback URL it exchanges codes for."""
        return {**connection.connector_settings(), "redirect_uri": self.redirect_uri(connection)}

    def redirect_uri(self, connection: Connection) -> str:
        return self.hook.redirect_uri(connection.settings or {}, callback_url(self.kind))


def oauth_erp(kind: str | None) -> OAuthERP | None:
    """The sign-in adapter of ``kind``, if its connector class has a sign-in hook.

    An ERP without one is connected by typing credentials.
    """
    cls = registry().get(kind or "")
    hook = sign_in_of(cls)
    if cls is None or hook is None:
        return None
    return OAuthERP(cls.kind, cls.label, hook)


@dataclass(frozen=True)
class ConnectStatus:
    """What the connection form shows for a sign-in ERP."""

    erp: OAuthERP
    registered: bool  # the app registration is saved
    connected: bool  # tokens are stored
    refused: bool  # the ERP refused them: "Reconnect …"
    picked: str  # the chosen company/division, "" when none

    @property
    def button(self) -> str:
        if self.refused:
            return f"Reconnect {self.erp.label}"
        if self.connected:
            return f"Sign in to {self.erp.label} again"
        return f"Connect {self.erp.label}"


def connect_status(connection: Connection | None, kind: str | None) -> ConnectStatus | None:
    """The sign-in state of ``kind`` for the store's connection (None: not a sign-in ERP)."""
    erp = oauth_erp(kind)
    if erp is None:
        return None
    same = connection is not None and connection.kind == kind
    settings = connection.connector_settings() if same and connection else {}
    secrets_ = (connection.secrets or {}) if same and connection else {}
    return ConnectStatus(
        erp=erp,
        registered=same and erp.registered(settings),
        connected=erp.has_tokens(secrets_),
        refused=bool(same and connection and connection.refused_at is not None),
        picked=erp.current_label(settings),
    )


def no_tokens_yet(connection: Connection | None, kind: str) -> bool:
    """A sign-in ERP without tokens: its connection test cannot pass before connecting."""
    erp = oauth_erp(kind)
    if erp is None:
        return False
    same = connection is not None and connection.kind == kind
    return not (same and connection and erp.has_tokens(connection.secrets or {}))


def plain_refusal(label: str, error: str, description: str) -> str:
    """The vendor's "no" on the callback (``error=access_denied`` …) in a merchant's words."""
    if error == "access_denied":
        text = f"{label} was not connected: access was declined on {label}'s sign-in page."
    else:
        text = f"{label} did not grant access ({error})."
    if description:
        text += f" {label} says: {description}"
    return text + f" Use \u201cConnect {label}\u201d to try again."
