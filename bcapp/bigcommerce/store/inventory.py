"""The inventory side of the store facade: setting stock levels, and reading them.

Stock is set with absolute adjustments at BigCommerce's default location, up
to 2,000 items per request (:data:`stock_batch`). BigCommerce refuses a whole
adjustment for one bad item, so a refused request is split in halves until
the bad item is alone (:func:`~.batches.halving`): few extra requests for one
bad SKU among thousands.

Reading goes the other way for a store that leads its stock: every product
with its variants' levels, the SKUs that carry stock as
:class:`~.catalog_records.StoreLevel` (with the reason when one cannot be sent).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.resources.inventory import ADJUSTMENT_BATCH
from bcapp.bigcommerce.resources.paging import chunked
from bcapp.bigcommerce.store.batches import Body, WriteResult, halving
from bcapp.bigcommerce.store.catalog_records import StockSetting, StoreLevel

K = TypeVar("K", bound=Hashable)

#: What a stock read needs of a product (its variants come with ``include=variants``).
LEVEL_FIELDS = "sku,inventory_level,inventory_tracking"
UNTRACKED = "BigCommerce does not track this product's stock."
ON_PRODUCT = (
    "BigCommerce tracks this product's stock on the product, not per variant; the ERP keeps "
    "stock per article. Track inventory by variant."
)


def levels_of(row: Mapping[str, Any]) -> Iterator[StoreLevel]:
    """The stock-carrying SKUs of one product row (``include=variants``)."""
    tracking = str(row.get("inventory_tracking") or "none")
    own = [v for v in row.get("variants") or [] if v.get("option_values")]
    pid = int(row["id"])
    if not own:
        sku = str(row.get("sku") or "")
        if sku:
            skip = "" if tracking != "none" else UNTRACKED
            yield StoreLevel(sku, int(row.get("inventory_level") or 0), pid, skip=skip)
        return
    for variant in own:
        sku = str(variant.get("sku") or "")
        if not sku:
            continue
        skip = {"none": UNTRACKED, "product": ON_PRODUCT}.get(tracking, "")
        yield StoreLevel(sku, int(variant.get("inventory_level") or 0), pid,
                         int(variant["id"]), skip)  # fmt: skip


class InventorySide:
    """Stock levels (a side of the store facade)."""

    client: BigCommerceClient

    #: The inventory location the app sets stock at (BigCommerce's default location).
    inventory_location: ClassVar[int] = 1
    #: Items per adjustment request (BigCommerce's documented maximum).
    stock_batch: ClassVar[int] = ADJUSTMENT_BATCH

    def set_stock(
        self, settings: Sequence[tuple[K, StockSetting]], *, reason: str
    ) -> Iterator[WriteResult[K]]:
        """Set absolute levels, :attr:`stock_batch` per request, halving a refused one.

        Lazy, one result per request that BigCommerce took and one per refused
        item (see :mod:`.batches`).
        """
        entries: list[tuple[K, Body]] = [
            (key, {"sku": s.sku, "quantity": s.quantity, "location_id": self.inventory_location})
            for key, s in settings
        ]
        for chunk in chunked(entries, self.stock_batch):
            yield from halving(chunk, lambda items: self._adjust(items, reason))

    def _adjust(self, items: list[Body], reason: str) -> None:
        self.client.inventory.adjust_absolute(items, reason=reason)

    def stock_levels(self, *, page: int) -> Iterator[list[StoreLevel]]:
        """Every product's stock-carrying SKUs, ``page`` products at a time."""
        rows = self.client.products.iterate({"include_fields": LEVEL_FIELDS}, include="variants")
        for chunk in chunked(rows, page):
            yield [level for row in chunk for level in levels_of(row)]
