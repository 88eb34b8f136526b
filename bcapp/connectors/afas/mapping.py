"""AFAS GetConnector rows → canonical records (writes live in :mod:`.envelopes`).

Field names come from the merchant's settings (:class:`EntityConfig`), so a
merchant's own GetConnectors work as well as the ``BCApp_*`` defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bcapp.connectors.afas.settings import EntityConfig
from bcapp.connectors.base import (
    Category,
    CreditNote,
    CreditNoteLine,
    OrderStatusChange,
    Product,
    Shipment,
    ShipmentLine,
    StockLevel,
    Variant,
    WarehouseStock,
)

Row = Mapping[str, Any]
HOUSE_NUMBER = re.compile(r"^(?P<street>.*?\D)\s*(?P<number>\d+)\s*(?P<addition>\S.*)?$")


# -- small conversions -------------------------------------------------------------------


def dec(value: Any, default: str = "0") -> Decimal:
    """A Decimal from an AFAS number (JSON number or string); ``default`` when empty."""
    if value is None or value == "":
        return Decimal(default)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(default)


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def truthy(value: Any) -> bool:
    return value is True or str(value).lower() in {"true", "1", "yes", "-1"}


def parse_datetime(value: Any) -> datetime | None:
    """AFAS dates ('2024-02-16T10:00:00Z' or without zone, taken as UTC)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def variant_sku(code: str, dim1: str, dim2: str, separator: str) -> str:
    """The store SKU of an article dimension: code, dimension codes, joined."""
    return separator.join(part for part in (code, dim1, dim2) if part)


def split_street(street: str) -> tuple[str, int | None, str]:
    """'Speelkamp 105 a' → ('Speelkamp', 105, 'a'); no number → (street, None, '')."""
    match = HOUSE_NUMBER.match(street.strip())
    if not match:
        return street.strip(), None, ""
    return match["street"].strip(), int(match["number"]), (match["addition"] or "").strip()


# -- reads -------------------------------------------------------------------------------


def category_from_row(row: Row, cfg: EntityConfig) -> Category:
    parent = text(row.get(cfg["parent"])) if cfg["parent"] else ""
    return Category(
        erp_id=text(row.get(cfg["id"])),
        name=text(row.get(cfg["name"])) or text(row.get(cfg["id"])),
        parent_erp_id=parent or None,
    )


def product_from_rows(
    row: Row,
    dimensions: Sequence[Row],
    cfg: EntityConfig,
    dim_cfg: EntityConfig,
    orders: Mapping[str, Any],
) -> Product:
    """An article row (plus its dimension rows) → Product with variants."""
    code = text(row.get(cfg["code"]))
    image = text(row.get(cfg["image_url"])) if cfg["image_url"] else ""
    price = dec(row.get(cfg["price"])) if cfg["price"] else Decimal("0")
    custom = tuple(
        (name, text(row.get(name))) for name in orders.get("custom_fields", []) if name in row
    )
    publish = truthy(row.get(cfg["publish"])) if cfg["publish"] else True
    return Product(
        erp_id=code,
        sku=code,
        name=text(row.get(cfg["name"])) or code,
        price=price,
        price_includes_vat=bool(orders.get("article_prices_include_vat", False)),
        vat_rate=dec(row.get(cfg["vat_rate"])) if cfg["vat_rate"] else Decimal("0"),
        description=text(row.get(cfg["description"])) if cfg["description"] else "",
        ean=text(row.get(cfg["ean"])) if cfg["ean"] else "",
        weight=dec(row.get(cfg["weight"])) if cfg["weight"] and row.get(cfg["weight"]) else None,
        brand=text(row.get(cfg["brand"])) if cfg["brand"] else "",
        category_erp_ids=(text(row.get(cfg["group"])),)
        if cfg["group"] and row.get(cfg["group"])
        else (),
        images=(image,) if image else (),
        variants=tuple(variant_from_row(code, d, dim_cfg, orders) for d in dimensions),
        custom_fields=custom,
        visible=publish,
        blocked=truthy(row.get(cfg["blocked"])) if cfg["blocked"] else False,
        modified_at=parse_datetime(row.get(cfg["modified"])),
    )


def variant_from_row(code: str, row: Row, cfg: EntityConfig, orders: Mapping[str, Any]) -> Variant:
    dim1, dim2 = text(row.get(cfg["dim1"])), text(row.get(cfg["dim2"]))
    options = []
    if dim1:
        options.append((str(orders["dimension_1_label"]), dim1))
    if dim2:
        options.append((str(orders["dimension_2_label"]), dim2))
    price = row.get(cfg["price"]) if cfg["price"] else None
    return Variant(
        sku=variant_sku(code, dim1, dim2, str(orders["dimension_separator"])),
        options=tuple(options),
        erp_id=variant_sku(code, dim1, dim2, "|"),
        price=dec(price) if price not in (None, "") else None,
        ean=text(row.get(cfg["ean"])) if cfg["ean"] else "",
        image_url=text(row.get(cfg["image_url"])) if cfg["image_url"] else "",
        blocked=truthy(row.get(cfg["blocked"])) if cfg["blocked"] else False,
    )


def stock_from_rows(
    sku: str, rows: Sequence[Row], cfg: EntityConfig, erp_id: str = ""
) -> StockLevel:
    return StockLevel(
        sku=sku,
        erp_id=erp_id or sku,
        warehouses=tuple(
            WarehouseStock(
                warehouse=text(r.get(cfg["warehouse"])) or "*",
                on_hand=dec(r.get(cfg["on_hand"])),
                reserved=dec(r.get(cfg["reserved"])) if cfg["reserved"] else Decimal("0"),
            )
            for r in rows
        ),
    )


#: ``RfCs`` of a packing slip made from a store shipment: "{order id}/{shipment id}".
STORE_SHIPMENT_REFERENCE = re.compile(r"(\d+)/(\d+)")


def shipment_reference(shipment: Shipment) -> str:
    """The packing slip's reference: the order id, plus the store shipment id it came from.

    The shipment id makes ``create_shipment`` findable again after a crash and lets
    the ERP-led flow recognise a slip that came from the store.
    """
    if shipment.bc_id is None:
        return shipment.order_reference
    return f"{shipment.order_reference}/{shipment.bc_id}"


def shipment_from_rows(rows: Sequence[Row], cfg: EntityConfig, separator: str) -> Shipment:
    """The lines of one packing slip → Shipment."""
    head = rows[0]
    reference = text(head.get(cfg["reference"]))
    store_made = STORE_SHIPMENT_REFERENCE.fullmatch(reference)
    return Shipment(
        erp_id=text(head.get(cfg["number"])),
        order_reference=store_made.group(1) if store_made else reference,
        bc_id=int(store_made.group(2)) if store_made else None,
        erp_order_id=text(head.get(cfg["order"])) if cfg["order"] else "",
        tracking_number=text(head.get(cfg["tracking"])) if cfg["tracking"] else "",
        carrier=text(head.get(cfg["carrier"])) if cfg["carrier"] else "",
        shipped_at=parse_datetime(head.get(cfg["date"])) if cfg["date"] else None,
        lines=tuple(
            ShipmentLine(sku=row_sku(r, cfg, separator), quantity=dec(r.get(cfg["quantity"])))
            for r in rows
            if text(r.get(cfg["code"]))
        ),
    )


def credit_note_from_rows(
    rows: Sequence[Row], cfg: EntityConfig, separator: str, shipping_code: str
) -> CreditNote:
    """The lines of one credit invoice → CreditNote (amounts made positive)."""
    head = rows[0]
    lines, shipping = [], Decimal("0")
    for r in rows:
        amount = abs(dec(r.get(cfg["amount"])))
        if shipping_code and text(r.get(cfg["code"])) == shipping_code:
            shipping += amount
            continue
        lines.append(
            CreditNoteLine(
                sku=row_sku(r, cfg, separator),
                quantity=abs(dec(r.get(cfg["quantity"]))),
                amount=amount,
            )
        )
    return CreditNote(
        erp_id=text(head.get(cfg["number"])),
        order_reference=text(head.get(cfg["reference"])),
        lines=tuple(lines),
        shipping_amount=shipping,
        total=sum((line.amount for line in lines), shipping),
        created_at=parse_datetime(head.get(cfg["date"])) if cfg["date"] else None,
    )


def status_from_row(row: Row, cfg: EntityConfig) -> OrderStatusChange:
    return OrderStatusChange(
        order_reference=text(row.get(cfg["reference"])),
        erp_order_id=text(row.get(cfg["number"])),
        status=text(row.get(cfg["status"])),
        changed_at=parse_datetime(row.get(cfg["modified"])),
        total=dec(row[cfg["total"]])
        if cfg["total"] and row.get(cfg["total"]) is not None
        else None,
    )


def row_sku(row: Row, cfg: EntityConfig, separator: str) -> str:
    """The store SKU a stock/packing-slip/credit row is about (code plus dimensions)."""
    dim1 = text(row.get(cfg["dim1"])) if cfg["dim1"] else ""
    dim2 = text(row.get(cfg["dim2"])) if cfg["dim2"] else ""
    return variant_sku(text(row.get(cfg["code"])), dim1, dim2, separator)
