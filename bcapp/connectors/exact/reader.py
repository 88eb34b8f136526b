"""Incremental and full reads: the sync API's Timestamp cursor and bulk pages.

The sync API (``sync/Logistics/Items`` …) orders rows by ``Timestamp``, an Int64
Exact raises on every change, and answers ``$filter=Timestamp gt {n}L`` with up to
1,000 rows a page. So the cursor is simply the highest Timestamp delivered:

* resume with ``Timestamp gt cursor`` → no gap, no repeat (Timestamps are unique);
* a record that changes while we page gets a higher Timestamp and comes again,
  later in the same run, with its new data;
* the first run starts from 0 and is the full read (Exact's recommended way; the
  CRUD and bulk endpoints of synced entities demand a filter).

Rows can be lines of one document (``sync/SalesInvoice/SalesInvoices`` has one row
per invoice line): with ``group_by`` a page never ends inside a document; the
trailing group is carried over to the next page, so the cursor stays behind it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bcapp.connectors.exact.budget import Priority
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.odata import Row, all_of, int64_literal, timestamp

SYNC_ITEMS = "sync/Logistics/Items"
SYNC_PRICES = "sync/Logistics/SalesItemPrices"
SYNC_STOCK = "sync/Inventory/StockPositions"
SYNC_ACCOUNTS = "sync/CRM/Accounts"
SYNC_ORDERS = "sync/SalesOrder/SalesOrderHeaders"
SYNC_DELIVERIES = "sync/SalesOrder/GoodsDeliveries"
SYNC_DELIVERY_LINES = "sync/SalesOrder/GoodsDeliveryLines"
SYNC_INVOICES = "sync/SalesInvoice/SalesInvoices"
SYNC_DELETED = "sync/Deleted"
#: sync/Deleted EntityType codes we act on [V E1 SyncDeleted.php].
DELETED_ITEMS, DELETED_ACCOUNTS = 9, 2


@dataclass(frozen=True)
class SyncPage:
    """Rows of one page and the cursor to save once they are committed."""

    rows: tuple[Row, ...]
    cursor: int


def read_sync(
    client: ExactClient,
    endpoint: str,
    fields: Sequence[str],
    cursor: int = 0,
    *,
    group_by: str | None = None,
    where: str = "",
    priority: Priority = Priority.CATALOG,
) -> Iterator[SyncPage]:
    """Every row changed after ``cursor``, page by page, with the cursor after each page.

    Args:
        fields: the ``$select`` (``Timestamp`` and ``group_by`` are added).
        cursor: the highest Timestamp already delivered (0: everything).
        group_by: a field whose rows must stay in one page (``InvoiceID``).
        where: an extra filter ANDed with the Timestamp condition.
    """
    select = list(dict.fromkeys([*fields, "Timestamp", *([group_by] if group_by else [])]))
    flt = all_of(f"Timestamp gt {int64_literal(cursor)}", where)
    carried: list[Row] = []
    for page in client.pages(endpoint, select=select, filter=flt, priority=priority):
        rows = carried + page.rows
        ready, carried = _split_tail(rows, group_by) if page.more else (rows, [])
        if ready:
            cursor = max(cursor, *(timestamp(r) for r in ready))
            yield SyncPage(tuple(ready), cursor)


def _split_tail(rows: list[Row], group_by: str | None) -> tuple[list[Row], list[Row]]:
    """(complete groups, the trailing group that may continue on the next page)."""
    if not group_by or not rows:
        return rows, []
    last = rows[-1].get(group_by)
    cut = len(rows)
    while cut > 0 and rows[cut - 1].get(group_by) == last:
        cut -= 1
    return rows[:cut], rows[cut:]


def read_deleted(
    client: ExactClient,
    entity_type: int,
    cursor: int = 0,
    *,
    priority: Priority = Priority.CATALOG,
) -> Iterator[SyncPage]:
    """``sync/Deleted`` rows of one EntityType (9 items, 2 accounts …) after ``cursor``."""
    fields = ("EntityKey", "EntityType", "DeletedDate")
    where = f"EntityType eq {entity_type}"
    return read_sync(client, SYNC_DELETED, fields, cursor, where=where, priority=priority)


def read_bulk(
    client: ExactClient,
    endpoint: str,
    fields: Sequence[str],
    *,
    where: str,
    priority: Priority = Priority.CATALOG,
) -> Iterator[list[Row]]:
    """A filtered bulk read (``bulk/SalesOrder/SalesOrders?$filter=…``), 1,000 rows a page.

    Exact demands a filter on bulk endpoints of entities that have a sync API; a
    full read of those goes through :func:`read_sync` from cursor 0 instead.
    """
    for page in client.pages(endpoint, select=list(fields), filter=where, priority=priority):
        if page.rows:
            yield page.rows
