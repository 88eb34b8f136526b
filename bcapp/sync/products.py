"""ERP articles → BigCommerce products, one connector batch at a time, at the batch maxima.

For each batch the connector yields, :class:`ProductSync`:

1. skips articles without a SKU (with the reason), loads the batch's bindings in
   one query, and maps every article to what BigCommerce should hold
   (:class:`~bcapp.bigcommerce.store.ProductParts`, through the store facade);
2. on a full run re-verifies bound products (one ``id:in`` read per batch): a
   product deleted in BigCommerce is re-created or reported (``on_deleted_in_bc``);
3. binds unbound articles to products the store already has — by SKU (product or
   variant), then by EAN (``upc``) — so a first sync against a filled store never
   duplicates; this lookup is skipped while BigCommerce holds no product we did
   not bind (counted once per run);
4. creates what is left (:mod:`bcapp.sync.product_creates`: one request per
   product, variants, images and custom fields ride along, several in flight
   through the run's bounded pipeline while the next batch is read (one batch
   ahead, :mod:`bcapp.sync.prefetch`) and mapped;
   each committed and bound as its answer arrives, so a run killed midway never
   creates it twice; a batch's cursor is saved once all its creates are bound),
   or skips it in ``update_only`` mode;
5. for bound articles whose hash changed sends only the changed parts
   (:mod:`bcapp.sync.product_writes`): product fields in batches of 10,
   variants in batches of 50, images and custom fields one per request. The
   store retries a refused batch item by item, so one bad product fails alone
   with BigCommerce's message.

A tombstone from the connector (``blocked`` and no SKU: the ERP deleted the
article, as Exact's ``sync/Deleted`` says) hides the bound product like a
blocked article; an unbound one is nothing to the store.

A dry run does the same planning, reads BigCommerce's current values for the
products it would update, and records creates/updates/unchanged with the field
differences, writing nothing.

Bindings: entity ``product`` (ERP article ↔ product id; ``data`` holds the
store's written state — per-part hashes and ids, opaque here — and the
storefronts it is on, see :mod:`bcapp.sync.storefronts`)
and entity ``sku`` (SKU ↔ variant id) which the stock phase uses to know which
SKUs exist in BigCommerce and what it last wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from bcapp.bigcommerce.store import MappingOptions, UpdatePlan
from bcapp.connectors.base import Product
from bcapp.errors import FatalSyncError, SyncError
from bcapp.extensions import db
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.field_mapping import map_store_product
from bcapp.sync.prefetch import ahead
from bcapp.sync.product_creates import Creating, OpenBatches
from bcapp.sync.product_items import ENTITY, SKU_ENTITY, Item
from bcapp.sync.product_matching import Matching
from bcapp.sync.product_writes import Updating
from bcapp.sync.records import Outcome

__all__ = ["CURSOR", "ProductSync"]

log = logging.getLogger(__name__)

CURSOR = "catalog.products"


class ProductSync(Creating, Matching, Updating):
    """The product phase of one catalog run."""

    def __init__(self, ctx: SyncContext, options: MappingOptions, *, creates: bool,
                 on_deleted: str) -> None:  # fmt: skip
        self.ctx = ctx
        self.options = options
        self.creates = creates
        self.on_deleted = on_deleted
        self._foreign: bool | None = None

    # -- the loop -----------------------------------------------------------------------------

    def run(self, *, from_start: bool = False) -> None:
        """Every changed article (all of them on a full run), batch by batch, cursor after each.

        ``from_start`` reads every article without the full run's verification
        (the merchant changed a setting that changes every payload).
        """
        ctx = self.ctx
        cursor = None if from_start else ctx.load_cursor(CURSOR)
        self._open = opened = OpenBatches()
        with ctx.store.pipeline() as pipe:
            self._pipe = pipe
            try:
                self._run_batches(opened, cursor)
            except SyncError:
                self._drain_creates()  # what BigCommerce created is bound before the run stops
                self._save_cursors(opened)
                raise
            finally:
                self._pipe = self._open = None
        self._raise_retry()

    def _run_batches(self, opened: OpenBatches, cursor: str | None) -> None:
        """Each connector batch (the next one read ahead), then every create still in flight."""
        ctx = self.ctx
        connector = ctx.connector
        rotating = bool(getattr(connector, "rotating_credentials", False))
        depth = 1 if ctx.store.in_flight > 1 else 0  # 1 in flight: the sequential path
        for batch in ahead(connector.fetch_products(cursor), depth=depth, rotating=rotating):
            self._batch = opened.open()
            ctx.add_total(len(batch.records))
            self.sync_batch(batch.records)
            opened.close(self._batch, batch.cursor)
            self._save_cursors(opened)
            if self._retry is not None:
                break
        self._drain_creates()
        self._save_cursors(opened)

    def _save_cursors(self, opened: OpenBatches) -> None:
        """Save the cursor past every batch whose creates are all bound (oldest first)."""
        for cursor in opened.ready():
            self.ctx.commit(cursor=cursor, cursor_name=CURSOR)

    def sync_batch(self, records: Sequence[Product]) -> None:
        gone = [p for p in records if p.blocked and not p.sku.strip()]
        if gone:
            self._hide_deleted(gone)
            records = [p for p in records if p not in gone]
        items = self._items(records)
        if not items:
            return
        bindings = self.ctx.binder.many_by_erp(ENTITY, [i.product.erp_id for i in items])
        for item in items:
            item.binding = bindings.get(item.product.erp_id)
        if self.ctx.full:
            self._verify([i for i in items if i.binding is not None])
        self._match([i for i in items if i.binding is None])
        creates, updates = self._sort(items)
        if self.ctx.dry_run:
            self._preview(creates, updates)
            return
        self._create_all(creates)
        self._update(updates)

    def _items(self, records: Sequence[Product]) -> list[Item]:
        items, seen = [], set()
        for product in records:
            if not product.sku.strip():
                self.ctx.record(
                    Outcome.SKIPPED,
                    ENTITY,
                    None,
                    product.erp_id,
                    "The ERP article has no SKU (article code); BigCommerce needs one "
                    "to sell it. Give the article a code and it syncs on the next run.",
                )
                continue
            if product.erp_id in seen:
                continue
            seen.add(product.erp_id)
            try:
                product = map_store_product(self.ctx, product)
            except FatalSyncError as exc:  # a failing template fails only this article
                self.ctx.record(Outcome.FAILED, ENTITY, None, product.erp_id, exc.message,
                                details=exc.details or None)  # fmt: skip
                continue
            parts = self.ctx.store.product_parts(product, self.options)
            items.append(Item(product, parts, parts.digest(self.options.excluded)))
        return items

    # -- articles deleted in the ERP ------------------------------------------------------------

    def _hide_deleted(self, gone: Sequence[Product]) -> None:
        """Tombstones (blocked, no SKU: the ERP deleted the article) hide their bound product.

        Hidden as a blocked article is (``is_visible`` off, unavailable), never deleted:
        its orders and history stay in BigCommerce. An article never bound is nothing
        to the store.
        """
        bound = self.ctx.binder.many_by_erp(ENTITY, [p.erp_id for p in gone])
        todo = [b for b in bound.values() if not (b.data or {}).get("deleted")]
        plan = UpdatePlan(product={"is_visible": False, "availability": "disabled"})
        message = "The article was deleted in the ERP: hidden in BigCommerce (not deleted)."
        if self.ctx.dry_run:
            for b in todo:
                self.ctx.record(Outcome.UPDATED, ENTITY, b.bc_id, b.erp_id, "Would be: " + message)
            return
        for result in self.ctx.store.update_products([(b, int(b.bc_id), plan) for b in todo]):
            for written in result.failed:
                error = written.error
                self.ctx.record(Outcome.FAILED, ENTITY, written.key.bc_id, written.key.erp_id,
                                error.message if error else "BigCommerce refused the update.",
                                request=written.request)  # fmt: skip
            for written in result.done:
                binding = written.key
                self.ctx.binder.touch(binding, data={"deleted": True, "blocked": True})
                binding.sync_hash = None  # whatever comes for it later is written again
                self.ctx.record(Outcome.UPDATED, ENTITY, binding.bc_id, binding.erp_id, message)

    # -- verification ---------------------------------------------------------------------------

    def _verify(self, bound: list[Item]) -> None:
        """Full run: a bound product that BigCommerce no longer has is re-created or reported."""
        ids = [int(i.binding.bc_id) for i in bound if i.binding is not None]
        existing = self.ctx.store.present_products(ids)
        for item in bound:
            if item.binding is not None and int(item.binding.bc_id) not in existing:
                self._deleted_in_bc(item)

    def _deleted_in_bc(self, item: Item) -> None:
        old = item.binding.bc_id if item.binding else None
        if self.on_deleted == "recreate":
            self.ctx.note(
                f"Product {old} (ERP {item.product.erp_id}) was deleted in BigCommerce; "
                "re-creating it.",
                entity=ENTITY,
            )
            if not self.ctx.dry_run and item.binding is not None:
                db.session.delete(item.binding)
                db.session.flush()
            item.binding = None
            return
        item.error = FatalSyncError(
            f"Product {old} was deleted in BigCommerce. It is not re-created because the "
            "catalog setting 'when a product is deleted in BigCommerce' is 'report'.",
            remote="bigcommerce",
            details={"deleted_bc_id": old},
        )

    # -- deciding -------------------------------------------------------------------------

    def _sort(self, items: list[Item]) -> tuple[list[Item], list[Item]]:
        creates, updates = [], []
        for item in items:
            if item.error is not None:
                self._fail(item)
            elif item.found is not None:
                updates.append(item)
            elif item.binding is None:
                if self._creatable(item):
                    creates.append(item)
            elif item.binding.sync_hash == item.digest:
                self.ctx.record(Outcome.UNCHANGED, ENTITY, item.binding.bc_id, item.product.erp_id)
            else:
                item.plan = self.ctx.store.plan_update(item.parts, item.binding.data, self.options)
                updates.append(item)
        return creates, updates

    def _creatable(self, item: Item) -> bool:
        """An unbound article is created unless blocked or the mode only updates (logged)."""
        if item.product.blocked:
            self.ctx.record(Outcome.SKIPPED, ENTITY, None, item.product.erp_id,
                            "The article is blocked in the ERP, so it is not created in "
                            "BigCommerce.")  # fmt: skip
            return False
        if not self.creates:
            self.ctx.record(
                Outcome.SKIPPED,
                ENTITY,
                None,
                item.product.erp_id,
                f"SKU {item.product.sku} is not in BigCommerce and the catalog "
                "mode is 'update existing products only'.",
            )
            return False
        return True

    def _fail(self, item: Item) -> None:
        error = item.error
        assert error is not None
        details = {k: v for k, v in error.details.items() if k != "body"}
        if error.status is not None:
            details["status"] = error.status
        self.ctx.record(Outcome.FAILED, ENTITY, item.bc_id, item.product.erp_id, error.message,
                        details=details or None)  # fmt: skip

    # -- dry run --------------------------------------------------------------------------

    def _preview(self, creates: list[Item], updates: list[Item]) -> None:
        store = self.ctx.store
        for item in creates:
            _nothing, after = store.product_change(item.parts, None)
            self.ctx.preview(ENTITY, None, after, erp_id=item.product.erp_id,
                             message="Would create this product.")  # fmt: skip
        current = store.products_by_id(i.bc_id for i in updates if i.found is None and i.bc_id)
        for item in updates:
            before, after = store.product_change(
                item.parts, item.found or current.get(item.bc_id or 0)
            )
            outcome = self.ctx.preview(
                ENTITY, before, after, bc_id=item.bc_id, erp_id=item.product.erp_id
            )
            if outcome == Outcome.UNCHANGED and item.plan and not item.plan.empty:
                log.debug("hash changed but BigCommerce already matches %s", item.product.erp_id)

    # -- SKU bindings -----------------------------------------------------------------------

    def _bind_skus(self, product_id: int, variant_ids: Mapping[str, int]) -> None:
        """SKU ↔ variant id; a SKU that moved to a new variant forgets its last stock hash.

        New pairs are inserted together (one flush); only a pair that collides
        with an older one (a re-created product) goes through ``rebind``.
        """
        wanted = {sku: str(vid) for sku, vid in variant_ids.items() if sku}
        if not wanted or self.ctx.dry_run:
            return
        binder = self.ctx.binder
        current = binder.many_by_erp(SKU_ENTITY, wanted)
        taken = set(binder.many_by_bc(SKU_ENTITY, wanted.values()))
        fresh = []
        for sku, variant_id in wanted.items():
            binding = current.get(sku)
            if binding is not None and binding.bc_id == variant_id:
                continue
            if binding is None and variant_id not in taken:
                fresh.append(Binding(connection_id=binder.connection_id, entity=SKU_ENTITY,
                                     bc_id=variant_id, erp_id=sku,
                                     data={"p": product_id}))  # fmt: skip
                continue
            moved = binder.rebind(SKU_ENTITY, variant_id, sku, data={"p": product_id})
            moved.sync_hash = None
        db.session.add_all(fresh)
        db.session.flush()
