"""Reading Mplus through the connector: products, groups, stock, statuses, credit notes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from bcapp.connectors.mplus import MplusConnector
from bcapp.errors import ConfigError, RetryableSyncError
from bcapp.sandbox.mplus import MplusSandbox, MplusState
from bcapp.sandbox.mplus.sales import set_order_state


def seed_catalog(state: MplusState) -> dict[str, int]:
    shirts = state.add_group("Kleding")
    mugs = state.add_group("Mokken", parent=shirts)
    return {
        "mug": state.add_product(
            [
                {
                    "articleNumber": 1001,
                    "description": "Mok",
                    "priceIncl": 1995,
                    "priceExcl": 1649,
                    "vatPercentage": 2100,
                    "barcode": "8712345678906",
                }
            ],
            description="Mok",
            group_numbers=[mugs],
        ),
        "shirt": state.add_product(
            [
                {"articleNumber": 2001, "colour": "Rood", "size": "M", "priceIncl": 2500},
                {
                    "articleNumber": 2002,
                    "colour": "Rood",
                    "size": "L",
                    "priceIncl": 2750,
                    "active": False,
                },
            ],
            description="T-shirt",
            group_numbers=[shirts],
        ),
        "letters": state.add_product(
            [
                {
                    "articleNumber": 9000017,
                    "extArticleId": "CAP-BLUE",
                    "description": "Pet",
                    "priceIncl": 1234,
                }
            ],
            description="Pet",
        ),
    }


def test_check_passes_and_names_a_wrong_secret(
    connector: MplusConnector, sandbox: MplusSandbox, settings: dict[str, Any]
) -> None:
    connector.check()
    bad = MplusConnector({**settings, "secret": "nope"}, transport=httpx.WSGITransport(app=sandbox))
    with pytest.raises(ConfigError, match="Invalid ident and/or secret"):
        bad.check()


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ({"employee_number": 4242}, "no employee 4242"),
        ({"branch_number": 7}, "no branch 7"),
        ({"workplace_number": 9}, "no workplace 9"),
    ],
)
def test_check_names_a_missing_employee_branch_or_workplace(
    sandbox: MplusSandbox, settings: dict[str, Any], override: dict[str, int], words: str
) -> None:
    conn = MplusConnector({**settings, **override}, transport=httpx.WSGITransport(app=sandbox))
    with pytest.raises(ConfigError, match=words):
        conn.check()


def test_products_page_by_sync_marker_with_exact_money(
    connector: MplusConnector, state: MplusState
) -> None:
    seed_catalog(state)
    batches = list(connector.fetch_products(None))
    assert [len(b.records) for b in batches] == [2, 1]  # page_size 2
    products = {p.name: p for b in batches for p in b.records}
    mug = products["Mok"]
    assert (mug.sku, mug.price, mug.vat_rate, mug.ean) == (
        "1001",
        Decimal("19.95"),
        Decimal(21),
        "8712345678906",
    )
    assert mug.price_includes_vat and not mug.variants and len(mug.category_erp_ids) == 1
    shirt = products["T-shirt"]
    assert [(v.sku, v.options, v.price, v.blocked) for v in shirt.variants] == [
        ("2001", (("Colour", "Rood"), ("Size", "M")), Decimal("25.00"), False),
        ("2002", (("Colour", "Rood"), ("Size", "L")), Decimal("27.50"), True),
    ]
    assert products["Pet"].sku == "CAP-BLUE"  # the letter SKU comes back from extArticleId


def test_products_resume_from_a_saved_cursor(connector: MplusConnector, state: MplusState) -> None:
    numbers = seed_catalog(state)
    first = next(connector.fetch_products(None))
    rest = [p.name for b in connector.fetch_products(first.cursor) for p in b.records]
    assert rest == ["Pet"]
    last = list(connector.fetch_products(None))[-1].cursor
    assert list(connector.fetch_products(last)) == []  # nothing changed since
    state.touch_product(numbers["mug"])
    assert [p.name for b in connector.fetch_products(last) for p in b.records] == ["Mok"]


def test_server_fault_mid_paging_is_retryable_and_resumable(
    connector: MplusConnector, state: MplusState
) -> None:
    seed_catalog(state)
    pages = connector.fetch_products(None)
    first = next(pages)
    state.inject("server_fault", 1, operation="getProducts")
    with pytest.raises(RetryableSyncError):
        next(pages)
    assert [p.name for b in connector.fetch_products(first.cursor) for p in b.records] == ["Pet"]


def test_categories_flatten_the_group_tree(connector: MplusConnector, state: MplusState) -> None:
    seed_catalog(state)
    [batch] = list(connector.fetch_categories(None))
    tree = {(c.name, c.parent_erp_id) for c in batch.records}
    kleding = next(c for c in batch.records if c.name == "Kleding")
    assert tree == {("Kleding", None), ("Mokken", kleding.erp_id)}
    assert list(connector.fetch_categories(batch.cursor)) == []
    state.add_group("Petten")
    [again] = list(connector.fetch_categories(batch.cursor))
    assert {c.name for c in again.records} == {"Kleding", "Mokken", "Petten"}


def test_stock_per_branch_with_reserved(
    sandbox: MplusSandbox, settings: dict[str, Any], state: MplusState
) -> None:
    seed_catalog(state)
    state.add_branch(2, "Magazijn")
    state.set_stock(1001, 5, 2)
    state.set_stock(1001, 100, 0, branch=2)
    state.set_stock(9000017, 15, 5, decimal_places=1)  # 1.5 free, 0.5 reserved
    conn = MplusConnector(
        {**settings, "stock_branches": [1, 2]}, transport=httpx.WSGITransport(app=sandbox)
    )
    levels = {lv.sku: lv for b in conn.fetch_stock(None) for lv in b.records}
    mug = {w.warehouse: (w.on_hand, w.reserved) for w in levels["1001"].warehouses}
    assert mug == {"1": (Decimal(7), Decimal(2)), "2": (Decimal(100), Decimal(0))}
    cap = levels["CAP-BLUE"].warehouses[0]
    assert (cap.on_hand - cap.reserved, cap.reserved) == (Decimal("1.5"), Decimal("0.5"))


def test_stock_cursor_returns_only_changed_articles_with_all_branches(
    sandbox: MplusSandbox, settings: dict[str, Any], state: MplusState
) -> None:
    seed_catalog(state)
    state.add_branch(2, "Magazijn")
    for article in (1001, 2001, 2002):
        state.set_stock(article, 1)
        state.set_stock(article, 1, branch=2)
    conn = MplusConnector(
        {**settings, "stock_branches": [1, 2]}, transport=httpx.WSGITransport(app=sandbox)
    )
    batches = list(conn.fetch_stock(None))
    assert [len(b.records) for b in batches] == [2, 1]
    state.set_stock(2001, 9, branch=2)
    [changed] = list(conn.fetch_stock(batches[-1].cursor))
    [level] = changed.records
    assert level.sku == "2001" and len(level.warehouses) == 2  # both branches, not just the delta


def test_order_statuses_and_credit_notes(connector: MplusConnector, state: MplusState) -> None:
    seed_catalog(state)
    state.add_relation(name="Jan", email="jan@example.nl")
    order_id = "x"
    state.orders[order_id] = {
        "orderId": order_id,
        "extOrderId": "100",
        "syncMarker": state.next_marker(),
    }
    state.orders["pos"] = {"orderId": "pos", "syncMarker": state.next_marker()}  # a till sale
    [batch] = list(connector.fetch_order_statuses(None))
    assert [(c.order_reference, c.status) for c in batch.records] == [
        ("100", "ORDER-DELIVERY-STATE-NOTHING")
    ]
    set_order_state(state, order_id, deliveryState="ORDER-DELIVERY-STATE-COMPLETE")
    [later] = list(connector.fetch_order_statuses(batch.cursor))
    assert [c.status for c in later.records] == ["ORDER-DELIVERY-STATE-COMPLETE"]
    state.add_credit_invoice(order_id, [(9000017, 1, 1234)])
    [notes] = list(connector.fetch_credit_notes(None))
    [note] = notes.records
    assert note.order_reference == "100" and note.total == Decimal("12.34")
    assert [(ln.sku, ln.quantity, ln.amount) for ln in note.lines] == [
        ("CAP-BLUE", Decimal(1), Decimal("12.34"))
    ]


def test_demo_shop_reads_end_to_end() -> None:
    from bcapp.sandbox.mplus.demo import DEMO_SETTINGS, demo_sandbox

    sandbox = demo_sandbox()
    conn = MplusConnector(
        {"port": 1, "stock_branches": [1, 2], **DEMO_SETTINGS},
        transport=httpx.WSGITransport(app=sandbox),
    )
    conn.check()
    products = [p for b in conn.fetch_products(None) for p in b.records]
    by_name = {p.name: p for p in products}
    assert by_name["Mok Delfts blauw"].sku == "1001" and by_name["Tas naturel"].sku == "TOTE-NAT"
    shirt = by_name["T-shirt Oranje"]
    assert shirt.sku == f"P{shirt.erp_id}" and [v.sku for v in shirt.variants] == [
        "2001",
        "2002",
        "2003",
    ]
    levels = {lv.sku: lv for b in conn.fetch_stock(None) for lv in b.records}
    assert sum(w.on_hand - w.reserved for w in levels["1001"].warehouses) == 124  # free 24 + 100
    assert sandbox.invalid_requests == []
