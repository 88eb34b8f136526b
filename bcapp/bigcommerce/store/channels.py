"""The storefront side of the store facade: which channels exist, which sell a product.

On a multi-storefront store a product is sold only on the channels it is
assigned to. BigCommerce puts a product created through the API on the first
storefront, so a product the app created comes off it again unless that
storefront is chosen too (:class:`~.catalog_records.Assignment`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from typing import TypeVar

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.resources.paging import chunked
from bcapp.bigcommerce.store.batches import WriteResult, Written
from bcapp.bigcommerce.store.catalog_records import Assignment
from bcapp.errors import FatalSyncError

K = TypeVar("K", bound=Hashable)

#: The storefront BigCommerce assigns a product to when the API creates it.
FIRST_STOREFRONT = 1
#: Assignment rows per PUT (the client splits further at BigCommerce's own limit).
ROWS_PER_REQUEST = 250


class ChannelSide:
    """Channels and product assignments (a side of the store facade)."""

    client: BigCommerceClient

    def channel_ids(self) -> set[int]:
        """The store's sales channels (storefronts, marketplaces, POS)."""
        return {int(channel["id"]) for channel in self.client.store.channels()}

    def assign_channels(
        self, products: Sequence[tuple[K, Assignment]], channels: Sequence[int]
    ) -> Iterator[WriteResult[K]]:
        """Put ``products`` on ``channels``, as many per request as 250 rows allow.

        Lazy, one result per request (see :mod:`.batches`). A refused request is
        retried product by product (one deleted in BigCommerce fails alone); a
        refused request of one product raises, as there is nothing to isolate.
        """
        for batch in self.assignment_pieces(products, channels):
            try:
                self._assign([a for _key, a in batch], channels)
            except FatalSyncError:
                if len(batch) == 1:
                    raise
                yield WriteResult(tuple(self._one(key, a, channels) for key, a in batch))
                continue
            yield WriteResult(tuple(Written(key) for key, _a in batch))

    def assignment_pieces(
        self, products: Sequence[tuple[K, Assignment]], channels: Sequence[int]
    ) -> Iterator[list[tuple[K, Assignment]]]:
        """``products`` cut as :meth:`assign_channels` sends them: one request per piece."""
        return chunked(products, max(1, ROWS_PER_REQUEST // len(channels)))

    def _one(self, key: K, assignment: Assignment, channels: Sequence[int]) -> Written[K]:
        try:
            self._assign([assignment], channels)
        except FatalSyncError as exc:
            return Written(key, error=exc)
        return Written(key)

    def _assign(self, batch: Sequence[Assignment], channels: Sequence[int]) -> None:
        """Assign, and take products the app created off the first storefront unless chosen."""
        self.client.channel_assignments.assign(
            [{"product_id": a.product_id, "channel_id": c} for a in batch for c in channels]
        )
        created = [a.product_id for a in batch if a.created]
        if created and FIRST_STOREFRONT not in channels:
            self.client.channel_assignments.unassign(created, [FIRST_STOREFRONT])
