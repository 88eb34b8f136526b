"""Writing to Mplus: orders (idempotent), relations (exact match), catalog and stock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bcapp.connectors.base import (
    Address,
    Category,
    Customer,
    Order,
    OrderInstructions,
    OrderLine,
    Product,
    Variant,
)
from bcapp.connectors.mplus import MplusConnector, allocate_article_number
from bcapp.errors import FatalSyncError, SkipRecord
from bcapp.sandbox.mplus import MplusSandbox, MplusState

CUSTOMER = Customer(
    email="jan@example.nl",
    first_name="Jan",
    last_name="Jansen",
    bc_id=7,
    addresses=(
        Address(street="Dorpsstraat 1", postal_code="1234 AB", city="Utrecht", country_code="NL"),
    ),
)


def make_order(**changes: Any) -> Order:
    order = Order(
        bc_id=100,
        reference="100",
        customer=CUSTOMER,
        billing_address=Address(
            first_name="Jan",
            last_name="Jansen",
            street="Dorpsstraat 1",
            postal_code="1234 AB",
            city="Utrecht",
            country_code="NL",
        ),
        lines=(
            OrderLine(
                sku="1001",
                name="Mok",
                quantity=Decimal("1.5"),
                price_ex_tax=Decimal("16.4876"),
                price_inc_tax=Decimal("19.95"),
                tax_rate=Decimal(21),
            ),
        ),
        created_at=datetime(2026, 7, 1, 10, 30, tzinfo=UTC),
        shipping_method="PostNL",
        shipping_cost_ex_tax=Decimal("4.13"),
        shipping_cost_inc_tax=Decimal("5.00"),
        payment_method="iDEAL",
        total_inc_tax=Decimal("34.93"),
        total_ex_tax=Decimal("28.86"),
    )
    return replace(order, **changes)


@pytest.fixture
def stocked(state: MplusState) -> MplusState:
    state.add_product([{"articleNumber": 1001, "description": "Mok", "priceIncl": 1995}])
    state.add_product([{"articleNumber": 9999, "description": "Verzendkosten"}])
    return state


def test_order_is_created_once_with_exact_amounts(
    sandbox: MplusSandbox, settings: dict[str, Any], stocked: MplusState
) -> None:
    conn = MplusConnector(
        {**settings, "shipping_article_number": 9999}, transport=httpx.WSGITransport(app=sandbox)
    )
    relation = conn.upsert_customer(CUSTOMER)
    first = conn.create_order(make_order(), relation)
    again = conn.create_order(make_order(), relation)  # a retry after a crash before bind
    assert first == again and len(stocked.orders) == 1
    stored = stocked.orders[first]
    assert (stored["extOrderId"], stored["employeeNumber"], stored["relationNumber"]) == (
        "100",
        999999,
        int(relation),
    )
    mug, shipping = stored["lineList"]["line"]
    assert mug["articleNumber"] == 1001
    assert (mug["data"]["quantity"], mug["data"]["decimalPlaces"]) == (15, 1)
    assert (mug["data"]["price"], mug["data"]["priceExcl"], mug["data"]["vatPercentage"]) == (
        1995,
        1649,
        2100,
    )
    assert (shipping["articleNumber"], shipping["data"]["price"]) == (9999, 500)
    assert stored["paymentList"]["payment"] == [{"method": "iDEAL", "amount": 3493}]
    assert stored["deliveryMethod"] == "PostNL"
    assert stored["entryTimestamp"]["hour"] == 12  # 10:30 UTC is 12:30 in Amsterdam (summer)
    assert conn.find_order("100") == first and conn.find_orders(["100", "404"]) == {"100": first}
    assert conn.find_order("404") is None


def test_order_without_a_known_employee_is_refused_in_mplus_words(
    sandbox: MplusSandbox, settings: dict[str, Any], stocked: MplusState
) -> None:
    conn = MplusConnector(
        {**settings, "employee_number": 12}, transport=httpx.WSGITransport(app=sandbox)
    )
    with pytest.raises(FatalSyncError, match="Employee 12 not found"):
        conn.create_order(make_order(), "")
    assert stocked.orders == {}


def test_letter_sku_needs_a_mapped_article_number(
    connector: MplusConnector, stocked: MplusState
) -> None:
    line = replace(make_order().lines[0], sku="MUG-RED")
    with pytest.raises(SkipRecord, match="MUG-RED"):
        connector.create_order(make_order(lines=(line,)), "")
    order = make_order(lines=(line,))
    todo = OrderInstructions(article_numbers={"MUG-RED": "1001"})
    order_id = connector.create_order(order, "", todo)
    assert stocked.orders[order_id]["lineList"]["line"][0]["articleNumber"] == 1001


def test_customer_is_found_on_exact_email_only(
    connector: MplusConnector, state: MplusState
) -> None:
    state.add_relation(name="Marjan", email="marjan@example.nl")
    assert connector.find_customer("jan@example.nl") is None  # Mplus alone would match Marjan
    number = connector.upsert_customer(CUSTOMER)
    assert connector.find_customer("JAN@example.nl") == number
    relation = state.relations[int(number)]
    assert (relation["name"], relation["zipcode"], relation["extRelationId"]) == (
        "Jan Jansen",
        "1234 AB",
        "7",
    )
    company = replace(CUSTOMER, company="Jansen BV", phone="0301234567")
    assert connector.upsert_customer(company, number) == number
    assert (state.relations[int(number)]["name"], state.relations[int(number)]["contact"]) == (
        "Jansen BV",
        "Jan Jansen",
    )


def test_upsert_category_creates_then_updates(connector: MplusConnector, state: MplusState) -> None:
    root = connector.upsert_category(Category(erp_id="", name="Kleding"))
    child = connector.upsert_category(Category(erp_id="", name="Shirts", parent_erp_id=root))
    assert state.groups[int(child)]["parent"] == int(root)
    assert (
        connector.upsert_category(Category(erp_id=child, name="T-shirts", parent_erp_id=root))
        == child
    )
    assert state.groups[int(child)]["name"] == "T-shirts"
    names = {c.name for b in connector.fetch_categories(None) for c in b.records}
    assert names == {"Kleding", "T-shirts"}


def product(**changes: Any) -> Product:
    base = Product(
        erp_id="",
        sku="MUG-RED",
        name="Rode mok",
        price=Decimal("12.50"),
        price_includes_vat=True,
        vat_rate=Decimal(21),
        description="Van klei",
        images=("https://cdn.example/mug.jpg",),
    )
    return replace(base, **changes)


def test_upsert_product_with_allocated_number_round_trips_the_sku(
    connector: MplusConnector, state: MplusState
) -> None:
    number = allocate_article_number(
        "MUG-RED", lambda n: n in state.article_index, range(9_000_000, 10_000_000)
    )
    product_number = connector.upsert_product(product(), number)
    [article] = state.products[int(product_number)]["articleList"]["article"]
    assert (article["articleNumber"], article["extArticleId"], article["priceIncl"]) == (
        number,
        "MUG-RED",
        1250,
    )
    assert "imageList" not in article  # Mplus takes no images
    [fetched] = [p for b in connector.fetch_products(None) for p in b.records]
    assert (fetched.sku, fetched.price, fetched.erp_id) == (
        "MUG-RED",
        Decimal("12.50"),
        product_number,
    )


def test_existing_articles_keep_mplus_data_unless_updates_are_on(
    sandbox: MplusSandbox, settings: dict[str, Any], connector: MplusConnector, state: MplusState
) -> None:
    number = connector.upsert_product(product(), 9_000_001)
    state.products[int(number)]["articleList"]["article"][0]["description"] = "Verrijkt in Mplus"
    renamed = product(erp_id=number, name="Mok rood", price=Decimal("13.00"))
    assert connector.upsert_product(renamed, 9_000_001) == number
    article = state.products[int(number)]["articleList"]["article"][0]
    assert (article["description"], article["priceIncl"]) == ("Verrijkt in Mplus", 1250)
    updating = MplusConnector(
        {**settings, "update_existing_articles": True}, transport=httpx.WSGITransport(app=sandbox)
    )
    updating.upsert_product(renamed, 9_000_001)
    article = state.products[int(number)]["articleList"]["article"][0]
    assert (article["description"], article["priceIncl"]) == ("Mok rood", 1300)


def test_new_variant_is_added_even_when_updates_are_off(
    connector: MplusConnector, state: MplusState
) -> None:
    red = Variant(sku="TEE-R", options=(("Colour", "Rood"),))
    blue = Variant(sku="TEE-B", options=(("Colour", "Blauw"),), price=Decimal("15"))
    tee = product(sku="TEE", name="Tee", variants=(red,))
    number = connector.upsert_product(tee, {"TEE-R": 9_000_010})
    connector.upsert_product(
        replace(tee, erp_id=number, variants=(red, blue)), {"TEE-R": 9_000_010, "TEE-B": 9_000_011}
    )
    articles = state.products[int(number)]["articleList"]["article"]
    assert [(a["extArticleId"], a.get("colour")) for a in articles] == [
        ("TEE-R", "Rood"),
        ("TEE-B", "Blauw"),
    ]


def test_create_after_a_lost_binding_updates_the_existing_product(
    connector: MplusConnector, state: MplusState
) -> None:
    number = connector.upsert_product(product(), 9_000_001)
    assert connector.upsert_product(product(), 9_000_001) == number  # erp_id was never bound
    assert len(state.products) == 1


def test_set_stock_then_read_it_back(connector: MplusConnector, state: MplusState) -> None:
    state.add_product([{"articleNumber": 1001}])
    state.add_product([{"articleNumber": 1002, "stockArticle": False}])
    connector.set_stock("1001", Decimal("7.5"))
    [level] = [lv for b in connector.fetch_stock(None) for lv in b.records]
    assert level.warehouses[0].on_hand == Decimal("7.5")
    with pytest.raises(SkipRecord, match="NO-STOCK-ARTICLE"):
        connector.set_stock("1002", Decimal(1))
    with pytest.raises(SkipRecord):
        connector.set_stock("MUG-RED", Decimal(1))


def test_order_rules_pick_the_shipping_article_and_vat_code(
    connector: MplusConnector, stocked: MplusState
) -> None:
    line = replace(make_order().lines[0], tax_class="Hoog")
    order = make_order(lines=(line,))
    todo = OrderInstructions(shipping_article="9999", tax_codes={"Hoog": "2"})
    stored = stocked.orders[connector.create_order(order, "", todo)]
    mug, shipping = stored["lineList"]["line"]
    assert mug["data"]["vatCode"] == 2 and shipping["articleNumber"] == 9999
    with pytest.raises(FatalSyncError, match="not an Mplus article number"):
        connector.create_order(
            make_order(reference="101"), "", OrderInstructions(shipping_article="SHIP")
        )


def test_sandbox_matches_relations_partially_unless_exact(
    connector: MplusConnector, state: MplusState
) -> None:
    number = state.add_relation(name="Marjan", email="marjan@example.nl")
    request = {"relation": {"email": "jan@example.nl"}}
    partial = connector.client.call("findRelationV2", {"request": request})
    assert partial["relation"]["relationNumber"] == number  # what Mplus does by default
    exact = connector.client.call("findRelationV2", {"request": {**request, "exactMatch": True}})
    assert exact["result"] == "FIND-RELATION-RESULT-NOT-FOUND"


def test_set_stock_keeps_what_orders_reserve(connector: MplusConnector, state: MplusState) -> None:
    state.add_product([{"articleNumber": 1001}])
    state.set_stock(1001, 3, 2)  # 3 free, 2 reserved for open orders
    connector.set_stock("1001", Decimal("10.5"))
    [level] = [lv for b in connector.fetch_stock(None) for lv in b.records]
    [branch] = level.warehouses
    assert (branch.on_hand, branch.reserved) == (Decimal("10.5"), Decimal(2))
