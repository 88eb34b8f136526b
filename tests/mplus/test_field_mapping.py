"""The merchant's field mapping, end to end through the BigCommerce and Mplus sandboxes.

A checkout form field becomes the Mplus order's reference, a long line text is
cut to the 250 characters Mplus keeps, the customer's relation gets a mapped
extra text, and a product metafield becomes the article's brand when the store
leads the catalog. The Mplus sandbox validates every request against the WSDL,
so a value of the wrong shape would be a SOAP fault, not a pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.connectors import make_connector
from bcapp.extensions import db
from bcapp.mapping import versions
from bcapp.mapping.fields import build
from bcapp.mapping.rules import with_section
from bcapp.models import Connection, RunStatus
from bcapp.sandbox.bigcommerce.media import add_metafield
from bcapp.sandbox.mplus import MplusSandbox, MplusState
from tests.mplus.test_order_flow import CREDENTIALS, STORE_HASH, Shop, ensure_flows
from tests.mplus.world import mplus_world


@pytest.fixture
def shop(app: Any, redis_url: str) -> Iterator[Shop]:
    """The order-flow tests' shop: the store leads the catalog, both sandboxes over WSGI."""
    ensure_flows()
    with mplus_world(
        app, redis_url, MplusSandbox(MplusState(**CREDENTIALS), sleep=lambda s: None),
        store_hash=STORE_HASH, credentials=CREDENTIALS,
        settings=with_section({}, "catalog", {"direction": "store_to_erp"}),
    ) as world:  # fmt: skip
        yield Shop(world.store, world.bc, world.bc_store, world.mplus, {})


def save_mapping(shop: Shop, templates: dict[str, dict[str, str]]) -> int:
    """Save templates as the store's next version, typed by the connector's own field list."""
    connection = db.session.execute(db.select(Connection)).scalar_one()
    connector = make_connector("mplus", connection.connector_settings())
    writable = {r: {f.name: f for f in connector.writable_fields(r)} for r in templates}
    row = versions.save(shop.store.id, build("mplus", templates, writable), "merchant@x")
    db.session.commit()
    return row.number


def test_form_field_long_text_and_customer_field_reach_mplus(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    with shop.bc.lock:
        shop.bc_store.products[shop.products["1001"]]["name"] = "Very long name " * 30
    version = save_mapping(shop, {
        "order": {"reference": '{{ form["Delivery note"] }} / {{ order.customer_message }}'},
        "order_line": {"text": "{{ line.name | truncate(250) }}"},
        "customer": {"extraText": "Web shop customer since {{ order.created_at | date('%Y') }}"},
        "address": {"label": "{{ address.city | upper }}"},
    })  # fmt: skip
    order_id = shop.order(
        "1001",
        customer_message="Call first",
        billing={"form_fields": [{"name": "Delivery note", "value": "Back door"}]},
    )

    run = shop.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    [order] = shop.mplus_orders(order_id)
    assert order["reference"] == "Back door / Call first"
    assert order["invoiceAddress"]["label"] == "AMSTERDAM"
    [line] = order["lineList"]["line"]
    assert len(line["text"]) == 250 and line["text"].startswith("Very long name Very")
    [relation] = [r for r in shop.state.relations.values() if r.get("email") == "jan@example.com"]
    assert relation["extraText"].startswith("Web shop customer since 20")
    assert {e.mapping_version for e in shop.log("order")} == {version}


def test_a_product_metafield_becomes_the_article_brand(shop: Shop) -> None:
    product_id = shop.product("4242", 30)
    with shop.bc.lock:
        add_metafield(shop.bc_store, product_id, {"namespace": "erp", "key": "brand",
                      "value": "Acme", "permission_set": "app_only"})  # fmt: skip
    save_mapping(shop, {"product": {"brandName": '{{ metafields["erp.brand"] | upper }}'}})

    run = shop.run("catalog")

    assert run.status == RunStatus.SUCCEEDED, run.message
    product_number = shop.state.article_index[4242]
    [article] = shop.state.products[product_number]["articleList"]["article"]
    assert article["brandName"] == "ACME"


def test_a_value_that_is_not_a_number_fails_only_that_product(shop: Shop) -> None:
    bad = shop.product("5151", 10)
    shop.product("5252", 10)
    with shop.bc.lock:
        add_metafield(shop.bc_store, bad, {"namespace": "erp", "key": "shelf",
                      "value": "two weeks", "permission_set": "app_only"})  # fmt: skip
    save_mapping(shop, {"product": {"shelfLifeInDays": '{{ metafields.shelf | default("14") }}'}})

    run = shop.run("catalog")

    assert 5252 in shop.state.article_index
    assert 5151 not in shop.state.article_index
    [failed] = shop.log("product", "failed")
    assert failed.bc_id == str(bad)
    assert "shelfLifeInDays" in failed.message and "two weeks" in failed.message
    assert "not a whole number" in failed.message
    assert run.failed == 1
