"""Exact rows → canonical records: pure functions, no I/O.

Items (+ SalesItemPrices, VATCodes) → :class:`Product`, ItemGroups → :class:`Category`,
sync StockPositions → :class:`StockLevel`, Accounts (+ Contacts, Addresses) →
:class:`Customer`, GoodsDeliveries (+ lines) → :class:`Shipment`, credit invoices →
:class:`CreditNote`, sales order headers → :class:`OrderStatusChange`. The other
direction (write payloads) is :mod:`.payloads`.

Each ``*_FIELDS`` tuple is the ``$select`` its mapping needs, so readers ask Exact
for exactly what is used. Dates, GUIDs and numbers go through :mod:`.odata`.

Stock: ``on_hand`` is ``CurrentStock``; ``reserved`` is ``PlanningOut`` (quantities
still to deliver on sales orders), so "available minus sales reservations" is
``on_hand - reserved``. Exact's ``ReservedStock`` (back-to-back goods received for
one order) is already inside both figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bcapp.connectors.base import (
    Address,
    Category,
    CreditNote,
    CreditNoteLine,
    Customer,
    OrderStatusChange,
    Product,
    Shipment,
    ShipmentLine,
    StockLevel,
    WarehouseStock,
)
from bcapp.connectors.exact.odata import decimal, guid, parse_date

ITEM_FIELDS = (
    "ID", "Code", "Description", "ExtraDescription", "Notes", "Barcode", "IsSalesItem",
    "IsWebshopItem", "ItemGroup", "SalesVatCode", "NetWeight", "PictureUrl", "EndDate",
    "Modified",
)  # fmt: skip
GROUP_FIELDS = ("ID", "Code", "Description")
PRICE_FIELDS = ("Item", "Price", "Currency", "Account", "Quantity", "StartDate", "EndDate")
VAT_FIELDS = ("Code", "Percentage", "Type")
STOCK_FIELDS = ("ItemId", "ItemCode", "WarehouseCode", "CurrentStock", "PlanningOut")
ACCOUNT_FIELDS = (
    "ID", "Code", "Name", "Email", "Phone", "AddressLine1", "AddressLine2", "Postcode",
    "City", "State", "Country", "VATNumber",
)  # fmt: skip
CONTACT_FIELDS = ("ID", "Account", "FirstName", "LastName", "Email", "Phone")
ADDRESS_FIELDS = (
    "ID", "Account", "Type", "AddressLine1", "AddressLine2", "Postcode", "City", "State",
    "Country", "Phone",
)  # fmt: skip
DELIVERY_FIELDS = (
    "EntryID", "DeliveryDate", "TrackingNumber", "ShippingMethodCode",
    "ShippingMethodDescription",
)  # fmt: skip
DELIVERY_LINE_FIELDS = (
    "EntryID", "ItemCode", "QuantityDelivered", "SalesOrderNumber", "SalesOrderLineID",
    "TrackingNumber",
)  # fmt: skip
INVOICE_FIELDS = (
    "InvoiceID", "InvoiceDate", "Type", "YourRef", "ItemCode", "Quantity", "AmountFC",
    "VATAmountFC", "SalesOrderNumber",
)  # fmt: skip
ORDER_FIELDS = (
    "OrderID",
    "OrderNumber",
    "YourRef",
    "Status",
    "StatusDescription",
    "AmountFC",
    "Modified",
)
#: Sales invoice types that are credit notes (SalesInvoices.Type).
CREDIT_TYPES = frozenset({8021, 8024})
#: What Exact shows for an item without a picture.
PLACEHOLDER_PICTURE = "placeholder_item"


@dataclass(frozen=True)
class VatCode:
    """A sales VAT code: percent (21, not 0.21) and whether prices include it."""

    code: str
    percent: Decimal
    includes_vat: bool = False


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _dec(row: Mapping[str, Any], name: str) -> Decimal:
    return decimal(row.get(name)) or Decimal(0)


# -- reading: catalog ----------------------------------------------------------------------


def vat_code(row: Mapping[str, Any]) -> VatCode:
    """A VATCodes row; Exact keeps the percentage as a fraction (0.21)."""
    percent = (_dec(row, "Percentage") * 100).normalize()
    return VatCode(_text(row, "Code"), percent, _text(row, "Type") == "I")


def category(row: Mapping[str, Any]) -> Category:
    """An ItemGroups row; groups are flat in Exact."""
    return Category(erp_id=guid(row["ID"]), name=_text(row, "Description") or _text(row, "Code"))


def prices_by_item(
    rows: Iterable[Mapping[str, Any]], *, currency: str = "EUR", at: datetime | None = None
) -> dict[str, Decimal]:
    """Item ID → its default sales price: no account, this currency, from quantity 1."""
    chosen: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        if row.get("Account") or (_text(row, "Currency") or currency) != currency:
            continue
        if at is not None and not _active(row, at):
            continue
        item, quantity = guid(row["Item"]), _dec(row, "Quantity")
        if item not in chosen or quantity < chosen[item][0]:
            chosen[item] = (quantity, _dec(row, "Price"))
    return {item: price for item, (_, price) in chosen.items()}


def _active(row: Mapping[str, Any], at: datetime) -> bool:
    start, end = parse_date(row.get("StartDate")), parse_date(row.get("EndDate"))
    return (start is None or start <= at) and (end is None or at < end)


def product(
    item: Mapping[str, Any],
    *,
    price: Decimal | None,
    vat: VatCode | None = None,
    at: datetime | None = None,
) -> Product:
    """An Items row as a Product (``at``: the moment to judge ``EndDate`` against)."""
    end = parse_date(item.get("EndDate"))
    picture = _text(item, "PictureUrl")
    group = item.get("ItemGroup")
    return Product(
        erp_id=guid(item["ID"]),
        sku=_text(item, "Code"),
        name=_text(item, "Description"),
        price=price if price is not None else Decimal(0),
        price_includes_vat=vat.includes_vat if vat else False,
        vat_rate=vat.percent if vat else Decimal(0),
        description=_text(item, "ExtraDescription") or _text(item, "Notes"),
        ean=_text(item, "Barcode"),
        weight=decimal(item.get("NetWeight")),
        category_erp_ids=(guid(group),) if group else (),
        images=(picture,) if picture and PLACEHOLDER_PICTURE not in picture else (),
        visible=bool(item.get("IsWebshopItem")),
        blocked=item.get("IsSalesItem") is False or bool(end and at and end <= at),
        modified_at=parse_date(item.get("Modified")),
    )


def stock_levels(rows: Iterable[Mapping[str, Any]]) -> list[StockLevel]:
    """Stock rows (sync StockPositions or ItemWarehouses) → one StockLevel per item."""
    grouped: dict[str, tuple[str, list[WarehouseStock]]] = {}
    for row in rows:
        item = guid(row.get("ItemId") or row["Item"])
        planned_out = row.get("PlanningOut", row.get("PlannedStockOut"))
        stock = WarehouseStock(
            warehouse=_text(row, "WarehouseCode"),
            on_hand=_dec(row, "CurrentStock"),
            reserved=decimal(planned_out) or Decimal(0),
        )
        grouped.setdefault(item, (_text(row, "ItemCode"), []))[1].append(stock)
    return [
        StockLevel(sku=sku, warehouses=tuple(stocks), erp_id=item)
        for item, (sku, stocks) in grouped.items()
    ]


# -- reading: relations --------------------------------------------------------------------


def address(row: Mapping[str, Any], *, email: str = "") -> Address:
    """A crm/Addresses row (or an account's visit address) as an Address."""
    return Address(
        street=_text(row, "AddressLine1"),
        street2=_text(row, "AddressLine2"),
        postal_code=_text(row, "Postcode"),
        city=_text(row, "City"),
        state=_text(row, "State"),
        country_code=_text(row, "Country").upper(),
        phone=_text(row, "Phone"),
        email=email,
    )


def customer(
    account: Mapping[str, Any],
    contacts: Sequence[Mapping[str, Any]] = (),
    addresses: Sequence[Mapping[str, Any]] = (),
) -> Customer:
    """An account with its contacts and addresses as a Customer.

    Exact has no person/organisation flag: an account whose name differs from its
    first contact's name is an organisation with that contact.
    """
    contact = contacts[0] if contacts else {}
    first, last = _text(contact, "FirstName"), _text(contact, "LastName")
    name = _text(account, "Name")
    email = _text(account, "Email") or _text(contact, "Email")
    rows = list(addresses) or ([account] if _text(account, "AddressLine1") else [])
    return Customer(
        email=email,
        first_name=first,
        last_name=last if contact else name,
        company=name if contact and name != f"{first} {last}".strip() else "",
        phone=_text(account, "Phone") or _text(contact, "Phone"),
        vat_number=_text(account, "VATNumber"),
        addresses=tuple(address(r, email=email) for r in rows),
        erp_id=guid(account["ID"]),
    )


# -- reading: fulfilment -------------------------------------------------------------------


def shipments(
    delivery: Mapping[str, Any],
    lines: Iterable[Mapping[str, Any]],
    order_refs: Mapping[int, str],
) -> list[Shipment]:
    """A goods delivery (one per sales order it covers; partial deliveries too).

    Args:
        order_refs: sales order number → the store reference (its ``YourRef``).
    """
    by_order: dict[int, list[Mapping[str, Any]]] = {}
    for line in lines:
        by_order.setdefault(int(line["SalesOrderNumber"]), []).append(line)
    entry = guid(delivery["EntryID"])
    carrier = _text(delivery, "ShippingMethodDescription") or _text(delivery, "ShippingMethodCode")
    out = []
    for number, rows in by_order.items():
        tracking = _text(delivery, "TrackingNumber") or _text(rows[0], "TrackingNumber")
        out.append(
            Shipment(
                erp_id=entry if len(by_order) == 1 else f"{entry}:{number}",
                order_reference=order_refs.get(number, ""),
                lines=tuple(
                    ShipmentLine(sku=_text(r, "ItemCode"), quantity=_dec(r, "QuantityDelivered"))
                    for r in rows
                ),
                tracking_number=tracking,
                carrier=carrier,
                shipped_at=parse_date(delivery.get("DeliveryDate")),
                erp_order_id=str(number),
            )
        )
    return out


def credit_notes(
    rows: Iterable[Mapping[str, Any]],
    *,
    shipping_item_codes: frozenset[str] = frozenset(),
    order_refs: Mapping[int, str] | None = None,
) -> list[CreditNote]:
    """Credit invoices from invoice-line rows (``sync/SalesInvoice/SalesInvoices``).

    Exact books credits negative; canonical amounts are positive and include VAT.
    The order is the invoice's ``YourRef``, else its lines' sales order number.
    """
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if int(row.get("Type") or 0) in CREDIT_TYPES:
            grouped.setdefault(guid(row["InvoiceID"]), []).append(row)
    return [_credit_note(i, g, shipping_item_codes, order_refs or {}) for i, g in grouped.items()]


def _credit_note(
    invoice: str,
    rows: list[Mapping[str, Any]],
    shipping: frozenset[str],
    order_refs: Mapping[int, str],
) -> CreditNote:
    head = rows[0]
    number = head.get("SalesOrderNumber")
    reference = _text(head, "YourRef") or (order_refs.get(int(number), "") if number else "")
    lines, shipping_amount = [], Decimal(0)
    for row in rows:
        amount = abs(_dec(row, "AmountFC") + _dec(row, "VATAmountFC"))
        if _text(row, "ItemCode") in shipping:
            shipping_amount += amount
            continue
        lines.append(CreditNoteLine(_text(row, "ItemCode"), abs(_dec(row, "Quantity")), amount))
    total = sum((line.amount for line in lines), shipping_amount)
    return CreditNote(
        erp_id=invoice,
        order_reference=reference,
        lines=tuple(lines),
        shipping_amount=shipping_amount,
        total=total,
        created_at=parse_date(head.get("InvoiceDate")),
    )


def order_status(row: Mapping[str, Any]) -> OrderStatusChange:
    """A sales order header's status (12 Open, 20 Partial, 21 Complete, 45 Cancelled)."""
    return OrderStatusChange(
        order_reference=_text(row, "YourRef"),
        erp_order_id=_text(row, "OrderNumber"),
        status=_text(row, "StatusDescription") or _text(row, "Status"),
        changed_at=parse_date(row.get("Modified")),
        total=decimal(row.get("AmountFC")),
    )
