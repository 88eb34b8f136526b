"""The positional write format of ``POST /AccountViewData``, built from plain dicts.

AccountView takes rows as value lists that line up with a field definition::

    {"BookDate": "...", "BusinessObject": "SO1",
     "Table": {"Definition": {"Name": "SO_HDR",
                              "Fields": [{"Name": "RowId", "FieldType": "C"}, ...]},
               "DetailDefinitions": [{"Name": "SO_LINE", "Fields": [...]}]},
     "TableData": {"Data": {"Rows": [{"Values": ["1", ...]}]},
                   "DetailData": [{"Rows": [{"Values": ["1", "1", ...]}]}]}}

Every header row has a ``RowId``; every detail row its own ``RowId`` and the
``HeaderId`` of its header; ``DetailData[i]`` belongs to ``DetailDefinitions[i]``
[V A1, A3]. Callers describe documents as dicts (:class:`Document`) and
:func:`build` does the aligning, so no caller ever counts positions. A field one
row lacks is sent as ``null``, which AccountView (and the sandbox) read as "not given".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.dictionary import wire_type

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Detail:
    """The detail rows of one detail table (e.g. SO_LINE) under one header."""

    table: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Document:
    """One header row and its detail rows.

    Attributes:
        action: ``""`` inserts; ``facts.ROW_UPDATE`` updates the row with the key in
            ``fields`` (an assumption, see README).
    """

    table: str
    fields: Row
    details: tuple[Detail, ...] = ()
    action: str = ""

    def detail(self, table: str) -> tuple[Row, ...]:
        """This document's rows of one detail table."""
        return next((d.rows for d in self.details if d.table.upper() == table.upper()), ())


@dataclass
class _Block:
    """One definition being assembled: its table, field names and value rows."""

    table: str
    leading: tuple[str, ...]
    names: list[str] = field(default_factory=list)
    rows: list[tuple[tuple[Any, ...], Row]] = field(default_factory=list)

    def add(self, lead: tuple[Any, ...], row: Row) -> None:
        for name in row:
            if name.upper() not in self.names:
                self.names.append(name.upper())
        self.rows.append((lead, {k.upper(): v for k, v in row.items()}))

    def definition(self) -> dict[str, Any]:
        fields = [{"Name": name, "FieldType": "C"} for name in self.leading]
        for name in self.names:
            sample = next((r[name] for _, r in self.rows if r.get(name) is not None), None)
            fields.append({"Name": name, "FieldType": wire_type(self.table, name, sample)})
        return {"Name": self.table, "Fields": fields}

    def data(self) -> dict[str, Any]:
        return {
            "Rows": [
                {"Values": [*lead, *(encode(row.get(n)) for n in self.names)]}
                for lead, row in self.rows
            ]
        }


def build(
    business_object: str, documents: Sequence[Document], *, book_date: date
) -> dict[str, Any]:
    """The request body that writes ``documents`` (one header table) in one call.

    Raises:
        ValueError: no documents, or documents of different header tables.
    """
    if not documents:
        raise ValueError("nothing to write")
    tables = {d.table.upper() for d in documents}
    if len(tables) != 1:
        raise ValueError(f"one header table per write, got {sorted(tables)}")
    update = any(d.action for d in documents)
    leading = (facts.ROW_ID, facts.ROW_ACTION) if update else (facts.ROW_ID,)
    header = _Block(documents[0].table.upper(), leading)
    details: dict[str, _Block] = {}
    for number, document in enumerate(documents, start=1):
        row_id = str(number)
        lead = (row_id, document.action or facts.ROW_INSERT) if update else (row_id,)
        header.add(lead, document.fields)
        for detail in document.details:
            block = details.setdefault(
                detail.table.upper(),
                _Block(detail.table.upper(), (facts.ROW_ID, facts.HEADER_ID)),
            )
            for row in detail.rows:
                block.add((str(len(block.rows) + 1), row_id), row)
    table: dict[str, Any] = {"Definition": header.definition()}
    data: dict[str, Any] = {"Data": header.data()}
    if details:
        table["DetailDefinitions"] = [b.definition() for b in details.values()]
        data["DetailData"] = [b.data() for b in details.values()]
    return {
        "BookDate": f"{book_date:%Y-%m-%d}T00:00:00.000Z",
        "BusinessObject": business_object,
        "Table": table,
        "TableData": data,
    }


def encode(value: Any) -> Any:
    """A value as AccountView's JSON takes it (numbers as numbers, dates as text)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.strftime(facts.DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(facts.DATE_FORMAT)
    return value


def rows_of(body: Any, table: str) -> list[dict[str, Any]]:
    """A response's rows of ``table`` as a list, whatever shape they came in.

    AccountView keys responses by upper-case table name; one row may come as a bare
    object instead of a one-element list [I A3]; an absent table means no rows.
    """
    if not isinstance(body, Mapping):
        return []
    wanted = table.upper()
    value = next((v for k, v in body.items() if str(k).upper() == wanted), None)
    if isinstance(value, Mapping):
        return [dict(value)]
    if isinstance(value, list):
        return [dict(v) for v in value if isinstance(v, Mapping)]
    return []


def tables_of(body: Any, names: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """:func:`rows_of` for several tables at once, keyed by upper-case name."""
    return {name.upper(): rows_of(body, name) for name in names}
