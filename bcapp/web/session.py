"""Sessions inside BigCommerce's cross-origin iframe, without cookies.

Browsers block or partition third-party cookies, and BigCommerce's publishing
checklist asks embedded apps to be cookieless. So after a verified ``/load``
we issue our own short-lived signed token (itsdangerous, keyed by SECRET_KEY)
naming the store user, put it in the page, and every in-app request carries it:

* htmx and fetch calls in the ``X-Bcapp-Session`` header,
* forms in a hidden ``_session`` field,
* plain links (GET only) in a ``_session`` query parameter.

Each response mints a fresh token, so an active user never runs out; an idle
one reopens the app from the control panel. Because nothing is sent
automatically by the browser, a forged cross-site request cannot carry the
token: state-changing requests accept it only from the header or the form
body (never the query string), which is our CSRF protection, and we also
refuse a foreign ``Origin``. The user row is re-read on every request, so a
removed user or an uninstalled store is out at once; a token also carries the row's
random session key, so it never works for another row that reuses the id (SQLite
reuses a deleted row's id), nor after an uninstall and reinstall.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, g, render_template, request, url_for
from flask.sessions import NullSession, SessionInterface
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bcapp import logs
from bcapp.config import current_settings
from bcapp.extensions import db
from bcapp.models import Store, StoreUser
from bcapp.models.base import utcnow

HEADER = "X-Bcapp-Session"
FIELD = "_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


class _NoCookieSession(NullSession):
    """What ``flask.session`` is here: reads as empty, refuses writes with the reason."""

    def _fail(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            "bcapp keeps no cookie session (it runs in a third-party iframe); "
            "use the signed session token (bcapp.web.session) instead"
        )

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = _fail


class CookielessSessions(SessionInterface):
    """Flask's session interface, turned off: no cookie is read or set, on any route.

    Besides stating the design in code, it spares every request (webhook
    deliveries above all) building a signing serializer for a cookie that is
    never there.
    """

    null_session_class = _NoCookieSession

    def open_session(self, app: Any, request: Any) -> None:
        return None  # Flask then uses the null session

    def save_session(self, app: Any, session: Any, response: Any) -> None:
        return None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_settings().secret_key, salt="bcapp-session")


def issue_token(user: StoreUser, channel_id: int | None = None) -> str:
    """Mint a session token for ``user``: store id, user id and the user row's session key
    (a new row, even one reusing the id, has another), and the channel."""
    return _serializer().dumps(
        {"s": user.store_id, "u": user.id, "k": user.session_key, "c": channel_id}
    )


def _presented_token() -> str | None:
    token = request.headers.get(HEADER)
    if token:
        return token
    if request.method in SAFE_METHODS:
        return request.args.get(FIELD)
    return request.form.get(FIELD)


def _foreign_origin() -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null" or request.method in SAFE_METHODS:
        return False
    allowed = {urlsplit(request.host_url).netloc, urlsplit(current_settings().app_url).netloc}
    return urlsplit(origin).netloc not in allowed


def refuse(message: str, status: int = 401) -> Any:
    """A short page that says what to do, with ``status``."""
    current_app.logger.warning("refused %s %s: %s", request.method, request.path, message)
    return render_template("refused.html", message=message), status


def load_session() -> StoreUser | None:
    """Resolve the presented token to a live store user, or None."""
    token = _presented_token()
    if not token:
        return None
    try:
        data = _serializer().loads(token, max_age=current_settings().session_token_max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not _is_id(data.get("u")):
        return None
    user = db.session.get(StoreUser, data["u"])
    if user is None or user.store_id != data.get("s") or not user.store.is_installed:
        return None
    key = data.get("k")
    if not isinstance(key, str) or not hmac.compare_digest(key, user.session_key or ""):
        return None  # a token of a removed user, or of an earlier install: not this row's
    g.channel_id = data.get("c") if _is_id(data.get("c")) else None
    return user


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def store_required(view: F) -> F:
    """Allow the view only for a valid session; sets ``g.store`` and ``g.user``."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if _foreign_origin():
            return refuse("This request came from another site and was refused.", 403)
        user = load_session()
        if user is None:
            return refuse(
                "Your session has expired or you no longer have access. "
                "Open the app again from Apps › My Apps in your BigCommerce control panel."
            )
        user.last_seen_at = utcnow()
        g.user, g.store = user, user.store
        logs.bind(store_hash=user.store.store_hash)
        g.session_token = issue_token(user, g.get("channel_id"))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def app_url(endpoint: str, **values: Any) -> str:
    """``url_for`` plus the session token, for links inside the app (GET only)."""
    token = g.get("session_token")
    if token:
        values[FIELD] = token
    return url_for(endpoint, **values)


def current_store() -> Store:
    store = g.get("store")
    if store is None:
        abort(401)
    return store
