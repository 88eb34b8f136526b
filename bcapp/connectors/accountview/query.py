"""Reads of ``GET /AccountViewData``: numbered filters, value literals, the query parameters.

``FilterControlSourceN/FilterOperatorN/FilterValueTypeN/FilterValueN/
FilterIsListOfValuesN`` describe filter N (AND-ed; ``matchAnyFilter=true`` ORs them);
value types are C, N, L, D and T, dates are FoxPro literals ``{^2026-01-31 10:00:00}``
[V A1, A3, A4]. A :class:`Query` turns into these parameters plus ``BusinessObject``,
``Fields`` (always including the table's ``lastKey`` field), ``SortFields``/``SortOrder``
and ``PageSize``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.errors import FatalSyncError


class Op(enum.StrEnum):
    """``FilterOperatorN`` values seen in client code."""

    EQUAL = "Equal"
    NOT_EQUAL = "NotEqual"
    CONTAINS = "Contains"
    ON_OR_AFTER = "DateOnOrAfterDate"


class Paging(enum.Enum):
    """``lastKey`` (keyset: no gap, no repeat when rows change) or ``PageNumber``."""

    LAST_KEY = "lastKey"
    PAGE_NUMBER = "PageNumber"


@dataclass(frozen=True)
class Filter:
    """One numbered filter; a list or tuple ``value`` matches any of its values."""

    field: str
    value: Any
    op: Op = Op.EQUAL

    def params(self, n: int) -> dict[str, str]:
        """The five ``Filter…N`` parameters of this filter at position ``n``."""
        values = self.value if isinstance(self.value, list | tuple) else [self.value]
        kind, texts = _value_type(values[0]), [literal(v) for v in values]
        if any(facts.LIST_SEPARATOR in t for t in texts) and len(texts) > 1:
            raise FatalSyncError(
                f"An AccountView list filter cannot contain '{facts.LIST_SEPARATOR}' "
                f"({self.field}: {self.value!r}).",
                remote="accountview",
            )
        return {
            f"FilterControlSource{n}": self.field,
            f"FilterOperator{n}": self.op.value,
            f"FilterValueType{n}": kind,
            f"FilterValue{n}": facts.LIST_SEPARATOR.join(texts),
            f"FilterIsListOfValues{n}": "true" if len(texts) > 1 else "false",
        }


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "L"
    if isinstance(value, datetime):
        return "T"
    if isinstance(value, date):
        return "D"
    if isinstance(value, int | Decimal | float):
        return "N"
    return "C"


def literal(value: Any) -> str:
    """A filter value as text: dates in FoxPro syntax ``{^2026-01-31 10:00:00}`` [V A3]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return "{^" + value.strftime("%Y-%m-%d %H:%M:%S") + "}"
    if isinstance(value, date):
        return "{^" + value.strftime("%Y-%m-%d") + "}"
    return str(value)


def filter_params(filters: Sequence[Filter], match_any: bool = False) -> dict[str, str]:
    """All filter parameters, numbered from 1."""
    params: dict[str, str] = {}
    for n, flt in enumerate(filters, start=1):
        params.update(flt.params(n))
    if match_any and filters:
        params["matchAnyFilter"] = "true"
    return params


@dataclass(frozen=True)
class Query:
    """A read of one business object; ``table`` is the table to page over."""

    business_object: str
    table: str
    fields: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    match_any: bool = False
    order: tuple[str, ...] = ()
    descending: bool = False

    def params(self, page_size: int) -> dict[str, str]:
        params = {"BusinessObject": self.business_object, "PageSize": str(page_size)}
        if self.fields:
            key = facts.table_key(self.table)
            names = [*self.fields] + ([] if _has(self.fields, key) else [key])
            params["Fields"] = ",".join(names)
        if self.order:
            params["SortFields"] = ",".join(self.order)
            params["SortOrder"] = "descending" if self.descending else "ascending"
        params.update(filter_params(self.filters, self.match_any))
        return params


def _has(fields: Sequence[str], name: str) -> bool:
    return any(f.rsplit(".", 1)[-1].upper() == name.upper() for f in fields)
