"""Pure mapping: prices, blocked articles, exclusions and the update plan from per-part hashes."""

from __future__ import annotations

from decimal import Decimal

from bcapp.bigcommerce import catalog_mapping as cm
from bcapp.bigcommerce.catalog_plan import plan_update
from bcapp.connectors.base import Product, Variant


def product(**kw: object) -> Product:
    base = dict(
        erp_id="A1",
        sku="A1",
        name="Shirt",
        price=Decimal("24.20"),
        price_includes_vat=True,
        vat_rate=Decimal("21"),
        ean="8712345678906",
        images=("https://i/1.jpg",),
        custom_fields=(("Origin", "NL"),),
        variants=(Variant("A1-S", (("Size", "S"),)), Variant("A1-M", (("Size", "M"),))),
    )
    base.update(kw)
    return Product(**base)  # type: ignore[arg-type]


def written(parts: cm.ProductParts) -> dict[str, object]:
    """Binding data as if ``parts`` had been created (ids made up)."""
    return cm.binding_data(
        parts,
        variant_ids={s: i for i, s in enumerate(parts.variants, 10)},
        image_ids={u: 1 for u in parts.images},
        field_ids={n: 5 for n in parts.custom_fields},
    )


def test_price_conversion_both_ways() -> None:
    inc = dict(includes_vat=True, vat_rate=Decimal("21"))
    exc = dict(includes_vat=False, vat_rate=Decimal("21"))
    assert cm.store_price(Decimal("24.20"), **inc, store_includes_vat=False) == Decimal("20")
    assert cm.store_price(Decimal("20"), **exc, store_includes_vat=True) == Decimal("24.2")
    assert cm.store_price(Decimal("9.99"), **inc, store_includes_vat=True) == Decimal("9.99")
    assert cm.store_price(Decimal("10"), **inc, store_includes_vat=False) == Decimal("8.2645")


def test_create_payload_carries_variants_images_and_fields() -> None:
    body = cm.product_parts(product(), cm.MappingOptions()).create_payload()
    assert body["price"] == 20.0 and body["gtin"] == "8712345678906"
    assert [v["sku"] for v in body["variants"]] == ["A1-S", "A1-M"]
    assert body["variants"][0]["option_values"] == [{"option_display_name": "Size", "label": "S"}]
    assert body["images"] == [{"image_url": "https://i/1.jpg", "is_thumbnail": True}]
    assert body["custom_fields"] == [{"name": "Origin", "value": "NL"}]
    assert body["inventory_tracking"] == "variant"


def test_blocked_hides_and_disables() -> None:
    parts = cm.product_parts(product(blocked=True), cm.MappingOptions())
    assert parts.fields["is_visible"] is False and parts.fields["availability"] == "disabled"
    assert all(v["purchasing_disabled"] for v in parts.variants.values())


def test_unchanged_record_plans_nothing() -> None:
    parts = cm.product_parts(product(), cm.MappingOptions())
    assert plan_update(parts, written(parts), cm.MappingOptions()).empty


def test_plan_sends_only_what_changed() -> None:
    options = cm.MappingOptions()
    old = cm.product_parts(product(), options)
    new = cm.product_parts(
        product(
            price=Decimal("36.30"), images=("https://i/2.jpg",), custom_fields=(("Origin", "BE"),)
        ),
        options,
    )
    plan = plan_update(new, written(old), options)
    assert plan.product == {"price": 30.0}
    assert plan.variant_updates == {} and plan.variant_creates == {}
    assert plan.image_creates == ["https://i/2.jpg"] and plan.image_deletes == {
        "https://i/1.jpg": 1
    }
    assert plan.field_updates == {"Origin": (5, "BE")}


def test_excluded_fields_are_kept_but_blocking_still_hides() -> None:
    options = cm.MappingOptions(excluded=frozenset({"name", "visibility", "images"}))
    old = cm.product_parts(product(), options)
    new = cm.product_parts(product(name="Renamed", blocked=True, images=()), options)
    plan = plan_update(new, written(old), options)
    assert "name" not in plan.product and plan.skipped_fields == ["name"]
    assert plan.product["is_visible"] is False and plan.product["availability"] == "disabled"
    assert plan.image_deletes == {}
    data = cm.binding_data(
        new,
        variant_ids={},
        image_ids={},
        field_ids={},
        previous=written(old),
        skip_fields=plan.skipped_fields,
    )
    assert data["f"]["name"] == written(old)["f"]["name"]  # un-excluding it later writes it


def test_variant_gone_from_the_erp_is_disabled_not_deleted() -> None:
    options = cm.MappingOptions()
    old = cm.product_parts(product(), options)
    new = cm.product_parts(
        product(variants=(Variant("A1-M", (("Size", "M"),)), Variant("A1-L", (("Size", "L"),)))),
        options,
    )
    plan = plan_update(new, written(old), options)
    assert plan.variant_disables == {"A1-S": 10}
    assert list(plan.variant_creates) == ["A1-L"]


def test_custom_fields_follow_the_merchants_choice() -> None:
    p = product(custom_fields=(("Origin", "NL"), ("Colour", "Red"), ("Empty", " ")))
    chosen = cm.product_parts(p, cm.MappingOptions(custom_fields=("Colour",)))
    assert chosen.custom_fields == {"Colour": "Red"}
    every = cm.product_parts(p, cm.MappingOptions())
    assert every.custom_fields == {"Origin": "NL", "Colour": "Red"}  # empty values never sent
