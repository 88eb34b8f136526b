"""``POST /AccountViewData``: the positional body parsed and checked against the dictionary.

Keys are read case-insensitively at every level (A1 sends ``Name``/``Values``, A3
sometimes ``name``/``values``). Each definition's field names must exist in the table's
dictionary; its ``FieldType`` must be of the field's family (text C/M, number N/I/Y/B,
logical L, date D/T: A1 declares every number N and every date T); values must
convert (type, C length, N width); mandatory fields must be given on insert, except
those AccountView fills itself (``facts.SYSTEM_FILLED``). Structure problems are a
:class:`RequestError` (HTTP 400); data problems a :class:`Refused` (HTTP 200 with the
error body, all messages at once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.dictionary import FieldDef, FieldType
from bcapp.sandbox.accountview.query import RequestError
from bcapp.sandbox.accountview.spec import Dictionary
from bcapp.sandbox.accountview.store import BUSINESS_OBJECTS, BusinessObjectDef
from bcapp.sandbox.accountview.values import BadValue, convert, parse_date

SPECIAL = {facts.ROW_ID.upper(), facts.HEADER_ID.upper(), facts.ROW_ACTION.upper()}
ACTIONS = {facts.ROW_INSERT, facts.ROW_UPDATE}


class Refused(Exception):
    """AccountView refuses the data: HTTP 200 with the error body."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(dict.fromkeys(messages))  # one rule broken twice: said once
        super().__init__("\n".join(self.messages))


@dataclass
class WriteRow:
    """One row of the request: its table, RowId, action and converted values."""

    table: str
    row_id: str
    action: str = facts.ROW_INSERT
    values: dict[str, Any] = field(default_factory=dict)
    header_id: str = ""


@dataclass
class WriteRequest:
    """A parsed, dictionary-valid write."""

    bo: BusinessObjectDef
    book_date: datetime | None
    headers: list[WriteRow]
    details: list[WriteRow]

    def details_of(self, header: WriteRow, table: str) -> list[WriteRow]:
        return [d for d in self.details if d.header_id == header.row_id and d.table == table]


def ci(mapping: Any, key: str) -> Any:
    """``mapping[key]`` with the key matched case-insensitively (None when absent)."""
    if not isinstance(mapping, Mapping):
        return None
    wanted = key.lower()
    return next((v for k, v in mapping.items() if str(k).lower() == wanted), None)


def parse(body: Any, dictionary: Dictionary) -> WriteRequest:
    """Parse and validate a write body; raise RequestError or Refused."""
    bo = _business_object(body)
    table, data = ci(body, "Table"), ci(body, "TableData")
    definition = ci(table, "Definition")
    if str(ci(definition, "Name") or "").upper() != bo.table:
        raise RequestError(f"Business object {bo.code} writes table {bo.table} first.")
    errors: list[str] = []
    headers = _rows(bo.table, definition, ci(data, "Data"), dictionary, errors)
    details: list[WriteRow] = []
    detail_defs = ci(table, "DetailDefinitions") or []
    detail_data = ci(data, "DetailData") or []
    if len(detail_defs) != len(detail_data):
        raise RequestError("DetailData must have one entry per DetailDefinitions entry.")
    for detail_def, block in zip(detail_defs, detail_data, strict=True):
        name = str(ci(detail_def, "Name") or "").upper()
        if name not in bo.details:
            raise RequestError(
                f"Table '{name}' is not a detail table of business object {bo.code}."
            )
        details.extend(_rows(name, detail_def, block, dictionary, errors))
    _link(headers, details)
    if errors:
        raise Refused(errors)
    book = ci(body, "BookDate")
    return WriteRequest(bo, parse_date(book) if book else None, headers, details)


def _business_object(body: Any) -> BusinessObjectDef:
    if not isinstance(body, Mapping):
        raise RequestError("The request body must be a JSON object.")
    code = str(ci(body, "BusinessObject") or "").upper()
    bo = BUSINESS_OBJECTS.get(code)
    if bo is None:
        raise RequestError(f"Business object '{code}' does not exist.")
    if not (bo.insert or bo.update):
        raise Refused([f"Business object {code} cannot be changed through the API."])
    return bo


def _rows(
    table: str, definition: Any, block: Any, dictionary: Dictionary, errors: list[str]
) -> list[WriteRow]:
    columns = _columns(table, ci(definition, "Fields"), dictionary, errors)
    rows = ci(block, "Rows")
    if not isinstance(rows, list) or not rows:
        raise RequestError(f"No rows for table {table}.")
    out = []
    for number, row in enumerate(rows, start=1):
        values = ci(row, "Values")
        if not isinstance(values, list) or len(values) != len(columns):
            count = len(values) if isinstance(values, list) else 0
            raise RequestError(
                f"Row {number} of table {table} has {count} values for {len(columns)} fields."
            )
        out.append(_row(table, columns, values, errors))
    return out


def _columns(
    table: str, fields: Any, dictionary: Dictionary, errors: list[str]
) -> list[tuple[str, FieldDef | None]]:
    """(upper-case name, definition) per position; None for RowId/HeaderId/RowAction."""
    if not isinstance(fields, list) or not fields:
        raise RequestError(f"The definition of table {table} has no fields.")
    known = dictionary.fields(table)
    columns: list[tuple[str, FieldDef | None]] = []
    for spec in fields:
        name = str(ci(spec, "Name") or "").upper()
        definition = known.get(name)
        if name not in SPECIAL and definition is None:
            errors.append(f"Field '{name}' does not exist in table {table}.")
        elif definition is not None and not _declared_ok(definition, ci(spec, "FieldType")):
            errors.append(
                f"Field '{name}' of table {table} is of type {definition.type.value}, "
                f"not {ci(spec, 'FieldType')}."
            )
        columns.append((name, definition))
    return columns


def _declared_ok(definition: FieldDef, declared: Any) -> bool:
    try:
        return FieldType(str(declared or "").upper()).family == definition.type.family
    except ValueError:
        return False


def _row(
    table: str, columns: list[tuple[str, FieldDef | None]], values: list[Any], errors: list[str]
) -> WriteRow:
    row = WriteRow(table, row_id="")
    for (name, definition), raw in zip(columns, values, strict=True):
        if name == facts.ROW_ID.upper():
            row.row_id = "" if raw is None else str(raw)
        elif name == facts.HEADER_ID.upper():
            row.header_id = "" if raw is None else str(raw)
        elif name == facts.ROW_ACTION.upper():
            row.action = str(raw or facts.ROW_INSERT).upper()
        elif definition is not None and raw is not None:
            try:
                row.values[name] = convert(definition, raw)
            except BadValue as exc:
                errors.append(f"Field '{name}' of table {table}: {exc}.")
    if row.action not in ACTIONS:
        raise RequestError(f"RowAction '{row.action}' is not supported.")
    return row


def _link(headers: list[WriteRow], details: list[WriteRow]) -> None:
    ids = [h.row_id for h in headers]
    if any(not i for i in ids) or len(set(ids)) != len(ids):
        raise RequestError("Every header row needs its own RowId.")
    for detail in details:
        if not detail.row_id or detail.header_id not in ids:
            raise RequestError(
                f"Detail row '{detail.row_id}' of table {detail.table} needs a RowId and "
                "the HeaderId of a header row."
            )


def missing_mandatory(row: WriteRow, dictionary: Dictionary) -> list[str]:
    """Messages for the mandatory fields an inserted row leaves empty."""
    filled = facts.SYSTEM_FILLED.get(row.table, frozenset())
    messages = []
    for name, definition in dictionary.fields(row.table).items():
        if not definition.mandatory or name in filled:
            continue
        if row.values.get(name) in (None, ""):
            label = f" ({definition.description})" if definition.description else ""
            messages.append(f"Field '{name}'{label} of table {row.table} is mandatory.")
    return messages
