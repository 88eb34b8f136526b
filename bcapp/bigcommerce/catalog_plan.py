"""The difference between an article's :class:`ProductParts` and what its binding says was
written last time: the fewest BigCommerce writes that bring the product up to date.

The products batch update takes at most 10 products and no variants, images or custom
fields, so the plan says *which* parts changed (per-field, per-variant and per-custom-field
hashes from :func:`~bcapp.bigcommerce.catalog_mapping.binding_data`), and which changed
fields the merchant excluded from updates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bcapp.bigcommerce.catalog_mapping import ALWAYS, MappingOptions, ProductParts, short_hash


@dataclass
class UpdatePlan:
    """The writes that bring a bound product from its last written state to ``parts``."""

    product: dict[str, Any] = field(default_factory=dict)  # changed fields (no id)
    skipped_fields: list[str] = field(default_factory=list)  # changed but excluded
    variant_updates: dict[str, dict[str, Any]] = field(default_factory=dict)  # sku → fields+id
    variant_creates: dict[str, dict[str, Any]] = field(default_factory=dict)
    variant_disables: dict[str, int] = field(default_factory=dict)  # gone from the ERP
    image_creates: list[str] = field(default_factory=list)
    image_deletes: dict[str, int] = field(default_factory=dict)
    field_creates: dict[str, str] = field(default_factory=dict)
    field_updates: dict[str, tuple[int, str]] = field(default_factory=dict)
    field_deletes: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any((
            self.product, self.variant_updates, self.variant_creates, self.variant_disables,
            self.image_creates, self.image_deletes, self.field_creates, self.field_updates,
            self.field_deletes,
        ))  # fmt: skip

    def changed(self) -> dict[str, Any]:
        """A short, readable summary for the activity log."""
        out: dict[str, Any] = {}
        if self.product:
            out["fields"] = sorted(self.product)
        for name in ("variant_updates", "variant_creates", "variant_disables"):
            if getattr(self, name):
                out[name] = sorted(getattr(self, name))
        for name in ("image_creates", "image_deletes"):
            if getattr(self, name):
                out[name] = len(getattr(self, name))
        for name in ("field_creates", "field_updates", "field_deletes"):
            if getattr(self, name):
                out[name] = sorted(getattr(self, name))
        if self.skipped_fields:
            out["not_overwritten"] = sorted(self.skipped_fields)
        return out


def plan_update(
    parts: ProductParts, data: Mapping[str, Any] | None, options: MappingOptions
) -> UpdatePlan:
    """What to send for a bound product whose last written state is ``data``."""
    data = data or {}
    plan = UpdatePlan()
    _plan_fields(plan, parts, data, options)
    _plan_variants(plan, parts, data, options)
    if "images" not in options.excluded:
        _plan_images(plan, parts, data)
    if "custom_fields" not in options.excluded:
        _plan_custom_fields(plan, parts, data)
    return plan


def _plan_fields(
    plan: UpdatePlan, parts: ProductParts, data: Mapping[str, Any], options: MappingOptions
) -> None:
    old = data.get("f") or {}
    unblocking = bool(data.get("blocked")) and not parts.blocked
    for name, value in parts.fields.items():
        if old.get(name) == short_hash(value):
            continue
        if name in ALWAYS or options.writes(name) or _blocking_field(name, parts, unblocking):
            plan.product[name] = value
        else:
            plan.skipped_fields.append(name)


def _blocking_field(name: str, parts: ProductParts, unblocking: bool) -> bool:
    """Hiding a blocked article (and showing it again) wins over "don't overwrite"."""
    return name == "is_visible" and (parts.blocked or unblocking)


def _plan_variants(
    plan: UpdatePlan, parts: ProductParts, data: Mapping[str, Any], options: MappingOptions
) -> None:
    known: Mapping[str, list[Any]] = data.get("v") or {}
    for sku, body in parts.variants.items():
        if sku not in known:
            plan.variant_creates[sku] = body
        elif known[sku][1] != short_hash(body):
            update = {
                k: v
                for k, v in body.items()
                if k != "option_values" and _variant_writes(k, options)
            }
            plan.variant_updates[sku] = {"id": int(known[sku][0]), **update}
    for sku, (variant_id, _digest) in known.items():
        if sku not in parts.variants:
            plan.variant_disables[sku] = int(variant_id)


def _variant_writes(name: str, options: MappingOptions) -> bool:
    if name in ("price",):
        return options.writes("price")
    if name in ("weight",):
        return options.writes("weight")
    if name in ("upc", "gtin"):
        return options.writes("upc")
    if name == "image_url":
        return "images" not in options.excluded
    return True


def _plan_images(plan: UpdatePlan, parts: ProductParts, data: Mapping[str, Any]) -> None:
    known: Mapping[str, int] = data.get("i") or {}
    plan.image_creates = [url for url in parts.images if url not in known]
    plan.image_deletes = {url: int(i) for url, i in known.items() if url not in parts.images}


def _plan_custom_fields(plan: UpdatePlan, parts: ProductParts, data: Mapping[str, Any]) -> None:
    known: Mapping[str, list[Any]] = data.get("c") or {}
    for name, value in parts.custom_fields.items():
        if name not in known:
            plan.field_creates[name] = value
        elif known[name][1] != short_hash(value):
            plan.field_updates[name] = (int(known[name][0]), value)
    plan.field_deletes = {n: int(v[0]) for n, v in known.items() if n not in parts.custom_fields}
