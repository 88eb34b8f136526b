"""Exact rows ⇄ canonical records, through the sandbox: what a merchant would see."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from bcapp.connectors.base import Address, Customer, OrderLine
from bcapp.connectors.exact import mapping, payloads
from bcapp.connectors.exact.budget import Priority
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.odata import (
    eq,
    format_date,
    guid,
    padded_code,
    parse_date,
    string_literal,
    to_wire,
)
from bcapp.connectors.exact.reader import (
    SYNC_DELIVERIES,
    SYNC_DELIVERY_LINES,
    SYNC_INVOICES,
    SYNC_ITEMS,
    SYNC_PRICES,
    SYNC_STOCK,
    read_sync,
)
from bcapp.errors import FatalSyncError
from bcapp.sandbox.exact import ExactSandbox

ORDER_LINE_FIELDS = ["ItemCode", "Quantity", "NetPrice", "VATCode", "AmountFC", "Description"]


def rows(client: ExactClient, endpoint: str, fields: tuple[str, ...] | list[str]) -> list[dict]:  # type: ignore[type-arg]
    return [r for page in read_sync(client, endpoint, fields) for r in page.rows]


def anna(company: str = "Bloemen B.V.") -> Customer:
    home = Address(
        first_name="Anna",
        last_name="de Vries",
        street="Speelkamp 105 b",
        postal_code="3833 LC",
        city="Leusden",
        country_code="NL",
    )
    return Customer(
        email="anna@example.nl",
        first_name="Anna",
        last_name="de Vries",
        company=company,
        phone="0612345678",
        vat_number="NL001234567B01",
        addresses=(home,),
    )


def test_exact_dates_guids_codes_and_money_in_one_place() -> None:
    moment = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert format_date(moment) == "/Date(1772442000000)/"
    assert parse_date("/Date(1772442000000)/") == moment
    assert parse_date("/Date(1772442000000+0100)/") == moment
    assert parse_date(None) is None
    assert guid("5F1C3A9E-2B7D-4E8F-A1C6-0D9E8F7A6B5C") == "5f1c3a9e-2b7d-4e8f-a1c6-0d9e8f7a6b5c"
    with pytest.raises(ValueError):
        guid("not-a-guid")
    assert padded_code("25") == " " * 16 + "25" and padded_code("WEB-1") == "WEB-1"
    assert to_wire({"NetPrice": Decimal("12.50"), "Quantity": Decimal("2"), "At": moment}) == {
        "NetPrice": 12.5,
        "Quantity": 2,
        "At": "/Date(1772442000000)/",
    }


def test_items_with_prices_vat_and_groups_become_products(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    group = div.add_item_group("TEA", "Thee")
    div.add_item(
        "TEA-01",
        "Earl Grey",
        price="4.95",
        group="TEA",
        barcode="8712345678906",
        ExtraDescription="Loose leaf, 100 g",
        NetWeight=0.1,
    )
    div.add_item("OLD", "Retired", price="1.00", webshop=False, vat_code="1")
    div.touch_item("OLD", EndDate="/Date(1772000000000)/")
    prices = mapping.prices_by_item(rows(exact, SYNC_PRICES, mapping.PRICE_FIELDS))
    vat = {
        v.code: v
        for v in map(mapping.vat_code, exact.find("vat/VATCodes", select=mapping.VAT_FIELDS))
    }
    now = datetime.fromtimestamp(sandbox.clock.now(), UTC)
    products = {
        p.sku: p
        for p in (
            mapping.product(r, price=prices.get(guid(r["ID"])), vat=vat[r["SalesVatCode"]], at=now)
            for r in rows(exact, SYNC_ITEMS, mapping.ITEM_FIELDS)
        )
    }
    tea, old = products["TEA-01"], products["OLD"]
    assert (tea.name, tea.price, tea.vat_rate, tea.price_includes_vat) == (
        "Earl Grey",
        Decimal("4.95"),
        Decimal("21"),
        False,
    )
    assert tea.ean == "8712345678906" and tea.description == "Loose leaf, 100 g"
    assert tea.weight == Decimal("0.1") and tea.category_erp_ids == (group,)
    assert tea.images == () and tea.visible and not tea.blocked  # Exact's placeholder is no image
    assert isinstance(tea.price, Decimal) and tea.modified_at is not None
    assert not old.visible and old.blocked and old.vat_rate == Decimal("9")

    categories = [
        mapping.category(r) for r in exact.find("logistics/ItemGroups", select=mapping.GROUP_FIELDS)
    ]
    assert {(c.erp_id, c.name) for c in categories} >= {(group, "Thee")}


def test_stock_per_warehouse_shows_what_open_orders_will_take(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    div.add_warehouse("2", "Winkel")
    div.add_item("MUG", price="8.00", stock={"1": 10, "2": 4})
    account = div.add_account("Jansen")
    div.add_sales_order(account, "1001", [("MUG", 3)])
    (level,) = mapping.stock_levels(rows(exact, SYNC_STOCK, mapping.STOCK_FIELDS))
    assert level.sku == "MUG"
    by_warehouse = {w.warehouse: (w.on_hand, w.reserved) for w in level.warehouses}
    assert by_warehouse == {"1": (Decimal(10), Decimal(3)), "2": (Decimal(4), Decimal(0))}
    available = sum(w.on_hand - w.reserved for w in level.warehouses)
    assert available == Decimal(11)


def test_an_account_with_contact_and_delivery_address_reads_back_as_the_customer(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    customer = anna()
    account = exact.create(
        "crm/Accounts", payloads.account_payload(customer), priority=Priority.ORDERS
    )
    account_id = account["ID"]
    exact.create("crm/Contacts", payloads.contact_payload(customer, account_id))
    delivery = payloads.address_payload(
        customer.addresses[0], account_id, payloads.AddressType.DELIVERY
    )
    exact.create("crm/Addresses", delivery)
    flt = eq("Account", f"guid'{account_id}'")
    back = mapping.customer(
        exact.get_by_id("crm/Accounts", "ID", account_id, select=mapping.ACCOUNT_FIELDS) or {},
        exact.find("crm/Contacts", select=mapping.CONTACT_FIELDS, filter=flt),
        exact.find("crm/Addresses", select=mapping.ADDRESS_FIELDS, filter=flt),
    )
    assert (back.email, back.company, back.first_name, back.last_name) == (
        "anna@example.nl",
        "Bloemen B.V.",
        "Anna",
        "de Vries",
    )
    assert back.vat_number == "NL001234567B01" and back.erp_id == account_id
    (addr,) = back.addresses
    assert (addr.street, addr.postal_code, addr.city, addr.country_code) == (
        "Speelkamp 105 b",
        "3833 LC",
        "Leusden",
        "NL",
    )


def test_an_account_is_matched_by_its_18_character_code(exact: ExactClient) -> None:
    exact.create("crm/Accounts", payloads.account_payload(anna(), code="25"))
    padded = exact.find(
        "crm/Accounts", select=["ID", "Code"], filter=eq("Code", string_literal(padded_code("25")))
    )
    bare = exact.find("crm/Accounts", select=["ID"], filter=eq("Code", string_literal("25")))
    assert [r["Code"] for r in padded] == [" " * 16 + "25"] and bare == []


def test_a_sales_order_round_trip_found_again_by_your_ref(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    mug, ship = div.add_item("MUG", price="8.00", stock=10), div.add_item("SHIP", IsStockItem=False)
    account = div.add_account("Anna de Vries", "anna@example.nl")
    store_line = OrderLine(
        sku="MUG",
        name="Mug, blue",
        quantity=Decimal(2),
        price_ex_tax=Decimal("8.2645"),
        price_inc_tax=Decimal("10.00"),
        tax_rate=Decimal(21),
        discount=Decimal("2.42"),  # incl. tax, over the line
    )
    lines = [
        payloads.order_line(store_line, item_id=mug, vat_code="2"),
        payloads.shipping_line(
            item_id=ship, amount_ex_tax=Decimal("4.1322"), vat_code="2", description="PostNL"
        ),
    ]
    payload = payloads.sales_order_payload(
        ordered_by=account,
        reference="100234",
        lines=lines,
        order_date=datetime(2026, 3, 2, 8, 30, tzinfo=UTC),
        description="BigCommerce order 100234",
    )
    created = exact.create("salesorder/SalesOrders", payload, priority=Priority.ORDERS)
    assert created["YourRef"] == "100234" and created["OrderNumber"] == 1

    found = exact.first(
        "salesorder/SalesOrders",
        select=["OrderID", "OrderNumber", "YourRef", "AmountFCExclVat", "SalesOrderLines"],
        filter=eq("YourRef", string_literal("100234")),
        expand=["SalesOrderLines"],
        priority=Priority.ORDERS,
    )
    assert found is not None and found["OrderID"] == created["OrderID"]
    got = [{k: line[k] for k in ORDER_LINE_FIELDS} for line in found["SalesOrderLines"]["results"]]
    assert got == [
        {"ItemCode": "MUG", "Quantity": Decimal("2.0"), "NetPrice": Decimal("7.2645"),
         "VATCode": "2", "AmountFC": Decimal("14.53"), "Description": "Mug, blue"},
        {"ItemCode": "SHIP", "Quantity": Decimal("1.0"), "NetPrice": Decimal("4.1322"),
         "VATCode": "2", "AmountFC": Decimal("4.13"), "Description": "PostNL"},
    ]  # fmt: skip
    assert found["AmountFCExclVat"] == Decimal("18.66")
    assert (
        exact.first("salesorder/SalesOrders", select=["OrderID"], filter=eq("YourRef", "'nope'"))
        is None
    )


def test_an_order_exact_refuses_fails_with_exacts_words(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    mug = sandbox.division().add_item("MUG")
    line = payloads.SalesLine(mug, Decimal(1), Decimal("8"), "2")
    nobody = "00000000-0000-0000-0000-0000000000aa"
    payload = payloads.sales_order_payload(ordered_by=nobody, reference="7", lines=[line])
    with pytest.raises(FatalSyncError, match="Ordered by: Account does not exist"):
        exact.create("salesorder/SalesOrders", payload, priority=Priority.ORDERS)


def test_goods_deliveries_become_shipments_partial_ones_too(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    div.add_item("MUG", stock=10)
    div.add_item("CUP", stock=10)
    account = div.add_account("Jansen")
    number = div.add_sales_order(account, "100500", [("MUG", 2), ("CUP", 1)])["OrderNumber"]
    first_entry = div.add_goods_delivery("100500", [("MUG", 1)], tracking="3SABC123")

    headers = rows(exact, SYNC_DELIVERIES, mapping.DELIVERY_FIELDS)
    lines = rows(exact, SYNC_DELIVERY_LINES, mapping.DELIVERY_LINE_FIELDS)
    (shipment,) = mapping.shipments(headers[0], lines, {number: "100500"})
    assert shipment.erp_id == first_entry and shipment.order_reference == "100500"
    assert shipment.tracking_number == "3SABC123" and shipment.erp_order_id == str(number)
    assert [(x.sku, x.quantity) for x in shipment.lines] == [("MUG", Decimal("1.0"))]
    assert shipment.shipped_at is not None

    div.add_goods_delivery("100500", tracking="3SABC999")  # the rest
    assert div.order("100500")["StatusDescription"] == "Complete"
    later = rows(exact, SYNC_DELIVERY_LINES, mapping.DELIVERY_LINE_FIELDS)[1:]
    (rest,) = mapping.shipments(
        rows(exact, SYNC_DELIVERIES, mapping.DELIVERY_FIELDS)[1], later, {number: "100500"}
    )
    assert sorted((x.sku, x.quantity) for x in rest.lines) == [("CUP", 1), ("MUG", 1)]
    assert rest.tracking_number == "3SABC999"


def test_credit_invoices_become_credit_notes_with_positive_amounts(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    div.add_item("MUG", price="8.00", stock=10)
    div.add_item("SHIP", price="4.00")
    account = div.add_account("Jansen")
    div.add_sales_order(account, "100600", [("MUG", 2), ("SHIP", 1)])
    invoice = exact.create(
        "salesinvoice/SalesInvoices",
        payloads.sales_invoice_payload(
            ordered_by=account,
            reference="100600",
            journal="70",
            lines=[payloads.SalesLine(div.item("MUG")["ID"], Decimal(2), Decimal("8.00"), "2")],
        ),
    )
    credit = div.add_credit_invoice("100600", [("MUG", 1, "8.00"), ("SHIP", 1, "4.00")])

    notes = mapping.credit_notes(
        rows(exact, SYNC_INVOICES, mapping.INVOICE_FIELDS), shipping_item_codes=frozenset({"SHIP"})
    )
    (note,) = notes  # the sales invoice is no credit note
    assert note.erp_id == credit and note.order_reference == "100600"
    assert [(x.sku, x.quantity, x.amount) for x in note.lines] == [
        ("MUG", Decimal("1.0"), Decimal("9.68"))
    ]
    assert note.shipping_amount == Decimal("4.84") and note.total == Decimal("14.52")
    assert invoice["Type"] == 8020 and invoice["AmountFC"] == Decimal("19.36")


def test_order_status_of_a_delivered_order(sandbox: ExactSandbox, exact: ExactClient) -> None:
    div = sandbox.division()
    div.add_item("MUG", price="10.00", stock=5)
    div.add_sales_order(div.add_account("Jansen"), "100700", [("MUG", 1)])
    div.add_goods_delivery("100700")
    header = exact.first(
        "salesorder/SalesOrders", select=mapping.ORDER_FIELDS, filter="YourRef eq '100700'"
    )
    status = mapping.order_status(header or {})
    assert (status.order_reference, status.status, status.total) == (
        "100700",
        "Complete",
        Decimal("12.1"),
    )
