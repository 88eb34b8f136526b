"""Writes: the positional envelope, and documents created then read back through the client."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import httpx
import pytest

from bcapp.connectors.accountview import facts, mapping
from bcapp.connectors.accountview.client import AccountViewClient, Filter, Query
from bcapp.connectors.accountview.envelopes import Detail, Document, build
from bcapp.connectors.base import Address, Customer, OrderLine
from bcapp.errors import ConfigError, FatalSyncError
from bcapp.sandbox.accountview import AccountViewSandbox
from tests.accountview.conftest import connect, stored_tokens

BOOKED = date(2026, 1, 2)
ORDERED = datetime(2026, 1, 2, 10, 30)


def line(sku: str, quantity: str, ex: str, inc: str, discount: str = "0") -> OrderLine:
    return OrderLine(
        sku=sku,
        name=sku,
        quantity=Decimal(quantity),
        price_ex_tax=Decimal(ex),
        price_inc_tax=Decimal(inc),
        tax_rate=Decimal(21),
        discount=Decimal(discount),
    )


def write_order(client: AccountViewClient, reference: str, debtor: str) -> dict:
    document = mapping.sales_order(
        reference,
        debtor,
        [line("A0001", "2", "10", "12.10"), line("A0002", "1", "20", "24.20")],
        order_date=ORDERED,
    )
    return client.write(facts.SALES_ORDERS, [document], book_date=BOOKED)


def anna(company: str = "") -> Customer:
    address = Address(
        first_name="Anna",
        last_name="de Vries",
        company=company,
        street="Speelkamp 105 b",
        postal_code="3833 LC",
        city="Leusden",
        country_code="nl",
        phone="0612345678",
        email="anna@example.com",
    )
    return Customer(
        email="anna@example.com",
        first_name="Anna",
        last_name="de Vries",
        company=company,
        phone="0612345678",
        vat_number="NL 123456789B01" if company else "",
        addresses=(address,),
    )


def test_envelope_lines_values_up_with_definitions_and_links_details_to_headers() -> None:
    documents = [
        Document(
            "SO_HDR",
            {"RPL_INV": "10001", "COMMENT1": "A"},
            (Detail("SO_LINE", ({"ART_CODE": "X", "ORD_QTY": Decimal(2)},)),),
        ),
        Document(
            "SO_HDR",
            {"RPL_INV": "10002", "TO_EMAIL": "b@example.com"},
            (
                Detail(
                    "SO_LINE",
                    (
                        {"ART_CODE": "Y", "ORD_QTY": Decimal(1), "ART_PX": Decimal("9.95")},
                        {"ART_CODE": "Z", "ORD_QTY": Decimal(3)},
                    ),
                ),
            ),
        ),
    ]
    body = build("SO1", documents, book_date=BOOKED)
    assert body["BusinessObject"] == "SO1" and body["BookDate"].startswith("2026-01-02T")
    header = body["Table"]["Definition"]
    assert header["Name"] == "SO_HDR"
    assert [f["Name"] for f in header["Fields"]] == ["RowId", "RPL_INV", "COMMENT1", "TO_EMAIL"]
    assert [f["FieldType"] for f in header["Fields"]] == ["C", "C", "C", "C"]
    rows = body["TableData"]["Data"]["Rows"]
    assert [r["Values"] for r in rows] == [
        ["1", "10001", "A", None],
        ["2", "10002", None, "b@example.com"],
    ]
    (detail,) = body["Table"]["DetailDefinitions"]
    assert [f["Name"] for f in detail["Fields"]] == [
        "RowId",
        "HeaderId",
        "ART_CODE",
        "ORD_QTY",
        "ART_PX",
    ]
    assert [f["FieldType"] for f in detail["Fields"]][3:] == ["N", "N"]
    (lines,) = body["TableData"]["DetailData"]
    assert [r["Values"] for r in lines["Rows"]] == [
        ["1", "1", "X", 2, None],
        ["2", "2", "Y", 1, 9.95],
        ["3", "2", "Z", 3, None],
    ]


def test_envelope_refuses_mixed_header_tables() -> None:
    with pytest.raises(ValueError, match="one header table"):
        build("AR1", [Document("CONTACT", {}), Document("DEL_ADDR", {})], book_date=BOOKED)


def test_debtor_is_created_numbered_and_read_back(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    created = client.write(
        facts.DEBTORS,
        [mapping.debtor_document(anna("De Vries Meubels BV"), collective_account="1300")],
        book_date=BOOKED,
    )
    (row,) = created["CONTACT"]
    assert row["SUB_NR"] == str(facts.FIRST_DEBTOR_NUMBER)  # numbered by AccountView
    (found,) = next(
        client.iter_rows("AR1", "CONTACT", filters=[Filter("MAIL_BUS", "ANNA@example.com")])
    )
    customer = mapping.customer_from_contact(found)
    assert customer.erp_id == row["SUB_NR"]
    assert (customer.company, customer.first_name, customer.last_name) == (
        "De Vries Meubels BV",
        "Anna",
        "de Vries",
    )
    assert customer.vat_number == "NL123456789B01"
    assert customer.addresses[0].street == "Speelkamp 105 b"
    assert customer.addresses[0].country_code == "NL"


def test_a_debtor_update_changes_the_existing_row(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    number = sandbox.add_debtor("old@example.com", "Anna de Vries")
    update = Document(
        "CONTACT", {"SUB_NR": number, "MAIL_BUS": "new@example.com"}, action=facts.ROW_UPDATE
    )
    client.write(facts.DEBTORS, [update], book_date=BOOKED)
    assert sandbox.debtors_with_email("new@example.com")[0]["SUB_NR"] == number
    assert len(sandbox.rows("CONTACT")) == 1
    missing = Document(
        "CONTACT", {"SUB_NR": "99999", "MAIL_BUS": "x@example.com"}, action=facts.ROW_UPDATE
    )
    with pytest.raises(FatalSyncError, match="SUB_NR '99999' does not exist"):
        client.write(facts.DEBTORS, [missing], book_date=BOOKED)


def test_delivery_address_is_created_and_read_back(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    debtor = sandbox.add_debtor("anna@example.com", "Anna de Vries")
    address = Address(
        first_name="Piet",
        last_name="Jansen",
        street="Dorpsstraat 1",
        postal_code="1234 AB",
        city="Ergens",
        country_code="NL",
    )
    document = Document("DEL_ADDR", mapping.delivery_address_fields(address, debtor))
    (created,) = client.write(facts.DELIVERY_ADDRESSES, [document], book_date=BOOKED)["DEL_ADDR"]
    assert created["REC_ID"]
    (row,) = next(client.iter_rows("ADDR", "DEL_ADDR", filters=[Filter("SUB_NR", debtor)]))
    assert mapping.address_from_delivery(row) == Address(
        first_name="Piet",
        last_name="Jansen",
        street="Dorpsstraat 1",
        postal_code="1234 AB",
        city="Ergens",
        country_code="NL",
    )


def test_order_with_lines_and_shipping_is_created_found_by_reference_and_reserves_stock(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(2)
    sandbox.add_article("VERZEND", "Verzendkosten")
    debtor = sandbox.add_debtor("anna@example.com", "Anna de Vries")
    address = sandbox.add_delivery_address(debtor, "Anna thuis")
    document = mapping.sales_order(
        "100234",
        debtor,
        [line("A0001", "2", "10", "12.10", discount="2.42"), line("A0002", "1", "20", "24.20")],
        order_date=ORDERED,
        shipping=mapping.ShippingCost("VERZEND", Decimal("6.95")),
        delivery_code=address,
        email="anna@example.com",
    )
    created = client.write(facts.SALES_ORDERS, [document], book_date=BOOKED)
    (header,) = created["SO_HDR"]
    assert header[facts.ORDER_NUMBER_FIELD]
    assert [(r["ART_CODE"], r["ORD_QTY"], r["ART_PX"]) for r in created["SO_LINE"]] == [
        ("A0001", 2, 9),  # 10.00 minus the discount 2.42 incl. VAT = 2.00 excl., per unit 1.00
        ("A0002", 1, 20),
        ("VERZEND", 1, 6.95),
    ]
    body = client.get_page(Query("SO1", "SO_HDR", filters=(Filter("COMMENT1", "100234"),)))
    (found,) = body["SO_HDR"]
    assert (found["ORD_NR"], found["DEL_CODE"], found["TO_EMAIL"]) == (
        header["ORD_NR"],
        address,
        "anna@example.com",
    )
    (stock,) = next(client.iter_rows("AK1", "ARTICLE", filters=[Filter("ART_CODE", "A0001")]))
    level = mapping.stock_from_article(stock)
    assert (level.warehouses[0].on_hand, level.warehouses[0].reserved) == (Decimal(1), Decimal(2))


def test_journal_page_balances_is_created_and_read_back(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    debtor = sandbox.add_debtor("anna@example.com", "Anna de Vries")
    lines = mapping.journal_lines(
        [line("A0001", "2", "10", "12.10"), line("BOOK", "1", "20", "21.80")],
        lambda ln: ("8000", "1") if ln.sku == "A0001" else ("8010", "2"),
        extra=[mapping.JournalLine("8100", "1", Decimal("5.74"), Decimal("1.21"), "Verzendkosten")],
    )
    page = mapping.sales_journal_page(
        journal="VK",
        debtor_number=debtor,
        debtor_account="1300",
        invoice_number="100234",
        booked_on=BOOKED,
        description="Webshop order 100234",
        lines=lines,
    )
    created = client.write(facts.SALES_JOURNAL, [page], book_date=BOOKED)
    assert created["DJ_PAGE"][0]["PAGE_NR"] == "1"
    body = client.get_page(Query("DJ2P", "DJ_PAGE", filters=(Filter("INV_NR", "100234"),)))
    (read_page,) = body["DJ_PAGE"]
    assert read_page["SUB_NR"] == debtor
    amounts = [
        (r["ACCT_NR"], r["VAT_CODE"], Decimal(str(r["AMOUNT"])), Decimal(str(r["VAT_AMT"])))
        for r in body["DJ_LINE"]
    ]
    assert amounts == [
        ("1300", "", Decimal("52.95"), Decimal(0)),
        ("8000", "1", Decimal(-20), Decimal("-4.20")),
        ("8010", "2", Decimal(-20), Decimal("-1.80")),
        ("8100", "1", Decimal("-5.74"), Decimal("-1.21")),
    ]
    assert sum(a + v for _, _, a, v in amounts) == 0


def test_an_unbalanced_page_is_refused_with_accountviews_message(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    debtor = sandbox.add_debtor("anna@example.com")
    page = Document(
        "DJ_PAGE",
        {"DJ_CODE": "VK", "SUB_NR": debtor, "HDR_DESC": "x", "TRN_DATE": BOOKED},
        (Detail("DJ_LINE", ({"ACCT_NR": "1300", "AMOUNT": Decimal(10), "TRN_DATE": BOOKED},)),),
    )
    with pytest.raises(FatalSyncError, match=r"not in balance \(difference 10.00\)") as info:
        client.write(facts.SALES_JOURNAL, [page], book_date=BOOKED)
    assert info.value.status == 200
    assert sandbox.rows("DJ_PAGE") == []  # nothing half-written


def test_order_business_rules_come_back_as_fatal_errors_with_every_message(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    document = mapping.sales_order(
        "BC-9", "55555", [line("NOPE", "1", "1", "1.21")], order_date=ORDERED
    )
    with pytest.raises(FatalSyncError) as info:
        client.write(facts.SALES_ORDERS, [document], book_date=BOOKED)
    assert str(info.value) == "Debtor 55555 does not exist.\nArticle NOPE does not exist."
    assert info.value.details["error_type"] == "AccountViewError"
    assert sandbox.rows("SO_HDR") == []


def test_lower_case_keys_are_accepted(sandbox: AccountViewSandbox) -> None:
    token = sandbox.issue_tokens()["access_token"]
    body = {
        "bookdate": "2026-01-02T00:00:00.000Z",
        "businessobject": "AR1",
        "table": {
            "definition": {
                "name": "CONTACT",
                "fields": [
                    {"name": "RowId", "fieldtype": "C"},
                    {"name": "acct_name", "fieldtype": "C"},
                    {"name": "src_code", "fieldtype": "C"},
                    {"name": "mail_bus", "fieldtype": "C"},
                ],
            }
        },
        "tabledata": {
            "data": {"rows": [{"values": ["1", "Bakkerij Jansen", "-", "info@jansen.nl"]}]}
        },
    }
    headers = {"Authorization": f"Bearer {token}", "X-Company": sandbox.company_id}
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url + "/") as raw:
        answer = raw.post("AccountViewData", json=body, headers=headers)
    assert answer.status_code == 200
    assert answer.json()["CONTACT"][0]["ACCT_NAME"] == "Bakkerij Jansen"


def test_a_read_only_authorisation_cannot_write(sandbox: AccountViewSandbox) -> None:
    client = connect(sandbox, stored_tokens(sandbox, scope=facts.SCOPE_READ))
    assert client.companies()
    with pytest.raises(ConfigError, match="AccountView denied access") as info:
        client.write(facts.DEBTORS, [mapping.debtor_document(anna())], book_date=BOOKED)
    assert "updateaccountviewdata" in str(info.value)


def test_sales_order_reads_carry_their_lines(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(2)
    debtor = sandbox.add_debtor("anna@example.com", "Anna")
    write_order(client, "BC-1", debtor)
    write_order(client, "BC-2", debtor)
    body = client.get_page(
        Query("SO1", "SO_HDR", filters=(Filter(facts.ORDER_REFERENCE_FIELD, "BC-2"),))
    )
    (header,) = body["SO_HDR"]
    assert header["COMMENT1"] == "BC-2"
    assert [line["ART_CODE"] for line in body["SO_LINE"]] == ["A0001", "A0002"]
    assert {line["SO_HDR_Id"] for line in body["SO_LINE"]} == {header["SO_HDR_Id"]}
