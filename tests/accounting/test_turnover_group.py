"""Issue 22 point 3, Mplus part: a turnover group per storefront on the order's lines.

Mplus's WSDL puts ``turnoverGroup`` on an order line's ``LineData`` (read-only only in the
processX calls, so createOrder takes it); without a row the article's own group applies.
"""

from __future__ import annotations

from tests.accounting.test_mplus import save
from tests.mplus.test_order_flow import Shop


def line_groups(shop: Shop, order_id: int) -> list[object]:
    [order] = shop.mplus_orders(order_id)
    return [line["data"].get("turnoverGroup") for line in order["lineList"]["line"]]


def test_each_storefront_books_its_lines_on_its_turnover_group(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    outlet = shop.bc_store.add_storefront("Outlet")
    save(shop, "orders", channels=[1, outlet], export_statuses=[11])
    save(shop, "mappings", turnover_group={str(outlet): "1200", "*": "1100"})

    web, sale = shop.order("1001"), shop.order("1001", channel_id=outlet)
    shop.export(web)
    shop.export(sale)

    assert line_groups(shop, web) == [1100]
    assert line_groups(shop, sale) == [1200]


def test_without_a_row_mplus_keeps_the_articles_turnover_group(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    order_id = shop.order("1001")

    shop.export(order_id)

    assert line_groups(shop, order_id) == [None]


def test_a_turnover_group_mplus_does_not_have_is_an_import_error(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    save(shop, "mappings", turnover_group={"*": "4711"})
    order_id = shop.order("1001")

    shop.export(order_id)

    assert shop.mplus_orders(order_id) == []
    [failed] = shop.log("order", "failed")
    assert "Turnover group 4711" in failed.message


def test_turnover_groups_are_numbers() -> None:
    from bcapp.mapping.validation import validate_section

    _, errors = validate_section("mappings", {"turnover_group": {"1": "Webshop"}}, current={})
    assert "Turnover groups are numbers" in str(errors)
