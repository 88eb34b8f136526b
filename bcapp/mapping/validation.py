"""Validation of the merchant's rules as the settings pages and the wizard post them.

Values arrive from HTML forms (strings, "on" checkboxes, comma lists) or from
code (typed). Each validator returns the clean value or raises ValueError with
the sentence shown under the field; :func:`validate_section` collects them per
section (the sections and defaults are in :mod:`bcapp.mapping.rules`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from bcapp.mapping.rules import CATALOG_FIELDS, CHOICES, CUSTOMER_FIELDS, FLOW_NAMES, merged

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _text(value: Any, *, limit: int = 255) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > limit:
        raise ValueError(f"Keep this under {limit} characters.")
    return text


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "on", "yes")
    return bool(value)


def _int(value: Any, low: int, high: int, message: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not low <= number <= high:
        raise ValueError(message)
    return number


def _list(value: Any) -> list[str]:
    """A list from a list, or from a comma- or newline-separated string; blanks dropped."""
    items = re.split(r"[,\n]", value) if isinstance(value, str) else list(value or [])
    seen: list[str] = []
    for item in (str(i).strip() for i in items):
        if item and item not in seen:
            seen.append(item)
    return seen


def _status_id(value: Any, *, optional: bool) -> int | None:
    if optional and (value is None or str(value).strip() == ""):
        return None
    number = _int(value, 0, 999, "Choose a BigCommerce order status.")
    return number


def _email(value: Any) -> str:
    text = _text(value, limit=254)
    if text and not _EMAIL.match(text):
        raise ValueError("Enter an e-mail address like name@example.com.")
    return text


def _url(value: Any) -> str:
    text = _text(value, limit=2000)
    if text and not re.match(r"^https?://[^\s/]+", text):
        raise ValueError("Enter a web address starting with https://.")
    return text


def _choice(section: str, key: str) -> Callable[[Any], str]:
    options = CHOICES[section][key]

    def check(value: Any) -> str:
        text = _text(value)
        if text not in options:
            raise ValueError("Choose one of: " + ", ".join(options) + ".")
        return text

    return check


def _mapping(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise ValueError("Expected pairs of names.")
    return {_text(k): _text(v) for k, v in value.items() if _text(k) and _text(v)}


def _status_mapping(value: Any) -> dict[str, int | None]:
    if not isinstance(value, Mapping):
        raise ValueError("Expected ERP statuses with a BigCommerce status each.")
    return {_text(k): _status_id(v, optional=True) for k, v in value.items() if _text(k)}


def _status_list(value: Any) -> list[int]:
    ids = sorted({_int(v, 0, 999, "Choose BigCommerce order statuses.") for v in _list(value)})
    if not ids:
        raise ValueError("Choose at least one status, or switch the orders flow off.")
    return ids


def _channel_list(value: Any, *, required: bool) -> list[int]:
    """Storefront (channel) ids in the merchant's order, each once."""
    message = "Enter storefront (channel) ids, whole numbers separated by commas."
    ids: list[int] = []
    for item in _list(value):
        number = _int(item, 1, 2**31 - 1, message)
        if number not in ids:
            ids.append(number)
    if required and not ids:
        raise ValueError("Enter at least one storefront; 1 is the store's first storefront.")
    return ids


def _excluded(value: Any) -> list[str]:
    fields = _list(value)
    unknown = [f for f in fields if f not in CATALOG_FIELDS]
    if unknown:
        raise ValueError("Unknown product field: " + ", ".join(unknown) + ".")
    return fields


def _excluded_customer_fields(value: Any) -> list[str]:
    fields = _list(value)
    unknown = [f for f in fields if f not in CUSTOMER_FIELDS]
    if unknown:
        raise ValueError("Unknown customer field: " + ", ".join(unknown) + ".")
    return fields


_FIELDS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "general": {
        "alert_email": _email,
        "alert_webhook_url": _url,
        "log_retention_days": lambda v: _int(v, 1, 365, "Keep logs between 1 and 365 days."),
    },
    "flows": {name: _bool for name in FLOW_NAMES},
    "catalog": {
        "direction": _choice("catalog", "direction"),
        "mode": _choice("catalog", "mode"),
        "excluded_fields": _excluded,
        "price_includes_vat": _bool,
        "custom_fields": _list,
        "on_deleted_in_bc": _choice("catalog", "on_deleted_in_bc"),
        "channels": lambda v: _channel_list(v, required=True),
    },
    "stock": {
        "calculation": _choice("stock", "calculation"),
        "warehouses": _list,
        "buffer": lambda v: _int(v or 0, 0, 100000, "Enter a whole number of 0 or more."),
        "manage_stock": _bool,
    },
    "orders": {
        "export_statuses": _status_list,
        "success_status_id": lambda v: _status_id(v, optional=True),
        "error_status_id": lambda v: _status_id(v, optional=True),
        "customer_mode": _choice("orders", "customer_mode"),
        "default_debtor": _text,
        "company_as_organisation": _bool,
        "shipping_cost_article": _text,
        "subscriptions_for_digital": _bool,
        "channels": lambda v: _channel_list(v, required=False),
    },
    "mappings": {
        "payment": _mapping,
        "tax": _mapping,
        "shipping": _mapping,
        "order_status": _status_mapping,
    },
    "fulfilment": {"shipment_source": _choice("fulfilment", "shipment_source")},
    "customers_from_erp": {
        "channels": lambda v: _channel_list(v, required=True),
        "group_map": _mapping,
        "default_group": _text,
        "excluded_fields": _excluded_customer_fields,
    },
    "schedules": {
        name: (lambda v: _int(v or 0, 0, 1440, "Enter minutes between 0 and 1440."))
        for name in FLOW_NAMES
    },
}

#: Checkbox fields: absent from a submitted form means False, not "keep".
BOOL_FIELDS: dict[str, frozenset[str]] = {
    section: frozenset(k for k, f in fields.items() if f is _bool)
    for section, fields in _FIELDS.items()
}


def validate_section(
    section: str, raw: Mapping[str, Any], *, current: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean ``raw`` values for ``section``; returns (values, errors by field name).

    Keys missing from ``raw`` keep their ``current`` (or default) value, so a
    page may post only the fields it shows. Cross-field rules run last.
    """
    validators = _FIELDS[section]
    base = merged({section: dict(current or {})})[section]
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, check in validators.items():
        if key not in raw:
            values[key] = base.get(key)
            continue
        try:
            values[key] = check(raw[key])
        except ValueError as exc:
            errors[key] = str(exc)
            values[key] = raw[key]
    errors.update(_cross_checks(section, values, errors))
    return values, errors


def _cross_checks(section: str, values: Mapping[str, Any], errors: Mapping[str, str]) -> dict:
    if (
        section == "orders"
        and "customer_mode" not in errors
        and values["customer_mode"] == "default_debtor"
        and not values.get("default_debtor")
    ):
        return {"default_debtor": "Enter the ERP debtor number that receives every order."}
    return {}
