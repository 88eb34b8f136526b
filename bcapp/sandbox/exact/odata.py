"""The OData v2 subset Exact's clients use: ``$filter``, ``$select``, ``$top``, ``$skiptoken``.

``$filter`` supports ``eq ne gt ge lt le``, ``and``/``or``/``not``, parentheses,
``trim()``/``tolower()``/``toupper()``, ``substringof()``/``startswith()``/``endswith()``
and the literals ``'text'`` (``''`` escapes a quote), ``guid'…'``, ``datetime'…'``,
numbers with an optional ``L``/``M``/``d`` suffix, ``true``, ``false`` and ``null``.
Errors use WCF Data Services' wording ("Syntax error at position 12.").
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<guid>guid'[^']*')|(?P<dt>datetime'[^']*')|(?P<str>'(?:[^']|'')*')"
    r"|(?P<num>-?\d+(?:\.\d+)?[LMmdDfF]?)|(?P<name>[A-Za-z_][A-Za-z0-9_/]*)"
    r"|(?P<punct>[(),]))"
)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
STRING_FUNCS = {"trim", "tolower", "toupper"}
BOOL_FUNCS = {"substringof", "startswith", "endswith"}


class QueryError(ValueError):
    """A query option Exact would refuse with HTTP 400."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


@dataclass(frozen=True)
class Literal:
    value: Any
    edm: str


def tokenize(text: str) -> list[Token]:
    """Split a ``$filter`` expression into tokens (QueryError on anything unreadable)."""
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise QueryError(f"Syntax error at position {pos}.")
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over the tokens; builds a predicate over a row."""

    def __init__(self, text: str, types: Mapping[str, str]) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.types = types

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.i < len(self.tokens):
            raise QueryError(f"Syntax error at position {self.tokens[self.i].pos}.")
        return predicate

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (text is not None and token.text.lower() != text):
            pos = token.pos if token else sum(len(t.text) for t in self.tokens)
            raise QueryError(f"Syntax error at position {pos}.")
        self.i += 1
        return token

    def _word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "name" and token.text.lower() == word

    def disjunction(self) -> Predicate:
        parts = [self.conjunction()]
        while self._word("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda row: any(p(row) for p in parts))

    def conjunction(self) -> Predicate:
        parts = [self.unary()]
        while self._word("and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda row: all(p(row) for p in parts))

    def unary(self) -> Predicate:
        if self._word("not"):
            self.take()
            inner = self.unary()
            return lambda row: not inner(row)
        token = self.peek()
        if token is not None and token.text == "(":
            self.take("(")
            inner = self.disjunction()
            self.take(")")
            return inner
        if token is not None and token.text.lower() in BOOL_FUNCS:
            return self.bool_function()
        return self.comparison()

    def comparison(self) -> Predicate:
        left = self.operand()
        op_token = self.take()
        op = op_token.text.lower()
        if op not in COMPARISONS:
            raise QueryError(f"Syntax error at position {op_token.pos}.")
        right = self.operand()
        _check_types(left, right, op, op_token.pos)
        return lambda row: compare(left(row), op, right(row))

    def bool_function(self) -> Predicate:
        name = self.take().text.lower()
        self.take("(")
        first = self.operand()
        self.take(",")
        second = self.operand()
        self.take(")")

        def test(row: Row) -> bool:
            a, b = first(row), second(row)
            if not isinstance(a, str) or not isinstance(b, str):
                return False
            if name == "substringof":
                return a in b
            return a.startswith(b) if name == "startswith" else a.endswith(b)

        return test

    def operand(self) -> _Operand:
        token = self.take()
        if token.kind == "name" and token.text.lower() in STRING_FUNCS:
            self.take("(")
            inner = self.operand()
            self.take(")")
            return _Operand(lambda row: _string_func(token.text.lower(), inner(row)), "Edm.String")
        if token.kind == "name" and token.text.lower() not in {"true", "false", "null"}:
            return self.field(token)
        literal = parse_literal(token)
        return _Operand(lambda row: literal.value, literal.edm)

    def field(self, token: Token) -> _Operand:
        if token.text not in self.types:
            raise QueryError(f"No property '{token.text}' exists at position {token.pos}.")
        name = token.text
        return _Operand(lambda row: row.get(name), self.types[name], name)


class _Operand:
    """A value source for a comparison: a field of the row or a literal."""

    def __init__(self, get: Callable[[Row], Any], edm: str, field: str = "") -> None:
        self.get = get
        self.edm = edm
        self.field = field

    def __call__(self, row: Row) -> Any:
        return self.get(row)


def _string_func(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    return {"trim": value.strip(), "tolower": value.lower(), "toupper": value.upper()}[name]


def _check_types(left: _Operand, right: _Operand, op: str, pos: int) -> None:
    """WCF refuses comparing a Guid field with a plain string (the classic missing guid'')."""
    kinds = {left.edm, right.edm}
    if "Edm.Guid" in kinds and kinds & {"Edm.String"} and "null" not in kinds:
        a, b = (_system(left.edm), _system(right.edm))
        raise QueryError(
            f"Operator '{op}' incompatible with operand types '{a}' and '{b}' at position {pos}."
        )


def _system(edm: str) -> str:
    return "System." + {"Edm.Guid": "Guid", "Edm.String": "String"}.get(edm, edm[4:])


def parse_literal(token: Token) -> Literal:
    """A literal token's Python value and OData type."""
    text = token.text
    if token.kind == "guid":
        return Literal(text[5:-1].lower(), "Edm.Guid")
    if token.kind == "dt":
        return Literal(parse_datetime(text[9:-1]), "Edm.DateTime")
    if token.kind == "str":
        return Literal(text[1:-1].replace("''", "'"), "Edm.String")
    if token.kind == "num":
        suffix = text[-1] if text[-1].isalpha() else ""
        digits = text[:-1] if suffix else text
        edm = {"L": "Edm.Int64", "M": "Edm.Decimal", "m": "Edm.Decimal"}.get(suffix, "Edm.Double")
        try:
            value = Decimal(digits)
        except InvalidOperation as exc:
            raise QueryError(f"Syntax error at position {token.pos}.") from exc
        if edm == "Edm.Double" and "." not in digits:
            edm = "Edm.Int32"
        return Literal(value, edm)
    lowered = text.lower()
    if lowered in {"true", "false"}:
        return Literal(lowered == "true", "Edm.Boolean")
    if lowered == "null":
        return Literal(None, "null")
    raise QueryError(f"Syntax error at position {token.pos}.")


def parse_datetime(text: str) -> datetime:
    """``2026-01-31T10:00:00`` (UTC unless an offset is given)."""
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise QueryError(f"Unrecognized 'Edm.DateTime' literal 'datetime'{text}''.") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _comparable(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str) and len(value) == 36 and value.count("-") == 4:
        return value.lower()
    return value


def compare(left: Any, op: str, right: Any) -> bool:
    """OData comparison semantics: null equals only null, ordering with null is false."""
    a, b = _comparable(left), _comparable(right)
    if op == "eq":
        return bool(a == b)
    if op == "ne":
        return bool(a != b)
    if a is None or b is None:
        return False
    try:
        return bool({"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op])
    except TypeError:
        return False


def parse_filter(text: str, types: Mapping[str, str]) -> Predicate:
    """A predicate for ``$filter``; ``types`` maps the entity's field names to OData types."""
    return _Parser(text, types).parse()


def parse_select(text: str | None, known: set[str]) -> list[str] | None:
    """The ``$select`` field list (None: all fields); unknown names are refused."""
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise QueryError("The $select query option is empty.")
    for name in names:
        if name != "*" and name.split("/", 1)[0] not in known:
            raise QueryError(f"No property '{name}' exists in the $select query option.")
    return None if "*" in names else names


def parse_top(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit():
        raise QueryError(f"Invalid value '{text}' for $top query option found.")
    return int(text)


# -- JSON ------------------------------------------------------------------------------


def odata_date(value: datetime) -> str:
    """Exact's JSON date: ``/Date(<epoch ms>)/``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return f"/Date({int(value.timestamp() * 1000)})/"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return odata_date(value)
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(body: Any) -> str:
    """Compact JSON as Exact sends it (dates as ``/Date(ms)/``)."""
    return json.dumps(body, default=_default, separators=(",", ":"))


def parse_date_value(value: Any) -> datetime | None:
    """A date from a request body: ``/Date(ms)/`` or ISO 8601 (UTC when no offset)."""
    if value is None or isinstance(value, datetime):
        return value
    text = str(value)
    match = re.match(r"^/Date\((-?\d+)([+-]\d{4})?\)/$", text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    return parse_datetime(text)
