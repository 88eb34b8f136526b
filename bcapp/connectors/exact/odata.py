"""Exact's OData v2 dialect in one place: literals, dates, GUIDs, codes, answers, cursors.

* Dates travel as ``/Date(<epoch ms>)/`` (optionally with an offset, ``/Date(ms+0100)/``);
  we read them as aware UTC datetimes and write them in the same form.
* GUIDs (Edm.Guid) are compared lower-case and quoted as ``guid'…'`` in filters:
  a plain ``'…'`` string is refused by Exact ("incompatible operand types").
* Int64 literals carry an ``L`` (``Timestamp gt 123L``), as Exact's own sync demo does.
* Account ``Code`` is an 18-character field, numeric codes right-aligned with spaces.
* Money (Edm.Double) is read straight into :class:`~decimal.Decimal` (never float)
  and written back as a JSON number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bcapp.errors import ConfigError

Row = dict[str, Any]
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
ACCOUNT_CODE_LENGTH = 18


# -- literals ------------------------------------------------------------------------------


def guid(value: object) -> str:
    """A GUID as Exact compares it (lower case); ValueError when it is not one."""
    text = str(value).strip().lower().removeprefix("guid'").removesuffix("'")
    if not GUID.match(text):
        raise ValueError(f"not a GUID: {value!r}")
    return text


def guid_literal(value: object) -> str:
    return f"guid'{guid(value)}'"


def string_literal(text: str) -> str:
    """A quoted OData string (a quote inside doubles)."""
    return "'" + text.replace("'", "''") + "'"


def int64_literal(value: int) -> str:
    return f"{int(value)}L"


def eq(field: str, literal: str) -> str:
    """``field eq literal`` (pass a literal built by the functions above)."""
    return f"{field} eq {literal}"


def all_of(*clauses: str) -> str:
    """Clauses joined with ``and`` (each parenthesised when it has an ``or``)."""
    parts = [f"({c})" if " or " in c else c for c in clauses if c]
    return " and ".join(parts)


def padded_code(code: object) -> str:
    """An account code as Exact stores it: numeric codes right-aligned in 18 characters."""
    text = str(code).strip()
    if len(text) > ACCOUNT_CODE_LENGTH:
        raise ValueError(f"account codes have at most 18 characters: {text!r}")
    return text.rjust(ACCOUNT_CODE_LENGTH) if text.isdigit() else text


# -- values --------------------------------------------------------------------------------


def parse_date(value: object) -> datetime | None:
    """``/Date(ms)/`` (or ISO 8601) → aware UTC datetime; None for empty values."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value)
    match = DATE.match(text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_date(value: datetime) -> str:
    """An aware (or UTC) datetime as ``/Date(ms)/``."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return f"/Date({int(aware.timestamp() * 1000)})/"


def decimal(value: object) -> Decimal | None:
    """An Edm.Double (read as Decimal) or numeric string as Decimal; None when empty."""
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def to_wire(value: Any) -> Any:
    """A payload ready for JSON: Decimal → number, datetime → ``/Date(ms)/``."""
    if isinstance(value, Mapping):
        return {k: to_wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return format_date(value)
    return value


# -- answers -------------------------------------------------------------------------------


def loads(content: bytes) -> Any:
    """Parse an answer with every JSON number that has a fraction as Decimal."""
    return json.loads(content, parse_float=Decimal)


def results(body: Any) -> list[Row]:
    """The rows of ``{"d":{"results":[…]}}``, ``{"d":[…]}`` or a single ``{"d":{…}}``."""
    data = body.get("d") if isinstance(body, Mapping) else None
    if isinstance(data, Mapping) and isinstance(data.get("results"), list):
        return [dict(r) for r in data["results"]]
    if isinstance(data, list):
        return [dict(r) for r in data]
    if isinstance(data, Mapping):
        return [dict(data)]
    return []


def next_link(body: Any) -> str | None:
    data = body.get("d") if isinstance(body, Mapping) else None
    link = data.get("__next") if isinstance(data, Mapping) else None
    return str(link) if link else None


def lines(row: Mapping[str, Any], name: str) -> list[Row]:
    """An expanded collection (``{"results": […]}`` or a list); [] when deferred."""
    value = row.get(name)
    if isinstance(value, Mapping) and isinstance(value.get("results"), list):
        return [dict(r) for r in value["results"]]
    return [dict(r) for r in value] if isinstance(value, list) else []


# -- sync cursors --------------------------------------------------------------------------


def timestamp(row: Mapping[str, Any]) -> int:
    """A sync row's Timestamp (Int64; sent as a number or as a string)."""
    return int(str(row["Timestamp"]))


def encode_cursor(value: int) -> str:
    """The opaque cursor flows save: the highest Timestamp delivered."""
    return str(int(value))


def decode_cursor(cursor: str | None) -> int:
    """A saved cursor back to a Timestamp (0: from the beginning)."""
    if not cursor:
        return 0
    try:
        value = int(cursor)
    except ValueError as exc:
        raise ConfigError(
            f"The saved Exact Online sync position {cursor!r} is unreadable."
        ) from exc
    if value < 0:
        raise ConfigError(f"The saved Exact Online sync position {cursor!r} is unreadable.")
    return value
