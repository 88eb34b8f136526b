"""Creating the BigCommerce products of unbound ERP articles (the create half of a batch).

One request per product (variants, images and custom fields ride along), through
the run's bounded pipeline (``BC_MAX_IN_FLIGHT`` in flight, see
:mod:`bcapp.bigcommerce.pipeline`): while creates wait on BigCommerce the run
reads and maps the next batch. Each created product is bound and committed in
the run's thread as soon as its answer arrives (completion order), so a run
killed midway never creates it twice; a batch's cursor is saved only once every
create of the batch is bound (:class:`OpenBatches`). A duplicate-SKU refusal
means the product exists already (a run died after creating it, or the merchant
added it): it is adopted and updated instead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from bcapp.bigcommerce.store import CreatedProduct, Pipeline, StoreProduct
from bcapp.errors import RetryableSyncError, SyncError
from bcapp.sync.context import SyncContext
from bcapp.sync.product_items import ENTITY, Item
from bcapp.sync.records import Outcome

Created = CreatedProduct | SyncError


class OpenBatches:
    """Connector batches whose creates are still in flight, oldest first, with their cursors.

    A cursor may be saved only when its batch and every batch before it is
    done: saving it earlier would skip an article whose create was lost with
    a killed worker.
    """

    def __init__(self) -> None:
        self._batches: deque[tuple[int, Any, set[int]]] = deque()
        self._number = 0

    def open(self) -> int:
        """Start a batch; its number goes on its items until their creates are bound."""
        self._number += 1
        self._batches.append((self._number, None, set()))
        return self._number

    def pending(self, number: int, item: Item) -> None:
        self._find(number).add(id(item))

    def settle(self, number: int, item: Item) -> None:
        self._find(number).discard(id(item))

    def close(self, number: int, cursor: Any) -> None:
        """The batch was read to the end; ``cursor`` may be saved once its creates are bound."""
        for index, (n, _cursor, items) in enumerate(self._batches):
            if n == number:
                self._batches[index] = (n, cursor, items)

    def ready(self) -> list[Any]:
        """Cursors of the oldest batches whose creates are all bound, in order."""
        cursors = []
        while self._batches and not self._batches[0][2]:
            cursors.append(self._batches.popleft()[1])
        return cursors

    def _find(self, number: int) -> set[int]:
        return next(items for n, _c, items in self._batches if n == number)


class Creating:
    """Creates for :class:`~bcapp.sync.products.ProductSync` (a mixin, like ``Matching``)."""

    ctx: SyncContext
    # From ProductSync, Matching and Updating:
    _fail: Callable[[Item], None]
    _update: Callable[[list[Item]], None]
    _bind_skus: Callable[[int, Mapping[str, int]], None]
    _adopt: Callable[[Item, StoreProduct], None]
    #: The run's pipeline and open batches (None outside :meth:`ProductSync.run`).
    _pipe: Pipeline[tuple[int, Item], Created] | None = None
    _open: OpenBatches | None = None
    _batch: int = 0
    _retry: RetryableSyncError | None = None

    def _create_all(self, items: list[Item]) -> None:
        """One POST per product through the pipeline; each bound as its answer arrives.

        Only the HTTP runs in the pool; binding, logging and the commit after
        each product stay in the run's thread. A retryable failure stops the
        run only after every create that did succeed is bound. Outside a run
        (the log's Retry) a pipeline lives for this call alone.
        """
        if not items:
            return
        if self._pipe is None:
            with self.ctx.store.pipeline() as pipe:
                self._pipe = pipe
                try:
                    self._submit_creates(items)
                    self._drain_creates()
                finally:
                    self._pipe = None
            self._raise_retry()
            return
        self._submit_creates(items)

    def _submit_creates(self, items: list[Item]) -> None:
        assert self._pipe is not None
        _ = self.ctx.store  # build the client here, not in several threads at once
        for item in items:  # after a retryable failure the batch goes on; the run stops after it
            if self._open is not None:
                self._open.pending(self._batch, item)
            self._apply(self._pipe.submit((self._batch, item), _poster(self.ctx, item)))

    def _drain_creates(self) -> None:
        if self._pipe is not None:
            self._apply(self._pipe.drain())

    def _apply(self, results: Iterable[tuple[tuple[int, Item], Created]]) -> None:
        """Bind (or fail) each completed create, in completion order."""
        for (batch, item), outcome in results:
            if isinstance(outcome, RetryableSyncError):
                self._retry = self._retry or outcome
                continue  # its batch stays open: the cursor is not saved past it
            self._created(item, outcome)
            if self._open is not None:
                self._open.settle(batch, item)

    def _raise_retry(self) -> None:
        if self._retry is not None:
            retry, self._retry = self._retry, None
            raise retry

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
        try:
            created: Created = self.ctx.store.create_product(item.parts)
        except SyncError as exc:
            created = exc
        self._created(item, created)

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


def _poster(ctx: SyncContext, item: Item) -> Callable[[], CreatedProduct]:
    """The create request alone (safe in a pipeline thread: no database)."""
    store, parts = ctx.store, item.parts
    return lambda: store.create_product(parts)
