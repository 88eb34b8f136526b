"""BigCommerce's app callbacks: install (auth), load, uninstall and remove-user.

Paths are fixed: the app's profile in the developer portal points at them.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, abort, current_app, g, make_response, render_template, request

from bcapp.bigcommerce.auth import (
    CallbackRefused,
    InstallError,
    exchange_code,
    store_hash_from,
    verify_signed_payload,
)
from bcapp.config import current_settings
from bcapp.extensions import db
from bcapp.models import Connection, Store, StoreStatus, StoreUser
from bcapp.models.base import utcnow
from bcapp.signals import store_installed, store_uninstalled
from bcapp.web.session import issue_token, refuse

bp = Blueprint("lifecycle", __name__, url_prefix="/bigcommerce")


@bp.get("/auth")
def auth() -> Any:
    """Exchange the install code for the store's token, then land the merchant in the app."""
    args = request.args
    code, scope, context = args.get("code", ""), args.get("scope", ""), args.get("context", "")
    try:
        store_hash_from(context)
        if not code:
            raise InstallError("The install request carried no authorisation code.")
    except InstallError as exc:
        current_app.logger.warning("malformed install request for %r: %s", context, exc)
        return render_template("install_failed.html", message=exc.message), 400
    try:
        grant = exchange_code(
            login_url=current_settings().bc_login_url,
            client_id=current_settings().bc_client_id,
            client_secret=current_settings().bc_client_secret,
            redirect_uri=current_settings().app_url.rstrip("/") + "/bigcommerce/auth",
            code=code,
            scope=scope,
            context=context,
            timeout=current_settings().http_timeout,
            transport=current_app.extensions.get("bcapp.login_transport"),
        )
    except InstallError as exc:
        current_app.logger.warning("install failed for %s: %s", context, exc)
        # BigCommerce refused the code (4xx): the request was bad; else BigCommerce failed us.
        status = 400 if 400 <= int(exc.details.get("status") or 0) < 500 else 502
        return render_template("install_failed.html", message=exc.message), status
    store, user = _save_install(grant, args.get("account_uuid", ""))
    sender = current_app._get_current_object()  # type: ignore[attr-defined]
    store_installed.send(sender, store=store)
    return _render_app(user, None)


def _save_install(grant: Any, account_uuid: str) -> tuple[Store, StoreUser]:
    """Create or refresh the store (settings survive a reinstall) and its owner user."""
    store = db.session.execute(
        db.select(Store).filter_by(store_hash=grant.store_hash)
    ).scalar_one_or_none() or Store(store_hash=grant.store_hash, settings={})
    store.access_token = grant.access_token
    store.scope = grant.scope
    store.account_uuid = grant.account_uuid or account_uuid.replace("\x00", "")[:64]
    store.owner_bc_user_id = grant.owner.get("id")
    store.owner_email = grant.owner.get("email", "")
    store.status, store.status_reason = StoreStatus.ACTIVE, ""
    store.installed_at, store.uninstalled_at = utcnow(), None
    store.webhook_secret = store.webhook_secret or secrets.token_urlsafe(32)
    db.session.add(store)
    db.session.flush()
    owner = _ensure_user(store, grant.owner, is_owner=True)
    user = owner
    if grant.user.get("id") not in (None, grant.owner.get("id")):
        user = _ensure_user(store, grant.user, is_owner=False)
    db.session.commit()
    return store, user


def _ensure_user(store: Store, info: Any, *, is_owner: bool) -> StoreUser:
    user = db.session.execute(
        db.select(StoreUser).filter_by(store_id=store.id, bc_user_id=int(info["id"]))
    ).scalar_one_or_none() or StoreUser(store_id=store.id, bc_user_id=int(info["id"]))
    user.email = info.get("email", user.email or "")
    user.is_owner = is_owner
    db.session.add(user)
    db.session.flush()
    return user


def _verified_claims() -> dict:
    return verify_signed_payload(
        request.args.get("signed_payload_jwt", ""),
        client_id=current_settings().bc_client_id,
        client_secret=current_settings().bc_client_secret,
        leeway=current_settings().jwt_leeway,
    )


def _installed_store(claims: dict) -> Store | None:
    store = db.session.execute(
        db.select(Store).filter_by(store_hash=claims["store_hash"])
    ).scalar_one_or_none()
    return store if store is not None and store.is_installed else None


def _callback(action: str, not_installed: str) -> tuple[dict, Store]:
    """Verified claims and the installed store; otherwise abort with the 401 page."""
    try:
        claims = _verified_claims()
    except CallbackRefused as exc:
        abort(make_response(refuse(f"{action} refused: {exc.message}")))
    store = _installed_store(claims)
    if store is None:
        abort(make_response(refuse(f"{action} refused: {not_installed}")))
    return claims, store


@bp.get("/load")
def load() -> Any:
    """Open the app for the acting user (a new user of a known store is added)."""
    try:
        claims = _verified_claims()
    except CallbackRefused as exc:
        return refuse(f"This link could not be verified ({exc.message}). Open the app again.")
    store = _installed_store(claims)
    if store is None:
        return refuse("This store has not installed the app. Install it from the App Marketplace.")
    owner_id = (claims.get("owner") or {}).get("id")
    user = _ensure_user(store, claims["user"], is_owner=claims["user"]["id"] == owner_id)
    user.last_seen_at = utcnow()
    db.session.commit()
    return _render_app(user, claims.get("channel_id"))


def _render_app(user: StoreUser, channel_id: int | None) -> Any:
    g.user, g.store = user, user.store
    g.session_token = issue_token(user, channel_id)
    from bcapp.web.home import render_home

    return render_home()


@bp.get("/uninstall")
def uninstall() -> Any:
    """Delete the token and every ERP credential; cancel the store's queued jobs."""
    _, store = _callback("Uninstall", "unknown or already uninstalled store.")
    purge_store(store)
    sender = current_app._get_current_object()  # type: ignore[attr-defined]
    store_uninstalled.send(sender, store=store)
    return ("", 204)


def purge_store(store: Store) -> None:
    """Forget the store's secrets and users; keep its settings for a reinstall."""
    from bcapp.jobs.queues import cancel_store_jobs

    store.access_token = None
    store.status, store.uninstalled_at = StoreStatus.UNINSTALLED, utcnow()
    connection = db.session.execute(
        db.select(Connection).filter_by(store_id=store.id)
    ).scalar_one_or_none()
    if connection is not None:
        connection.secrets = None
    db.session.execute(db.delete(StoreUser).where(StoreUser.store_id == store.id))
    db.session.commit()
    cancel_store_jobs(store.id)


@bp.get("/remove-user")
@bp.get("/remove_user")
def remove_user() -> Any:
    """The user loses access at once (their session tokens stop resolving)."""
    claims, store = _callback("Remove-user", "unknown or uninstalled store.")
    db.session.execute(
        db.delete(StoreUser).where(
            StoreUser.store_id == store.id, StoreUser.bc_user_id == int(claims["user"]["id"])
        )
    )
    db.session.commit()
    return ("", 204)
