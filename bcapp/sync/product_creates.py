"""Creating the BigCommerce products of unbound ERP articles (the create half of a batch).

One request per product (variants, images and custom fields ride along), up to
:data:`CREATE_WORKERS` in flight; each is bound and committed before the next is looked
at, so a run killed midway never creates it twice. A duplicate-SKU refusal means the
product exists already (a run died after creating it, or the merchant added it): it
is adopted and updated instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

from bcapp.bigcommerce.store import CreatedProduct, StoreProduct
from bcapp.errors import RetryableSyncError, SyncError
from bcapp.sync.context import SyncContext
from bcapp.sync.product_items import ENTITY, Item
from bcapp.sync.records import Outcome

#: Product creates in flight at once (the budget still spaces them to the store's quota).
CREATE_WORKERS = 4


class Creating:
    """Creates for :class:`~bcapp.sync.products.ProductSync` (a mixin, like ``Matching``)."""

    ctx: SyncContext
    # From ProductSync, Matching and Updating:
    _fail: Callable[[Item], None]
    _update: Callable[[list[Item]], None]
    _bind_skus: Callable[[int, Mapping[str, int]], None]
    _adopt: Callable[[Item, StoreProduct], None]

    def _create_all(self, items: list[Item]) -> None:
        """One POST per product, up to :data:`CREATE_WORKERS` in flight; bound in order.

        A create is one request that waits on BigCommerce (it also fetches the
        images), so one at a time would leave the store's quota unused at real
        latencies. Only the HTTP runs in the pool; binding, logging and the
        commit after each product stay in the run's thread, in batch order.
        A retryable failure stops the run only after every create that did
        succeed is bound.
        """
        if len(items) < 2:
            for item in items:
                self._created(item, self._post(item))
            return
        retry: RetryableSyncError | None = None
        _ = self.ctx.store  # build the client here, not in several threads at once
        with ThreadPoolExecutor(max_workers=CREATE_WORKERS) as pool:
            futures = [(item, pool.submit(self._post, item)) for item in items]
            for item, future in futures:
                outcome = future.result()
                if isinstance(outcome, RetryableSyncError):
                    retry = retry or outcome
                    continue
                self._created(item, outcome)
        if retry is not None:
            raise retry

    def _post(self, item: Item) -> CreatedProduct | SyncError:
        """The create request alone (safe in a worker thread: no database)."""
        try:
            return self.ctx.store.create_product(item.parts)
        except SyncError as exc:
            return exc

    def _created(self, item: Item, created: CreatedProduct | SyncError) -> None:
        if isinstance(created, RetryableSyncError):
            raise created
        if isinstance(created, SyncError):
            if self.ctx.store.is_duplicate_sku(created) and self._recover_duplicate(item):
                return
            item.error = created
            self._fail(item)
            self.ctx.commit()
            return
        # Created by us: storefronts.assign_storefronts puts it on exactly the chosen ones.
        data = {**created.written, "channels": []}
        self.ctx.binder.bind(ENTITY, created.bc_id, item.product.erp_id, sync_hash=item.digest,
                             data=data)  # fmt: skip
        self._bind_skus(created.bc_id, created.variant_ids)
        self.ctx.record(
            Outcome.CREATED,
            ENTITY,
            created.bc_id,
            item.product.erp_id,
            f"Created {item.product.sku}.",
            request=item.parts.loggable(),
        )
        self.ctx.commit()  # durable before the next one: a crash never duplicates it

    def _create(self, item: Item) -> None:
        self._created(item, self._post(item))

    def _recover_duplicate(self, item: Item) -> bool:
        """The SKU exists already (a run died after creating it, or the merchant added it)."""
        sku = item.product.sku
        found = self.ctx.store.products_by_sku([sku]).get(sku.lower())
        if found is None:
            return False
        self._adopt(item, found)
        if item.error is not None:
            return False
        self._update([item])
        return True
