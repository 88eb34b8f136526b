"""Canonical catalog records → BigCommerce catalog payloads, and the hashes that make diffs cheap.

The catalog flow never builds JSON itself: through the store facade
(:class:`~bcapp.bigcommerce.store.BigCommerceStore`) it gets a :class:`ProductParts`
(what BigCommerce should hold for one ERP article, split the way BigCommerce's
API splits it — product fields, variants, images, custom fields) and the
difference between those parts and what the binding says was written last
time (:func:`bcapp.bigcommerce.catalog_plan.plan_update`).

Why per-field hashes: the products batch update takes at most 10 products and
no variants, images or custom fields, so an update must know *which* parts
changed to send the fewest requests. The binding keeps a short hash per
product field, per variant, per custom field and the image URLs
(:func:`binding_data`); an article whose whole-record hash is unchanged costs
nothing at all, and a changed one sends only its changed fields.

Money: ERP prices come with ``price_includes_vat``/``vat_rate``; the store's
setting says whether BigCommerce prices are entered including VAT, and
:func:`store_price` converts between the two (4 decimals, half up).

Blocked articles are hidden and made unavailable (``is_visible`` false,
``availability`` "disabled"), never deleted; a blocked variant gets
``purchasing_disabled``. Unblocking restores both.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bcapp.canonical import Category, Product, Variant
from bcapp.jsonable import to_jsonable

NAME_MAX = 250
CUSTOM_FIELD_MAX = 250
PRICE_PLACES = Decimal("0.0001")
BLOCKED_MESSAGE = "This article is blocked in the ERP."

#: Merchant-facing field (``CatalogRules.excluded_fields``) → BigCommerce product fields.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "description": ("description",),
    "price": ("price",),
    "weight": ("weight",),
    "brand": ("brand_id",),
    "categories": ("categories",),
    "ean": ("upc", "gtin"),
    "visibility": ("is_visible",),
}
#: Product fields that always follow the ERP (identity, blocking, stock tracking).
ALWAYS = ("sku", "type", "availability", "inventory_tracking")


@dataclass(frozen=True)
class MappingOptions:
    """The store's choices and the ids resolved for this run."""

    price_includes_vat: bool = False
    manage_stock: bool = True
    custom_fields: tuple[str, ...] = ()  # chosen ERP field names; empty = all the connector gives
    excluded: frozenset[str] = frozenset()
    category_ids: Callable[[Iterable[str]], list[int]] = lambda erp_ids: []
    brand_id: Callable[[str], int] = lambda name: 0

    def writes(self, bc_field: str) -> bool:
        """Whether an update may overwrite ``bc_field`` (creates always write everything)."""
        for group, fields in FIELD_GROUPS.items():
            if bc_field in fields:
                return group not in self.excluded
        return True


@dataclass(frozen=True)
class ProductParts:
    """What BigCommerce should hold for one article, split like the API splits it."""

    fields: dict[str, Any]
    variants: dict[str, dict[str, Any]]  # sku → variant fields (with option_values)
    images: tuple[str, ...]
    custom_fields: dict[str, str]
    blocked: bool

    def create_payload(self) -> dict[str, Any]:
        """One POST /catalog/products body: variants, images and custom fields ride along."""
        body = dict(self.fields)
        if self.variants:
            body["variants"] = list(self.variants.values())
        if self.images:
            body["images"] = [
                {"image_url": url, "is_thumbnail": i == 0} for i, url in enumerate(self.images)
            ]
        if self.custom_fields:
            body["custom_fields"] = [{"name": k, "value": v} for k, v in self.custom_fields.items()]
        return body

    @property
    def variant_skus(self) -> tuple[str, ...]:
        """The SKUs of the variants (none for a product without options)."""
        return tuple(self.variants)

    def loggable(self) -> dict[str, Any]:
        """The create request for the activity log, without a long description."""
        out = self.create_payload()
        if len(str(out.get("description", ""))) > 500:
            out["description"] = str(out["description"])[:500] + "…"
        return out

    def digest(self, excluded: Iterable[str] = ()) -> str:
        """The whole-record hash kept as ``Binding.sync_hash`` (exclusions count too)."""
        return short_hash({"p": self.create_payload(), "x": sorted(excluded)}, length=64)


# -- small conversions -------------------------------------------------------------------


def short_hash(value: Any, *, length: int = 10) -> str:
    """A stable hex digest of a JSON-able value (Decimals normalised)."""
    text = json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def money(value: Decimal) -> float:
    """BigCommerce takes prices as JSON numbers."""
    return float(value.quantize(PRICE_PLACES, rounding=ROUND_HALF_UP))


def store_price(
    price: Decimal, *, includes_vat: bool, vat_rate: Decimal, store_includes_vat: bool
) -> Decimal:
    """``price`` as the store enters prices (including or excluding VAT)."""
    factor = 1 + vat_rate / 100
    if includes_vat and not store_includes_vat:
        price = price / factor
    elif store_includes_vat and not includes_vat:
        price = price * factor
    return price.quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)


def ean_fields(ean: str) -> dict[str, str]:
    """EAN/UPC/GTIN: BigCommerce feeds read ``gtin``; ``upc`` is what its list filter matches."""
    code = ean.strip()
    return {"upc": code, "gtin": code}


# -- product → parts ---------------------------------------------------------------------


def product_parts(product: Product, options: MappingOptions) -> ProductParts:
    """Everything BigCommerce should hold for ``product`` under the store's settings."""
    price = store_price(
        product.price, includes_vat=product.price_includes_vat, vat_rate=product.vat_rate,
        store_includes_vat=options.price_includes_vat,
    )  # fmt: skip
    fields: dict[str, Any] = {
        "name": product.name.strip(),
        "type": "physical",
        "sku": product.sku,
        "price": money(price),
        "weight": float(product.weight or 0),
        "description": product.description,
        **ean_fields(product.ean),
        "is_visible": product.visible and not product.blocked,
        "availability": "disabled" if product.blocked else "available",
        "brand_id": options.brand_id(product.brand) if product.brand else 0,
        "categories": sorted(options.category_ids(product.category_erp_ids)),
        "inventory_tracking": _tracking(product, options),
        # the merchant's field mapping (ERP → store) wins; an empty value changes nothing
        **{k: v for k, v in product.store_fields if v is not None},
    }
    variants = {v.sku: variant_fields(v, product, options) for v in product.variants if v.sku}
    return ProductParts(
        fields=fields,
        variants=variants,
        images=tuple(dict.fromkeys(u for u in product.images if u)),
        custom_fields=_custom_fields(product, options),
        blocked=product.blocked,
    )


def _tracking(product: Product, options: MappingOptions) -> str:
    if not options.manage_stock:
        return "none"
    return "variant" if product.variants else "product"


def variant_fields(variant: Variant, product: Product, options: MappingOptions) -> dict[str, Any]:
    """A variant as POST /catalog/products (variants[]) and PUT /catalog/variants take it."""
    body: dict[str, Any] = {
        "sku": variant.sku,
        "option_values": [
            {"option_display_name": name, "label": value} for name, value in variant.options
        ],
        "purchasing_disabled": variant.blocked or product.blocked,
        **ean_fields(variant.ean),
    }
    if variant.price is not None:
        price = store_price(
            variant.price, includes_vat=product.price_includes_vat, vat_rate=product.vat_rate,
            store_includes_vat=options.price_includes_vat,
        )  # fmt: skip
        body["price"] = money(price)
    if variant.weight is not None:
        body["weight"] = float(variant.weight)
    if variant.image_url:
        body["image_url"] = variant.image_url
    return body


def _custom_fields(product: Product, options: MappingOptions) -> dict[str, str]:
    chosen = set(options.custom_fields)
    out: dict[str, str] = {}
    for name, value in product.custom_fields:
        if (chosen and name not in chosen) or not str(value).strip():
            continue  # BigCommerce refuses an empty custom field value
        out[name[:CUSTOM_FIELD_MAX]] = str(value)[:CUSTOM_FIELD_MAX]
    return out


# -- what the binding remembers ------------------------------------------------------------


def field_hashes(fields: Mapping[str, Any]) -> dict[str, str]:
    return {name: short_hash(value) for name, value in fields.items()}


def binding_data(
    parts: ProductParts,
    *,
    variant_ids: Mapping[str, int],
    image_ids: Mapping[str, int],
    field_ids: Mapping[str, int],
    previous: Mapping[str, Any] | None = None,
    skip_fields: Iterable[str] = (),
) -> dict[str, Any]:
    """``Binding.data`` after a successful write of ``parts``.

    ``skip_fields`` are product fields that were *not* written (excluded):
    their old hashes stay, so un-excluding a field later writes it.
    """
    old = dict((previous or {}).get("f") or {})
    new = field_hashes(parts.fields)
    for name in skip_fields:
        if name in old:
            new[name] = old[name]
        else:
            new.pop(name, None)
    data = {
        "f": new,
        "v": {sku: [variant_ids[sku], short_hash(body)] for sku, body in parts.variants.items()
              if sku in variant_ids},
        "i": {url: image_ids[url] for url in parts.images if url in image_ids},
        "c": {name: [field_ids[name], short_hash(value)]
              for name, value in parts.custom_fields.items() if name in field_ids},
        "blocked": parts.blocked,
    }  # fmt: skip
    if previous and "channels" in previous:  # the storefronts it is on (bcapp.sync.storefronts)
        data["channels"] = previous["channels"]
    return data


# -- dry-run diffs ---------------------------------------------------------------------------


def comparable_payload(parts: ProductParts) -> dict[str, Any]:
    """``parts`` without option_values in variants (BigCommerce echoes them differently)."""
    body = parts.create_payload()
    if "variants" in body:
        body["variants"] = [
            {k: v for k, v in variant.items() if k != "option_values"}
            for variant in body["variants"]
        ]
    return body


# -- BigCommerce → canonical (the store leads: store_to_erp) ----------------------------------


def product_from_bc(
    row: Mapping[str, Any], groups: Mapping[int, str], *, prices_include_vat: bool
) -> Product:
    """A BigCommerce product (``include=variants,images``) as the canonical record.

    ``groups`` maps BigCommerce category ids to ERP group ids (unmapped ones
    are left out). The base variant of a product without options is not a
    variant; ``purchasing_disabled`` marks a variant blocked.
    """
    images = sorted(row.get("images") or [], key=lambda i: (not i.get("is_thumbnail"),
                                                            i.get("sort_order", 0)))  # fmt: skip
    return Product(
        erp_id="",
        sku=str(row.get("sku") or ""),
        name=str(row.get("name") or ""),
        price=_decimal(row.get("price")),
        price_includes_vat=prices_include_vat,
        description=str(row.get("description") or ""),
        ean=str(row.get("gtin") or row.get("upc") or ""),
        weight=_decimal(row.get("weight")) if row.get("weight") is not None else None,
        category_erp_ids=tuple(groups[c] for c in row.get("categories") or [] if c in groups),
        images=tuple(str(i.get("url_standard") or i.get("image_url") or "") for i in images),
        variants=tuple(_variant_from_bc(v) for v in row.get("variants") or []
                       if v.get("option_values")),
        visible=bool(row.get("is_visible", True)),
        blocked=row.get("availability") == "disabled",
    )  # fmt: skip


def _variant_from_bc(row: Mapping[str, Any]) -> Variant:
    return Variant(
        sku=str(row.get("sku") or ""),
        options=tuple((str(o.get("option_display_name") or ""), str(o.get("label") or ""))
                      for o in row.get("option_values") or []),
        price=_decimal(row["price"]) if row.get("price") is not None else None,
        ean=str(row.get("gtin") or row.get("upc") or ""),
        weight=_decimal(row["weight"]) if row.get("weight") is not None else None,
        image_url=str(row.get("image_url") or ""),
        blocked=bool(row.get("purchasing_disabled")),
    )  # fmt: skip


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal("0")


# -- categories ---------------------------------------------------------------------------


def category_payload(category: Category, parent_bc_id: int | None, tree_id: int) -> dict[str, Any]:
    """One item of POST/PUT /catalog/trees/categories."""
    body: dict[str, Any] = {
        "name": category.name.strip()[:50] or category.erp_id,
        "sort_order": category.sort_order,
        "is_visible": True,
    }
    if category.description:
        body["description"] = category.description
    body["tree_id"] = tree_id  # the spec asks for both, also for a child
    body["parent_id"] = parent_bc_id or 0
    return body


def category_hash(category: Category) -> str:
    """What a rename, move or re-sort changes (the parent by ERP id, so it is stable)."""
    return short_hash(
        [category.name.strip(), category.parent_erp_id, category.sort_order, category.description],
        length=64,
    )
