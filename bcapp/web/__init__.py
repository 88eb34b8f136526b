"""Web layer: blueprints that verify, store, enqueue and answer; never call an ERP."""

from __future__ import annotations

from flask import Flask, Response, g

from bcapp import logs
from bcapp.config import current_settings
from bcapp.web.session import FIELD, HEADER, CookielessSessions, app_url


def register_blueprints(app: Flask) -> None:
    from bcapp.web import (
        activity,
        dashboard,
        drift,
        erp_connect,
        field_mapping,
        health,
        home,
        lifecycle,
        settings,
        setup,
        webhooks,
    )
    from bcapp.web.limits import init_limits
    from bcapp.web.ui import init_ui

    app.register_blueprint(health.bp)
    app.register_blueprint(lifecycle.bp)
    app.register_blueprint(webhooks.bp)
    from bcapp.web import erp_webhooks  # the ERP's own callbacks (Exact Online)

    app.register_blueprint(erp_webhooks.bp)
    app.register_blueprint(home.bp)
    for blueprint in (
        settings.bp,
        field_mapping.bp,
        setup.bp,
        erp_connect.bp,
        activity.bp,
        dashboard.bp,
        drift.bp,
    ):
        app.register_blueprint(blueprint)
    init_ui(app)
    _connect_signals()
    init_limits(app)
    app.jinja_env.globals.update(app_url=app_url, session_field=FIELD, session_header=HEADER)
    app.before_request(logs.clear)  # a reused thread or greenlet starts with no context
    app.after_request(_security_headers)
    app.session_interface = CookielessSessions()


def _connect_signals() -> None:
    """Lifecycle receivers of the app's own pages (idempotent: blinker keeps one each)."""
    from bcapp.onboarding import close_gate, close_gate_on_first_install
    from bcapp.signals import store_installed, store_uninstalled

    store_installed.connect(close_gate_on_first_install)
    store_uninstalled.connect(close_gate)


def _security_headers(response: Response) -> Response:
    """Allow framing only by the control panel; keep session tokens out of referrers."""
    ancestors = current_settings().frame_ancestors
    response.headers.setdefault("Content-Security-Policy", f"frame-ancestors 'self' {ancestors}")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if g.get("session_token"):
        response.headers[HEADER] = g.session_token
    return response
