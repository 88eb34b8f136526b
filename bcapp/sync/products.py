"""ERP articles → BigCommerce products, one connector batch at a time, at the batch maxima.

For each batch the connector yields, :class:`ProductSync`:

1. skips articles without a SKU (with the reason), loads the batch's bindings in
   one query, and maps every article to :class:`~bcapp.bigcommerce.catalog_mapping.ProductParts`;
2. on a full run re-verifies bound products (one ``id:in`` read per batch): a
   product deleted in BigCommerce is re-created or reported (``on_deleted_in_bc``);
3. binds unbound articles to products the store already has — by SKU (product or
   variant), then by EAN (``upc``) — so a first sync against a filled store never
   duplicates; this lookup is skipped while BigCommerce holds no product we did
   not bind (counted once per run);
4. creates what is left (:mod:`bcapp.sync.product_creates`: one request per
   product, variants, images and custom fields ride along; committed and bound at
   once, so a run killed midway never creates it twice), or skips it in
   ``update_only`` mode;
5. for bound articles whose hash changed sends only the changed parts: product
   fields in batches of 10, variants in batches of 50, images and custom fields
   one per request. A refused batch is retried item by item, so one bad product
   fails alone with BigCommerce's message.

A dry run does the same planning, reads BigCommerce's current values for the
products it would update, and records creates/updates/unchanged with the field
differences, writing nothing.

Bindings: entity ``product`` (ERP article ↔ product id; ``data`` holds the
per-part hashes and ids, see :func:`~bcapp.bigcommerce.catalog_mapping.binding_data`)
and entity ``sku`` (SKU ↔ variant id) which the stock phase uses to know which
SKUs exist in BigCommerce and what it last wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bcapp.bigcommerce import catalog_mapping as cm
from bcapp.bigcommerce.catalog_plan import UpdatePlan, plan_update
from bcapp.bigcommerce.client import chunked
from bcapp.connectors.base import Product
from bcapp.errors import FatalSyncError, SyncError
from bcapp.extensions import db
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.product_creates import Creating
from bcapp.sync.product_matching import (
    ENTITY,
    VERIFY_CHUNK,
    Matching,
    adopted_data,
)
from bcapp.sync.records import Outcome

log = logging.getLogger(__name__)

SKU_ENTITY = "sku"
CURSOR = "catalog.products"


def bindings_for(ctx: SyncContext, entity: str, erp_ids: Iterable[str]) -> dict[str, Binding]:
    """Bindings of ``erp_ids`` in one query per 500 ids (never the whole table)."""
    ids = sorted(set(erp_ids))
    out: dict[str, Binding] = {}
    for chunk in chunked(ids, 500):
        stmt = db.select(Binding).where(
            Binding.connection_id == ctx.binder.connection_id,
            Binding.entity == entity,
            Binding.erp_id.in_(chunk),
        )
        out.update({b.erp_id: b for b in db.session.execute(stmt).scalars()})
    return out


@dataclass
class Item:
    """One article on its way through a batch."""

    product: Product
    parts: cm.ProductParts
    digest: str
    binding: Binding | None = None
    bc: dict[str, Any] | None = None  # an existing BigCommerce product to adopt
    plan: UpdatePlan | None = None
    error: SyncError | None = None
    new_variants: dict[str, int] = field(default_factory=dict)
    new_images: dict[str, int] = field(default_factory=dict)
    new_fields: dict[str, int] = field(default_factory=dict)

    @property
    def bc_id(self) -> int | None:
        if self.binding is not None:
            return int(self.binding.bc_id)
        return int(self.bc["id"]) if self.bc else None


class ProductSync(Creating, Matching):
    """The product phase of one catalog run."""

    def __init__(self, ctx: SyncContext, options: cm.MappingOptions, *, creates: bool,
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
        for batch in ctx.connector.fetch_products(cursor):
            ctx.add_total(len(batch.records))
            self.sync_batch(batch.records)
            ctx.commit(cursor=batch.cursor, cursor_name=CURSOR)

    def sync_batch(self, records: Sequence[Product]) -> None:
        items = self._items(records)
        if not items:
            return
        bindings = bindings_for(self.ctx, ENTITY, [i.product.erp_id for i in items])
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
            parts = cm.product_parts(product, self.options)
            items.append(Item(product, parts, parts.digest(self.options.excluded)))
        return items

    # -- verification and matching ----------------------------------------------------------------

    def _verify(self, bound: list[Item]) -> None:
        """Full run: a bound product that BigCommerce no longer has is re-created or reported."""
        ids = [int(i.binding.bc_id) for i in bound if i.binding is not None]
        existing: set[int] = set()
        for chunk in chunked(ids, VERIFY_CHUNK):
            rows = self.ctx.bc.products.iterate({"id:in": chunk, "include_fields": "id"})
            existing.update(int(r["id"]) for r in rows)
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
            elif item.bc is not None:
                updates.append(item)
            elif item.binding is None:
                if item.product.blocked:
                    self.ctx.record(Outcome.SKIPPED, ENTITY, None, item.product.erp_id,
                                    "The article is blocked in the ERP, so it is not created in "
                                    "BigCommerce.")  # fmt: skip
                elif self.creates:
                    creates.append(item)
                else:
                    self.ctx.record(
                        Outcome.SKIPPED,
                        ENTITY,
                        None,
                        item.product.erp_id,
                        f"SKU {item.product.sku} is not in BigCommerce and the catalog "
                        "mode is 'update existing products only'.",
                    )
            elif item.binding.sync_hash == item.digest:
                self.ctx.record(Outcome.UNCHANGED, ENTITY, item.binding.bc_id, item.product.erp_id)
            else:
                item.plan = plan_update(item.parts, item.binding.data, self.options)
                updates.append(item)
        return creates, updates

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
        for item in creates:
            self.ctx.preview(
                ENTITY,
                None,
                cm.comparable_payload(item.parts),
                erp_id=item.product.erp_id,
                message="Would create this product.",
            )
        current = self._products_by_id(i.bc_id for i in updates if i.bc is None and i.bc_id)
        for item in updates:
            bc = item.bc or current.get(item.bc_id or 0)
            before = cm.project_bc_product(bc, item.parts) if bc else {}
            after = cm.comparable_payload(item.parts)
            after = {k: v for k, v in after.items() if k in before or not before}
            outcome = self.ctx.preview(
                ENTITY, before, after, bc_id=item.bc_id, erp_id=item.product.erp_id
            )
            if outcome == Outcome.UNCHANGED and item.plan and not item.plan.empty:
                log.debug("hash changed but BigCommerce already matches %s", item.product.erp_id)

    def _bind_skus(self, product_id: int, variant_ids: dict[str, int]) -> None:
        """SKU ↔ variant id; a SKU that moved to a new variant forgets its last stock hash.

        New pairs are inserted together (one flush); only a pair that collides
        with an older one (a re-created product) goes through ``rebind``.
        """
        wanted = {sku: str(vid) for sku, vid in variant_ids.items() if sku}
        if not wanted or self.ctx.dry_run:
            return
        current = bindings_for(self.ctx, SKU_ENTITY, wanted)
        taken = self._sku_bindings_by_variant(wanted.values())
        fresh = []
        for sku, variant_id in wanted.items():
            binding = current.get(sku)
            if binding is not None and binding.bc_id == variant_id:
                continue
            if binding is None and variant_id not in taken:
                fresh.append(Binding(connection_id=self.ctx.binder.connection_id,
                                     entity=SKU_ENTITY, bc_id=variant_id, erp_id=sku,
                                     data={"p": product_id}))  # fmt: skip
                continue
            moved = self.ctx.binder.rebind(SKU_ENTITY, variant_id, sku, data={"p": product_id})
            moved.sync_hash = None
        db.session.add_all(fresh)
        db.session.flush()

    def _sku_bindings_by_variant(self, variant_ids: Iterable[str]) -> set[str]:
        stmt = db.select(Binding.bc_id).where(
            Binding.connection_id == self.ctx.binder.connection_id,
            Binding.entity == SKU_ENTITY,
            Binding.bc_id.in_(list(variant_ids)),
        )
        return set(db.session.execute(stmt).scalars())

    # -- updating -------------------------------------------------------------------------

    def _update(self, items: list[Item]) -> None:
        from bcapp.sync import product_writes as writes

        live = [i for i in items if i.plan is not None]
        writes.product_fields(self.ctx, live)
        writes.variant_fields(self.ctx, [i for i in live if i.error is None])
        for item in live:
            if item.error is None:
                writes.sub_resources(self.ctx, item)
            if self._vanished(item):
                continue
            self._finish_update(item)
        self.ctx.commit()  # updates are idempotent: one commit per batch is enough

    def _vanished(self, item: Item) -> bool:
        """A 404 on a bound product deleted in BigCommerce since: re-create or report it."""
        error, binding = item.error, item.binding
        if error is None or error.status != 404 or binding is None or item.bc is not None:
            return False
        if self._products_by_id([int(binding.bc_id)]):
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
        plan = item.plan
        assert plan is not None and item.bc_id is not None
        previous = (item.binding.data if item.binding else None) or adopted_data(
            item.bc or {}, item.parts
        )
        variant_ids = {**{s: int(v[0]) for s, v in (previous.get("v") or {}).items()},
                       **item.new_variants}  # fmt: skip
        image_ids = {**(previous.get("i") or {}), **item.new_images}
        field_ids = {**{n: int(v[0]) for n, v in (previous.get("c") or {}).items()},
                     **item.new_fields}  # fmt: skip
        for url in plan.image_deletes:
            image_ids.pop(url, None)
        for name in plan.field_deletes:
            field_ids.pop(name, None)
        data = cm.binding_data(item.parts, variant_ids=variant_ids, image_ids=image_ids,
                               field_ids=field_ids, previous=previous,
                               skip_fields=plan.skipped_fields)  # fmt: skip
        if item.binding is None:
            item.binding = self.ctx.binder.bind(
                ENTITY, item.bc_id, item.product.erp_id, sync_hash=item.digest, data=data
            )
        else:
            item.binding.data = data  # replace, not merge: stale ids must go
            self.ctx.binder.touch(item.binding, item.digest)
        if item.bc is not None:  # adopted: every SKU it has, the base variant's too
            self._bind_skus(
                item.bc_id,
                {
                    str(v["sku"]): int(v["id"])
                    for v in item.bc.get("variants") or []
                    if v.get("sku")
                },
            )
        self._bind_skus(item.bc_id, item.new_variants)
        outcome = Outcome.UPDATED if not plan.empty else Outcome.UNCHANGED
        message = "Linked to the existing BigCommerce product with this SKU." if item.bc else ""
        self.ctx.record(
            outcome,
            ENTITY,
            item.bc_id,
            item.product.erp_id,
            message,
            details={"changed": plan.changed()} if not plan.empty else None,
        )
