"""Pure mapping: AccountView rows → canonical records, canonical records → write documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bcapp.connectors.accountview import facts, mapping
from bcapp.connectors.base import Address, Customer, OrderLine


def order_line(sku: str, qty: str, ex: str, inc: str, discount: str = "0") -> OrderLine:
    return OrderLine(
        sku, sku, Decimal(qty), Decimal(ex), Decimal(inc), Decimal(21), discount=Decimal(discount)
    )


def test_article_row_becomes_a_product_whatever_the_key_case() -> None:
    row = {
        "art_code": "A1",
        "ART_DESC1": "Oak chair",
        "ag_code": "FURN",
        "PX_SELL": 149.95,
        "REC_BLK": True,
        "CNG_DATE": "2026-01-31T10:00:00",
    }
    product = mapping.product_from_article(row)
    assert (product.erp_id, product.sku, product.name) == ("A1", "A1", "Oak chair")
    assert product.price == Decimal("149.95") and isinstance(product.price, Decimal)
    assert product.category_erp_ids == ("FURN",)
    assert product.blocked
    assert product.modified_at == datetime(2026, 1, 31, 10, 0)
    assert mapping.product_from_article({"ART_CODE": "B"}).name == "B"


def test_group_row_becomes_a_root_category() -> None:
    category = mapping.category_from_group({"AG_CODE": "FURN", "AG_DESC": "Meubels"})
    assert (category.erp_id, category.name, category.parent_erp_id) == ("FURN", "Meubels", None)


def test_stock_exposes_available_and_reserved_for_the_flows_formula() -> None:
    row = {"ART_CODE": "A1", "QTY_AVAIL": 10, "QTY_RES": 3, "QTY_FREE2": 7, "QTY_TECH": 12}
    (figures,) = mapping.stock_from_article(row).warehouses
    assert (figures.on_hand, figures.reserved) == (Decimal(10), Decimal(3))
    (chosen,) = mapping.stock_from_article(
        row, available_field="QTY_TECH", reserved_field="NOPE"
    ).warehouses
    assert (chosen.on_hand, chosen.reserved) == (Decimal(12), Decimal(0))


def customer(company: str = "") -> Customer:
    address = Address(
        street="Speelkamp 105",
        street2="achterom",
        postal_code="3833 LC",
        city="Leusden",
        country_code="nl",
        phone="033-1234567",
    )
    return Customer(
        email="anna@example.com",
        first_name="Anna",
        last_name="de Vries",
        company=company,
        vat_number="NL 0012 34",
        addresses=(address,),
    )


def test_a_person_debtor_round_trips() -> None:
    fields = mapping.debtor_fields(customer(), collective_account="1300")
    assert fields["ACCT_NAME"] == "Anna de Vries" and "MAIN_CONT" not in fields
    assert (fields["SRC_CODE"], fields["ACCT_NR"], fields["CNT_CODE"]) == ("DEVRIES", "1300", "NL")
    assert fields["ADDRESS1"] == "Speelkamp 105 achterom"
    assert "SUB_NR" not in fields  # AccountView numbers it
    back = mapping.customer_from_contact({**fields, "SUB_NR": "10001"})
    assert (back.erp_id, back.company, back.first_name, back.last_name) == (
        "10001",
        "",
        "Anna",
        "de Vries",
    )
    assert back.vat_number == "NL001234"


def test_an_organisation_keeps_its_contact_person() -> None:
    fields = mapping.debtor_fields(customer("De Vries Meubels BV"), number="20001")
    assert (fields["ACCT_NAME"], fields["MAIN_CONT"], fields["SUB_NR"]) == (
        "De Vries Meubels BV",
        "Anna de Vries",
        "20001",
    )
    back = mapping.customer_from_contact(fields)
    assert (back.company, back.first_name, back.last_name) == (
        "De Vries Meubels BV",
        "Anna",
        "de Vries",
    )


def test_texts_are_cut_to_accountviews_lengths() -> None:
    long = Customer(email="x@example.com", company="C" * 60, first_name="F", last_name="L")
    fields = mapping.debtor_fields(long)
    assert len(fields["ACCT_NAME"]) == 40
    assert len(fields["SRC_CODE"]) == 10
    nameless = Customer(email="---@example.com")
    assert mapping.search_code(nameless) == "-"
    assert mapping.debtor_fields(nameless)["ACCT_NAME"] == "---@example.com"


def test_delivery_address_fields_name_the_addressee() -> None:
    address = Address(first_name="Piet", last_name="Jansen", street="Dorpsstraat 1", city="Ergens")
    fields = mapping.delivery_address_fields(address, "10001")
    assert fields == {
        "SUB_NR": "10001",
        "DEL_NAME": "Piet Jansen",
        "ADDRESS1": "Dorpsstraat 1",
        "CITY": "Ergens",
    }
    assert (
        mapping.delivery_address_fields(Address(company="Jansen BV"), "1")["DEL_NAME"]
        == "Jansen BV"
    )


def test_sales_order_carries_the_reference_lines_and_shipping() -> None:
    ordered = datetime(2026, 1, 2, 10, 30)
    document = mapping.sales_order(
        "100234",
        "10001",
        [order_line("A1", "3", "10", "12.10", discount="3.63")],
        order_date=ordered,
        shipping=mapping.ShippingCost("VERZEND", Decimal("4.95")),
        delivery_code="000007",
        email="anna@example.com",
        prices_include_vat=True,
    )
    assert document.table == "SO_HDR"
    assert document.fields == {
        "RPL_INV": "10001",
        "RPL_DEL": "10001",
        "ORD_DATE": ordered,
        "DEL_DATE": ordered,
        "COMMENT1": "100234",
        "TO_EMAIL": "anna@example.com",
        "DEL_CODE": "000007",
    }
    lines = document.detail("SO_LINE")
    assert [(r["ART_CODE"], r["ORD_QTY"], r["ART_PX"]) for r in lines] == [
        ("A1", Decimal(3), Decimal("10.89")),  # 12.10 - 3.63 / 3
        ("VERZEND", Decimal(1), Decimal("4.95")),
    ]
    free = mapping.sales_order(
        "1",
        "10001",
        [order_line("A1", "1", "1", "1.21")],
        order_date=ordered,
        shipping=mapping.ShippingCost("VERZEND", Decimal(0)),
    )
    assert [r["ART_CODE"] for r in free.detail("SO_LINE")] == ["A1"]
    assert "TO_EMAIL" not in free.fields and "DEL_CODE" not in free.fields


def test_an_order_reference_that_does_not_fit_is_refused_not_cut() -> None:
    too_long = "x" * (facts.ORDER_REFERENCE_LENGTH + 1)
    with pytest.raises(ValueError, match="longer than COMMENT1 allows"):
        mapping.sales_order(too_long, "1", [], order_date=datetime(2026, 1, 1))


def test_unit_price_after_a_discount_incl_and_excl_vat() -> None:
    line = order_line("A1", "2", "10.00", "12.10", discount="2.42")
    assert mapping.unit_price(line, include_vat=True) == Decimal("10.89")
    assert mapping.unit_price(line, include_vat=False) == Decimal("9.00")


def test_journal_lines_group_per_account_and_vat_code() -> None:
    lines = mapping.journal_lines(
        [
            order_line("A", "1", "10", "12.10"),
            order_line("B", "2", "5", "6.05"),
            order_line("C", "1", "1", "1.09"),
        ],
        lambda ln: ("8010", "2") if ln.sku == "C" else ("8000", "1"),
    )
    assert lines == [
        mapping.JournalLine("8000", "1", Decimal("20.00"), Decimal("4.20")),
        mapping.JournalLine("8010", "2", Decimal("1.00"), Decimal("0.09")),
    ]


money = st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=2)


@given(st.lists(st.tuples(money, money), min_size=1, max_size=6))
def test_every_journal_page_balances(amounts: list[tuple[Decimal, Decimal]]) -> None:
    lines = [mapping.JournalLine("8000", "1", net, vat) for net, vat in amounts]
    page = mapping.sales_journal_page(
        journal="VK",
        debtor_number="10001",
        debtor_account="1300",
        invoice_number="R-1",
        booked_on=date(2026, 1, 2),
        description="Order R-1",
        lines=lines,
    )
    rows = page.detail("DJ_LINE")
    assert rows[0]["ACCT_NR"] == "1300" and rows[0]["SUB_NR"] == "10001"
    assert sum(r["AMOUNT"] + r.get("VAT_AMT", 0) for r in rows) == 0
    assert all(r["VAT_CODE"] == "1" for r in rows[1:])
