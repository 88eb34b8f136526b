"""The category side of the store facade: a channel's category tree, read and written.

Multi-storefront BigCommerce keeps one category tree per channel. Categories
are written in arrays (up to :data:`~bcapp.bigcommerce.resources.categories.CATEGORY_BATCH`
per request); a refused array is retried item by item, so one refused name
fails alone with BigCommerce's words (:mod:`.batches`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from bcapp.bigcommerce.catalog_mapping import category_hash, category_payload
from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.resources.categories import CATEGORY_BATCH
from bcapp.bigcommerce.store.batches import Body, WriteResult, isolating
from bcapp.bigcommerce.store.catalog_records import CategoryWrite, StoreCategory
from bcapp.canonical import Category

K = TypeVar("K", bound=Hashable)


def store_category(row: Mapping[str, Any]) -> StoreCategory:
    """A ``/catalog/trees/categories`` item → :class:`StoreCategory`."""
    return StoreCategory(
        category_id=int(row["category_id"]),
        parent_id=int(row.get("parent_id") or 0),
        name=str(row.get("name") or ""),
        sort_order=int(row.get("sort_order") or 0),
        description=str(row.get("description") or ""),
    )


class CategorySide:
    """Category trees (a side of the store facade)."""

    client: BigCommerceClient

    def category_tree_id(self, channel_id: int) -> int | None:
        """The category tree of channel ``channel_id``; None when the channel has none."""
        trees = list(self.client.category_trees.trees([channel_id]))
        return int(trees[0]["id"]) if trees else None

    def categories(self, tree_id: int) -> list[StoreCategory]:
        """Every category of the tree, flat (parents named by ``parent_id``)."""
        return [store_category(row) for row in self.client.category_trees.categories([tree_id])]

    @staticmethod
    def category_write(category: Category, parent_id: int | None, tree_id: int) -> CategoryWrite:
        """``category`` as a create in ``tree_id`` under ``parent_id`` (None: at the top);
        ``.as_update(category_id)`` makes it an update."""
        body = category_payload(category, parent_id, tree_id)
        return CategoryWrite(
            name=str(body["name"]),
            parent_id=int(body.get("parent_id") or 0),
            digest=category_hash(category),
            body=body,
        )

    def create_categories(
        self, writes: Sequence[tuple[K, CategoryWrite]]
    ) -> Iterator[WriteResult[K]]:
        """Create categories; a taken item carries its new ``bc_id`` (lazy: :mod:`.batches`)."""
        entries = [(key, write.request) for key, write in writes]
        return isolating(entries, CATEGORY_BATCH, self._send_creates)

    def update_categories(
        self, writes: Sequence[tuple[K, CategoryWrite]]
    ) -> Iterator[WriteResult[K]]:
        """Update categories (writes made with ``as_update``); lazy, see :mod:`.batches`."""
        entries = [(key, write.request) for key, write in writes]
        return isolating(entries, CATEGORY_BATCH, self._send_updates)

    def _send_creates(self, bodies: list[Body]) -> list[int]:
        result = self.client.category_trees.create_categories(bodies)
        return [int(row.get("category_id") or row["id"]) for row in result.data]

    def _send_updates(self, bodies: list[Body]) -> None:
        self.client.category_trees.update_categories(bodies)
