"""Catalog v3 category trees: one tree per channel, categories written in arrays."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from bcapp.bigcommerce.resources import Resource
from bcapp.bigcommerce.resources.paging import BatchResult, chunked

#: BigCommerce documents no maximum for category arrays; 50 matches the trees
#: endpoint's documented maximum and keeps one refused item from failing many.
CATEGORY_BATCH = 50
DELETE_BATCH = 250


class CategoryTrees(Resource):
    """``/catalog/trees`` and ``/catalog/trees/categories``."""

    def trees(self, channel_ids: Iterable[int] | None = None) -> Iterator[dict[str, Any]]:
        params = {"channel_id:in": list(channel_ids) if channel_ids is not None else None}
        return self.api.iter_v3("/catalog/trees", params)

    def categories(
        self, tree_ids: Iterable[int] | None = None, filters: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Categories of the given trees (all when None), flat; parents named by ``parent_id``."""
        params = {**(filters or {}), "tree_id:in": list(tree_ids) if tree_ids is not None else None}
        return self.api.iter_v3("/catalog/trees/categories", params)

    def create_categories(self, categories: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Create categories: ``name``, ``tree_id`` and ``parent_id`` (0 at the top of a tree).

        The prose asks for ``tree_id`` *or* ``parent_id``, the schema for both; both always works.
        """
        return self.api.batches(
            "POST", "/catalog/trees/categories", [dict(c) for c in categories], CATEGORY_BATCH
        )

    def update_categories(self, categories: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Update categories (each needs ``category_id``)."""
        if any("category_id" not in category for category in categories):
            raise ValueError("a category update needs each category's category_id")
        return self.api.batches(
            "PUT", "/catalog/trees/categories", [dict(c) for c in categories], CATEGORY_BATCH
        )

    def delete_categories(self, category_ids: Iterable[int]) -> None:
        for batch in chunked(category_ids, DELETE_BATCH):
            self.api.v3("DELETE", "/catalog/trees/categories", params={"category_id:in": batch})
