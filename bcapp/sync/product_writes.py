"""The update half of the product phase: batched writes that isolate the one bad record.

BigCommerce validates a batch as a whole: one product with a too-long name
fails all ten. So each batch is sent once, and only when BigCommerce refuses it
are its items re-sent one by one, which pins the refusal (and BigCommerce's
message) on the record that caused it while the others go through. The
common case stays at the batch maxima: 10 products, 50 variants per request.

Images and custom fields have no batch endpoint: one request each, only for
the ones that changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from bcapp.bigcommerce.client import chunked
from bcapp.bigcommerce.resources.catalog import PRODUCT_BATCH, VARIANT_BATCH
from bcapp.errors import FatalSyncError, SyncError
from bcapp.sync.context import SyncContext

if TYPE_CHECKING:
    from bcapp.sync.products import Item


def send_isolating(
    entries: Sequence[tuple[Item, dict[str, Any]]],
    size: int,
    send: Callable[[list[dict[str, Any]]], Any],
) -> None:
    """Send ``(item, body)`` pairs ``size`` at a time; on refusal retry singly, mark the culprit."""
    for chunk in chunked(entries, size):
        try:
            send([body for _item, body in chunk])
        except FatalSyncError:
            if len(chunk) == 1:
                _mark(chunk[0][0], send, chunk[0][1])
                continue
            for item, body in chunk:
                _mark(item, send, body)


def _mark(item: Item, send: Callable[[list[dict[str, Any]]], Any], body: dict[str, Any]) -> None:
    if item.error is not None:
        return
    try:
        send([body])
    except FatalSyncError as exc:
        item.error = exc


def product_fields(ctx: SyncContext, items: Sequence[Item]) -> None:
    """Changed product fields, 10 products per request."""
    entries = [(i, {"id": i.bc_id, **i.plan.product}) for i in items
               if i.plan is not None and i.plan.product and i.error is None]  # fmt: skip
    send_isolating(entries, PRODUCT_BATCH, ctx.bc.products.update_many)


def variant_fields(ctx: SyncContext, items: Sequence[Item]) -> None:
    """Changed variants (and variants gone from the ERP, disabled), 50 per request."""
    entries: list[tuple[Item, dict[str, Any]]] = []
    for item in items:
        if item.plan is None:
            continue
        entries.extend((item, body) for body in item.plan.variant_updates.values())
        entries.extend(
            (item, {"id": variant_id, "purchasing_disabled": True,
                    "purchasing_disabled_message": "No longer sold."})
            for variant_id in item.plan.variant_disables.values()
        )  # fmt: skip
    send_isolating(entries, VARIANT_BATCH, ctx.bc.variants.update_many)


def sub_resources(ctx: SyncContext, item: Item) -> None:
    """New variants, images and custom fields of one product (one request each)."""
    plan, bc, product_id = item.plan, ctx.bc, item.bc_id
    assert plan is not None and product_id is not None
    try:
        for sku, body in plan.variant_creates.items():
            item.new_variants[sku] = int(bc.variants.create(product_id, body)["id"])
        for url in plan.image_creates:
            thumbnail = bool(item.parts.images) and url == item.parts.images[0]
            item.new_images[url] = int(
                bc.images.create(product_id, url, is_thumbnail=thumbnail)["id"]
            )
        for image_id in plan.image_deletes.values():
            _delete_quietly(lambda i=image_id: bc.images.delete(product_id, i))
        for name, value in plan.field_creates.items():
            item.new_fields[name] = int(bc.custom_fields.create(product_id, name, value)["id"])
        for field_id, value in plan.field_updates.values():
            bc.custom_fields.update(product_id, field_id, {"value": value})
        for field_id in plan.field_deletes.values():
            _delete_quietly(lambda f=field_id: bc.custom_fields.delete(product_id, f))
    except FatalSyncError as exc:
        item.error = exc


def _delete_quietly(delete: Callable[[], None]) -> None:
    """Deleting what is already gone (the merchant removed it) is success."""
    try:
        delete()
    except SyncError as exc:
        if exc.status != 404:
            raise
