"""Jinja filters and globals shared by every page of the app, and its own error pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, render_template, request

from bcapp.config import current_settings
from bcapp.web import wording

#: Entity → path of its page in the BigCommerce control panel.
ADMIN_PATHS: dict[str, str] = {
    "order": "orders/{id}",
    "shipment": "orders/{id}",
    "refund": "orders/{id}",
    "credit_note": "orders/{id}",
    "product": "products/edit/{id}",
    "variant": "products/edit/{id}",
    "category": "products/categories/{id}/edit",
    "customer": "customers/{id}/edit",
}


def admin_base(store_hash: str) -> str:
    """The control panel's base URL for a store (BC_ADMIN_URL overrides it)."""
    configured = current_settings().bc_admin_url or ""
    if configured:
        return configured.rstrip("/").replace("{hash}", store_hash)
    return f"https://store-{store_hash}.mybigcommerce.com/manage"


def admin_link(store_hash: str, entity: str, bc_id: Any) -> str | None:
    """A link to the record in BigCommerce's control panel, where one exists."""
    path = ADMIN_PATHS.get(entity)
    if not path or bc_id in (None, ""):
        return None
    record = str(bc_id).split(":")[0]  # "order_id:line" style ids link to their order
    return f"{admin_base(store_hash)}/{path.format(id=record)}"


def format_datetime(value: datetime | None) -> str:
    """UTC time, to the second; naive values (SQLite) are taken as UTC."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def erp_choice(item: tuple[str, Any]) -> tuple[str, str]:
    kind, cls = item
    return kind, getattr(cls, "label", kind)


def erp_problem() -> str | None:
    """Why the store's ERP connection needs the merchant (the banner on every page)."""
    store = g.get("store")
    if store is None:
        return None
    from bcapp.onboarding import connection_problem, current_connection

    return connection_problem(current_connection(store))


def init_ui(app: Flask) -> None:
    """Register filters, globals and the error pages used by the templates."""
    from bcapp.web.access import can_edit, is_owner

    app.jinja_env.filters.update(
        datetime=format_datetime,
        erp_choice=erp_choice,
        human=wording.humanize,
        human_flow=wording.flow_label,
        human_entity=wording.entity_label,
        human_field=wording.field_label,
        run_now_label=wording.run_now_label,
        run_counts=wording.run_counts,
        status_words=wording.with_status_labels,
    )
    app.jinja_env.globals.update(
        admin_link=admin_link,
        can_edit=can_edit,
        is_owner=is_owner,
        erp_problem=erp_problem,
        run_state=wording.run_state,
        run_note=wording.run_note,
        record_label=wording.record_label,
    )
    app.register_error_handler(404, _not_found)
    app.register_error_handler(405, _not_allowed)
    app.register_error_handler(500, _server_error)


def _wants_html() -> bool:
    """Pages get the app's own error page; the webhook intake and API callers get text."""
    if request.path.startswith("/bigcommerce/webhooks") or request.path.startswith("/static/"):
        return False
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best != "application/json"


def _error_page(code: int, title: str, message: str) -> Any:
    if not _wants_html():
        return {"error": title}, code
    _signed_in()
    return render_template("error.html", code=code, title=title, message=message), code


def _signed_in() -> None:
    """On a page no view handled, still show the app's tabs to a user with a valid session."""
    if g.get("store") is not None:
        return
    from bcapp.web.session import issue_token, load_session

    try:
        user = load_session()
    except Exception:  # an error page must render even when the database does not answer
        return
    if user is not None:
        g.user, g.store = user, user.store
        g.session_token = issue_token(user, g.get("channel_id"))


def _not_found(error: Exception) -> Any:
    return _error_page(
        404,
        "This page does not exist",
        "The link may be old, or the record was deleted.",
    )


def _not_allowed(error: Exception) -> Any:
    return _error_page(405, "This action is not available here", "Go back and try again.")


def _server_error(error: Exception) -> Any:
    return _error_page(
        500,
        "Something went wrong on our side",
        "The error was logged. Nothing you entered was lost; try again in a minute.",
    )
