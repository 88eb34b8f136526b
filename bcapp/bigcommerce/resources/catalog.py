"""Catalog v3: products, variants, options, images, custom fields, brands, channels."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from bcapp.bigcommerce.resources import Resource
from bcapp.bigcommerce.resources.paging import MAX_PAGE, BatchResult, chunked

#: Per-request maxima from BigCommerce's catalog reference.
PRODUCT_BATCH = 10
VARIANT_BATCH = 50
DELETE_BATCH = 250
#: Including these caps a products page at 10 records.
SMALL_PAGE_INCLUDES = frozenset({"options", "modifiers"})


class _Catalog(Resource):
    """A catalog resource: most calls answer with one record in ``data``."""

    def _one(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        row: dict[str, Any] = self.api.data(method, path, **kwargs)
        return row


def _include(include: Iterable[str] | str | None) -> str | None:
    if include is None or isinstance(include, str):
        return include or None
    return ",".join(include) or None


class Products(_Catalog):
    """``/catalog/products``: get, iterate, create one (with variants and images), batch update."""

    def get(self, product_id: int, *, include: Iterable[str] | str | None = None) -> dict[str, Any]:
        return self._one(
            "GET", f"/catalog/products/{product_id}", params={"include": _include(include)}
        )

    def iterate(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        include: Iterable[str] | str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every product matching ``filters`` (``sku``, ``id:in``, ``date_modified:min`` ...)."""
        included = _include(include)
        limit = 10 if included and SMALL_PAGE_INCLUDES & set(included.split(",")) else MAX_PAGE
        params = {**(filters or {}), "include": included}
        return self.api.iter_v3("/catalog/products", params, limit=limit)

    def page(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        include: Iterable[str] | str | None = None,
        limit: int = MAX_PAGE,
    ) -> list[dict[str, Any]]:
        """The first page of products matching ``filters`` (one request, no paging)."""
        params = {**(filters or {}), "include": _include(include), "limit": limit}
        body = self.api.v3("GET", "/catalog/products", params=params) or {}
        return list(body.get("data") or [])

    def count(self) -> int:
        """How many products the store has (one request for one id)."""
        body = self.api.v3("GET", "/catalog/products", params={"limit": 1, "include_fields": "id"})
        pagination = ((body or {}).get("meta") or {}).get("pagination") or {}
        return int(pagination.get("total") or 0)

    def create(self, product: Mapping[str, Any]) -> dict[str, Any]:
        """Create one product; ``variants`` and ``images`` (by ``image_url``) may ride along."""
        return self._one("POST", "/catalog/products", json=dict(product))

    def update(self, product_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("PUT", f"/catalog/products/{product_id}", json=dict(fields))

    def update_many(self, products: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Batch update, 10 per request; each needs ``id``; variants go via ``client.variants``."""
        for product in products:
            if "id" not in product:
                raise ValueError("a batch product update needs each product's id")
            if "variants" in product:
                raise ValueError(
                    "the products batch update takes no variants; use variants.update_many"
                )
        return self.api.batches(
            "PUT", "/catalog/products", [dict(p) for p in products], PRODUCT_BATCH
        )

    def delete(self, product_id: int) -> None:
        self.api.v3("DELETE", f"/catalog/products/{product_id}")

    def delete_many(self, product_ids: Iterable[int]) -> None:
        """Delete by id, 250 per request (BigCommerce insists on a filter)."""
        for batch in chunked(product_ids, DELETE_BATCH):
            self.api.v3("DELETE", "/catalog/products", params={"id:in": batch})


class Variants(_Catalog):
    """Variants per product, and the ``/catalog/variants`` batch update (50 per request)."""

    def iterate(self, product_id: int) -> Iterator[dict[str, Any]]:
        return self.api.iter_v3(f"/catalog/products/{product_id}/variants")

    def iterate_all(self, filters: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Variants across products (``{"sku:in": [...], "product_id:in": [...]}``)."""
        return self.api.iter_v3("/catalog/variants", filters)

    def create(self, product_id: int, variant: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", f"/catalog/products/{product_id}/variants", json=dict(variant))

    def update(self, product_id: int, variant_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self._one(
            "PUT", f"/catalog/products/{product_id}/variants/{variant_id}", json=dict(fields)
        )

    def update_many(self, variants: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Batch update, 50 per request; each needs ``id``."""
        if any("id" not in variant for variant in variants):
            raise ValueError("a batch variant update needs each variant's id")
        return self.api.batches(
            "PUT", "/catalog/variants", [dict(v) for v in variants], VARIANT_BATCH
        )

    def delete(self, product_id: int, variant_id: int) -> None:
        self.api.v3("DELETE", f"/catalog/products/{product_id}/variants/{variant_id}")


class Options(_Catalog):
    """A product's variant options and their values."""

    def _path(self, product_id: int, option_id: int | None = None) -> str:
        base = f"/catalog/products/{product_id}/options"
        return base if option_id is None else f"{base}/{option_id}"

    def iterate(self, product_id: int) -> Iterator[dict[str, Any]]:
        return self.api.iter_v3(self._path(product_id))

    def create(self, product_id: int, option: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", self._path(product_id), json=dict(option))

    def update(self, product_id: int, option_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("PUT", self._path(product_id, option_id), json=dict(fields))

    def delete(self, product_id: int, option_id: int) -> None:
        self.api.v3("DELETE", self._path(product_id, option_id))

    def values(self, product_id: int, option_id: int) -> Iterator[dict[str, Any]]:
        return self.api.iter_v3(f"{self._path(product_id, option_id)}/values")

    def create_value(
        self, product_id: int, option_id: int, value: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self._one("POST", f"{self._path(product_id, option_id)}/values", json=dict(value))

    def update_value(
        self, product_id: int, option_id: int, value_id: int, fields: Mapping[str, Any]
    ) -> dict[str, Any]:
        return self._one(
            "PUT", f"{self._path(product_id, option_id)}/values/{value_id}", json=dict(fields)
        )

    def delete_value(self, product_id: int, option_id: int, value_id: int) -> None:
        self.api.v3("DELETE", f"{self._path(product_id, option_id)}/values/{value_id}")


class Images(_Catalog):
    """A product's images; BigCommerce fetches each from ``image_url`` (one per request)."""

    def iterate(self, product_id: int) -> Iterator[dict[str, Any]]:
        return self.api.iter_v3(f"/catalog/products/{product_id}/images")

    def create(self, product_id: int, image_url: str, **fields: Any) -> dict[str, Any]:
        body = {"image_url": image_url, **fields}
        return self._one("POST", f"/catalog/products/{product_id}/images", json=body)

    def delete(self, product_id: int, image_id: int) -> None:
        self.api.v3("DELETE", f"/catalog/products/{product_id}/images/{image_id}")


class CustomFields(_Catalog):
    """A product's custom fields (name/value pairs), one per request."""

    def _path(self, product_id: int) -> str:
        return f"/catalog/products/{product_id}/custom-fields"

    def iterate(self, product_id: int) -> Iterator[dict[str, Any]]:
        return self.api.iter_v3(self._path(product_id))

    def create(self, product_id: int, name: str, value: str) -> dict[str, Any]:
        return self._one("POST", self._path(product_id), json={"name": name, "value": value})

    def update(self, product_id: int, field_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("PUT", f"{self._path(product_id)}/{field_id}", json=dict(fields))

    def delete(self, product_id: int, field_id: int) -> None:
        self.api.v3("DELETE", f"{self._path(product_id)}/{field_id}")


class Metafields(_Catalog):
    """A product's metafields (namespace, key, value), read for the merchant's field mappings."""

    def iterate(self, product_id: int) -> Iterator[dict[str, Any]]:
        return self.api.iter_v3(f"/catalog/products/{product_id}/metafields")

    def create(self, product_id: int, metafield: Mapping[str, Any]) -> dict[str, Any]:
        path = f"/catalog/products/{product_id}/metafields"
        return self._one("POST", path, json=dict(metafield))


class Brands(_Catalog):
    """``/catalog/brands``: list and create."""

    def iterate(self, filters: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        return self.api.iter_v3("/catalog/brands", filters)

    def create(self, brand: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", "/catalog/brands", json=dict(brand))


class ChannelAssignments(Resource):
    """Which channels sell which products (unassigned products are invisible on a channel)."""

    PATH = "/catalog/products/channel-assignments"

    def iterate(
        self, product_ids: Iterable[int] | None = None, channel_ids: Iterable[int] | None = None
    ) -> Iterator[dict[str, Any]]:
        params = {"product_id:in": _list(product_ids), "channel_id:in": _list(channel_ids)}
        return self.api.iter_v3(self.PATH, params)

    def assign(self, assignments: Sequence[Mapping[str, int]]) -> None:
        """Assign ``[{"product_id": .., "channel_id": ..}, ...]`` (kept to 250 per request)."""
        for batch in chunked([dict(a) for a in assignments], DELETE_BATCH):
            self.api.v3("PUT", self.PATH, json=batch)

    def unassign(
        self, product_ids: Iterable[int], channel_ids: Iterable[int] | None = None
    ) -> None:
        for batch in chunked(product_ids, DELETE_BATCH):
            self.api.v3(
                "DELETE",
                self.PATH,
                params={"product_id:in": batch, "channel_id:in": _list(channel_ids)},
            )


def _list(values: Iterable[Any] | None) -> list[Any] | None:
    return None if values is None else list(values)
