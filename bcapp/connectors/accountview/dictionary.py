"""AccountView's data dictionary: field types, and the fields bcapp reads and writes.

AccountView describes every table in ``DCT_FLD`` (business object ``FLD``): name,
FoxPro type, length and whether input is mandatory. bcapp needs a small part of it
to write well-formed rows (the positional write format declares a type per field)
and to cut text to the lengths AccountView accepts. :data:`BUILTIN` is that part, for
the tables bcapp uses: derived from the vendor's dictionaries where they exist
(CONTACT, DJ_PAGE, DJ_LINE, VAT, LEDGER, DAILY; a test compares them when
``../shared`` is present) and from the notes' field lists where no dictionary was
found (ARTICLE, ART_GRP, DEL_ADDR, SO_HDR, SO_LINE: types and lengths chosen, see
README). :func:`parse_fields` reads the full dictionary of a live tenant.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any


class FieldType(enum.StrEnum):
    """FoxPro field types as ``DCT_FLD.FIELD_TYPE`` names them."""

    CHAR = "C"
    MEMO = "M"
    NUMERIC = "N"
    INTEGER = "I"
    CURRENCY = "Y"
    DOUBLE = "B"
    LOGICAL = "L"
    DATE = "D"
    DATETIME = "T"

    @property
    def family(self) -> str:
        """``text``, ``number``, ``logical`` or ``date``: what a write may declare for it."""
        return _FAMILY[self]

    @property
    def wire(self) -> str:
        """The ``FieldType`` a write definition declares (A1 and A3 send C, N, I, T)."""
        return "I" if self is FieldType.INTEGER else _WIRE[self.family]


_WIRE = {"text": "C", "number": "N", "logical": "L", "date": "T"}
_FAMILY = {
    FieldType.CHAR: "text",
    FieldType.MEMO: "text",
    FieldType.NUMERIC: "number",
    FieldType.INTEGER: "number",
    FieldType.CURRENCY: "number",
    FieldType.DOUBLE: "number",
    FieldType.LOGICAL: "logical",
    FieldType.DATE: "date",
    FieldType.DATETIME: "date",
}


@dataclass(frozen=True)
class FieldDef:
    """One field of one table.

    Attributes:
        length: characters for C, total width for N, storage bytes otherwise.
        mandatory: ``INP_MAND``; some are filled by AccountView itself
            (``facts.SYSTEM_FILLED``).
    """

    table: str
    name: str
    type: FieldType
    length: int
    mandatory: bool = False
    description: str = ""

    def fits(self, text: str) -> str:
        """``text`` cut to the field's length (C fields; other types are returned as-is)."""
        return text[: self.length] if self.type is FieldType.CHAR else text


Spec = tuple[str, str, int] | tuple[str, str, int, bool]


def _table(name: str, *specs: Spec) -> dict[str, FieldDef]:
    """``{FIELD: FieldDef}`` from ``(name, type, length[, mandatory])`` tuples."""
    fields: dict[str, FieldDef] = {}
    for spec in specs:
        field, kind, length = spec[0], spec[1], spec[2]
        mandatory = len(spec) > 3 and bool(spec[-1])
        fields[field] = FieldDef(name, field, FieldType(kind), length, mandatory)
    return fields


M = True  # marks a mandatory field in the tables below

#: The fields bcapp uses, per table (see the module docstring for where each comes from).
BUILTIN: dict[str, dict[str, FieldDef]] = {
    "CONTACT": _table(
        "CONTACT",
        ("SUB_NR", "C", 10, M),
        ("ACCT_NAME", "C", 40, M),
        ("SRC_CODE", "C", 10, M),
        ("ACCT_NR", "C", 10),
        ("ADDRESS1", "C", 80),
        ("POST_CODE", "C", 10),
        ("CITY", "C", 35),
        ("CNT_CODE", "C", 2),
        ("MAIL_BUS", "C", 50),
        ("TEL_BUS", "C", 20),
        ("TEL_MOB", "C", 20),
        ("VAT_NR", "C", 14),
        ("CUR_CODE", "C", 3),
        ("MAIN_CONT", "C", 40),
        ("COC_CODE", "C", 15),
        ("RPL_GRP", "C", 10),
        ("APX_LIST", "C", 5),
        ("LNG_CODE", "C", 5),
        ("REC_BLK", "L", 1),
        ("INP_DATE", "T", 8),
        ("CNG_DATE", "T", 8),
    ),
    "DEL_ADDR": _table(
        "DEL_ADDR",
        ("REC_ID", "C", 10, M),
        ("SUB_NR", "C", 10, M),
        ("DEL_NAME", "C", 40, M),
        ("ADDRESS1", "C", 80),
        ("POST_CODE", "C", 10),
        ("CITY", "C", 35),
        ("CNT_CODE", "C", 2),
        ("MAIL_BUS", "C", 50),
        ("TEL_BUS", "C", 20),
        ("CNG_DATE", "T", 8),
    ),
    "ARTICLE": _table(
        "ARTICLE",
        ("ART_CODE", "C", 20, M),
        ("ART_DESC1", "C", 40, M),
        ("AG_CODE", "C", 10),
        ("PX_SELL", "Y", 8),
        ("COST_PX", "Y", 8),
        ("QTY_AVAIL", "N", 13),
        ("QTY_FREE2", "N", 13),
        ("QTY_RES", "N", 13),
        ("QTY_TECH", "N", 13),
        ("QTY_BESTEL", "N", 13),
        ("REC_BLK", "L", 1),
        ("INP_DATE", "T", 8),
        ("CNG_DATE", "T", 8),
    ),
    "ART_GRP": _table("ART_GRP", ("AG_CODE", "C", 10, M), ("AG_DESC", "C", 40, M)),
    "SO_HDR": _table(
        "SO_HDR",
        ("ORD_NR", "C", 10, M),
        ("RPL_INV", "C", 10, M),
        ("RPL_DEL", "C", 10),
        ("ORD_DATE", "T", 8),
        ("DEL_DATE", "T", 8),
        ("INV_DATE", "T", 8),
        ("COMMENT1", "C", 40),
        ("COMMENT2", "C", 40),
        ("TO_EMAIL", "C", 50),
        ("DEL_CODE", "C", 10),
        ("SHIP_MTH", "C", 10),
        ("EMP_NR", "C", 10),
        ("CUR_CODE", "C", 3),
        ("INP_DATE", "T", 8),
        ("CNG_DATE", "T", 8),
    ),
    "SO_LINE": _table(
        "SO_LINE",
        ("REC_ID", "C", 10, M),
        ("ORD_NR", "C", 10, M),
        ("ART_CODE", "C", 20, M),
        ("ORD_QTY", "N", 13, M),
        ("ART_PX", "Y", 8),
        ("ART_DESC1", "C", 40),
        ("VAT_CODE", "C", 2),
        ("DEL_DATE", "T", 8),
    ),
    "DJ_PAGE": _table(
        "DJ_PAGE",
        ("DJ_CODE", "C", 3, M),
        ("PAGE_NR", "C", 10, M),
        ("HDR_DESC", "C", 40, M),
        ("SUB_NR", "C", 10),
        ("INV_NR", "C", 12),
        ("TRN_DATE", "D", 8),
        ("PERIOD", "N", 3),
        ("CUR_CODE", "C", 3),
        ("EXT_DESC", "C", 40),
        ("COMMENT1", "M", 4),
        ("INP_DATE", "T", 8),
        ("CNG_DATE", "T", 8),
    ),
    "DJ_LINE": _table(
        "DJ_LINE",
        ("ACCT_NR", "C", 10, M),
        ("DJ_CODE", "C", 3, M),
        ("PAGE_NR", "C", 10, M),
        ("REC_ID", "C", 10, M),
        ("SRC_ID", "C", 10, M),
        ("SRC_TYPE", "N", 2, M),
        ("TRN_DATE", "D", 8, M),
        ("SUB_NR", "C", 10),
        ("INV_NR", "C", 12),
        ("AMOUNT", "Y", 8),
        ("BASE_AMT", "Y", 8),
        ("VAT_AMT", "Y", 8),
        ("VAT_CODE", "C", 2),
        ("TRN_DESC", "C", 40),
        ("COST_CODE", "C", 10),
        ("CUR_CODE", "C", 3),
        ("TRN_QTY", "N", 13),
    ),
    "VAT": _table(
        "VAT",
        ("VAT_CODE", "C", 2, M),
        ("VAT_NAME", "C", 40, M),
        ("VAT_PCT", "N", 7),
        ("VAT_TYPE", "N", 1, M),
        ("VAT_ACCT", "C", 10, M),
        ("CALC_TYPE", "N", 1, M),
        ("FRM_CODE", "C", 10, M),
        ("IS_REVERSE", "L", 1),
    ),
    "LEDGER": _table(
        "LEDGER",
        ("ACCT_NR", "C", 10, M),
        ("ACCT_NAME", "C", 40, M),
        ("ACCT_TYPE", "N", 1),
        ("ACCT_LINK", "N", 1),
        ("VAT_CODE", "C", 2),
        ("STAT_SELL", "L", 1),
        ("REC_BLK", "L", 1),
    ),
    "DAILY": _table(
        "DAILY",
        ("DJ_CODE", "C", 3, M),
        ("DJ_NAME", "C", 40, M),
        ("DJ_TYPE", "N", 1, M),
    ),
}


def with_typed_values(
    table: str, row: Mapping[str, Any], values: Mapping[str, Any]
) -> dict[str, Any]:
    """``row`` with the field mapper's ``values`` over it, typed as ``table``'s rows carry
    them; an empty value (None) leaves the field out."""
    out = dict(row)
    for name in (n for n, v in values.items() if v is None):
        out.pop(name, None)
    out.update(typed_values(table, values))
    return out


def typed_values(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The field mapper's values as ``table``'s rows carry them: dates as datetimes,
    numbers as Decimal; empty values (None) are skipped."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        spec = BUILTIN.get(table, {}).get(name)
        family = spec.type.family if spec is not None else "text"
        if family == "date" and isinstance(value, str):
            out[name] = datetime.fromisoformat(value)
        elif family == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = Decimal(str(value))
        else:
            out[name] = value
    return out


def field(table: str, name: str) -> FieldDef | None:
    """The built-in definition of ``table.name`` (case-insensitive), if bcapp knows it."""
    return BUILTIN.get(table.upper(), {}).get(name.upper())


def wire_type(table: str, name: str, value: Any) -> str:
    """The ``FieldType`` to declare for a value: from the dictionary, else from the value.

    A1 derives it from the value's type (int → I, text → C, number → N, date → T);
    we prefer the dictionary so a ``None`` in the first row still declares the right type.
    """
    known = field(table, name)
    if known is not None:
        return known.type.wire
    if isinstance(value, bool):
        return "L"
    if isinstance(value, int):
        return "I"
    if isinstance(value, Decimal | float):
        return "N"
    if isinstance(value, date | datetime):
        return "T"
    return "C"


def parse_fields(rows: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, FieldDef]]:
    """``DCT_FLD`` rows (any key case) → ``{TABLE: {FIELD: FieldDef}}``."""
    tables: dict[str, dict[str, FieldDef]] = {}
    for row in rows:
        upper = {str(k).upper(): v for k, v in row.items()}
        table = str(upper.get("DBF_NAME") or "").upper()
        name = str(upper.get("FIELD_NAME") or "").upper()
        if not table or not name:
            continue
        tables.setdefault(table, {})[name] = FieldDef(
            table=table,
            name=name,
            type=FieldType(str(upper.get("FIELD_TYPE") or "C").upper()),
            length=int(upper.get("FIELD_LEN") or 0),
            mandatory=bool(upper.get("INP_MAND")),
            description=str(upper.get("FLD_DESC") or ""),
        )
    return tables
