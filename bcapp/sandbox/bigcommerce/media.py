"""Catalog v3 product images and custom fields, one created per request."""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.state import SandboxStore


def product_images(store: SandboxStore, product_id: int) -> list[dict[str, Any]]:
    return [dict(i) for i in store.images.values() if i["product_id"] == product_id]


def product_custom_fields(store: SandboxStore, product_id: int) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in f.items() if k != "product_id"}
        for f in store.custom_fields.values()
        if f["product_id"] == product_id
    ]


def add_image(store: SandboxStore, product_id: int, body: dict[str, Any]) -> dict[str, Any]:
    raise NotImplementedError


def add_custom_field(store: SandboxStore, product_id: int, body: dict[str, Any]) -> dict[str, Any]:
    raise NotImplementedError


ROUTES: list = []
