"""GetConnector semantics: typed filters (sets OR-ed, conditions AND-ed), ordering, paging."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any


class QueryError(Exception):
    """A malformed GetConnector request; AFAS answers it with its error body."""


@dataclass(frozen=True)
class FieldDef:
    """One GetConnector field as metainfo describes it."""

    id: str
    data_type: str = "string"  # string | int | decimal | boolean | date
    label: str = ""
    length: int = 255

    def meta(self, index: int) -> dict[str, Any]:
        control = {"boolean": 3, "date": 4, "int": 5, "decimal": 5}.get(self.data_type, 1)
        return {
            "id": self.id,
            "fieldId": f"U{index:03d}",
            "dataType": self.data_type,
            "label": self.label or self.id,
            "length": self.length,
            "controlType": control,
            "decimals": 2 if self.data_type == "decimal" else 0,
            "decimalsFieldId": "",
        }


@dataclass
class GetConnectorDef:
    """A GetConnector: its fields and where its rows come from."""

    id: str
    fields: list[FieldDef]
    rows: Callable[[], list[dict[str, Any]]]
    description: str = ""
    types: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.types = {f.id: f.data_type for f in self.fields}

    def metainfo(self) -> dict[str, Any]:
        return {
            "name": self.id,
            "description": self.description or self.id,
            "fields": [f.meta(i + 1) for i, f in enumerate(self.fields)],
        }

    def project(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """Only the connector's fields, in its order (like AFAS's JSON rows)."""
        return {f.id: row.get(f.id) for f in self.fields}


def coerce(value: Any, data_type: str) -> Any:
    """A row value or filter string as a comparable Python value (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return _coerce_text(value, data_type)
    return _coerce(value, data_type)


@functools.lru_cache(maxsize=65536)
def _coerce_text(value: str, data_type: str) -> Any:
    """Cached: the same stamps and codes are compared over and over while paging."""
    return _coerce(value, data_type)


def _coerce(value: Any, data_type: str) -> Any:
    try:
        if data_type == "boolean":
            return value if isinstance(value, bool) else str(value).lower() in {"true", "1", "-1"}
        if data_type in {"int", "decimal"}:
            return Decimal(str(value))
        if data_type == "date":
            text = str(value).replace("Z", "")
            return datetime.fromisoformat(text).replace(tzinfo=None)
    except (InvalidOperation, ValueError) as exc:
        raise QueryError(f"The value '{value}' is not a valid {data_type}.") from exc
    return str(value).casefold()  # Profit's SQL collation is case-insensitive


def _text(a: Any) -> str:
    return "" if a is None else str(a).lower()


OPERATORS: dict[int, Callable[[Any, Any], bool]] = {
    1: lambda a, b: a == b,
    2: lambda a, b: a is not None and b is not None and a >= b,
    3: lambda a, b: a is not None and b is not None and a <= b,
    4: lambda a, b: a is not None and b is not None and a > b,
    5: lambda a, b: a is not None and b is not None and a < b,
    6: lambda a, b: _text(b) in _text(a),
    7: lambda a, b: a != b,
    8: lambda a, b: a is None,
    9: lambda a, b: a is not None,
    10: lambda a, b: _text(a).startswith(_text(b)),
    11: lambda a, b: _text(b) not in _text(a),
    12: lambda a, b: not _text(a).startswith(_text(b)),
    13: lambda a, b: _text(a).endswith(_text(b)),
    14: lambda a, b: not _text(a).endswith(_text(b)),
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: int
    value: Any


def parse_filters(params: Mapping[str, str], conn: GetConnectorDef) -> list[list[Condition]]:
    """The three parallel lists → OR-ed sets of AND-ed conditions (validated)."""
    ids = params.get("filterfieldids")
    if not ids:
        return []
    values = params.get("filtervalues", "")
    ops = params.get("operatortypes", "")
    id_sets, value_sets, op_sets = ids.split(";"), values.split(";"), ops.split(";")
    if not (len(id_sets) == len(value_sets) == len(op_sets)):
        raise QueryError(
            "The number of filter sets in filterfieldids, filtervalues and "
            "operatortypes does not match."
        )
    out = []
    for fid, fval, fop in zip(id_sets, value_sets, op_sets, strict=True):
        fields, vals, opers = fid.split(","), fval.split(","), fop.split(",")
        if not (len(fields) == len(vals) == len(opers)):
            raise QueryError("The number of filter fields, values and operators does not match.")
        out.append([_condition(f, v, o, conn) for f, v, o in zip(fields, vals, opers, strict=True)])
    return out


def _condition(name: str, value: str, op: str, conn: GetConnectorDef) -> Condition:
    if name not in conn.types:
        raise QueryError(f"Filter field '{name}' does not exist in GetConnector '{conn.id}'.")
    try:
        code = int(op)
    except ValueError:
        raise QueryError(f"Unknown operator type '{op}'.") from None
    if code not in OPERATORS:
        raise QueryError(f"Unknown operator type '{op}'.")
    data_type = conn.types[name]
    text_op = code in {6, 10, 11, 12, 13, 14}
    parsed = value if text_op else (None if code in {8, 9} else coerce(value, data_type))
    return Condition(name, code, parsed)


def matches(row: Mapping[str, Any], sets: Sequence[Sequence[Condition]], types: dict) -> bool:
    if not sets:
        return True
    return any(
        all(OPERATORS[c.op](coerce(row.get(c.field), types[c.field]), c.value) for c in conds)
        for conds in sets
    )


def sort_value(value: Any) -> tuple[bool, Any]:
    """A coerced value's place in an ordering: empty values first."""
    return value is not None, value or 0


def sort_rows(rows: list[dict[str, Any]], order: str, conn: GetConnectorDef) -> list[dict]:
    """Stable multi-key sort; ``-Field`` descending; empty values sort first."""
    keys = [k for k in (order or "").split(",") if k]
    for key in reversed(keys):
        name = key.lstrip("-")
        if name not in conn.types:
            raise QueryError(f"Order field '{name}' does not exist in GetConnector '{conn.id}'.")
        data_type = conn.types[name]

        def sort_key(r: dict[str, Any], n: str = name, t: str = data_type) -> tuple[bool, Any]:
            return sort_value(coerce(r.get(n), t))

        rows.sort(
            key=sort_key,
            reverse=key.startswith("-"),
        )
    return rows


def run_query(conn: GetConnectorDef, params: Mapping[str, str]) -> dict[str, Any]:
    """Answer one GetConnector request: ``{"skip", "take", "rows"}``."""
    try:
        skip = int(params.get("skip", 0))
        take = int(params.get("take", 100))
    except ValueError:
        raise QueryError("skip and take must be whole numbers.") from None
    if skip < 0 or take < 0:
        raise QueryError("skip and take cannot be negative.")
    sets = parse_filters(params, conn)
    rows = [r for r in conn.rows() if matches(r, sets, conn.types)]
    rows = sort_rows(rows, params.get("orderbyfieldids", ""), conn)
    return {"skip": skip, "take": take, "rows": [conn.project(r) for r in rows[skip : skip + take]]}
