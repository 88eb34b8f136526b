"""Finding the BigCommerce product an unbound ERP article already is (first sync, recovery).

A store that already sells must not get a second copy of each article. Before
creating, :class:`Matching` looks unbound articles up — by product SKU, then
by variant SKU, then by EAN (``upc``; the answer is filtered again because the
code must really match) — and *adopts* what it finds: the product is bound,
its variant, image and custom-field ids are taken over (:func:`adopted_data`),
and it is then updated from the ERP like any bound product.

The lookups cost reads, so they only run while BigCommerce holds more products
than this connection has bound (one count per run): against an empty store,
or once everything is bound, a first sync goes straight to creating.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bcapp.bigcommerce import catalog_mapping as cm
from bcapp.bigcommerce.catalog_plan import plan_update
from bcapp.bigcommerce.client import chunked
from bcapp.errors import FatalSyncError
from bcapp.extensions import db
from bcapp.models import Binding

if TYPE_CHECKING:
    from bcapp.sync.context import SyncContext
    from bcapp.sync.products import Item

ENTITY = "product"
LOOKUP_CHUNK = 50  # SKUs per ``sku:in`` read (keeps URLs short)
VERIFY_CHUNK = 250
SUB_RESOURCES = "variants,images,custom_fields"


class Matching:
    """Lookups and adoption for :class:`~bcapp.sync.products.ProductSync` (a mixin)."""

    ctx: SyncContext
    options: cm.MappingOptions
    _foreign: bool | None

    def foreign_products(self) -> bool:
        """True when BigCommerce has products we did not bind (then unbound SKUs are looked up)."""
        if self._foreign is None:
            body = (
                self.ctx.bc.v3(
                    "GET", "/catalog/products", params={"limit": 1, "include_fields": "id"}
                )
                or {}
            )
            total = int(((body.get("meta") or {}).get("pagination") or {}).get("total") or 0)
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
        by_sku = self._lookup_skus([i.product.sku for i in unbound])
        variant_skus = [s for i in unbound for s in i.parts.variants if i.product.sku not in by_sku]
        by_variant = self._lookup_variant_skus(variant_skus) if variant_skus else {}
        for item in unbound:
            found = by_sku.get(item.product.sku.lower()) or next(
                (by_variant[s.lower()] for s in item.parts.variants if s.lower() in by_variant),
                None,
            )
            if found is None and item.product.ean:
                found = self._lookup_ean(item.product.ean)
            if found is not None:
                self._adopt(item, found)

    def _lookup_skus(self, skus: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for chunk in chunked(skus, LOOKUP_CHUNK):
            for row in self.ctx.bc.products.iterate({"sku:in": chunk}, include=SUB_RESOURCES):
                out[str(row.get("sku", "")).lower()] = row
        return out

    def _lookup_variant_skus(self, skus: list[str]) -> dict[str, dict[str, Any]]:
        product_ids: dict[str, int] = {}
        for chunk in chunked(skus, LOOKUP_CHUNK):
            for row in self.ctx.bc.variants.iterate_all({"sku:in": chunk}):
                product_ids[str(row.get("sku", "")).lower()] = int(row["product_id"])
        products = self._products_by_id(set(product_ids.values()))
        return {sku: products[pid] for sku, pid in product_ids.items() if pid in products}

    def _lookup_ean(self, ean: str) -> dict[str, Any] | None:
        body = (
            self.ctx.bc.v3(
                "GET",
                "/catalog/products",
                params={"upc": ean, "include": SUB_RESOURCES, "limit": 50},
            )
            or {}
        )
        for row in body.get("data") or []:  # filter again: the code must really match
            if ean in (row.get("upc"), row.get("gtin")):
                return row
        return None

    def _products_by_id(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for chunk in chunked(sorted(ids), VERIFY_CHUNK):
            for row in self.ctx.bc.products.iterate({"id:in": chunk}, include=SUB_RESOURCES):
                out[int(row["id"])] = row
        return out

    def _adopt(self, item: Item, bc: dict[str, Any]) -> None:
        other = self.ctx.binder.by_bc(ENTITY, bc["id"])
        if other is not None and other.erp_id != item.product.erp_id:
            item.error = FatalSyncError(
                f"BigCommerce product {bc['id']} with SKU {bc.get('sku')} is already linked to "
                f"ERP article {other.erp_id}; two articles cannot share one product.",
                remote="bigcommerce",
            )
            return
        item.bc = bc
        item.plan = plan_update(item.parts, adopted_data(bc, item.parts), self.options)


def adopted_data(bc: dict[str, Any], parts: cm.ProductParts) -> dict[str, Any]:
    """Binding data for a product we did not create: its ids, no hashes (so all is written).

    Existing images are kept and paired with the ERP's image URLs in order, so
    adopting a product never doubles its pictures.
    """
    variants = {
        str(v.get("sku")): [int(v["id"]), ""] for v in bc.get("variants") or [] if v.get("sku")
    }
    images = [int(i["id"]) for i in bc.get("images") or []]
    return {
        "f": {},
        "v": {s: variants[s] for s in parts.variants if s in variants},
        "i": dict(zip(parts.images, images, strict=False)),
        "c": {str(f["name"]): [int(f["id"]), ""] for f in bc.get("custom_fields") or []},
        "blocked": bc.get("availability") == "disabled",
    }
