"""Change polling over a GetConnector: keyset paging on (modified, key), no gap, no repeat.

Why keyset and not ``skip``: with skip/take, a record that changes while we page
moves to the end of the ordering and every row behind it shifts one place up,
so one row is skipped. Instead every page asks for rows *after* the last
(modified, key) pair we delivered::

    modified > c.modified  OR  (modified == c.modified AND key > c.key)

AFAS ANDs the conditions inside one filter set and ORs sets separated by ``;``,
so that is one request with two sets, ordered by ``modified, key``. A record
that changes during paging gets a newer modified date and is delivered again
later with its new data (once per version); nothing is skipped.

Rows can be lines of one document (a packing slip with three lines): the key is
then the document number and a page never splits a document — a cut-off tail
group is dropped and re-read by the next page (or read whole on its own when one
document fills a page).

Residual gap: a row written later with a modified time *equal to* the cursor's
and a smaller key. Profit stamps seconds; flows poll well behind real time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from bcapp.connectors.afas.client import DEFAULT_TAKE, AfasClient, Filter, FilterSet, Op
from bcapp.errors import ConfigError

Row = dict[str, Any]


def filter_datetime(value: str) -> str:
    """A row's date as a filter value: AFAS writes a 'Z' on local times; filters go without."""
    return value.removesuffix("Z")


@dataclass(frozen=True)
class Position:
    """Where a change poll stands: the last delivered (modified, key)."""

    modified: str
    key: str

    def encode(self) -> str:
        """The opaque cursor string flows save."""
        return json.dumps({"m": self.modified, "k": self.key}, separators=(",", ":"))

    @classmethod
    def decode(cls, cursor: str | None) -> Position | None:
        """Parse a saved cursor; ConfigError for one not written by this connector."""
        if not cursor:
            return None
        try:
            data = json.loads(cursor)
            return cls(modified=str(data["m"]), key=str(data["k"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"The saved AFAS sync position {cursor!r} is unreadable.") from exc


@dataclass(frozen=True)
class ChangeQuery:
    """What to poll: the connector, its modified/key fields and any fixed filters."""

    connector: str
    modified_field: str
    key_field: str
    base_filters: FilterSet = ()
    order_extra: Sequence[str] = ()
    take: int = DEFAULT_TAKE
    grouped: bool = False  # rows are lines: never split one key across batches

    def after(self, pos: Position | None) -> list[FilterSet]:
        """The OR-ed filter sets for rows after ``pos``."""
        base = list(self.base_filters)
        if pos is None:
            return [base] if base else []
        stamp = filter_datetime(pos.modified)
        return [
            [*base, Filter(self.modified_field, Op.GT, stamp)],
            [
                *base,
                Filter(self.modified_field, Op.EQ, stamp),
                Filter(self.key_field, Op.GT, pos.key),
            ],
        ]

    def exactly(self, pos: Position) -> list[FilterSet]:
        """The filter set for one (modified, key) group."""
        return [
            [
                *self.base_filters,
                Filter(self.modified_field, Op.EQ, filter_datetime(pos.modified)),
                Filter(self.key_field, Op.EQ, pos.key),
            ]
        ]

    @property
    def order_by(self) -> list[str]:
        return [self.modified_field, self.key_field, *self.order_extra]

    def position(self, row: Row) -> Position:
        return Position(str(row.get(self.modified_field) or ""), str(row.get(self.key_field) or ""))


def read_changes(
    client: AfasClient, query: ChangeQuery, cursor: str | None
) -> Iterator[tuple[list[list[Row]], str]]:
    """Yield (groups of rows sharing one key, cursor after them) until caught up."""
    pos = Position.decode(cursor)
    while True:
        rows = client.get_rows(
            query.connector, filters=query.after(pos), order_by=query.order_by, take=query.take
        )
        if not rows:
            return
        full = len(rows) >= query.take
        groups = _group(rows, query)
        if full and query.grouped and len(groups) > 1:
            groups = groups[:-1]  # the tail document may continue on the next page
        elif full and query.grouped:
            groups = [_whole_group(client, query, query.position(rows[0]))]
        pos = query.position(groups[-1][0])
        yield groups, pos.encode()
        if not full:
            return


def _group(rows: list[Row], query: ChangeQuery) -> list[list[Row]]:
    groups: list[list[Row]] = []
    last: Position | None = None
    for row in rows:
        here = query.position(row)
        if here != last:
            groups.append([])
            last = here
        groups[-1].append(row)
    return groups


def _whole_group(client: AfasClient, query: ChangeQuery, pos: Position) -> list[Row]:
    """All rows of one (modified, key) group, however many pages it spans."""
    out: list[Row] = []
    for page in client.iter_rows(
        query.connector, filters=query.exactly(pos), order_by=query.order_by, take=query.take
    ):
        out.extend(page)
    return out
