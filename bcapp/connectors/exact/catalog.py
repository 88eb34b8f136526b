"""Exact's catalog as the store should see it: item groups, items with prices, stock.

Reads go through the sync API (:mod:`.reader`) with Exact's Timestamp as cursor,
priority ``CATALOG`` (never the day's order reserve). One products cursor holds
several positions (JSON, opaque to flows):

* ``i`` items, ``p`` sales prices, ``d`` ``sync/Deleted`` (items), and ``v`` the
  division's VAT codes (re-read only when an item names an unknown code).

A run reads the price changes first, then the changed items page by page (each
joined with its price: from the changes, else one lookup per page), then items
whose *price alone* changed, then deleted items as tombstones: ``Product`` with
no SKU and ``blocked`` (the products flow hides the bound product). The price
and deletion positions move only in the last batches, so a run that stops
midway reads them again (an item whose row and price both changed may then come
twice, which the flow's hash makes harmless). A first run (price position 0)
reads every item anyway, so its price read is only the lookup table.

Stock comes from ``sync/Inventory/StockPositions`` (one row per item and
warehouse). The first run reads every row; later runs read the rows changed
since the cursor and then *all* warehouse rows of those items
(``inventory/ItemWarehouses``), so each :class:`StockLevel` is complete.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bcapp.connectors.base import Batch, Category, Product, StockLevel
from bcapp.connectors.exact import mapping
from bcapp.connectors.exact.odata import Row, decimal, guid, guid_literal
from bcapp.connectors.exact.reader import (
    DELETED_ITEMS,
    SYNC_ITEMS,
    SYNC_PRICES,
    SYNC_STOCK,
    read_deleted,
    read_sync,
)
from bcapp.connectors.exact.session import ExactSession
from bcapp.errors import ConfigError

ITEMS, PRICES = "logistics/Items", "logistics/SalesItemPrices"
WAREHOUSES = "inventory/ItemWarehouses"
ITEM_FIELDS = (*mapping.ITEM_FIELDS, "ItemGroupCode")
WAREHOUSE_FIELDS = (
    "Item", "ItemCode", "WarehouseCode", "CurrentStock", "ReservedStock", "PlannedStockOut",
    "ProjectedStock",
)  # fmt: skip
#: ItemWarehouses' names for the StockPositions figures.
WAREHOUSE_NAMES = {"PlanningOut": "PlannedStockOut"}
LEVELS_PER_BATCH = 1000


@dataclass
class ProductCursor:
    """The products cursor's positions (see the module docstring)."""

    items: int = 0
    prices: int = 0
    deleted: int = 0
    vat: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def decode(cls, cursor: str | None) -> ProductCursor:
        if not cursor:
            return cls()
        try:
            data = json.loads(cursor)
            return cls(int(data["i"]), int(data["p"]), int(data["d"]), dict(data.get("v") or {}))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"The saved Exact Online products position {cursor[:60]!r} is unreadable; "
                "run a full catalog sync."
            ) from exc

    def encode(self) -> str:
        return json.dumps(
            {"i": self.items, "p": self.prices, "d": self.deleted, "v": self.vat},
            separators=(",", ":"),
        )


class CatalogReads(ExactSession):
    """Item groups, products and stock (a part of ``ExactConnector``)."""

    # -- categories ------------------------------------------------------------------------

    def fetch_categories(self, cursor: str | None) -> Iterator[Batch[Category]]:
        """Every item group (a small table: read whole each run), the settings' ones only."""
        rows = self.client.find("logistics/ItemGroups", select=mapping.GROUP_FIELDS)
        wanted = set(self.settings.item_groups)
        chosen = [r for r in rows if not wanted or str(r.get("Code") or "") in wanted]
        yield Batch(tuple(mapping.category(r) for r in chosen), None)

    # -- products ----------------------------------------------------------------------------

    def fetch_products(self, cursor: str | None) -> Iterator[Batch[Product]]:
        """Items changed after ``cursor`` with their prices, then deleted items as tombstones."""
        at = ProductCursor.decode(cursor)
        prices, price_cursor = self._price_changes(at.prices)
        seen: set[str] = set()
        for page in read_sync(self.client, SYNC_ITEMS, ITEM_FIELDS, at.items):
            at.items = page.cursor
            products = self._products(page.rows, prices, at)
            seen.update(guid(r["ID"]) for r in page.rows)
            yield Batch(products, at.encode())
        # From 0 the price read is only the lookup table: the item read covers every item.
        repriced = [item for item in prices if item not in seen] if at.prices else []
        moved, at.prices = price_cursor != at.prices, price_cursor
        rows = list(self.lookup(ITEMS, "ID", map(guid_literal, repriced), select=ITEM_FIELDS))
        if rows or moved:
            yield Batch(self._products(rows, prices, at), at.encode())
        gone: list[Product] = []
        for deleted in read_deleted(self.client, DELETED_ITEMS, at.deleted):
            gone += [tombstone(guid(r["EntityKey"])) for r in deleted.rows]
            at.deleted = deleted.cursor
        if gone:
            yield Batch(tuple(gone), at.encode())

    def fetch_product(self, erp_id: str) -> Product | None:
        """One item in its current state, with its price (the log's Retry)."""
        try:
            key = guid_literal(erp_id)
        except ValueError:
            return None
        rows = self.client.find(ITEMS, select=ITEM_FIELDS, filter=f"ID eq {key}", top=1)
        if not rows:
            return None
        products = self._products(rows, {}, ProductCursor(), keep_all=True)
        return products[0] if products else None

    def _price_changes(self, since: int) -> tuple[dict[str, Decimal], int]:
        rows: list[Row] = []
        cursor = since
        for page in read_sync(self.client, SYNC_PRICES, mapping.PRICE_FIELDS, since):
            rows.extend(page.rows)
            cursor = page.cursor
        return mapping.prices_by_item(rows, currency=self.settings.currency, at=self._now()), cursor

    def _products(
        self,
        rows: Iterable[Row],
        prices: Mapping[str, Decimal],
        at: ProductCursor,
        *,
        keep_all: bool = False,
    ) -> tuple[Product, ...]:
        wanted = set(self.settings.item_groups)
        chosen = [
            r for r in rows if keep_all or not wanted or str(r.get("ItemGroupCode") or "") in wanted
        ]
        missing = [guid(r["ID"]) for r in chosen if guid(r["ID"]) not in prices]
        known = {**prices, **self._prices_of(missing)}
        vat = self._vat_codes(at, {str(r.get("SalesVatCode") or "") for r in chosen})
        now = self._now()
        return tuple(
            mapping.product(
                r,
                price=known.get(guid(r["ID"])),
                vat=vat.get(str(r.get("SalesVatCode") or "")),
                at=now,
            )
            for r in chosen
        )

    def _prices_of(self, items: list[str]) -> dict[str, Decimal]:
        """The default sales price of items whose prices did not change (one lookup a chunk)."""
        if not items:
            return {}
        rows = self.lookup(PRICES, "Item", map(guid_literal, items), select=mapping.PRICE_FIELDS)
        return mapping.prices_by_item(rows, currency=self.settings.currency, at=self._now())

    def _vat_codes(self, at: ProductCursor, needed: set[str]) -> dict[str, mapping.VatCode]:
        """The division's VAT codes: kept in the cursor, re-read when an item names a new one."""
        if needed - set(at.vat) - {""}:
            rows = self.client.find("vat/VATCodes", select=mapping.VAT_FIELDS)
            codes = [mapping.vat_code(r) for r in rows]
            at.vat = {c.code: [str(c.percent), c.includes_vat] for c in codes}
        return {
            code: mapping.VatCode(code, Decimal(percent), bool(incl))
            for code, (percent, incl) in at.vat.items()
        }

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # -- stock -------------------------------------------------------------------------------

    def fetch_stock(self, cursor: str | None) -> Iterator[Batch[StockLevel]]:
        """Stock per item and warehouse changed after ``cursor`` (everything on the first run).

        Only the last batch carries the cursor: an item's warehouse rows may sit on
        different pages, so levels are complete only once every page is read.
        """
        since = int(cursor) if cursor and cursor.isdigit() else 0
        rows: list[Row] = []
        position = since
        for page in read_sync(self.client, SYNC_STOCK, (*mapping.STOCK_FIELDS, "FreeStock"),
                              since):  # fmt: skip
            rows.extend(page.rows)
            position = page.cursor
        if since and rows:
            rows = self._warehouse_rows({guid(r["ItemId"]) for r in rows})
        levels = mapping.stock_levels(self._as_stock_rows(rows))
        for i in range(0, len(levels), LEVELS_PER_BATCH):
            last = i + LEVELS_PER_BATCH >= len(levels)
            chunk = tuple(levels[i : i + LEVELS_PER_BATCH])
            yield Batch(chunk, str(position) if last else None)
        if not levels and position != since:
            yield Batch((), str(position))

    def _warehouse_rows(self, items: set[str]) -> list[Row]:
        """Every warehouse row of ``items`` (ItemWarehouses), renamed like StockPositions."""
        rows = self.lookup(WAREHOUSES, "Item", map(guid_literal, sorted(items)),
                           select=WAREHOUSE_FIELDS)  # fmt: skip
        out = []
        for row in rows:
            current, reserved = decimal(row.get("CurrentStock")), decimal(row.get("ReservedStock"))
            out.append({
                "ItemId": row["Item"], "ItemCode": row.get("ItemCode"),
                "WarehouseCode": row.get("WarehouseCode"), "CurrentStock": current,
                "FreeStock": (current or 0) - (reserved or 0), "ReservedStock": reserved,
                "PlanningOut": row.get("PlannedStockOut"),
                "ProjectedStock": row.get("ProjectedStock"),
            })  # fmt: skip
        return out

    def _as_stock_rows(self, rows: list[Row]) -> list[Row]:
        """Rows with the merchant's chosen figures in ``CurrentStock`` and ``PlanningOut``."""
        on_hand, reserved = self.settings.on_hand_field, self.settings.reserved_field
        if on_hand == "CurrentStock" and reserved == "PlanningOut":
            return rows
        return [
            {
                **r,
                "CurrentStock": r.get(on_hand),
                "PlanningOut": r.get(reserved) if reserved else 0,
            }
            for r in rows
        ]


def tombstone(erp_id: str) -> Product:
    """A deleted item: no SKU, blocked (the products flow hides the product it is bound to)."""
    return replace(Product(erp_id=erp_id, sku="", name="", price=Decimal(0)), blocked=True)
