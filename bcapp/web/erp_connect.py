"""Connect AccountView or Exact Online: sign in at the vendor in a new window, then pick.

1. ``GET /app/connect/<kind>/start`` — opened by the "Connect …" button in a new
   window (the vendors' sign-in pages refuse to be framed inside BigCommerce):
   issues a signed, single-use state bound to the store and redirects to the vendor.
2. ``GET /app/connect/<kind>/callback`` — the vendor sends the browser back here with
   ``code`` and ``state``; no session token comes along, the state is the proof. The
   code becomes tokens, stored encrypted through the credentials hook; the page tells
   the app's window (its opener) to continue, and closes itself. A vendor's "no"
   (``error=access_denied``) or a bad state is said in plain words.
3. ``GET/POST /app/connect/<kind>/pick`` — back in the app's window: the AccountView
   company or Exact division to sync with (chosen at once when there is only one);
   saving it runs the connection test, whose pass resumes paused flows, and returns
   to the wizard (or the settings).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
)

from bcapp.connectors import make_connector, registry
from bcapp.connectors.base import Capability
from bcapp.errors import BcappError, CredentialsRefused
from bcapp.extensions import db
from bcapp.models import Connection
from bcapp.web import erp
from bcapp.web.access import edit_required
from bcapp.web.enqueue import enqueue_flow
from bcapp.web.erp_oauth import (
    OAuthERP,
    Option,
    State,
    StateRefused,
    credentials_of,
    issue_state,
    oauth_erp,
    outcome,
    plain_refusal,
    record_outcome,
    spend_state,
    valid_ticket,
)
from bcapp.web.session import app_url, store_required

bp = Blueprint("connect", __name__, url_prefix="/app/connect")

BACKS = ("setup", "settings")


def _erp_or_404(kind: str) -> OAuthERP:
    found = oauth_erp(kind)
    if found is None:
        abort(404)
    return found


def _back() -> str:
    back = request.values.get("back", "setup")
    return back if back in BACKS else "setup"


def _transport() -> dict[str, Any]:
    transport = current_app.extensions.get("bcapp.erp_transport")
    return {"transport": transport} if transport is not None else {}


def _connection(kind: str) -> Connection | None:
    connection = erp.connection_of(g.store)
    return connection if connection is not None and connection.kind == kind else None


@bp.get("/<kind>/start")
@store_required
@edit_required
def start(kind: str) -> Any:
    """Send the new window to the vendor's sign-in page with a fresh state."""
    found = _erp_or_404(kind)
    connection = _connection(kind)
    if connection is None or not found.registered(connection.connector_settings()):
        message = f"Save the client ID and secret of your {found.label} app first, then connect."
        return render_template("connect/done.html", ok=False, message=message, erp=found), 409
    ticket = valid_ticket(request.args.get("ticket", ""))
    state = issue_state(connection, _back(), ticket)
    url = found.authorize_url(connection.connector_settings(), state)
    response = redirect(url, 303)
    response.headers["Referrer-Policy"] = "no-referrer"  # the session token stays here
    return response


@bp.get("/<kind>/callback")
def callback(kind: str) -> Any:
    """The vendor's redirect: check the state, store the tokens, hand back to the app."""
    found = _erp_or_404(kind)

    state: State | None = None

    def page(ok: bool, message: str, status: int = 200) -> Any:
        if state is not None:
            record_outcome(state, ok, message)
        return render_template("connect/done.html", ok=ok, message=message, erp=found), status

    try:
        state = spend_state(request.args.get("state", ""), kind)
    except StateRefused as exc:
        current_app.logger.warning("refused %s sign-in callback: %s", kind, exc)
        return page(False, f"{found.label} was not connected. {exc}", 400)
    if request.args.get("error"):
        said = request.args.get("error_description", "")
        return page(False, plain_refusal(found.label, request.args["error"], said))
    connection = db.session.get(Connection, state.connection_id)
    if connection is None or connection.store_id != state.store_id or connection.kind != kind:
        return page(False, f"The {found.label} connection changed meanwhile: connect again.", 409)
    try:
        found.complete(connection, request.url, request.args["state"], **_transport())
    except BcappError as exc:
        return page(False, erp.plain_connection_error(exc), 502)
    message = f"{found.label} is connected. Continue in the app's window to choose what to sync."
    return page(True, message)


@bp.get("/<kind>/status")
@store_required
def status(kind: str) -> Any:
    """How the sign-in under ``ticket`` went ("waiting" until the vendor called back)."""
    _erp_or_404(kind)
    return jsonify(outcome(g.store.id, request.args.get("ticket", "")))


@bp.get("/<kind>/pick")
@store_required
def pick(kind: str) -> Any:
    """The company/division picker; a single choice is taken at once."""
    found = _erp_or_404(kind)
    connection = _connection(kind)
    if connection is None:
        return redirect(app_url("settings.index"), 303)
    try:
        options = found.options(connection, **_transport())
    except BcappError as exc:
        return _picker(found, [], error=erp.plain_connection_error(exc), status=502)
    if len(options) == 1 and request.args.get("auto", "1") == "1":
        return _save_pick(found, connection, options[0], options)
    return _picker(found, options, current=found.current(connection.settings or {}))


@bp.post("/<kind>/pick")
@store_required
@edit_required
def save_pick(kind: str) -> Any:
    found = _erp_or_404(kind)
    connection = _connection(kind)
    if connection is None:
        abort(409)
    try:
        options = found.options(connection, **_transport())
    except BcappError as exc:
        return _picker(found, [], error=erp.plain_connection_error(exc), status=502)
    chosen = next((o for o in options if o.value == request.form.get("choice")), None)
    if chosen is None:
        return _picker(found, options, error="Choose one of the listed entries.", status=422)
    return _save_pick(found, connection, chosen, options)


def _save_pick(
    found: OAuthERP, connection: Connection, chosen: Option, options: list[Option]
) -> Any:
    """Store the pick, test the connection with it; on to the next step when it passes."""
    connection.settings = {**(connection.settings or {}), **found.chosen(chosen)}
    db.session.commit()
    result = check_connected(found, connection)
    erp.record_check(connection, connection.kind, connection.connector_settings(), result)
    if not result.ok:
        return _picker(found, options, current=chosen.value, error=result.message, status=422)
    _subscribe_erp_webhooks(connection)
    if _back() == "settings":
        return redirect(app_url("settings.index", connected=connection.kind), 303)
    finished = ((g.store.settings or {}).get("setup") or {}).get("completed")
    return redirect(app_url("setup.show", step="start" if finished else "flows"), 303)


def _subscribe_erp_webhooks(connection: Connection) -> None:
    """A store already syncing subscribes the ERP's webhooks (Exact) for the new sign-in now;
    during the setup, "Start syncing" queues them with the other flows."""
    capabilities = getattr(registry().get(connection.kind), "capabilities", ())
    if Capability.ERP_WEBHOOKS in capabilities and g.store.syncing_enabled:
        queued = enqueue_flow(g.store, ERP_WEBHOOKS_FLOW)
        if queued.error:
            current_app.logger.warning("erp webhooks not queued: %s", queued.error)


#: The flow that subscribes the ERP's own webhooks (bcapp.sync.erp_webhooks).
ERP_WEBHOOKS_FLOW = "erp_webhooks"


def check_connected(found: OAuthERP, connection: Connection) -> erp.CheckResult:
    """The connector's own test, with the credentials hook (a refresh is stored, never lost)."""
    connector: Any = None
    try:
        connector = make_connector(
            connection.kind, found.settings(connection),
            credentials=credentials_of(connection), **_transport(),
        )  # fmt: skip
        connector.check()
    except BcappError as exc:
        refused = isinstance(exc, CredentialsRefused)
        return erp.CheckResult(False, erp.plain_connection_error(exc), refused=refused)
    finally:
        if connector is not None:
            connector.close()
    return erp.CheckResult(True, f"Connected. {found.label} accepted the sign-in.")


def _picker(
    found: OAuthERP,
    options: list[Option],
    *,
    current: str = "",
    error: str = "",
    status: int = 200,
) -> Any:
    if not current:
        current = next((o.value for o in options if o.current), "")
    page = render_template(
        "connect/pick.html", erp=found, options=options, current=current, error=error,
        back=_back(), active_section="settings" if _back() == "settings" else "",
    )  # fmt: skip
    return page, status
