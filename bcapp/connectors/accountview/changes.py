"""Change polling over ``AccountViewData``: keyset paging on (CNG_DATE, key), no gap, no repeat.

AccountView stamps every row's last change in ``CNG_DATE`` (whole seconds). A delta
run asks for rows *after* the last (CNG_DATE, key) it delivered, sorted by both, so
a row that changes while we page gets a later stamp and comes again (once per
version) and no row shifts past us, unlike ``PageNumber`` paging over a moving
result. AccountView's filters cannot say "(date > d) or (date = d and key > k)" in
one request (``matchAnyFilter`` ORs every filter), so each page asks for
``CNG_DATE >= d`` (``DateOnOrAfterDate``, inclusive) sorted by (CNG_DATE, key) and
drops the rows at or before the position itself: usually just the previous page's
last row.

When more rows than a page share one stamp (a bulk import), the inclusive query
would return the same page forever; those rows are then read with ``CNG_DATE = d``
and ``lastKey`` paging in key order, and the poll goes on from ``d`` plus one second.

Residual gap (as for AFAS): a row written later with a stamp *equal to* the saved
position's and a smaller key. AccountView stamps seconds; flows poll behind real time.
The key order is AccountView's text order, assumed case-insensitive (README).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bcapp.connectors.accountview.client import AccountViewClient
from bcapp.connectors.accountview.envelopes import rows_of
from bcapp.connectors.accountview.mapping import parse_datetime, text
from bcapp.connectors.accountview.query import Filter, Op, Query
from bcapp.errors import ConfigError

Row = dict[str, Any]
MODIFIED = "CNG_DATE"


@dataclass(frozen=True, order=True)
class Position:
    """Where a change poll stands: the last delivered (CNG_DATE, key)."""

    modified: datetime
    key: str

    def encode(self) -> str:
        """The opaque cursor string flows save."""
        return json.dumps({"m": self.modified.isoformat(), "k": self.key}, separators=(",", ":"))

    @classmethod
    def decode(cls, cursor: str | None) -> Position | None:
        """Parse a saved cursor; ConfigError for one not written by this connector."""
        if not cursor:
            return None
        try:
            data = json.loads(cursor)
            return cls(datetime.fromisoformat(str(data["m"])), str(data["k"]))
        except (ValueError, KeyError, TypeError) as exc:
            message = f"The saved AccountView sync position {cursor!r} is unreadable."
            raise ConfigError(message) from exc


@dataclass(frozen=True)
class ChangeQuery:
    """What to poll: a business object's table, its key and the fields to read."""

    business_object: str
    table: str
    key: str
    fields: tuple[str, ...]
    page_size: int

    def query(self, filters: tuple[Filter, ...], *, ordered: bool) -> Query:
        fields = tuple(dict.fromkeys((*self.fields, self.key, MODIFIED)))
        order = (MODIFIED, self.key) if ordered else ()
        return Query(self.business_object, self.table, fields, filters, order=order)

    def position(self, row: Row) -> Position | None:
        stamp = parse_datetime(row.get(MODIFIED) if MODIFIED in row else _ci(row, MODIFIED))
        return Position(stamp, text(row, self.key).upper()) if stamp else None


def _ci(row: Row, name: str) -> Any:
    return next((v for k, v in row.items() if str(k).upper() == name), None)


def read_changes(
    client: AccountViewClient, query: ChangeQuery, cursor: str | None
) -> Iterator[tuple[list[Row], str | None]]:
    """Yield (rows changed after the cursor, cursor after them) until caught up."""
    pos = Position.decode(cursor)
    since = pos.modified if pos else None
    while True:
        filters = (Filter(MODIFIED, since, Op.ON_OR_AFTER),) if since else ()
        body = client.get_page(
            query.query(filters, ordered=True), page_size=query.page_size, page_number=1
        )
        rows = rows_of(body, query.table)
        fresh = [r for r in rows if _after(query.position(r), pos)]
        full = len(rows) >= query.page_size
        if fresh:
            pos = _last(query, fresh, pos)
            yield fresh, pos.encode() if pos else None
            since = pos.modified if pos else since
        elif full and pos is not None:  # a page of rows sharing the position's stamp
            stamp = pos.modified
            for tied, pos_after in _same_stamp(client, query, pos):
                pos = pos_after
                yield tied, pos.encode()
            since = stamp + timedelta(seconds=1)
            continue
        if not full:
            return


def _after(here: Position | None, pos: Position | None) -> bool:
    return pos is None or (here is not None and here > pos)


def _last(query: ChangeQuery, rows: list[Row], pos: Position | None) -> Position | None:
    stamped = [p for p in (query.position(r) for r in rows) if p is not None]
    return max(stamped) if stamped else pos


def _same_stamp(
    client: AccountViewClient, query: ChangeQuery, pos: Position
) -> Iterator[tuple[list[Row], Position]]:
    """Rows stamped exactly ``pos.modified`` after ``pos.key``, in key order (``lastKey``)."""
    exact = query.query((Filter(MODIFIED, pos.modified),), ordered=False)
    last_key = pos.key
    while True:
        body = client.get_page(exact, page_size=query.page_size, last_key=last_key)
        rows = rows_of(body, query.table)
        if rows:
            last_key = text(rows[-1], query.key)
            pos = Position(pos.modified, last_key.upper())
            yield rows, pos
        if len(rows) < query.page_size:
            return
