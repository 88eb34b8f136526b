"""Jinja filters and globals shared by every page of the app."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app

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
    configured = current_app.config.get("BC_ADMIN_URL") or ""
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


def init_ui(app: Flask) -> None:
    """Register filters and globals used by the templates."""
    app.jinja_env.filters.update(datetime=format_datetime, erp_choice=erp_choice)
    app.jinja_env.globals.update(admin_link=admin_link)
