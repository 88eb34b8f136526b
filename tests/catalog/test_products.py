"""End to end: AFAS sandbox → catalog flow → BigCommerce sandbox (products and categories)."""

from __future__ import annotations

from decimal import Decimal

from bcapp.extensions import db
from bcapp.models import Cursor
from tests.catalog.conftest import World

SHIRT_IMAGE = "https://img.example.com/shirt.jpg"


def seed_shirt(world: World, **extra: object) -> None:
    world.afas.add_article(
        "SHIRT", "Shirt", price="24.20", group="G1", ean="8712345678906",
        dimensions=[("S", ""), ("M", ""), ("L", "")], image_url=SHIRT_IMAGE, Weight=0.3,
        Brand="Acme", **extra,
    )  # fmt: skip


def test_first_sync_creates_products_with_variants_images_and_categories(world: World) -> None:
    seed_shirt(world)
    world.afas.add_article("MUG", "Mug", price="12.10", group="G2", ean="8712345678913")
    world.settings("catalog", price_includes_vat=False)

    run = world.run()

    assert run.status == "succeeded", run.message
    assert (run.created, run.failed, run.skipped) == (4, 0, 0)  # 2 categories + 2 products
    shirt = world.product_by_sku("SHIRT")
    assert shirt["name"] == "Shirt"
    assert shirt["price"] == 20.0  # 24.20 incl. 21 % VAT, store prices excl. VAT
    assert shirt["gtin"] == "8712345678906" and shirt["upc"] == "8712345678906"
    assert shirt["weight"] == 0.3
    assert shirt["inventory_tracking"] == "variant"
    assert shirt["is_visible"] and shirt["availability"] == "available"
    variants = [v for v in world.bc.variants.values() if v["product_id"] == shirt["id"]]
    assert sorted(v["sku"] for v in variants) == ["SHIRT-L", "SHIRT-M", "SHIRT-S"]
    assert {ov["label"] for v in variants for ov in v["option_values"]} == {"S", "M", "L"}
    images = [i for i in world.bc.images.values() if i["product_id"] == shirt["id"]]
    assert len(images) == 1 and images[0]["is_thumbnail"]
    group = world.binding("category", "G1")
    assert group is not None and shirt["categories"] == [int(group.bc_id)]
    brand = world.bc.brands[shirt["brand_id"]]
    assert brand["name"] == "Acme"
    binding = world.binding("product", "SHIRT")
    assert binding is not None and binding.bc_id == str(shirt["id"])
    assert world.binding("sku", "SHIRT-M") is not None


def test_price_setting_including_vat(world: World) -> None:
    world.afas.add_article("MUG", "Mug", price="12.10")
    world.settings("catalog", price_includes_vat=True)
    world.run()
    assert world.product_by_sku("MUG")["price"] == 12.1


def test_creates_use_one_request_per_product(world: World) -> None:
    for i in range(6):
        world.afas.add_article(f"P{i}", f"Product {i}", dimensions=[("S", ""), ("M", ""),
                                                                    ("L", "")],
                               image_url=f"https://img.example.com/{i}.jpg")  # fmt: skip
    world.run()
    posts = [
        c for c in world.writes() if c == ("POST", f"/stores/{world.bc.hash}/v3/catalog/products")
    ]
    assert len(posts) == 6
    # variants and images rode along; no stock was given; one PUT sells all six on storefront 1
    assert world.writes()[6:] == [
        ("PUT", f"/stores/{world.bc.hash}/v3/catalog/products/channel-assignments")
    ]


def test_unchanged_resync_writes_nothing_delta_or_full(world: World) -> None:
    seed_shirt(world)
    world.afas.set_stock("SHIRT", "HQ", 5, dim1="M")
    world.run()
    world.calls.clear()

    again = world.run()
    assert again.status == "succeeded"
    assert world.writes() == []
    assert again.created == again.updated == 0

    full = world.run(full=True)
    assert full.status == "succeeded", full.message
    assert world.writes() == []
    assert full.unchanged >= 2 and full.updated == full.created == 0  # product + SKU + category


def test_delta_sends_only_the_changed_article_and_fields(world: World) -> None:
    seed_shirt(world)
    for i in range(12):
        world.afas.add_article(f"P{i:02d}", f"Product {i}")
    world.run()
    world.calls.clear()

    world.afas.touch_article("P03", SalesPrice=99.99)
    run = world.run()

    assert run.status == "succeeded"
    assert world.writes() == [("PUT", f"/stores/{world.bc.hash}/v3/catalog/products")]
    product = world.product_by_sku("P03")
    assert product["price"] == round(99.99 / 1.21, 4)
    entry = [e for e in world.entries(run) if e.entity == "product"]
    assert len(entry) == 1 and entry[0].outcome == "updated"
    assert entry[0].details["changed"]["fields"] == ["price"]
    cursor = db.session.execute(db.select(Cursor).filter_by(flow="catalog.products")).scalar_one()
    assert "P03" in cursor.value


def test_updates_go_in_batches_of_ten_products_and_fifty_variants(world: World) -> None:
    dims = [("S", ""), ("M", ""), ("L", "")]
    for i in range(20):
        world.afas.add_article(f"P{i:02d}", f"Product {i}", dimensions=dims, price="10")
    world.run()
    world.calls.clear()
    for i in range(20):
        world.afas.touch_article(f"P{i:02d}", SalesPrice=20.0, Description=f"New {i}")
    for dim in world.afas.tables.dimensions:
        dim["SalesPrice"] = 21.0

    run = world.run()

    assert run.updated == 20 and run.failed == 0
    writes = world.writes()
    product_puts = writes.count(("PUT", f"/stores/{world.bc.hash}/v3/catalog/products"))
    variant_puts = writes.count(("PUT", f"/stores/{world.bc.hash}/v3/catalog/variants"))
    assert (product_puts, variant_puts) == (2, 2)  # 20 / 10 and 60 / 50
    assert len(writes) == 4
    product = world.product_by_sku("P07")
    assert product["name"] == "New 7"
    variants = [v for v in world.bc.variants.values() if v["product_id"] == product["id"]]
    assert {v["price"] for v in variants} == {round(21 / 1.21, 4)}


def test_excluded_fields_are_not_overwritten_on_update(world: World) -> None:
    world.afas.add_article("MUG", "Mug", price="12.10")
    world.run()
    product = world.product_by_sku("MUG")
    product["name"] = "Merchant's own mug name"  # edited in the control panel
    world.settings("catalog", excluded_fields=["name"])

    world.afas.touch_article("MUG", Description="ERP mug", SalesPrice=24.2)
    run = world.run()

    assert run.status == "succeeded"
    assert product["name"] == "Merchant's own mug name"
    assert product["price"] == 20.0
    entry = next(e for e in world.entries(run) if e.entity == "product")
    assert entry.details["changed"]["not_overwritten"] == ["name"]


def test_update_only_mode_skips_new_articles(world: World) -> None:
    world.afas.add_article("OLD", "Old")
    world.run()
    world.settings("catalog", mode="update_only")
    world.afas.add_article("NEW", "New")

    run = world.run()

    assert [p["sku"] for p in world.bc.products.values()] == ["OLD"]
    skipped = [e for e in world.entries(run) if e.outcome == "skipped"]
    assert skipped[0].erp_id == "NEW" and "update existing products only" in skipped[0].message


def test_first_sync_against_a_filled_store_binds_by_sku_then_ean(world: World) -> None:
    from bcapp.sandbox.bigcommerce.catalog import create_product

    by_sku = create_product(world.bc, {"name": "Mug (shop)", "type": "physical", "weight": 1,
                                       "price": 5, "sku": "MUG"})  # fmt: skip
    by_ean = create_product(
        world.bc,
        {
            "name": "Cup (shop)",
            "type": "physical",
            "weight": 1,
            "price": 5,
            "sku": "SHOP-CUP",
            "upc": "8712345678920",
        },
    )
    create_product(world.bc, {"name": "Unrelated", "type": "physical", "weight": 1, "price": 1,
                              "sku": "OTHER"})  # fmt: skip
    world.afas.add_article("MUG", "Mug", price="12.10")
    world.afas.add_article("CUP", "Cup", price="12.10", ean="8712345678920")
    world.afas.add_article("NEW", "New thing")

    run = world.run()

    assert run.status == "succeeded", run.message
    assert len(world.bc.products) == 4  # 3 existing + NEW; nothing duplicated
    assert world.binding("product", "MUG").bc_id == str(by_sku["id"])
    assert world.binding("product", "CUP").bc_id == str(by_ean["id"])
    assert by_sku["name"] == "Mug" and by_sku["price"] == 10.0  # the ERP leads once bound
    messages = {e.erp_id: e.message for e in world.entries(run) if e.entity == "product"}
    assert "existing BigCommerce product" in messages["MUG"]


def test_blocked_article_is_hidden_and_unavailable_then_back(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.run()
    product = world.product_by_sku("MUG")

    world.afas.touch_article("MUG", Blocked=True)
    world.run()
    assert (product["is_visible"], product["availability"]) == (False, "disabled")
    assert world.product_by_sku("MUG") is product  # hidden, not deleted

    world.afas.touch_article("MUG", Blocked=False)
    world.run()
    assert (product["is_visible"], product["availability"]) == (True, "available")


def test_blocked_wins_over_an_excluded_visibility(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.run()
    world.settings("catalog", excluded_fields=["visibility"])
    world.afas.touch_article("MUG", Blocked=True)
    world.run()
    assert world.product_by_sku("MUG")["is_visible"] is False


def test_rejected_products_fail_alone_with_bigcommerce_message(world: World) -> None:
    world.afas.add_article("GOOD1", "Good one")
    world.afas.add_article("LONG", "x" * 300)
    world.afas.add_article("NEG", "Negative", price="-5")
    world.afas.add_article("GOOD2", "Good two")
    world.afas.add_article("", "No code at all")

    run = world.run()

    assert run.status == "succeeded"
    assert sorted(p["sku"] for p in world.bc.products.values()) == ["GOOD1", "GOOD2"]
    by_erp = {e.erp_id: e for e in world.entries(run) if e.entity == "product"}
    assert by_erp["LONG"].outcome == "failed" and "250 characters" in by_erp["LONG"].message
    assert by_erp["NEG"].outcome == "failed" and "price" in by_erp["NEG"].message
    assert by_erp[""].outcome == "skipped" and "no SKU" in by_erp[""].message
    assert (run.created, run.failed, run.skipped) == (2, 2, 1)


def test_a_bad_update_in_a_batch_fails_alone(world: World) -> None:
    for i in range(5):
        world.afas.add_article(f"P{i}", f"Product {i}")
    world.run()
    for i in range(5):
        world.afas.touch_article(f"P{i}", SalesPrice=30.0)
    world.afas.touch_article("P2", Description="y" * 300)

    run = world.run()

    assert (run.updated, run.failed) == (4, 1)
    failed = next(e for e in world.entries(run) if e.outcome == "failed")
    assert failed.erp_id == "P2" and "250 characters" in failed.message
    assert world.product_by_sku("P4")["price"] == round(30 / 1.21, 4)
    # the failed one is retried on the next run (its hash was not stored)
    world.afas.touch_article("P2", Description="Fixed")
    assert world.run().updated == 1


def test_variant_added_and_removed_in_the_erp(world: World) -> None:
    seed_shirt(world)
    world.run()
    world.afas.add_article("SHIRT", "Shirt", price="24.20", group="G1",
                           dimensions=[("M", ""), ("L", ""), ("XL", "")],
                           image_url=SHIRT_IMAGE)  # fmt: skip

    run = world.run()

    assert run.status == "succeeded" and run.failed == 0, run.message
    shirt = world.product_by_sku("SHIRT")
    variants = {v["sku"]: v for v in world.bc.variants.values() if v["product_id"] == shirt["id"]}
    assert set(variants) == {"SHIRT-S", "SHIRT-M", "SHIRT-L", "SHIRT-XL"}
    assert variants["SHIRT-S"]["purchasing_disabled"] is True  # gone from the ERP: not sold
    assert world.binding("sku", "SHIRT-XL") is not None


def test_category_rename_follows(world: World) -> None:
    world.afas.add_article("MUG", "Mug", group="G1")
    world.run()
    world.afas.tables.groups["G1"]["Omschrijving"] = "Kitchen"
    world.calls.clear()

    run = world.run()

    category = world.bc.categories[int(world.binding("category", "G1").bc_id)]
    assert category["name"] == "Kitchen"
    assert world.writes() == [("PUT", f"/stores/{world.bc.hash}/v3/catalog/trees/categories")]
    assert run.updated == 1


def test_existing_category_is_matched_by_name(world: World) -> None:
    world.afas.add_group("G1", "Kitchen")
    from bcapp.sandbox.bigcommerce import taxonomy

    existing = taxonomy.create_category(world.bc, {"name": "Kitchen", "parent_id": 0})
    world.afas.add_article("MUG", "Mug", group="G1")
    world.run()
    assert len(world.bc.categories) == 1
    assert world.binding("category", "G1").bc_id == str(existing["id"])


def test_product_deleted_in_bigcommerce_is_recreated_on_full_resync(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.afas.set_stock("MUG", "HQ", 4)
    world.run()
    old_id = world.product_by_sku("MUG")["id"]
    from bcapp.sandbox.bigcommerce.catalog import delete_product

    delete_product(world.bc, old_id)
    world.settings("catalog", on_deleted_in_bc="recreate")

    run = world.run(full=True)

    assert run.status == "succeeded", run.message
    new = world.product_by_sku("MUG")
    assert new["id"] != old_id
    assert world.binding("product", "MUG").bc_id == str(new["id"])
    from bcapp.sandbox.bigcommerce import stock

    assert stock.product_level(world.bc, new["id"]) == 4  # stock follows the new product


def test_product_deleted_in_bigcommerce_is_reported_by_default(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.run()
    from bcapp.sandbox.bigcommerce.catalog import delete_product

    delete_product(world.bc, world.product_by_sku("MUG")["id"])

    run = world.run(full=True)

    assert world.bc.products == {}
    entry = next(e for e in world.entries(run) if e.entity == "product")
    assert entry.outcome == "failed" and "deleted in BigCommerce" in entry.message


def test_custom_fields_from_chosen_erp_fields(world: World) -> None:
    catalog = dict(world.connection.settings.get("catalog") or {})
    catalog["custom_fields"] = ["CountryOfOrigin", "Brand"]
    world.connection.settings = {**world.connection.settings, "catalog": catalog}
    db.session.commit()
    world.settings("catalog", custom_fields=["CountryOfOrigin"])
    world.afas.add_article("MUG", "Mug", CountryOfOrigin="NL", Brand="Acme")
    world.run()
    product = world.product_by_sku("MUG")
    fields = [f for f in world.bc.custom_fields.values() if f["product_id"] == product["id"]]
    assert [(f["name"], f["value"]) for f in fields] == [("CountryOfOrigin", "NL")]

    world.afas.touch_article("MUG", CountryOfOrigin="BE")
    world.run()
    assert fields[0]["value"] == "BE"


def test_prices_are_decimal_exact(world: World) -> None:
    from bcapp.bigcommerce.catalog_mapping import store_price

    assert store_price(Decimal("24.20"), includes_vat=True, vat_rate=Decimal("21"),
                       store_includes_vat=False) == Decimal("20.0000")  # fmt: skip


def test_product_deleted_in_bigcommerce_is_recreated_on_its_next_change(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.run()
    from bcapp.sandbox.bigcommerce.catalog import delete_product

    old_id = world.product_by_sku("MUG")["id"]
    delete_product(world.bc, old_id)
    world.settings("catalog", on_deleted_in_bc="recreate")
    world.afas.touch_article("MUG", SalesPrice=30.0)

    run = world.run()  # a delta run: the update meets a 404

    assert run.status == "succeeded" and run.created == 1, run.message
    new = world.product_by_sku("MUG")
    assert new["id"] != old_id and world.binding("product", "MUG").bc_id == str(new["id"])


def test_a_blocked_article_never_synced_is_not_created(world: World) -> None:
    world.afas.add_article("OLD", "Discontinued", blocked=True)
    run = world.run()
    assert world.bc.products == {}
    entry = next(e for e in world.entries(run) if e.entity == "product")
    assert entry.outcome == "skipped" and "blocked" in entry.message


def test_a_settings_change_reaches_unchanged_articles(world: World) -> None:
    world.afas.add_article("MUG", "Mug", price="12.10")
    world.afas.add_article("CUP", "Cup", price="12.10")
    world.run()
    assert world.product_by_sku("MUG")["price"] == 10.0

    world.settings("catalog", price_includes_vat=True)  # no article changed in the ERP
    run = world.run()

    assert run.updated == 2
    assert world.product_by_sku("MUG")["price"] == 12.1
    world.calls.clear()
    world.run()
    assert world.writes() == []  # once
