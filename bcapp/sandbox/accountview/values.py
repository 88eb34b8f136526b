"""Reading values the way AccountView.net does: FoxPro types from JSON and filter text."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bcapp.connectors.accountview.dictionary import FieldDef, FieldType

#: ``{^2026-01-31}``, ``{^2026-01-31 10:00}``, ``{^2026-01-31 10:00:00}`` [V A3].
FOXPRO_DATE = re.compile(
    r"^\{\^(?P<d>\d{4}-\d{2}-\d{2})(?:[ T](?P<t>\d{1,2}:\d{2}(?::\d{2})?))?\}$"
)


class BadValue(ValueError):
    """A value that does not fit its field's type."""


def parse_date(raw: Any) -> datetime:
    """A FoxPro literal or an ISO date/datetime (``.000Z`` tolerated) as a naive datetime."""
    if isinstance(raw, datetime):
        return raw
    if isinstance(raw, date):
        return datetime(raw.year, raw.month, raw.day)
    text = str(raw).strip()
    match = FOXPRO_DATE.match(text)
    if match:
        text = match["d"] + ("T" + match["t"] if match["t"] else "")
    text = re.sub(r"(\.\d+)?(Z|[+-]\d{2}:\d{2})?$", "", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadValue(f"not a date: {raw!r}") from exc


def parse_number(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise BadValue(f"not a number: {raw!r}")
    try:
        return Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise BadValue(f"not a number: {raw!r}") from exc


def parse_logical(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "1", ".t.", "t", "y"}:
        return True
    if text in {"false", "0", ".f.", "f", "n", ""}:
        return False
    raise BadValue(f"not a logical: {raw!r}")


def convert(definition: FieldDef, raw: Any) -> Any:
    """A written JSON value as the stored Python value, or BadValue (type, length)."""
    family = definition.type.family
    if family == "text":
        if not isinstance(raw, str):
            raise BadValue(f"expected text, got {raw!r}")
        if definition.type is FieldType.CHAR and len(raw) > definition.length:
            raise BadValue(f"longer than {definition.length} characters")
        return raw
    if family == "number":
        number = parse_number(raw)
        if definition.type is FieldType.INTEGER and number != number.to_integral_value():
            raise BadValue(f"not a whole number: {raw!r}")
        digits = len(str(abs(number.to_integral_value(rounding="ROUND_DOWN"))))
        if definition.type is FieldType.NUMERIC and digits > definition.length:
            raise BadValue(f"wider than {definition.length} digits")
        return number
    if family == "logical":
        return parse_logical(raw)
    return parse_date(raw)


def empty(definition: FieldDef | None) -> Any:
    """What an unset field reads as (DBF rows always have every column)."""
    if definition is None:
        return None
    family = definition.type.family
    return {"text": "", "number": Decimal(0), "logical": False}.get(family)


def filter_value(kind: str, text: str) -> Any:
    """A ``FilterValueN`` of ``FilterValueTypeN`` ``kind`` (C, N, L, D, T) as a value."""
    kind = (kind or "C").upper()
    if kind == "N":
        return parse_number(text)
    if kind == "L":
        return parse_logical(text)
    if kind in {"D", "T"}:
        return parse_date(text)
    return text


def comparable(value: Any, like: Any) -> Any:
    """``value`` (a stored or vendor value) in the type of ``like`` (a filter value)."""
    if value is None:
        return None
    try:
        if isinstance(like, datetime):
            return parse_date(value) if value != "" else None
        if isinstance(like, bool):
            return parse_logical(value)
        if isinstance(like, Decimal):
            return parse_number(value)
    except BadValue:
        return None
    return str(value)
