"""The app's landing page and the store's general settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request

from bcapp.extensions import db
from bcapp.web.session import store_required

bp = Blueprint("home", __name__)

GENERAL_DEFAULTS: dict[str, Any] = {"alert_email": "", "log_retention_days": 30}


def general_settings() -> dict[str, Any]:
    """The store's general settings with defaults filled in."""
    return {**GENERAL_DEFAULTS, **(g.store.settings or {}).get("general", {})}


def render_home(errors: dict[str, str] | None = None, status: int = 200) -> Any:
    return (
        render_template(
            "home.html",
            store=g.store,
            user=g.user,
            general=general_settings(),
            errors=errors or {},
        ),
        status,
    )


@bp.get("/app")
@store_required
def index() -> Any:
    return render_home()


def _validate_general(form: Any) -> tuple[dict[str, Any], dict[str, str]]:
    errors: dict[str, str] = {}
    email = form.get("alert_email", "").strip()
    if email and ("@" not in email or " " in email or len(email) > 254):
        errors["alert_email"] = "Enter an e-mail address like name@example.com."
    try:
        days = int(form.get("log_retention_days", "30"))
        if not 1 <= days <= 365:
            raise ValueError
    except ValueError:
        errors["log_retention_days"] = "Keep logs between 1 and 365 days."
        days = 30
    return {"alert_email": email, "log_retention_days": days}, errors


@bp.post("/app/settings/general")
@store_required
def save_general() -> Any:
    values, errors = _validate_general(request.form)
    if errors:
        return render_home(errors, 422)
    g.store.settings = {**(g.store.settings or {}), "general": values}
    db.session.commit()
    g.saved = True
    return render_home()


