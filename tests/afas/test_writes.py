"""Canonical → AFAS: sales relations, FbSales, subscriptions, packing slips."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bcapp.connectors.afas import AfasConnector
from bcapp.connectors.base import Order, OrderInstructions, OrderLine, Shipment, ShipmentLine
from bcapp.errors import FatalSyncError, SkipRecord
from bcapp.sandbox.afas import AfasSandbox
from tests.afas.conftest import anna, connect


def posted(sandbox: AfasSandbox, connector: str) -> list[dict]:
    return [
        r["body"]
        for r in sandbox.requests
        if r["method"] in {"POST", "PUT"} and r["path"] == f"connectors/{connector}"
    ]


def order(reference: str = "1001", **changes) -> Order:  # type: ignore[no-untyped-def]
    customer = anna()
    lines = (
        OrderLine(
            sku="TS-M-RED",
            name="T-shirt M red",
            quantity=Decimal(2),
            price_ex_tax=Decimal("16.49"),
            price_inc_tax=Decimal("19.95"),
            tax_rate=Decimal(21),
        ),
        OrderLine(
            sku="CAP",
            name="Cap",
            quantity=Decimal(1),
            price_ex_tax=Decimal("4.13"),
            price_inc_tax=Decimal("5.00"),
            discount=Decimal("1.00"),
        ),
        OrderLine(
            sku="EBOOK",
            name="E-book",
            quantity=Decimal(1),
            price_ex_tax=Decimal(10),
            price_inc_tax=Decimal("12.10"),
            is_digital=True,
        ),
    )
    base = Order(
        bc_id=int(reference),
        reference=reference,
        customer=customer,
        billing_address=customer.addresses[0],
        lines=lines,
        shipping_addresses=customer.addresses,
        currency="EUR",
        created_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
        shipping_method="PostNL",
        shipping_cost_ex_tax=Decimal("4.09"),
        shipping_cost_inc_tax=Decimal("4.95"),
        customer_message="Leave at the door",
    )
    return replace(base, **changes)


@pytest.fixture
def shop(sandbox: AfasSandbox) -> AfasSandbox:
    sandbox.add_article("TS", "T-shirt", dimensions=[("S", "RED"), ("M", "RED")])
    sandbox.add_article("CAP", "Cap")
    sandbox.add_article("EBOOK", "E-book")
    return sandbox


def test_new_person_becomes_sales_relation_with_person_and_address(
    shop: AfasSandbox, afas: AfasConnector
) -> None:
    debtor = afas.upsert_customer(anna())
    (body,) = posted(shop, "KnSalesRelationPer")
    element = body["KnSalesRelationPer"]["Element"]
    assert element["Fields"] == {"CuId": "EUR", "IsDb": True}
    person = element["Objects"][0]["KnPerson"]["Element"][0]
    assert person["Fields"]["EmAd"] == "anna@example.com"
    assert person["Fields"]["MatchPer"] == "7" and person["Fields"]["AutoNum"] is True
    address = person["Objects"][0]["KnBasicAddressAdr"]["Element"][0]["Fields"]
    assert (address["Ad"], address["HmNr"], address["HmAd"], address["ZpCd"]) == (
        "Speelkamp",
        105,
        "b",
        "3833LC",
    )
    assert shop.tables.relations[debtor]["Email"] == "anna@example.com"


def test_known_email_updates_the_relation_with_put(shop: AfasSandbox, afas: AfasConnector) -> None:
    debtor = shop.add_debtor("anna@example.com", "Anna")
    assert afas.upsert_customer(replace(anna(), last_name="Jansen")) == debtor
    (body,) = posted(shop, "KnSalesRelationPer")
    assert body["KnSalesRelationPer"]["Element"]["@DbId"] == debtor
    assert shop.tables.relations[debtor]["DebtorName"] == "Anna Jansen"


def test_company_becomes_organisation_with_contact(shop: AfasSandbox, afas: AfasConnector) -> None:
    debtor = afas.upsert_customer(anna("inkoop@jansen.nl", company="Jansen B.V."))
    (body,) = posted(shop, "KnSalesRelationOrg")
    org = body["KnSalesRelationOrg"]["Element"]["Objects"][0]["KnOrganisation"]["Element"][0]
    assert org["Fields"]["Nm"] == "Jansen B.V."
    assert {next(iter(o)) for o in org["Objects"]} == {"KnBasicAddressAdr", "KnContact"}
    assert shop.tables.relations[debtor]["kind"] == "organisation"


def test_order_goes_to_fbsales_with_reference_lines_and_shipping(shop: AfasSandbox) -> None:
    afas = connect(shop, orders={"shipping_item_code": "VZK", "warehouse": "01"})
    debtor = afas.upsert_customer(anna())
    todo = OrderInstructions(payment_method="IDL", delivery_method="2")
    number = afas.create_order(order(), debtor, todo)
    (body,) = posted(shop, "FbSales")
    fields = body["FbSales"]["Element"]["Fields"]
    assert (fields["RfCs"], fields["DbId"], fields["OrDa"]) == ("1001", debtor, "2026-03-01")
    assert (fields["PaTp"], fields["DtId"], fields["InVa"], fields["War"]) == (
        "IDL",
        2,
        True,
        "01",
    )
    assert "Speelkamp 105 b" in fields["ExAd"]
    lines = [
        el["Fields"] for el in body["FbSales"]["Element"]["Objects"][0]["FbSalesLines"]["Element"]
    ]
    assert [
        (ln["ItCd"], ln.get("StL1"), ln.get("StL2"), ln["QuUn"], ln["Upri"]) for ln in lines
    ] == [
        ("TS", "M", "RED", 2.0, 19.95),
        ("CAP", None, None, 1.0, 5.0),
        ("VZK", None, None, 1.0, 4.95),
    ]
    assert lines[1]["ARDc"] == 1.0 and lines[2]["VaIt"] == "6"
    assert shop.tables.orders[number]["CustomerReference"] == "1001"
    assert afas.find_order("1001") == number


def test_unknown_sku_skips_the_order_and_sends_nothing(
    shop: AfasSandbox, afas: AfasConnector
) -> None:
    debtor = afas.upsert_customer(anna())
    bad = order(
        lines=(
            *order().lines,
            OrderLine(
                sku="GHOST-1",
                name="?",
                quantity=Decimal(1),
                price_ex_tax=Decimal(1),
                price_inc_tax=Decimal(1),
            ),
        )
    )
    with pytest.raises(SkipRecord, match="no article for SKU GHOST-1"):
        afas.create_order(bad, debtor)
    assert posted(shop, "FbSales") == []


def test_profit_refusal_is_fatal_with_its_message(shop: AfasSandbox, afas: AfasConnector) -> None:
    with pytest.raises(FatalSyncError) as info:
        afas.create_order(order(), "99999")
    assert info.value.message == "Sales relation '99999' does not exist."


def test_digital_line_becomes_subscription(shop: AfasSandbox, afas: AfasConnector) -> None:
    debtor = afas.upsert_customer(anna())
    the_order = order()
    number = afas.create_subscription(the_order, the_order.lines[2], debtor)
    assert number == "100103"
    sub = shop.tables.subscriptions[number]
    assert (sub["DbId"], sub["RfCs"], sub["lines"][0]["ItCd"]) == (debtor, "1001", "EBOOK")
    assert afas.create_subscription(the_order, the_order.lines[2], debtor) == number
    assert len(posted(shop, "FbSubscription")) == 1


def test_store_shipment_becomes_ready_packing_slip(shop: AfasSandbox, afas: AfasConnector) -> None:
    debtor = afas.upsert_customer(anna())
    number = afas.create_order(order(), debtor)
    slip = afas.create_shipment(
        Shipment(
            erp_id="",
            order_reference="1001",
            carrier="PostNL",
            tracking_number="3S123",
            lines=(ShipmentLine(sku="TS-M-RED", quantity=Decimal(1)),),
        )
    )
    stored = shop.tables.packing_slips[slip]
    assert (stored["OrderNumber"], stored["DebtorId"], stored["ReportedReady"]) == (
        number,
        debtor,
        True,
    )
    assert stored["TrackTrace"] == "PostNL 3S123"
    assert stored["lines"] == [
        {"ItemCode": "TS", "StockDimCode1": "M", "StockDimCode2": "RED", "Quantity": 1.0}
    ]


def test_shipment_for_an_order_not_in_afas_is_skipped(
    shop: AfasSandbox, afas: AfasConnector
) -> None:
    with pytest.raises(SkipRecord, match="export the order first"):
        afas.create_shipment(Shipment(erp_id="", order_reference="4040", lines=()))


def test_extra_addresses_become_delivery_address_contacts(
    shop: AfasSandbox, afas: AfasConnector
) -> None:
    customer = anna()
    other = replace(customer.addresses[0], street="Stationsstraat 1", first_name="Piet")
    afas.upsert_customer(replace(customer, addresses=(*customer.addresses, other)))
    (body,) = posted(shop, "KnSalesRelationPer")
    person = body["KnSalesRelationPer"]["Element"]["Objects"][0]["KnPerson"]["Element"][0]
    (contact,) = next(o for o in person["Objects"] if "KnContact" in o)["KnContact"]["Element"]
    assert contact["Fields"]["ViKc"] == "AFL"
    assert contact["Objects"][0]["KnBasicAddressAdr"]["Element"][0]["Fields"]["Ad"] == (
        "Stationsstraat"
    )


def test_tax_class_map_sets_the_lines_vat_group(shop: AfasSandbox, afas: AfasConnector) -> None:
    debtor = afas.upsert_customer(anna())
    base = order("1002")
    lines = (replace(base.lines[0], tax_class="Reduced"), base.lines[1])
    todo = OrderInstructions(tax_codes={"Reduced": "LAAG"})
    afas.create_order(replace(base, lines=lines), debtor, todo)
    (body,) = posted(shop, "FbSales")
    fields = [
        el["Fields"] for el in body["FbSales"]["Element"]["Objects"][0]["FbSalesLines"]["Element"]
    ]
    assert fields[0]["VaRc"] == "LAAG" and "VaRc" not in fields[1]


def test_customer_lookup_ignores_email_case(shop: AfasSandbox, afas: AfasConnector) -> None:
    debtor = shop.add_debtor("Anna@Example.com")
    assert afas.find_customer("anna@example.com") == debtor
    assert afas.upsert_customer(anna()) == debtor
