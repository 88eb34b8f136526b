"""What the store holds of a product, as the binding remembers it and as a dry run shows it.

A product binding's ``data`` is the *written state*: per-field, per-variant
and per-custom-field hashes and BigCommerce ids of what the app last wrote
(:func:`~bcapp.bigcommerce.catalog_mapping.binding_data`), from which
:func:`~bcapp.bigcommerce.catalog_plan.plan_update` derives the fewest writes.
Flows keep it opaque; this module derives it for the three ways a product
comes to be bound — created (:func:`created_state`), adopted (:func:`adopted_state`),
updated (:func:`updated_state`) — and projects BigCommerce's current values
for a dry run's field differences (:func:`product_change`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bcapp.bigcommerce.catalog_mapping import ProductParts, binding_data, comparable_payload
from bcapp.bigcommerce.catalog_plan import UpdatePlan
from bcapp.bigcommerce.store.catalog_records import ProductExtras, StoreProduct


def adopted_state(found: StoreProduct | None, parts: ProductParts) -> dict[str, Any]:
    """The written state of a product we did not create: its ids, no hashes (so all is written).

    Existing images are kept and paired with the ERP's image URLs in order, so
    adopting a product never doubles its pictures. ``found`` None: nothing known.
    """
    if found is None:
        return {"f": {}, "v": {}, "i": {}, "c": {}, "blocked": False}
    variants = {str(v.sku): [v.variant_id, ""] for v in found.variants if v.sku}
    images = [image.image_id for image in found.images or ()]
    return {
        "f": {},
        "v": {s: variants[s] for s in parts.variants if s in variants},
        "i": dict(zip(parts.images, images, strict=False)),
        "c": {f.name: [f.field_id, ""] for f in found.custom_fields or ()},
        "blocked": found.blocked,
    }


def created_state(parts: ProductParts, created: Mapping[str, Any]) -> dict[str, Any]:
    """The written state after a create (``created``: BigCommerce's answer)."""
    return binding_data(
        parts,
        variant_ids={str(v["sku"]): int(v["id"]) for v in created.get("variants") or []},
        image_ids=_image_ids(parts.images, created.get("images") or []),
        field_ids={f["name"]: int(f["id"]) for f in created.get("custom_fields") or []},
    )


def _image_ids(urls: Sequence[str], created: list[dict[str, Any]]) -> dict[str, int]:
    """BigCommerce answers a create with its images in the order we sent them."""
    ordered = sorted(created, key=lambda i: (i.get("sort_order", 0), i.get("id", 0)))
    return {url: int(image["id"]) for url, image in zip(urls, ordered, strict=False)}


def updated_state(
    parts: ProductParts, previous: Mapping[str, Any], plan: UpdatePlan, extras: ProductExtras
) -> dict[str, Any]:
    """The written state after ``plan`` was carried out: old ids, new ids, deletions gone.

    Fields the plan left alone (excluded by the merchant) keep their old
    hashes, so un-excluding a field later writes it.
    """
    variant_ids = {**{s: int(v[0]) for s, v in (previous.get("v") or {}).items()},
                   **extras.variant_ids}  # fmt: skip
    image_ids = {**(previous.get("i") or {}), **extras.image_ids}
    field_ids = {**{n: int(v[0]) for n, v in (previous.get("c") or {}).items()},
                 **extras.field_ids}  # fmt: skip
    for url in plan.image_deletes:
        image_ids.pop(url, None)
    for name in plan.field_deletes:
        field_ids.pop(name, None)
    return binding_data(parts, variant_ids=variant_ids, image_ids=image_ids,
                        field_ids=field_ids, previous=previous,
                        skip_fields=plan.skipped_fields)  # fmt: skip


def product_change(
    parts: ProductParts, current: StoreProduct | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(BigCommerce's values, ours) for a dry run's field differences.

    BigCommerce's side is ``{}`` when the product was not read (a create); ours
    is then the whole payload, else only the parts BigCommerce's side has.
    """
    before = _projection(current, parts) if current else {}
    after = comparable_payload(parts)
    return before, {k: v for k, v in after.items() if k in before or not before}


def _projection(current: StoreProduct, parts: ProductParts) -> dict[str, Any]:
    """BigCommerce's current values, shaped like ``parts.create_payload()`` for a field diff."""
    out: dict[str, Any] = {k: current.values.get(k) for k in parts.fields}
    variants = {v.sku: v.values for v in current.variants}
    if parts.variants:
        out["variants"] = [
            {k: variants.get(sku, {}).get(k) for k in body if k != "option_values"}
            for sku, body in parts.variants.items()
        ]
    if current.images is not None and parts.images:
        out["images"] = [{"image_url": image.url} for image in current.images]
    if current.custom_fields is not None and parts.custom_fields:
        out["custom_fields"] = [{"name": f.name, "value": f.value} for f in current.custom_fields]
    return out
