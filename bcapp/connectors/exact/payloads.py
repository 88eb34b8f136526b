"""Canonical records → Exact write payloads: pure functions, no I/O.

An account (with the 18-character padded ``Code`` when matching by code), its
contact and addresses, a sales order with embedded ``SalesOrderLines`` (``YourRef``
= the store order reference, the shipping cost as a line on the merchant's
shipping item, a VAT code per line) and a sales invoice. Arguments are explicit
and typed; money stays :class:`~decimal.Decimal` until :func:`.odata.to_wire`
writes it as a JSON number.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from bcapp.connectors.base import Address, Customer, OrderLine
from bcapp.connectors.exact.odata import Row, guid, padded_code

#: Net unit prices keep four decimals (store prices excl. VAT are not whole cents).
PRICE = Decimal("0.0001")


class AddressType(enum.IntEnum):
    """crm/Addresses ``Type``."""

    VISIT = 1
    POSTAL = 2
    INVOICE = 3
    DELIVERY = 4


def account_payload(customer: Customer, *, code: str | None = None) -> Row:
    """crm/Accounts body for a customer (``code``: match by a known account code)."""
    first = customer.addresses[0] if customer.addresses else Address()
    name = customer.company or f"{customer.first_name} {customer.last_name}".strip()
    body: Row = {
        "Name": name or customer.email,
        "Email": customer.email,
        "Phone": customer.phone or first.phone,
        "AddressLine1": first.street,
        "AddressLine2": first.street2,
        "Postcode": first.postal_code,
        "City": first.city,
        "Country": first.country_code,
        "VATNumber": customer.vat_number,
        "Status": "C",
    }
    if code:
        body["Code"] = padded_code(code)
    return {k: v for k, v in body.items() if v not in ("", None)}


def contact_payload(customer: Customer, account_id: str) -> Row:
    """crm/Contacts body: the person at an organisation account."""
    body: Row = {
        "Account": guid(account_id),
        "FirstName": customer.first_name,
        "LastName": customer.last_name or customer.email,
        "Email": customer.email,
        "Phone": customer.phone,
    }
    return {k: v for k, v in body.items() if v not in ("", None)}


def address_payload(addr: Address, account_id: str, kind: AddressType) -> Row:
    """crm/Addresses body (delivery addresses are ``AddressType.DELIVERY``)."""
    body: Row = {
        "Account": guid(account_id),
        "Type": int(kind),
        "AddressLine1": addr.street,
        "AddressLine2": addr.street2,
        "Postcode": addr.postal_code,
        "City": addr.city,
        "State": addr.state,
        "Country": addr.country_code,
        "Phone": addr.phone,
    }
    return {k: v for k, v in body.items() if v not in ("", None)}


@dataclass(frozen=True)
class SalesLine:
    """One line to write: an Exact item, quantity, net unit price excl. VAT, VAT code."""

    item_id: str
    quantity: Decimal
    net_price: Decimal
    vat_code: str
    description: str = ""


def order_line(line: OrderLine, *, item_id: str, vat_code: str) -> SalesLine:
    """A store line as an Exact line: the unit price excl. VAT after the line's discount."""
    discount_ex = line.discount / (1 + line.tax_rate / 100) if line.discount else Decimal(0)
    per_unit = line.price_ex_tax - (discount_ex / line.quantity if line.quantity else 0)
    return SalesLine(
        item_id, line.quantity, per_unit.quantize(PRICE, ROUND_HALF_UP), vat_code, line.name
    )


def shipping_line(
    *, item_id: str, amount_ex_tax: Decimal, vat_code: str, description: str
) -> SalesLine:
    """The shipping cost as a line on the merchant's shipping-cost item."""
    return SalesLine(item_id, Decimal(1), amount_ex_tax, vat_code, description)


def _line_body(line: SalesLine) -> Row:
    body: Row = {
        "Item": guid(line.item_id),
        "Quantity": line.quantity,
        "NetPrice": line.net_price,
        "VATCode": line.vat_code,
    }
    if line.description:
        body["Description"] = line.description[:60]
    return body


def sales_order_payload(
    *,
    ordered_by: str,
    reference: str,
    lines: Sequence[SalesLine],
    order_date: datetime | None = None,
    description: str = "",
    warehouse_id: str | None = None,
    delivery_address_id: str | None = None,
    shipping_method_id: str | None = None,
    currency: str = "EUR",
    remarks: str = "",
) -> Row:
    """salesorder/SalesOrders body with embedded lines; ``YourRef`` finds it again."""
    body: Row = {
        "OrderedBy": guid(ordered_by),
        "YourRef": reference,
        "Currency": currency,
        "SalesOrderLines": [_line_body(line) for line in lines],
    }
    optional = {
        "OrderDate": order_date,
        "Description": description,
        "WarehouseID": guid(warehouse_id) if warehouse_id else None,
        "DeliveryAddress": guid(delivery_address_id) if delivery_address_id else None,
        "ShippingMethod": guid(shipping_method_id) if shipping_method_id else None,
        "Remarks": remarks,
    }
    body.update({k: v for k, v in optional.items() if v})
    return body


def sales_invoice_payload(
    *,
    ordered_by: str,
    reference: str,
    lines: Sequence[SalesLine],
    journal: str,
    order_date: datetime | None = None,
    description: str = "",
    currency: str = "EUR",
) -> Row:
    """salesinvoice/SalesInvoices body (type 8020, a sales invoice) with embedded lines."""
    body: Row = {
        "OrderedBy": guid(ordered_by),
        "Journal": journal,
        "Type": 8020,
        "YourRef": reference,
        "Currency": currency,
        "SalesInvoiceLines": [_line_body(line) for line in lines],
    }
    if order_date:
        body["OrderDate"] = order_date
    if description:
        body["Description"] = description
    return body
