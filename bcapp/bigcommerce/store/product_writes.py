"""The catalog-writing side of the store facade: what to write for an article, and writing it.

A flow hands over canonical records and gets back opaque plans and typed
results. :meth:`ProductWriteSide.product_parts` maps an ERP article to what
BigCommerce should hold (:class:`~bcapp.bigcommerce.catalog_mapping.ProductParts`),
:meth:`~ProductWriteSide.plan_update` finds the fewest writes from the binding's
written state, and the writes go out at the API's maxima: one request per
created product (variants, images and custom fields ride along), changed
product fields 10 per request, variants 50 per request, both isolating a
refused batch item by item (:mod:`.batches`); new variants, images and custom
fields one request each, because they have no batch endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from bcapp.bigcommerce.catalog_mapping import MappingOptions, ProductParts, product_parts
from bcapp.bigcommerce.catalog_plan import UpdatePlan, plan_update
from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.resources.catalog import PRODUCT_BATCH, VARIANT_BATCH
from bcapp.bigcommerce.store import catalog_state
from bcapp.bigcommerce.store.batches import Body, WriteResult, isolating
from bcapp.bigcommerce.store.catalog_records import CreatedProduct, ProductExtras
from bcapp.canonical import Product
from bcapp.errors import FatalSyncError, SyncError

K = TypeVar("K", bound=Hashable)

#: What a variant the ERP no longer has becomes: still there, no longer for sale.
NO_LONGER_SOLD = {"purchasing_disabled": True, "purchasing_disabled_message": "No longer sold."}


class ProductWriteSide:
    """Product mapping, plans and writes (a side of the store facade)."""

    client: BigCommerceClient

    # -- what to write (no requests) -----------------------------------------------------------

    @staticmethod
    def product_parts(product: Product, options: MappingOptions) -> ProductParts:
        """Everything BigCommerce should hold for ``product`` under the store's settings."""
        return product_parts(product, options)

    @staticmethod
    def plan_update(
        parts: ProductParts, written: Mapping[str, Any] | None, options: MappingOptions
    ) -> UpdatePlan:
        """The fewest writes from a product's ``written`` state (its binding data) to ``parts``.

        No request: the written state's hashes say what changed.
        """
        return plan_update(parts, written, options)

    adopted_state = staticmethod(catalog_state.adopted_state)
    updated_state = staticmethod(catalog_state.updated_state)
    product_change = staticmethod(catalog_state.product_change)

    # -- writes ------------------------------------------------------------------------------------

    def create_product(self, parts: ProductParts) -> CreatedProduct:
        """Create the product with its variants, images and custom fields (one request).

        Safe in a worker thread: it only sends the request and maps the answer.
        """
        created = self.client.products.create(parts.create_payload())
        variant_ids = {str(v["sku"]): int(v["id"]) for v in created.get("variants") or []}
        return CreatedProduct(
            int(created["id"]), variant_ids, catalog_state.created_state(parts, created)
        )

    @staticmethod
    def is_duplicate_sku(error: SyncError) -> bool:
        """Whether a create was refused because the SKU exists already."""
        return (
            error.status == 409
            and "sku" in str(error.details.get("errors") or error.message).lower()
        )

    def update_products(
        self, updates: Sequence[tuple[K, int, UpdatePlan]]
    ) -> Iterator[WriteResult[K]]:
        """Changed product fields of ``(key, product id, plan)``, 10 products per request.

        Lazy, one result per request (see :mod:`.batches`); plans without
        changed product fields send nothing.
        """
        entries = [(key, {"id": product_id, **plan.product})
                   for key, product_id, plan in updates if plan.product]  # fmt: skip
        return isolating(entries, PRODUCT_BATCH, self._send_products)

    def update_variants(self, updates: Sequence[tuple[K, UpdatePlan]]) -> Iterator[WriteResult[K]]:
        """Changed variants (and variants gone from the ERP, disabled), 50 per request."""
        entries: list[tuple[K, Body]] = []
        for key, plan in updates:
            entries.extend((key, body) for body in plan.variant_updates.values())
            entries.extend((key, {"id": variant_id, **NO_LONGER_SOLD})
                           for variant_id in plan.variant_disables.values())  # fmt: skip
        return isolating(entries, VARIANT_BATCH, self._send_variants)

    def _send_products(self, bodies: list[Body]) -> None:
        self.client.products.update_many(bodies)

    def _send_variants(self, bodies: list[Body]) -> None:
        self.client.variants.update_many(bodies)

    def write_extras(self, product_id: int, parts: ProductParts, plan: UpdatePlan) -> ProductExtras:
        """New variants, images and custom fields of one product (one request each).

        Deleting what is already gone counts as done; the first refusal stops the
        rest and comes back in ``error`` (a retryable error is raised).
        """
        variants: dict[str, int] = {}
        images: dict[str, int] = {}
        fields: dict[str, int] = {}
        api = self.client
        try:
            for sku, body in plan.variant_creates.items():
                variants[sku] = int(api.variants.create(product_id, body)["id"])
            for url in plan.image_creates:
                thumbnail = bool(parts.images) and url == parts.images[0]
                image = api.images.create(product_id, url, is_thumbnail=thumbnail)
                images[url] = int(image["id"])
            for image_id in plan.image_deletes.values():
                _delete_quietly(api.images.delete, product_id, image_id)
            for name, value in plan.field_creates.items():
                fields[name] = int(api.custom_fields.create(product_id, name, value)["id"])
            for field_id, value in plan.field_updates.values():
                api.custom_fields.update(product_id, field_id, {"value": value})
            for field_id in plan.field_deletes.values():
                _delete_quietly(api.custom_fields.delete, product_id, field_id)
        except FatalSyncError as exc:
            return ProductExtras(variants, images, fields, error=exc)
        return ProductExtras(variants, images, fields)


def _delete_quietly(delete: Callable[[int, int], None], product_id: int, child_id: int) -> None:
    """Deleting what is already gone (the merchant removed it) is success."""
    try:
        delete(product_id, child_id)
    except SyncError as exc:
        if exc.status != 404:
            raise
