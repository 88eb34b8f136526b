"""AFAS → canonical: products with dimensions, categories, stock, packing slips, credits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bcapp.connectors.afas import AfasConnector
from bcapp.errors import RetryableSyncError
from bcapp.sandbox.afas import AfasSandbox
from tests.afas.conftest import connect


def all_records(batches) -> list:  # type: ignore[no-untyped-def]
    return [r for b in batches for r in b.records]


def test_article_with_dimensions_becomes_product_with_variants(
    sandbox: AfasSandbox, afas: AfasConnector
) -> None:
    sandbox.add_article(
        "TS",
        "T-shirt",
        price="19.95",
        group="SHIRTS",
        ean="871000",
        dimensions=[("S", "RED"), ("M", "RED")],
        image_url="https://img/ts.jpg",
        CountryOfOrigin="PT",
    )
    sandbox.add_article("CAP", "Cap", price="5", blocked=True)
    afas = connect(
        sandbox, catalog={"custom_fields": ["CountryOfOrigin"], "article_prices_include_vat": True}
    )
    shirt, cap = all_records(afas.fetch_products(None))
    assert (shirt.sku, shirt.name, shirt.price, shirt.ean) == (
        "TS",
        "T-shirt",
        Decimal("19.95"),
        "871000",
    )
    assert shirt.category_erp_ids == ("SHIRTS",) and shirt.images == ("https://img/ts.jpg",)
    assert shirt.vat_rate == Decimal("21") and shirt.price_includes_vat
    assert shirt.custom_fields == (("CountryOfOrigin", "PT"),)
    assert [(v.sku, v.options, v.ean) for v in shirt.variants] == [
        ("TS-M-RED", (("Size", "M"), ("Colour", "RED")), "8710001"),
        ("TS-S-RED", (("Size", "S"), ("Colour", "RED")), "8710000"),
    ]
    assert cap.blocked and not cap.variants
    assert shirt.modified_at is not None and shirt.modified_at.tzinfo is not None


def test_many_articles_with_one_modified_stamp_page_by_code(sandbox: AfasSandbox) -> None:
    """A bulk import stamps every article with the same second: the key breaks the tie."""
    codes = sandbox.seed(11, modified="2026-02-01T10:00:00Z")
    afas = connect(sandbox, page_size=4)
    batches = list(afas.fetch_products(None))
    assert [len(b.records) for b in batches] == [4, 4, 3]
    assert [p.erp_id for p in all_records(batches)] == codes
    resumed = all_records(connect(sandbox).fetch_products(batches[0].cursor))
    assert [p.erp_id for p in resumed] == codes[4:]
    # the second page asked for "after (stamp, A0004)" as two OR-ed filter sets
    params = [r["params"] for r in sandbox.requests if r["path"] == "connectors/BCApp_Articles"]
    assert params[1]["filterfieldids"] == "ModifiedDate;ModifiedDate,ItemCode"
    assert params[1]["operatortypes"] == "4;1,4"
    assert params[1]["filtervalues"] == "2026-02-01T10:00:00;2026-02-01T10:00:00,A0004"


def test_categories_from_article_groups(sandbox: AfasSandbox, afas: AfasConnector) -> None:
    sandbox.add_group("SHIRTS", "Shirts")
    sandbox.add_group("CAPS", "Caps")
    cats = all_records(afas.fetch_categories(None))
    assert [(c.erp_id, c.name) for c in cats] == [("CAPS", "Caps"), ("SHIRTS", "Shirts")]


def test_stock_per_sku_over_warehouses_never_split(sandbox: AfasSandbox) -> None:
    for code in ("A", "B", "C"):
        sandbox.set_stock(code, "01", 10, reserved=2)
        sandbox.set_stock(code, "02", 5)
        sandbox.set_stock(code, "03", 1)
    sandbox.set_stock("TS", "01", 4, dim1="M", dim2="RED")
    afas = connect(sandbox, page_size=4)
    levels = all_records(afas.fetch_stock(None))
    assert [lvl.sku for lvl in levels] == ["A", "B", "C", "TS-M-RED"]
    a = levels[0]
    assert [(w.warehouse, w.on_hand, w.reserved) for w in a.warehouses] == [
        ("01", Decimal("10"), Decimal("2")),
        ("02", Decimal("5"), Decimal("0")),
        ("03", Decimal("1"), Decimal("0")),
    ]
    assert all(b.cursor is None for b in afas.fetch_stock(None))


def _order(sandbox: AfasSandbox, reference: str, lines: list[tuple[str, int]]) -> str:
    debtor = sandbox.add_debtor(f"c{reference}@example.com")
    number = str(sandbox.updates.next_order)
    sandbox.updates.next_order += 1
    sandbox.tables.orders[number] = {
        "OrderNumber": number,
        "Status": "Open",
        "OrderDate": "2026-01-01",
        "DebtorId": debtor,
        "CurrencyId": "EUR",
        "CustomerReference": reference,
        "TotalAmount": 0,
        "ModifiedDate": sandbox.clock.stamp(),
        "lines": [],
    }
    return number


def test_ready_packing_slips_become_shipments_without_splitting_one(
    sandbox: AfasSandbox,
) -> None:
    order = _order(sandbox, "100", [])
    big = sandbox.add_packing_slip(
        order, [(f"A{i}", i) for i in range(1, 7)], tracking="3SABC123", carrier="PostNL"
    )
    draft = sandbox.add_packing_slip(order, [("A1", 1)], ready=False)
    small = sandbox.add_packing_slip(order, [("A1", 1), ("A2", 2)])
    afas = connect(sandbox, page_size=4)
    batches = list(afas.fetch_shipments(None))
    ships = all_records(batches)
    assert [s.erp_id for s in ships] == [big, small]
    first = ships[0]
    assert (first.order_reference, first.erp_order_id, first.tracking_number, first.carrier) == (
        "100",
        order,
        "3SABC123",
        "PostNL",
    )
    assert [(ln.sku, ln.quantity) for ln in first.lines] == [
        (f"A{i}", Decimal(i)) for i in range(1, 7)
    ]
    assert len(ships[1].lines) == 2
    # the draft slip shows up once it is reported ready
    sandbox.report_ready(draft)
    later = all_records(afas.fetch_shipments(batches[-1].cursor))
    assert [s.erp_id for s in later] == [draft]


def test_credit_invoices_become_credit_notes(sandbox: AfasSandbox) -> None:
    _order(sandbox, "200", [])
    sandbox.add_credit_invoice("200", [("A1", 1, "12.10"), ("SHIP", 1, "4.95")])
    afas = connect(sandbox, orders={"shipping_item_code": "SHIP"})
    (note,) = all_records(afas.fetch_credit_notes(None))
    assert note.order_reference == "200"
    assert [(ln.sku, ln.quantity, ln.amount) for ln in note.lines] == [
        ("A1", Decimal("1"), Decimal("12.10"))
    ]
    assert note.shipping_amount == Decimal("4.95") and note.total == Decimal("17.05")


def test_order_status_changes_follow_the_cursor(sandbox: AfasSandbox) -> None:
    first = _order(sandbox, "300", [])
    second = _order(sandbox, "301", [])
    afas = connect(sandbox)
    batches = list(afas.fetch_order_statuses(None))
    assert [(s.order_reference, s.status) for s in all_records(batches)] == [
        ("300", "Open"),
        ("301", "Open"),
    ]
    sandbox.set_order_status(first, "Geleverd")
    changes = all_records(afas.fetch_order_statuses(batches[-1].cursor))
    assert [(s.erp_order_id, s.status) for s in changes] == [(first, "Geleverd")]
    assert second not in {s.erp_order_id for s in changes}


def test_full_scan_reads_pages_together_and_hands_them_over_in_order(
    sandbox: AfasSandbox,
) -> None:
    for i in range(23):
        sandbox.set_stock(f"S{i:02d}", "01", i)
    afas = connect(sandbox, page_size=4)
    connector = afas.entity("stock").connector
    order = ["ItemCode", "StockDimCode1", "StockDimCode2", "Warehouse"]
    one_by_one = list(afas.client.iter_rows(connector, order_by=order, take=4))
    together = list(afas.client.scan_rows(connector, order_by=order, take=4, at_once=3))
    assert together == one_by_one
    assert [len(rows) for rows in together] == [4, 4, 4, 4, 4, 3]
    # A scan that stops early (the consumer stops reading) leaves no request behind.
    pages = afas.client.scan_rows(connector, order_by=order, take=4, at_once=3)
    assert next(pages) == one_by_one[0]
    pages.close()


def test_a_failing_page_of_a_full_scan_fails_the_scan(sandbox: AfasSandbox) -> None:
    for i in range(10):
        sandbox.set_stock(f"S{i:02d}", "01", i)
    afas = connect(sandbox, page_size=4)
    sandbox.fail_next(503)
    with pytest.raises(RetryableSyncError):
        all_records(afas.fetch_stock(None))
