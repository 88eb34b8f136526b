"""The catalog-reading side of the store facade: which products the store already has.

Lookups are batched the way BigCommerce filters allow (``sku:in`` 50 at a
time to keep URLs short, ``id:in`` 250 at a time), and each product comes
back as a typed :class:`~.catalog_records.StoreProduct` with the variant,
image and custom-field ids adoption needs. Product JSON never leaves this
module (and :mod:`.catalog_state`, which derives the written state from the
records).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bcapp.bigcommerce.catalog_mapping import product_from_bc
from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.resources.paging import chunked
from bcapp.bigcommerce.store.catalog_records import (
    Brand,
    ModifiedProduct,
    StoreCustomField,
    StoreImage,
    StoreProduct,
    StoreVariant,
)

#: SKUs per ``sku:in`` read (keeps URLs short).
LOOKUP_CHUNK = 50
#: Ids per ``id:in`` read.
ID_CHUNK = 250
#: What matching, adoption and dry-run diffs need of a product.
SUB_RESOURCES = "variants,images,custom_fields"
#: Products per page an EAN lookup reads (a code matches a handful at most).
EAN_PAGE = 50
_SUBS = ("variants", "images", "custom_fields")


def store_product(row: Mapping[str, Any]) -> StoreProduct:
    """A v3 product (with some of variants, images, custom_fields) → :class:`StoreProduct`."""
    images, fields = row.get("images"), row.get("custom_fields")
    return StoreProduct(
        bc_id=int(row["id"]),
        sku=str(row.get("sku") or ""),
        blocked=row.get("availability") == "disabled",
        variants=tuple(
            StoreVariant(int(v["id"]), v.get("sku"), dict(v)) for v in row.get("variants") or []
        ),
        images=None if images is None else tuple(
            StoreImage(int(i["id"]), i.get("url_standard") or i.get("image_url")) for i in images
        ),
        custom_fields=None if fields is None else tuple(
            StoreCustomField(int(f["id"]), str(f["name"]), f.get("value")) for f in fields
        ),
        values={k: v for k, v in row.items() if k not in _SUBS},
    )  # fmt: skip


class CatalogSide:
    """Product and brand reads (a side of the store facade)."""

    client: BigCommerceClient

    def product_count(self) -> int:
        """How many products the store has (one request)."""
        return self.client.products.count()

    def present_products(self, product_ids: Iterable[int]) -> set[int]:
        """Which of ``product_ids`` the store still has (ids only, 250 per request)."""
        found: set[int] = set()
        for chunk in chunked(list(product_ids), ID_CHUNK):
            rows = self.client.products.iterate({"id:in": chunk, "include_fields": "id"})
            found.update(int(r["id"]) for r in rows)
        return found

    def products_by_id(self, product_ids: Iterable[int]) -> dict[int, StoreProduct]:
        """The store's products with these ids (with variants, images and custom fields)."""
        out: dict[int, StoreProduct] = {}
        for chunk in chunked(sorted(product_ids), ID_CHUNK):
            for row in self.client.products.iterate({"id:in": chunk}, include=SUB_RESOURCES):
                out[int(row["id"])] = store_product(row)
        return out

    def products_by_sku(self, skus: Iterable[str]) -> dict[str, StoreProduct]:
        """Products whose own SKU is one of ``skus``, keyed by that SKU in lower case
        (BigCommerce matches SKUs without regard to case)."""
        out: dict[str, StoreProduct] = {}
        for chunk in chunked(list(skus), LOOKUP_CHUNK):
            for row in self.client.products.iterate({"sku:in": chunk}, include=SUB_RESOURCES):
                out[str(row.get("sku", "")).lower()] = store_product(row)
        return out

    def products_by_variant_sku(self, skus: Iterable[str]) -> dict[str, StoreProduct]:
        """Products with a variant whose SKU is one of ``skus``, keyed by it in lower case."""
        product_ids: dict[str, int] = {}
        for chunk in chunked(list(skus), LOOKUP_CHUNK):
            for row in self.client.variants.iterate_all({"sku:in": chunk}):
                product_ids[str(row.get("sku", "")).lower()] = int(row["product_id"])
        products = self.products_by_id(set(product_ids.values()))
        return {sku: products[pid] for sku, pid in product_ids.items() if pid in products}

    def product_by_ean(self, ean: str) -> StoreProduct | None:
        """The product whose EAN (``upc`` or ``gtin``) is exactly ``ean``, if any (one request)."""
        rows = self.client.products.page({"upc": ean}, include=SUB_RESOURCES, limit=EAN_PAGE)
        for row in rows:  # filter again: BigCommerce's upc filter is not an exact match
            if ean in (row.get("upc"), row.get("gtin")):
                return store_product(row)
        return None

    def products_modified_since(
        self,
        since: str | None,
        *,
        groups: Mapping[int, str],
        prices_include_vat: bool,
        page: int,
    ) -> Iterator[list[ModifiedProduct]]:
        """Products modified at or after ``since`` (all when None), oldest change first, as
        canonical records, ``page`` at a time.

        ``groups`` maps BigCommerce category ids to ERP group ids (unmapped ones
        are left out of the record).
        """
        filters: dict[str, Any] = {"sort": "date_modified", "direction": "asc"}
        if since:
            filters["date_modified:min"] = since
        rows = self.client.products.iterate(filters, include="variants,images")
        for chunk in chunked(rows, page):
            yield [modified_product(row, groups, prices_include_vat) for row in chunk]

    def brands(self) -> list[Brand]:
        """Every brand of the store."""
        return [Brand(int(b["id"]), str(b["name"])) for b in self.client.brands.iterate()]

    def create_brand(self, name: str) -> int:
        """Create a brand (its name cut to BigCommerce's 255 characters); its id."""
        return int(self.client.brands.create({"name": name[:255]})["id"])


def modified_product(
    row: Mapping[str, Any], groups: Mapping[int, str], prices_include_vat: bool
) -> ModifiedProduct:
    modified = row.get("date_modified")
    return ModifiedProduct(
        bc_id=int(row["id"]),
        modified=str(modified) if modified else None,
        product=product_from_bc(row, groups, prices_include_vat=prices_include_vat),
    )
