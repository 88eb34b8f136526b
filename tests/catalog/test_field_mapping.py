"""The field mapper's ERP → store direction: AFAS articles reach BigCommerce with the
product fields the merchant's templates give (BigCommerce's own fields and lengths); a
template that fails fails only its article, the others sync."""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.bigcommerce.writable import PRODUCT_FIELDS, product_fields
from bcapp.extensions import db
from bcapp.mapping import versions
from bcapp.mapping.fields import build
from bcapp.sandbox.afas.spec import shared_dir


def save(world: Any, templates: dict[str, str]) -> None:
    writable = {"store_product": {f.name: f for f in product_fields()}}
    mapping = build("afas", {"store_product": templates}, writable)
    versions.save(world.store.id, mapping, "merchant@x")
    db.session.commit()


def test_articles_reach_the_store_with_the_mapped_product_fields(world: Any) -> None:
    world.afas.add_article("MUG", "Mug", price="12.10", Brand="Acme")
    world.afas.add_article("CUP", "Cup", price="8.00")
    save(world, {
        "page_title": "{{ product.name }} by {{ product.brand | default('our shop') }}",
        "search_keywords": "{{ product.name | lower }}, {{ product.sku | lower }}",
        "sort_order": "{{ 10 if product.brand else 20 }}",
    })  # fmt: skip

    run = world.run()

    assert run.status == "succeeded", run.message
    mug, cup = world.product_by_sku("MUG"), world.product_by_sku("CUP")
    assert (mug["page_title"], mug["search_keywords"], mug["sort_order"]) == (
        "Mug by Acme", "mug, mug", 10)  # fmt: skip
    assert (cup["page_title"], cup["sort_order"]) == ("Cup by our shop", 20)


def test_a_failing_template_fails_only_its_article(world: Any) -> None:
    world.afas.add_article("MUG", "Mug", price="12.10", Brand="Acme")
    world.afas.add_article("CUP", "Cup", price="8.00")
    save(world, {"sort_order": "{{ product.brand | default('5') }}"})  # "Acme": not a number

    run = world.run()

    [failed] = world.entries(run, entity="product", outcome="failed")
    assert failed.erp_id == "MUG" and "sort_order" in failed.message
    assert "not a whole number" in failed.message and "Acme" in failed.message
    assert [p["sku"] for p in world.bc.products.values()] == ["CUP"]
    assert world.product_by_sku("CUP")["sort_order"] == 5


def test_offered_fields_are_bigcommerces_with_its_lengths() -> None:
    root = shared_dir()
    if root is None:
        pytest.skip("../shared/bigcommerce-openapi is absent (a user's checkout)")
    import yaml

    spec = yaml.safe_load((root / "bigcommerce-openapi" / "products_catalog.v3.yml").read_text())
    props = spec["components"]["schemas"]["product_Base_PUT"]["properties"]
    kinds = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}
    for name, kind, length, _ in PRODUCT_FIELDS:
        assert kinds[props[name]["type"]] == kind, name
        assert props[name].get("maxLength") == length, name
