"""``GET /AccountViewData`` semantics: numbered filters, ordering, both paging styles, fields.

Parameter names are case-insensitive [V A1, A4: ``BusinessObject``/``businessobject``/
``businessObject``]. Filters: ``FilterControlSourceN`` (``table.field`` or ``field``),
``FilterOperatorN`` (Equal, NotEqual, Contains, DateOnOrAfterDate; any case),
``FilterValueTypeN`` (C, N, L, D, T), ``FilterValueN`` (dates as ``{^2026-01-31 10:00}``),
``FilterIsListOfValuesN`` (comma-separated values, any may match); AND-ed, or OR-ed with
``matchAnyFilter=true``. ``Filter=`` takes a small FoxPro subset (``a='x' AND !EMPTY(b)``).
Paging: ``lastKey`` (rows after that key, in key order) or ``PageNumber`` (1-based, in
``SortFields``/``SortOrder`` order). Rows carry ``EXT_KEY`` and ``<TABLE>_Id`` (the row's
position in the full result); detail rows also carry their header's ``<HEADER>_Id``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.dictionary import FieldDef
from bcapp.sandbox.accountview.store import BusinessObjectDef, Row, jsonable
from bcapp.sandbox.accountview.values import BadValue, comparable, empty, filter_value

HIDDEN = "__"  # stored keys with this prefix never leave the sandbox (e.g. "__header")


class RequestError(Exception):
    """A malformed request: answered with HTTP 400 and AccountView's error body."""


@dataclass(frozen=True)
class Condition:
    """One filter: ``field op values`` (several values: any may match)."""

    field: str
    op: str
    values: tuple[Any, ...]

    def matches(self, row: Mapping[str, Any]) -> bool:
        here = row.get(self.field)
        outcomes = (self._one(comparable(here, v), v) for v in self.values)
        hit = any(outcomes)
        return not hit if self.op == "notequal" else hit

    def _one(self, here: Any, wanted: Any) -> bool:
        if here is None:
            return False
        if isinstance(wanted, str):
            here, wanted = (
                (here.upper(), wanted.upper()) if facts.FILTERS_IGNORE_CASE else (here, wanted)
            )
            return wanted in here if self.op == "contains" else here.strip() == wanted.strip()
        if self.op == "dateonorafterdate":
            return bool(here >= wanted)
        return bool(here == wanted)


@dataclass(frozen=True)
class EmptyTest:
    """``EMPTY(field)`` (or ``!EMPTY(field)`` when ``filled``)."""

    field: str
    filled: bool

    def matches(self, row: Mapping[str, Any]) -> bool:
        return (row.get(self.field) not in (None, "", 0)) == self.filled


OPERATORS = {op.lower() for op in facts.OPERATORS}


def lower_args(args: Mapping[str, str]) -> dict[str, str]:
    """Query parameters keyed by lower-case name (AccountView reads them case-insensitively)."""
    return {str(k).lower(): str(v) for k, v in args.items()}


def bare(name: str) -> str:
    """``article.art_code`` → ``ART_CODE``."""
    return name.strip().rsplit(".", 1)[-1].upper()


def conditions(args: Mapping[str, str]) -> list[Condition]:
    """The numbered filters 1, 2, … (stops at the first number missing)."""
    found: list[Condition] = []
    n = 1
    while f"filtercontrolsource{n}" in args:
        op = args.get(f"filteroperator{n}", "Equal").lower()
        if op not in OPERATORS:
            raise RequestError(f"Filter operator '{args[f'filteroperator{n}']}' is not supported.")
        kind = args.get(f"filtervaluetype{n}", "C")
        raw = args.get(f"filtervalue{n}", "")
        listed = args.get(f"filterislistofvalues{n}", "false").lower() == "true"
        texts = raw.split(facts.LIST_SEPARATOR) if listed else [raw]
        try:
            values = tuple(filter_value(kind, t) for t in texts)
        except BadValue as exc:
            raise RequestError(f"FilterValue{n} '{raw}' is not valid for type {kind}.") from exc
        found.append(Condition(bare(args[f"filtercontrolsource{n}"]), op, values))
        n += 1
    return found


TERM = re.compile(
    r"^(?P<neg>!)?EMPTY\((?P<empty>[\w.]+)\)$|^(?P<field>[\w.]+)\s*=\s*(?:'(?P<text>[^']*)'|(?P<num>-?[\d.]+))$",
    re.IGNORECASE,
)


def expression(text: str) -> list[Callable[[Mapping[str, Any]], bool]]:
    """The ``Filter=`` subset A2 uses: terms ``f='x'``, ``f=1``, ``[!]EMPTY(f)`` joined by AND."""
    tests: list[Callable[[Mapping[str, Any]], bool]] = []
    for term in filter(None, (t.strip() for t in re.split(r"\s+AND\s+", text, flags=re.I))):
        match = TERM.match(term)
        if not match:
            raise RequestError(f"Filter expression '{term}' is not supported by the sandbox.")
        if match["empty"]:
            tests.append(EmptyTest(bare(match["empty"]), filled=bool(match["neg"])).matches)
        else:
            value = match["text"] if match["text"] is not None else match["num"]
            kind = "C" if match["text"] is not None else "N"
            tests.append(
                Condition(bare(match["field"]), "equal", (filter_value(kind, value),)).matches
            )
    return tests


@dataclass(frozen=True)
class Source:
    """What a read needs: rows and field definitions per table."""

    rows: Callable[[str], list[Row]]
    fields: Callable[[str], dict[str, FieldDef]]

    def known(self, table: str) -> set[str]:
        names = set(self.fields(table))
        for row in self.rows(table)[:50]:
            names.update(k for k in row if not k.startswith(HIDDEN))
        return names


def read(
    source: Source, bo: BusinessObjectDef, raw_args: Mapping[str, str]
) -> dict[str, list[Row]]:
    """Answer one read: the page of the main table and its detail rows, keyed by table."""
    args = lower_args(raw_args)
    size = _page_size(args)
    selected = _select(source, bo.table, args)
    ordered = _order(selected, bo.table, args)
    page = _page(ordered, bo.table, args, size)
    wanted = _fields(source, bo, args.get("fields", ""))
    body = {bo.table: [_project(source, bo.table, row, pos, wanted) for pos, row in page]}
    for detail in bo.details:
        if wanted is None or wanted[detail]:
            body[detail] = _details(source, bo.table, detail, page, wanted)
    return body


def _page_size(args: Mapping[str, str]) -> int:
    try:
        size = int(args.get("pagesize", facts.SERVER_DEFAULT_PAGE_SIZE))
    except ValueError as exc:
        raise RequestError("PageSize must be a number.") from exc
    if not 0 < size <= facts.MAX_PAGE_SIZE:
        raise RequestError(f"PageSize must be between 1 and {facts.MAX_PAGE_SIZE}.")
    return size


def _select(source: Source, table: str, args: Mapping[str, str]) -> list[Row]:
    conds = conditions(args)
    tests: list[Callable[[Mapping[str, Any]], bool]] = [c.matches for c in conds]
    known = source.known(table)
    for cond in conds:
        if cond.field not in known:
            raise RequestError(f"Field '{cond.field}' does not exist in table {table}.")
    extra = expression(args.get("filter", ""))
    any_of = args.get("matchanyfilter", "").lower() == "true"
    rows = source.rows(table)
    if tests:
        rows = [r for r in rows if (any if any_of else all)(t(r) for t in tests)]
    return [r for r in rows if all(t(r) for t in extra)]


def _sort_value(value: Any) -> tuple[bool, Any]:
    if isinstance(value, str):
        return (False, value.upper())
    return (value is None, value if value is not None else 0)


def _order(rows: list[Row], table: str, args: Mapping[str, str]) -> list[tuple[int, Row]]:
    """(position, row) in result order; the position is the row's ``<TABLE>_Id``."""
    key = facts.table_key(table)
    by_key = [] if key.endswith("_Id") else [key]
    sort = [bare(f) for f in args.get("sortfields", "").split(",") if f.strip()]
    if "lastkey" in args or not sort:
        sort = by_key
    descending = args.get("sortorder", "").lower().startswith("desc") and sort != by_key
    if sort:
        rows = sorted(rows, key=lambda r: [_sort_value(r.get(f)) for f in sort], reverse=descending)
    return list(enumerate(rows))


def _page(
    ordered: list[tuple[int, Row]], table: str, args: Mapping[str, str], size: int
) -> list[tuple[int, Row]]:
    if "lastkey" in args and "pagenumber" in args:
        raise RequestError("Use either lastKey or PageNumber, not both.")
    if "lastkey" in args:
        key, last = facts.table_key(table), args["lastkey"]
        if key.endswith("_Id"):
            after = [(p, r) for p, r in ordered if p > int(last)]
        else:
            after = [(p, r) for p, r in ordered if _sort_value(r.get(key)) > _sort_value(last)]
        return after[:size]
    try:
        number = int(args.get("pagenumber", "1"))
    except ValueError as exc:
        raise RequestError("PageNumber must be a number.") from exc
    if number < 1:
        raise RequestError("PageNumber starts at 1.")
    return ordered[(number - 1) * size : number * size]


def _fields(source: Source, bo: BusinessObjectDef, text: str) -> dict[str, list[str]] | None:
    """Requested fields per table (None: every field)."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names or names == ["*"]:
        return None
    tables = (bo.table, *bo.details)
    wanted: dict[str, list[str]] = {t: [] for t in tables}
    for name in names:
        qualifier = name.rsplit(".", 1)[0].upper() if "." in name else None
        field = bare(name)
        options = [qualifier] if qualifier else [t for t in tables if field in source.known(t)]
        if qualifier not in (None, *tables) or not options or field not in source.known(options[0]):
            raise RequestError(f"Field '{name}' does not exist in business object {bo.code}.")
        wanted[options[0]].append(field)
    return wanted


def _project(
    source: Source, table: str, row: Row, position: int, wanted: dict[str, list[str]] | None
) -> Row:
    definitions = source.fields(table)
    if wanted is None:
        names = [*definitions, *(k for k in row if k not in definitions)]
    else:
        names = wanted.get(table, [])
    out = {
        n: jsonable(row[n] if n in row else empty(definitions.get(n)))
        for n in names
        if not n.startswith(HIDDEN)
    }
    out["EXT_KEY"] = row.get("EXT_KEY", position)
    out[f"{table}_Id"] = position
    return out


def _details(
    source: Source,
    table: str,
    detail: str,
    page: list[tuple[int, Row]],
    wanted: dict[str, list[str]] | None,
) -> list[Row]:
    out: list[Row] = []
    for position, header in page:
        for row in source.rows(detail):
            if row.get("__header") == header.get("EXT_KEY"):
                line = _project(source, detail, row, len(out), wanted)
                line[f"{table}_Id"] = position
                out.append(line)
    return out
