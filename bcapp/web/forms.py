"""Settings sections as HTML forms: titles, form → raw values, and the page context.

The settings page and the setup wizard draw the same section partials
(``templates/settings/_<section>.html``) and read them back here, so a field
behaves the same in both places. Validation itself lives in
:mod:`bcapp.mapping.rules`; this module only knows how HTML encodes values.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from bcapp.mapping.rules import DEFAULTS
from bcapp.mapping.validation import BOOL_FIELDS, MAPPING_TABLES

SECTION_TITLES: dict[str, str] = {
    "connection": "ERP connection",
    "flows": "Flows",
    "orders": "Orders",
    "customers": "Customers",
    "catalog": "Catalog",
    "stock": "Stock",
    "fulfilment": "Shipments",
    "mappings": "Mappings",
    "customers_from_erp": "Customers from the ERP",
    "schedules": "Schedules",
    "general": "General settings",
}

#: Fields drawn as a group of checkboxes (a list of the checked values).
MULTI_FIELDS = {
    ("catalog", "excluded_fields"),
    ("orders", "export_statuses"),
    ("customers_from_erp", "excluded_fields"),
    ("customers", "update_fields"),
}
#: Storefront pickers: checkboxes of channel names when BigCommerce can be read, else a text
#: field; a hidden ``<key>__shown`` marks that the checkboxes were on the page (none checked
#: is then a choice, not an absent field).
CHANNEL_FIELDS = {
    ("catalog", "channels"),
    ("orders", "channels"),
    ("customers_from_erp", "channels"),
}
#: ``ERP value = BigCommerce group`` lines in a text area (a name → name map).
LINE_PAIR_FIELDS = {("customers_from_erp", "group_map")}
BLANK_ROWS = 1


def raw_section(section: str, form: MultiDict) -> dict[str, Any]:
    """The values of ``section`` as the form encodes them, ready for ``validate_section``.

    A whole section is always posted, so an unchecked checkbox means False and
    an empty checkbox group means an empty list.
    """
    if section == "mappings":
        return {table: _pairs(form, table) for table in MAPPING_TABLES}
    raw: dict[str, Any] = {}
    for key in DEFAULTS[section]:
        if key in BOOL_FIELDS.get(section, ()):
            raw[key] = key in form
        elif (section, key) in MULTI_FIELDS:
            raw[key] = form.getlist(key)
        elif (section, key) in LINE_PAIR_FIELDS and key in form:
            raw[key] = line_pairs(form.get(key, ""))
        elif (section, key) in CHANNEL_FIELDS and f"{key}__shown" in form:
            raw[key] = ",".join(form.getlist(key))
        elif key in form:
            raw[key] = form.get(key, "")
    return raw


def _pairs(form: MultiDict, table: str) -> list[tuple[str, str]]:
    """Rows of a mapping table, in the order shown (``{table}__from`` and ``__to`` zipped);
    rows left empty on both sides are dropped (that is how a row is removed)."""
    lefts, rights = form.getlist(f"{table}__from"), form.getlist(f"{table}__to")
    rows = [(left.strip(), right.strip()) for left, right in zip(lefts, rights, strict=False)]
    return [(left, right) for left, right in rows if left or right]


def mapping_rows(values: dict[str, Any], table: str) -> list[tuple[str, Any]]:
    """A mapping table's rows (saved, or as posted when they had errors) plus a blank one."""
    saved = values.get(table) or {}
    rows = list(saved.items()) if isinstance(saved, dict) else [tuple(r) for r in saved]
    return [(k, "" if v is None else v) for k, v in rows] + [("", "")] * BLANK_ROWS


def line_pairs(text: str) -> dict[str, str]:
    """``"A = Wholesale"`` lines → ``{"A": "Wholesale"}``; lines without ``=`` are dropped."""
    pairs: dict[str, str] = {}
    for line in str(text).splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and value.strip():
            pairs[key.strip()] = value.strip()
    return pairs
