"""The update half of the product phase: send each bound article's plan, then bind what was written.

The store facade sends the writes at BigCommerce's batch maxima (10 products,
50 variants per request) and isolates a refused batch item by item, so its
results name the one article BigCommerce refused, in its own words; here
those refusals land on the articles (``Item.error``), and everything else gets
its new written state, hash and SKU bindings. New variants, images and custom
fields go one request each, only for an article whose batched writes went
through.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from bcapp.bigcommerce.store import WriteResult
from bcapp.sync.context import SyncContext
from bcapp.sync.product_items import ENTITY, Item
from bcapp.sync.records import Outcome


class Updating:
    """Updates for :class:`~bcapp.sync.products.ProductSync` (a mixin, like ``Creating``)."""

    ctx: SyncContext
    # From ProductSync, Matching and Creating:
    _fail: Callable[[Item], None]
    _deleted_in_bc: Callable[[Item], None]
    _create: Callable[[Item], None]
    _bind_skus: Callable[[int, Mapping[str, int]], None]

    def _update(self, items: list[Item]) -> None:
        live = [i for i in items if i.plan is not None]
        store = self.ctx.store
        _refused(store.update_products([(i, i.bc_id, i.plan) for i in live
                                        if i.plan is not None and i.bc_id is not None
                                        and i.error is None]))  # fmt: skip
        _refused(store.update_variants([(i, i.plan) for i in live
                                        if i.plan is not None and i.error is None]))  # fmt: skip
        for item in live:
            if item.error is None:
                self._write_extras(item)
            if self._vanished(item):
                continue
            self._finish_update(item)
        self.ctx.commit()  # updates are idempotent: one commit per batch is enough

    def _write_extras(self, item: Item) -> None:
        """New variants, images and custom fields of one product (one request each)."""
        assert item.plan is not None and item.bc_id is not None
        item.extras = self.ctx.store.write_extras(item.bc_id, item.parts, item.plan)
        if item.extras.error is not None:
            item.error = item.extras.error

    def _vanished(self, item: Item) -> bool:
        """A 404 on a bound product deleted in BigCommerce since: re-create or report it."""
        error, binding = item.error, item.binding
        if error is None or error.status != 404 or binding is None or item.found is not None:
            return False
        if self.ctx.store.products_by_id([int(binding.bc_id)]):
            return False  # the product is there; something below it was missing
        item.error = None
        self._deleted_in_bc(item)
        if item.error is None and item.binding is None:
            self._create(item)
            return True
        return False

    def _finish_update(self, item: Item) -> None:
        if item.error is not None:
            self._fail(item)
            return
        plan, bc_id, store = item.plan, item.bc_id, self.ctx.store
        assert plan is not None and bc_id is not None
        previous = (item.binding.data if item.binding else None) or store.adopted_state(
            item.found, item.parts
        )
        data = store.updated_state(item.parts, previous, plan, item.extras)
        if item.binding is None:
            item.binding = self.ctx.binder.bind(
                ENTITY, bc_id, item.product.erp_id, sync_hash=item.digest, data=data
            )
        else:
            item.binding.data = data  # replace, not merge: stale ids must go
            self.ctx.binder.touch(item.binding, item.digest)
        if item.found is not None:  # adopted: every SKU it has, the base variant's too
            self._bind_skus(bc_id, item.found.variant_ids)
        self._bind_skus(bc_id, item.extras.variant_ids)
        outcome = Outcome.UPDATED if not plan.empty else Outcome.UNCHANGED
        message = "Linked to the existing BigCommerce product with this SKU." if item.found else ""
        details = {"changed": plan.changed()} if not plan.empty else None
        self.ctx.record(outcome, ENTITY, bc_id, item.product.erp_id, message, details=details)


def _refused(results: Iterable[WriteResult[Item]]) -> None:
    """Send every batch (the results are lazy); a refused item's article fails with it."""
    for result in results:
        for written in result.failed:
            written.key.error = written.error
