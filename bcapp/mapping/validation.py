"""Validation of the merchant's rules as the settings pages and the wizard post them.

Values arrive from HTML forms (strings, "on" checkboxes, comma lists) or from
code (typed). Each validator returns the clean value or raises ValueError with
the sentence shown under the field; :func:`validate_section` collects them per
section (the sections and defaults are in :mod:`bcapp.mapping.rules`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from bcapp.mapping.rules import (
    CATALOG_FIELDS,
    CHOICES,
    CUSTOMER_FIELDS,
    CUSTOMER_UPDATE_FIELDS,
    DEFAULT_REFERENCE,
    DEFAULT_VAT_FIELD,
    FLOW_NAMES,
    REFERENCE_FIELDS,
    merged,
)

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


class CellErrors(ValueError):
    """Errors of single cells of a mapping table: row index → side ("from"/"to") → message.

    The table's rows come back as posted, so the form shows them again with each
    message beside its own cell (and the other rows untouched).
    """

    def __init__(self, cells: dict[int, dict[str, str]]) -> None:
        count = sum(len(sides) for sides in cells.values())
        super().__init__(f"Correct the {count} marked cell{'s' if count != 1 else ''} below.")
        self.cells = cells


_COUNTRY_KEY = re.compile(r"^[A-Za-z]{2}/.+$")
#: revenue_account keys: "NL", "NL:5", ":5" (a tax class id, anywhere) or "*".
_REVENUE_KEY = re.compile(r"^(\*|[A-Za-z]{2}|[A-Za-z]{2}:\d+|:\d+)$")


def _rows(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, list | tuple) and all(isinstance(r, list | tuple) for r in value):
        return [(r[0], r[1] if len(r) > 1 else "") for r in value]
    raise ValueError("Expected pairs of names.")


def _mapping_table(value: Any, *, table: str) -> dict[str, Any]:
    """Clean rows of a mapping table, or CellErrors naming each bad cell."""
    cells: dict[int, dict[str, str]] = {}
    seen: dict[str, int] = {}
    clean: dict[str, Any] = {}
    for index, (left, right) in enumerate(_rows(value)):
        problem = _row_problem(table, str(left or "").strip(), right, seen, index)
        if problem:
            cells[index] = problem
            continue
        left = str(left).strip()
        seen[left.casefold()] = index
        clean[left] = _status_id(right, optional=True) if table == "order_status" else _text(right)
    if cells:
        raise CellErrors(cells)
    return clean


#: Tables keyed by storefront (channel id), with ``*`` for the others.
_STOREFRONT_TABLES = ("cost_centre", "cost_carrier", "turnover_group")


def _row_problem(
    table: str, left: str, right: Any, seen: Mapping[str, int], index: int
) -> dict[str, str]:
    """The messages of one row's cells (empty: the row is fine)."""
    text = "" if right is None else str(right).strip()
    problem: dict[str, str] = {}
    if not left:
        what = "ERP status" if table == "order_status" else "BigCommerce value"
        problem["from"] = f"Choose the {what} this row is for, or clear the row."
    elif len(left) > 255:
        problem["from"] = "Keep this under 255 characters."
    elif left.casefold() in seen:
        problem["from"] = f"“{left}” is already in row {seen[left.casefold()] + 1}."
    elif table == "tax" and "/" in left and not _COUNTRY_KEY.match(left) and left != "*":
        problem["from"] = "Put a two-letter country code before the slash: BE/Default Tax Class."
    elif table in _STOREFRONT_TABLES and not (left.isdigit() or left == "*"):
        problem["from"] = "Enter a storefront (channel) id such as 1, or * for every other one."
    elif table == "revenue_account" and not _REVENUE_KEY.match(left):
        problem["from"] = (
            "Enter a country code (NL), a country and tax class id (NL:5), a tax class id "
            "anywhere (:5), or * for every other line."
        )
    elif table == "vat_country" and not re.fullmatch(r"[A-Za-z]{2}", left):
        problem["from"] = "Enter the two-letter code of the destination country, e.g. DE."
    elif table == "classification" and not (left.isdigit() or left == "*"):
        problem["from"] = "Enter a customer group id such as 2 (0: no group), or * for the rest."
    elif table == "document_type" and not left.isdigit():
        problem["from"] = "Enter a storefront (channel) id such as 2."
    if table == "document_type" and left and text not in CHOICES["orders"]["document_type"]:
        problem["to"] = "Choose what this storefront's orders become in the ERP."
    if table == "order_status":
        try:
            _status_id(text, optional=True)
        except ValueError as exc:
            problem["to"] = str(exc)
    elif not text and left:
        problem["to"] = f"Choose the ERP code for “{left}”."
    elif len(text) > 255:
        problem["to"] = "Keep this under 255 characters."
    elif table == "turnover_group" and text and not text.isdigit():
        problem["to"] = "Turnover groups are numbers, e.g. 1000."
    return problem


def _pairs(value: Any) -> dict[str, str]:
    """Name → name pairs (an ERP customer group → a BigCommerce one); blank rows dropped."""
    if not isinstance(value, Mapping):
        raise ValueError("Expected pairs of names.")
    return {_text(k): _text(v) for k, v in value.items() if _text(k) and _text(v)}


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


def _subset(value: Any, allowed: tuple[str, ...], what: str) -> list[str]:
    fields = _list(value)
    unknown = [f for f in fields if f not in allowed]
    if unknown:
        raise ValueError(f"Unknown {what}: " + ", ".join(unknown) + ".")
    return fields


def _excluded_customer_fields(value: Any) -> list[str]:
    fields = _list(value)
    unknown = [f for f in fields if f not in CUSTOMER_FIELDS]
    if unknown:
        raise ValueError("Unknown customer field: " + ", ".join(unknown) + ".")
    return fields


#: The longest reference an ERP takes (AFAS RfCs: 100 characters).
MAX_REFERENCE = 100
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _reference_template(value: Any) -> str:
    """An order reference template: ``{order_id}`` once, only known placeholders, fits the ERP."""
    text = _text(value, limit=60) or DEFAULT_REFERENCE
    names = _PLACEHOLDER.findall(text)
    unknown = [n for n in names if n not in REFERENCE_FIELDS]
    if unknown:
        raise ValueError(
            f"Unknown placeholder {{{unknown[0]}}}: use {{order_id}} (and {{channel_id}}), "
            "e.g. BC-{order_id}."
        )
    if names.count("order_id") != 1:
        raise ValueError("Put {order_id} in the reference exactly once, e.g. BC-{order_id}.")
    if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        raise ValueError("Braces are only for {order_id} and {channel_id}.")
    return text


#: The merchant's mapping tables, in the order the settings page shows them.
MAPPING_TABLES = (
    "payment",
    "tax",
    "shipping",
    "order_status",
    "carrier",
    "cost_centre",
    "cost_carrier",
    "payment_terms",
    "document_type",
    "revenue_account",
    "vat_country",
    "payment_journal",
    "classification",
    "turnover_group",
)

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
        "reference_template": _reference_template,
        "reference_history": _list,
        "document_type": _choice("orders", "document_type"),
        "sales_journal": lambda v: _text(v, limit=16),
        "shipping_account": lambda v: _text(v, limit=16),
        "discount_account": lambda v: _text(v, limit=16),
    },
    "mappings": {table: functools.partial(_mapping_table, table=table) for table in MAPPING_TABLES},
    "customers": {
        "update_fields": lambda v: _subset(v, CUSTOMER_UPDATE_FIELDS, "customer field"),
        "vat_number_field": lambda v: _text(v, limit=100) or DEFAULT_VAT_FIELD,
        "delivery_addresses": _bool,
    },
    "fulfilment": {"shipment_source": _choice("fulfilment", "shipment_source")},
    "customers_from_erp": {
        "channels": lambda v: _channel_list(v, required=True),
        "group_map": _pairs,
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
        except CellErrors as exc:  # each message beside its own cell
            errors[key] = str(exc)
            for index, sides in exc.cells.items():
                errors.update({f"{key}.{index}.{side}": text for side, text in sides.items()})
            values[key] = _rows(raw[key])
        except ValueError as exc:
            errors[key] = str(exc)
            values[key] = raw[key]
    errors.update(_cross_checks(section, values, errors))
    if section == "orders" and "reference_template" not in errors:
        values["reference_history"] = _history(base, values)
    return values, errors


def _history(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Earlier reference templates, plus the one being replaced now (oldest first).

    Orders exported under an old template carry its reference in the ERP; the
    exactly-once lookup asks for those too, so a changed template exports nothing twice.
    """
    history = [str(t) for t in after.get("reference_history") or before.get("reference_history")
               or [] if str(t) != after["reference_template"]]  # fmt: skip
    old = str(before.get("reference_template") or DEFAULT_REFERENCE)
    if old != after["reference_template"]:
        history = [t for t in history if t != old] + [old]
    return history


def _cross_checks(section: str, values: Mapping[str, Any], errors: Mapping[str, str]) -> dict:
    if (
        section == "orders"
        and "customer_mode" not in errors
        and values["customer_mode"] == "default_debtor"
        and not values.get("default_debtor")
    ):
        return {"default_debtor": "Enter the ERP debtor number that receives every order."}
    return {}
