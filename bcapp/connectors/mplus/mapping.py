"""Mplus payload dicts → canonical records (pure functions; no I/O).

Mplus groups *articles* (the sellable unit, numeric ``articleNumber``) under a
*product*. A product whose articles differ in ``colour``/``size`` (or that has
more than one article) is one canonical :class:`Product` with a
:class:`Variant` per article; a product with one plain article is a simple
product. An article's SKU is its ``extArticleId`` when we put one there (a
store SKU with letters, see :mod:`.numbers`), else its article number.

Order status: Mplus keeps three states per order (delivery, cancel,
complete); the most telling one is the status, as Mplus names it
(``ORDER-CANCEL-STATE-COMPLETE`` beats ``ORDER-COMPLETE-STATE-COMPLETE``
beats the delivery state), and the merchant maps it to a store status.

The other direction (canonical → Mplus) is :mod:`.payloads`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bcapp.connectors.base import (
    Category,
    CreditNote,
    CreditNoteLine,
    OrderStatusChange,
    Product,
    StockLevel,
    Variant,
    WarehouseStock,
)
from bcapp.connectors.mplus import units

CREDIT_INVOICE = "INVOICE-TYPE-CREDIT-INVOICE"
PRODUCT_SKU_PREFIX = "P"


def articles_of(product: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The articles of an Mplus product."""
    return list(product.get("articleList", {}).get("article", []))


def article_sku(article: Mapping[str, Any]) -> str:
    """The store SKU of an article: extArticleId when set, else the article number."""
    return str(article.get("extArticleId") or article["articleNumber"])


def _options(article: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (label, str(article[key]).strip())
        for key, label in (("colour", "Colour"), ("size", "Size"))
        if str(article.get(key) or "").strip()
    )


def _price(article: Mapping[str, Any]) -> Decimal:
    return units.from_cents(article.get("priceIncl", 0))


def product_from_mplus(product: Mapping[str, Any], zone: str = "Europe/Amsterdam") -> Product:
    """One Mplus product (with its articles) as a canonical Product."""
    articles = articles_of(product)
    first = articles[0]
    with_variants = len(articles) > 1 or bool(_options(first))
    changed = [units.from_mplus_datetime(a.get("changeTimestamp"), zone) for a in articles]
    return Product(
        erp_id=str(product["productNumber"]),
        sku=f"{PRODUCT_SKU_PREFIX}{product['productNumber']}"
        if with_variants
        else article_sku(first),
        name=product.get("description") or first.get("description", ""),
        price=min(_price(a) for a in articles),
        price_includes_vat=True,
        vat_rate=units.from_percentage(first.get("vatPercentage")),
        description=product.get("extraText") or first.get("extraText", ""),
        ean="" if with_variants else first.get("barcode", ""),
        brand=first.get("brandName", ""),
        category_erp_ids=tuple(str(g) for g in product.get("groupNumbers", ())),
        variants=tuple(_variant(a) for a in articles) if with_variants else (),
        visible=any(a.get("webshop", True) for a in articles),
        blocked=not any(a.get("active", True) for a in articles),
        modified_at=max((c for c in changed if c), default=None),
    )


def _variant(article: Mapping[str, Any]) -> Variant:
    options = _options(article) or (
        ("Article", article.get("description") or article_sku(article)),
    )
    return Variant(
        sku=article_sku(article),
        options=options,
        erp_id=str(article["articleNumber"]),
        price=_price(article),
        ean=article.get("barcode", ""),
        blocked=not article.get("active", True),
    )


def categories_from_groups(
    groups: Iterable[Mapping[str, Any]], parent: str | None = None
) -> list[Category]:
    """Flatten an article-group tree into categories, parents before children."""
    out: list[Category] = []
    for group in groups:
        if group.get("isDeleted"):
            continue
        number = str(group["groupNumber"])
        out.append(
            Category(
                erp_id=number,
                name=group.get("name", ""),
                parent_erp_id=parent,
                sort_order=group.get("sortOrder", 0),
                description=group.get("text", ""),
            )
        )
        out.extend(
            categories_from_groups(group.get("subGroupList", {}).get("articleGroups", []), number)
        )
    return out


def stock_levels(rows: Iterable[Mapping[str, Any]], skus: Mapping[int, str]) -> list[StockLevel]:
    """Group getStock rows (one per branch and article) into one StockLevel per article.

    ``on_hand`` is free plus reserved, so the flow's ``on_hand - reserved`` is
    Mplus's free stock.
    """
    by_article: dict[int, list[WarehouseStock]] = {}
    for row in rows:
        free = units.from_quantity(row.get("amountFree"), row.get("decimalPlacesFree"))
        reserved = units.from_quantity(row.get("amountReserved"), row.get("decimalPlacesReserved"))
        by_article.setdefault(row["articleNumber"], []).append(
            WarehouseStock(
                warehouse=str(row.get("branchNumber", "")),
                on_hand=free + reserved,
                reserved=reserved,
            )
        )
    return [
        StockLevel(
            sku=skus.get(article, str(article)), warehouses=tuple(stocks), erp_id=str(article)
        )
        for article, stocks in by_article.items()
    ]


ORDER_STATE_PRIORITY = (
    ("cancelState", "ORDER-CANCEL-STATE-COMPLETE"),
    ("completeState", "ORDER-COMPLETE-STATE-COMPLETE"),
    ("deliveryState", "ORDER-DELIVERY-STATE-COMPLETE"),
    ("cancelState", "ORDER-CANCEL-STATE-PARTIAL"),
    ("deliveryState", "ORDER-DELIVERY-STATE-PARTIAL"),
)


def status_of(order: Mapping[str, Any], zone: str = "Europe/Amsterdam") -> OrderStatusChange | None:
    """The status of an order we exported (None for orders without extOrderId)."""
    if not order.get("extOrderId"):
        return None
    status = next(
        (value for key, value in ORDER_STATE_PRIORITY if order.get(key) == value),
        "ORDER-DELIVERY-STATE-NOTHING",
    )
    return OrderStatusChange(
        order_reference=order["extOrderId"],
        erp_order_id=order["orderId"],
        status=status,
        changed_at=units.from_mplus_datetime(order.get("entryTimestamp"), zone),
        total=units.from_cents(total)
        if (total := order.get("totalInclAmount")) is not None
        else None,
    )


def credit_note_of(
    invoice: Mapping[str, Any], skus: Mapping[int, str], zone: str = "Europe/Amsterdam"
) -> CreditNote | None:
    """A credit invoice for one of our orders as a CreditNote (amounts positive)."""
    references = invoice.get("extOrderIds", {}).get("id", [])
    if invoice.get("invoiceType") != CREDIT_INVOICE or not references:
        return None
    lines = []
    for line in invoice.get("lineList", {}).get("line", []):
        data = line.get("data", {})
        lines.append(
            CreditNoteLine(
                sku=skus.get(line["articleNumber"], str(line["articleNumber"])),
                quantity=abs(units.from_quantity(data.get("quantity"), data.get("decimalPlaces"))),
                amount=abs(units.from_cents(data.get("totalInclAmount"))),
            )
        )
    return CreditNote(
        erp_id=invoice["invoiceId"],
        order_reference=references[0],
        lines=tuple(lines),
        total=abs(units.from_cents(invoice.get("totalInclAmount"))),
        created_at=units.from_mplus_datetime(invoice.get("entryTimestamp"), zone),
    )
