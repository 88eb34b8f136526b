"""Canonical records ⇄ AFAS rows and UpdateConnector envelopes.

Reads turn GetConnector rows (field names from the merchant's settings) into
canonical records. Writes build envelopes the way AFAS's own examples do:
``{"Name": {"Element": {"Fields": {...}, "Objects": [{"Child": {"Element": [...]}}]}}}``,
with ``@DbId`` on the element when updating an existing sales relation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bcapp.connectors.afas.settings import EntityConfig
from bcapp.connectors.base import (
    Address,
    Category,
    CreditNote,
    CreditNoteLine,
    Customer,
    Order,
    OrderLine,
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
        category_erp_ids=(text(row.get(cfg["group"])),) if cfg["group"] and row.get(cfg["group"])
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


def shipment_from_rows(rows: Sequence[Row], cfg: EntityConfig, separator: str) -> Shipment:
    """The lines of one packing slip → Shipment."""
    head = rows[0]
    return Shipment(
        erp_id=text(head.get(cfg["number"])),
        order_reference=text(head.get(cfg["reference"])),
        erp_order_id=text(head.get(cfg["order"])) if cfg["order"] else "",
        tracking_number=text(head.get(cfg["tracking"])) if cfg["tracking"] else "",
        carrier=text(head.get(cfg["carrier"])) if cfg["carrier"] else "",
        shipped_at=parse_datetime(head.get(cfg["date"])) if cfg["date"] else None,
        lines=tuple(
            ShipmentLine(sku=_line_sku(r, cfg, separator), quantity=dec(r.get(cfg["quantity"])))
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
        lines.append(CreditNoteLine(
            sku=_line_sku(r, cfg, separator), quantity=abs(dec(r.get(cfg["quantity"]))),
            amount=amount,
        ))
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
    )


def _line_sku(row: Row, cfg: EntityConfig, separator: str) -> str:
    dim1 = text(row.get(cfg["dim1"])) if cfg["dim1"] else ""
    dim2 = text(row.get(cfg["dim2"])) if cfg["dim2"] else ""
    return variant_sku(text(row.get(cfg["code"])), dim1, dim2, separator)


# -- writes ------------------------------------------------------------------------------


def envelope(name: str, fields: Mapping[str, Any], objects: Sequence[Mapping[str, Any]] = (),
             *, key: tuple[str, str] | None = None) -> dict[str, Any]:
    """``{name: {"Element": {...}}}``; ``key`` adds an ``@Attr`` (e.g. ("DbId", "10001"))."""
    element: dict[str, Any] = {}
    if key:
        element[f"@{key[0]}"] = key[1]
    element["Fields"] = {k: v for k, v in fields.items() if v is not None}
    if objects:
        element["Objects"] = list(objects)
    return {name: {"Element": element}}


def child(name: str, elements: Sequence[tuple[Mapping[str, Any], Sequence[Any]]]) -> dict:
    """A nested object: ``{name: {"Element": [{"Fields": .., "Objects": [..]}, ...]}}``."""
    out = []
    for fields, objects in elements:
        item: dict[str, Any] = {"Fields": {k: v for k, v in fields.items() if v is not None}}
        if objects:
            item["Objects"] = list(objects)
        out.append(item)
    return {name: {"Element": out}}


def address_fields(address: Address, today: date) -> dict[str, Any]:
    """KnBasicAddressAdr fields for a postal address."""
    street, number, addition = split_street(address.street)
    return {
        "CoId": (address.country_code or "NL").upper(),
        "PbAd": False,
        "Ad": street[:60],
        "HmNr": number,
        "HmAd": addition[:30] or None,
        "ZpCd": address.postal_code.replace(" ", "")[:15],
        "Rs": address.city[:50],
        "AdAd": address.street2[:255] or None,
        "BeginDate": today.isoformat(),
        "ResZip": False,
    }


def person_fields(customer: Customer, *, new: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "FiNm": customer.first_name[:50] or None,
        "LaNm": (customer.last_name or customer.email)[:80],
        "EmAd": customer.email,
        "TeNr": customer.phone or None,
    }
    if new:
        fields.update({"PadAdr": True, "AutoNum": True, "MatchPer": "7"})
    else:
        fields["MatchPer"] = "9"  # the person of this sales relation
    return fields


def relation_envelope(
    customer: Customer, currency: str, today: date, erp_id: str | None = None
) -> tuple[str, dict[str, Any]]:
    """(connector, body) creating or updating a person or organisation sales relation."""
    new = erp_id is None
    address = customer.addresses[0] if customer.addresses else None
    addr_objs = (
        [child("KnBasicAddressAdr", [(address_fields(address, today), [])])] if address else []
    )
    if new:
        addr_objs += delivery_contacts(customer, today)
    rel_fields: dict[str, Any] = {"CuId": currency} if new else {}
    if new:
        rel_fields["IsDb"] = True
    if customer.vat_number:
        rel_fields["VaId"] = customer.vat_number[:20]
    key = ("DbId", erp_id) if erp_id else None
    if customer.company.strip():
        org: dict[str, Any] = {"Nm": customer.company[:255], "EmAd": customer.email,
                               "TeNr": customer.phone or None}
        org.update({"PadAdr": True, "AutoNum": True, "MatchOga": "6"} if new
                   else {"MatchOga": "9"})
        contact = child("KnContact", [(
            {"PadAdr": True, "EmAd": customer.email},
            [child("KnPerson", [(person_fields(customer, new=True), [])])] if new else [],
        )])
        objects = [child("KnOrganisation", [(org, [*addr_objs, contact] if new else addr_objs)])]
        return "KnSalesRelationOrg", envelope("KnSalesRelationOrg", rel_fields, objects, key=key)
    objects = [child("KnPerson", [(person_fields(customer, new=new), addr_objs)])]
    return "KnSalesRelationPer", envelope("KnSalesRelationPer", rel_fields, objects, key=key)


def delivery_contacts(customer: Customer, today: date) -> list[dict[str, Any]]:
    """Extra addresses as delivery-address contacts (KnContact kind ``AFL``), AFAS's way."""
    extra = [a for a in customer.addresses[1:] if a.street and a != customer.addresses[0]]
    if not extra:
        return []
    return [child("KnContact", [(
        {"PadAdr": True, "ViKc": "AFL",
         "ExAd": (" ".join(p for p in (a.first_name, a.last_name) if p) or "Delivery")[:60]},
        [child("KnBasicAddressAdr", [(address_fields(a, today), [])])],
    ) for a in extra])]


def format_address(address: Address) -> str:
    """A one-line delivery address for FbSales ``ExAd``."""
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    parts = [address.company, name, address.street, address.street2,
             f"{address.postal_code} {address.city}".strip(), address.country_code]
    return ", ".join(p for p in parts if p)


def line_fields(
    line: OrderLine, item: tuple[str, str, str], orders: Mapping[str, Any], incl: bool
) -> dict[str, Any]:
    """FbSalesLines fields; ``item`` is (item code, dimension 1, dimension 2)."""
    code, dim1, dim2 = item
    price = line.price_inc_tax if incl else line.price_ex_tax
    return {
        "VaIt": "2",
        "ItCd": code,
        "Ds": line.name[:255] or None,
        "BiUn": orders["unit"],
        "QuUn": float(line.quantity),
        "Upri": float(price),
        "ARDc": float(line.discount) if line.discount else None,
        "StL1": dim1 or None,
        "StL2": dim2 or None,
        "War": orders["warehouse"] or None,
    }


def sales_order_envelope(
    order: Order,
    debtor: str,
    items: Mapping[str, tuple[str, str, str]],
    orders: Mapping[str, Any],
) -> dict[str, Any]:
    """FbSales for a store order; lines by article code, plus a shipping-cost line."""
    mapped = order.mapped
    incl = bool(orders.get("prices_include_vat", True))
    lines = [(line_fields(line, items[line.sku], orders, incl), [])
             for line in order.lines if not line.is_digital]
    shipping = order.shipping_cost_inc_tax if incl else order.shipping_cost_ex_tax
    ship_code = mapped.get("shipping_item_code") or orders.get("shipping_item_code")
    if ship_code and shipping:
        lines.append(({
            "VaIt": str(orders["shipping_item_type"]), "ItCd": ship_code,
            "Ds": (order.shipping_method or "Shipping")[:255],
            "BiUn": orders["shipping_unit"], "QuUn": 1.0, "Upri": float(shipping),
        }, []))
    ship_to = order.shipping_addresses[0] if order.shipping_addresses else None
    fields = {
        "OrDa": (order.created_at or datetime.now(UTC)).date().isoformat(),
        "DbId": debtor,
        "RfCs": order.reference[:100],
        "CuId": order.currency or orders.get("currency") or None,
        "InVa": incl,
        "Unit": int(orders["administration"]) if orders.get("administration") else None,
        "War": mapped.get("warehouse") or orders.get("warehouse") or None,
        "SaCh": str(orders["sales_channel"]) if orders.get("sales_channel") else None,
        "VaDu": mapped.get("vat_duty") or orders.get("vat_duty") or None,
        "PaTp": mapped.get("payment_method") or None,
        "PaCd": mapped.get("payment_condition") or None,
        "ETOr": mapped.get("order_type") or orders.get("order_type") or None,
        "Re": order.customer_message or None,
        "ExAd": format_address(ship_to)[:255] if ship_to else None,
    }
    return envelope("FbSales", fields, [child("FbSalesLines", lines)])


def subscription_envelope(
    order: Order, line: OrderLine, number: int, debtor: str, code: str,
    orders: Mapping[str, Any],
) -> dict[str, Any]:
    """FbSubscription for one digital order line (number is ours: the spec requires SuNr)."""
    start = (order.created_at or datetime.now(UTC)).date().isoformat()
    fields = {
        "SuNr": number, "DbId": debtor, "SuSt": start, "RfCs": order.reference[:100],
        "CuId": order.currency or None,
        "UnFi": int(orders["administration"]) if orders.get("administration") else None,
    }
    sub_line = {
        "VaIt": str(orders["subscription_item_type"]), "ItCd": code, "DaSt": start,
        "Qu": float(line.quantity), "InFr": start,
    }
    return envelope("FbSubscription", fields, [child("FbSubscriptionLines", [(sub_line, [])])])


def delivery_note_envelope(
    shipment: Shipment,
    debtor: str,
    items: Mapping[str, tuple[str, str, str]],
    orders: Mapping[str, Any],
) -> dict[str, Any]:
    """FbDeliveryNote for a store shipment, tied to the AFAS sales order."""
    lines = []
    for line in shipment.lines:
        code, dim1, dim2 = items[line.sku]
        lines.append(({
            "VaIt": "2", "ItCd": code, "BiUn": orders["unit"], "QuUn": float(line.quantity),
            "StL1": dim1 or None, "StL2": dim2 or None, "SoOr": shipment.erp_order_id or None,
            "War": orders["warehouse"] or None,
        }, []))
    track = " ".join(p for p in (shipment.carrier, shipment.tracking_number) if p)
    fields = {
        "OrDa": (shipment.shipped_at or datetime.now(UTC)).date().isoformat(),
        "DbId": debtor,
        "SoOr": shipment.erp_order_id or None,
        "RfCs": shipment.order_reference[:100],
        "TrTr": track[:255] or None,
        "Unit": int(orders["administration"]) if orders.get("administration") else None,
        "RdDe": True,
    }
    return envelope("FbDeliveryNote", fields, [child("FbDeliveryNoteLines", lines)])
