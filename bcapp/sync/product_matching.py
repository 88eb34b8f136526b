"""Finding the BigCommerce product an unbound ERP article already is (first sync, recovery).

A store that already sells must not get a second copy of each article. Before
creating, :class:`Matching` looks unbound articles up — by product SKU, then
by variant SKU, then by EAN (the store facade checks the code really matches)
— and *adopts* what it finds: the product is bound, its variant, image and
custom-field ids are taken over (the store's ``adopted_state``), and it is
then updated from the ERP like any bound product.

The lookups cost reads, so they only run while BigCommerce holds more products
than this connection has bound (one count per run): against an empty store,
or once everything is bound, a first sync goes straight to creating.
"""

from __future__ import annotations

from bcapp.bigcommerce.store import MappingOptions, StoreProduct
from bcapp.errors import FatalSyncError
from bcapp.extensions import db
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.product_items import ENTITY, Item


class Matching:
    """Lookups and adoption for :class:`~bcapp.sync.products.ProductSync` (a mixin)."""

    ctx: SyncContext
    options: MappingOptions
    _foreign: bool | None

    def foreign_products(self) -> bool:
        """True when BigCommerce has products we did not bind (then unbound SKUs are looked up)."""
        if self._foreign is None:
            total = self.ctx.store.product_count()
            bound = db.session.scalar(
                db.select(db.func.count(Binding.id)).where(
                    Binding.connection_id == self.ctx.binder.connection_id,
                    Binding.entity == ENTITY,
                )
            )
            self._foreign = total > (bound or 0)
        return self._foreign

    def _match(self, unbound: list[Item]) -> None:
        """Adopt existing BigCommerce products by SKU (product or variant), then by EAN."""
        if not unbound or not self.foreign_products():
            return
        store = self.ctx.store
        by_sku = store.products_by_sku([i.product.sku for i in unbound])
        variant_skus = [
            s for i in unbound for s in i.parts.variant_skus if i.product.sku not in by_sku
        ]
        by_variant = store.products_by_variant_sku(variant_skus) if variant_skus else {}
        for item in unbound:
            found = by_sku.get(item.product.sku.lower()) or next(
                (by_variant[s.lower()] for s in item.parts.variant_skus if s.lower() in by_variant),
                None,
            )
            if found is None and item.product.ean:
                found = store.product_by_ean(item.product.ean)
            if found is not None:
                self._adopt(item, found)

    def _adopt(self, item: Item, found: StoreProduct) -> None:
        other = self.ctx.binder.by_bc(ENTITY, found.bc_id)
        if other is not None and other.erp_id != item.product.erp_id:
            item.error = FatalSyncError(
                f"BigCommerce product {found.bc_id} with SKU {found.sku} is already linked to "
                f"ERP article {other.erp_id}; two articles cannot share one product.",
                remote="bigcommerce",
            )
            return
        store = self.ctx.store
        item.found = found
        item.plan = store.plan_update(item.parts, store.adopted_state(found, item.parts),
                                      self.options)  # fmt: skip
