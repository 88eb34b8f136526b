"""One Exact division's data: tables of rows, the Timestamp counter, deletions and events.

Rows are plain dicts in Exact's own field names. Every write stamps the row with
the division's next ``Timestamp`` (an Int64 that only grows, like the SQL Server
rowversion behind Exact's sync API) and ``Modified``; the sync views page on it.
Deletions go to ``deleted`` (``sync/Deleted``); changes to subscribed topics go to
``events`` until :meth:`ExactSandbox.deliver_webhooks` sends them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bcapp.sandbox.bigcommerce.clock import SandboxClock
from bcapp.sandbox.exact.schema import builtin

Row = dict[str, Any]

#: sync/Deleted EntityType codes (E1 SyncDeleted.php docblock).
ENTITY_TYPES = {
    "Accounts": 2,
    "Addresses": 3,
    "Contacts": 5,
    "Items": 9,
    "SalesInvoices": 13,
    "StockPositions": 15,
    "GoodsDeliveries": 16,
    "GoodsDeliveryLines": 17,
    "ItemWarehouses": 19,
    "SalesOrders": 32,  # SalesOrderHeaders
    "SalesOrderLines": 33,
}
#: The first Timestamp a division hands out (any positive Int64 would do).
FIRST_TIMESTAMP = 100_001
#: Fields :meth:`DivisionData.find` looks up through an index (seeding 10,000 items stays fast).
INDEXED = {
    "Items": ("Code",),
    "Accounts": ("Code",),
    "ItemWarehouses": ("Item",),
    "SalesItemPrices": ("Item",),
    "SalesOrders": ("YourRef", "OrderNumber"),
    "SalesOrderLines": ("OrderID",),
    "GoodsDeliveryLines": ("EntryID",),
    "SalesInvoiceLines": ("InvoiceID",),
}


def new_guid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Event:
    """A change to announce to webhook subscribers of ``topic``."""

    topic: str
    action: str  # Create, Update, Delete
    key: str
    endpoint: str  # path under /api/v1/{division}/, e.g. "logistics/Items(guid'…')"
    created: datetime


class DivisionData:
    """The data of one Exact administration (division), with its own numbering."""

    def __init__(self, code: int, clock: SandboxClock, description: str = "") -> None:
        self.code = code
        self.clock = clock
        self.description = description or f"Company {code}"
        self.tables: dict[str, dict[str, Row]] = {name: {} for name in builtin()}
        self.deleted: list[Row] = []
        self.events: list[Event] = []
        self._timestamp = FIRST_TIMESTAMP - 1
        self._index: dict[tuple[str, str], dict[Any, set[str]]] = {}
        self._indexed: dict[tuple[str, str], dict[str, Any]] = {}
        self.numbers = {"order": 1, "delivery": 1, "invoice": 25_000_001, "account": 1}

    # -- time and stamps ----------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), UTC).replace(microsecond=0)

    def tick(self) -> int:
        """The next Timestamp (unique and increasing within the division)."""
        self._timestamp += 1
        return self._timestamp

    def next_number(self, kind: str) -> int:
        value = self.numbers[kind]
        self.numbers[kind] = value + 1
        return value

    # -- rows ---------------------------------------------------------------------------

    def table(self, entity: str) -> dict[str, Row]:
        return self.tables[entity]

    def rows(self, entity: str) -> Iterator[Row]:
        return iter(self.tables[entity].values())

    def get(self, entity: str, key: str | None) -> Row | None:
        return self.tables[entity].get(str(key).lower()) if key else None

    def save(self, entity: str, row: Row, *, created: bool = False) -> Row:
        """Store ``row`` with a fresh Timestamp and Modified (and Created when new)."""
        now = self.now()
        key_field = builtin()[entity].key
        key = str(row[key_field]).lower()
        row["Division"] = self.code
        row["Modified"] = now
        if created or "Created" not in row:
            row["Created"] = now
        row["Timestamp"] = self.tick()
        self.tables[entity][key] = row
        self._reindex(entity, key, row)
        return row

    def _reindex(self, entity: str, key: str, row: Row | None) -> None:
        for field in INDEXED.get(entity, ()):
            index = self._index.setdefault((entity, field), {})
            values = self._indexed.setdefault((entity, field), {})
            if key in values:
                index.get(values.pop(key), set()).discard(key)
            if row is not None:
                values[key] = row.get(field)
                index.setdefault(row.get(field), set()).add(key)

    def delete(self, entity: str, key: str) -> Row | None:
        """Remove a row and record it for ``sync/Deleted`` (when Exact tracks that entity)."""
        row = self.tables[entity].pop(str(key).lower(), None)
        self._reindex(entity, str(key).lower(), None)
        if row is not None and entity in ENTITY_TYPES:
            self.deleted.append(
                {
                    "Timestamp": self.tick(),
                    "ID": new_guid(),
                    "EntityKey": str(key).lower(),
                    "EntityType": ENTITY_TYPES[entity],
                    "DeletedBy": None,
                    "DeletedDate": self.now(),
                    "Division": self.code,
                }
            )
        return row

    def find(self, entity: str, **match: Any) -> list[Row]:
        """Rows whose fields equal every ``match`` value (test and seed helper)."""
        indexed = [f for f in INDEXED.get(entity, ()) if f in match]
        if indexed:
            keys = self._index.get((entity, indexed[0]), {}).get(match[indexed[0]], set())
            candidates: Iterator[Row] = (self.tables[entity][k] for k in sorted(keys))
        else:
            candidates = self.rows(entity)
        return [row for row in candidates if all(row.get(k) == v for k, v in match.items())]

    def children(self, entity: str, parent_field: str, parent_key: str) -> list[Row]:
        """The lines of one header, in line-number order."""
        rows = self.find(entity, **{parent_field: parent_key})
        return sorted(rows, key=lambda r: r.get("LineNumber") or 0)

    # -- events -------------------------------------------------------------------------

    def emit(self, topic: str, action: str, key: str, endpoint: str) -> None:
        """Queue a webhook event when any subscription of this division wants ``topic``."""
        wanted = {s["Topic"] for s in self.rows("WebhookSubscriptions")}
        if topic in wanted:
            self.events.append(Event(topic, action, key, endpoint, self.now()))
