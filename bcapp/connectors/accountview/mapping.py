"""AccountView rows ⇄ canonical records: pure functions, no I/O, no settings lookups.

Reads turn ARTICLE, ART_GRP, CONTACT and DEL_ADDR rows (any key case) into
canonical records; writes turn canonical records plus explicit arguments into
:class:`~bcapp.connectors.accountview.envelopes.Document` objects for the positional
write format. Text is cut to AccountView's field lengths (``dictionary.BUILTIN``);
money is Decimal throughout, rounded to cents only where AccountView stores cents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.dictionary import BUILTIN
from bcapp.connectors.accountview.envelopes import Detail, Document
from bcapp.connectors.accountview.journal import JournalLine, journal_lines, sales_journal_page
from bcapp.connectors.base import (
    Address,
    Category,
    Customer,
    CustomerKind,
    OrderLine,
    Product,
    StockLevel,
    WarehouseStock,
)

Row = Mapping[str, Any]
CENT = Decimal("0.01")
#: FoxPro currency (Y) keeps four decimals: unit prices after a discount keep them.
UNIT = Decimal("0.0001")


def value(row: Row, name: str) -> Any:
    """A field of a row whatever the key case (``ART_CODE``, ``art_code``)."""
    if name in row:
        return row[name]
    wanted = name.upper()
    return next((v for k, v in row.items() if str(k).upper() == wanted), None)


def text(row: Row, name: str) -> str:
    """A field as stripped text ("" for null)."""
    raw = value(row, name)
    return "" if raw is None else str(raw).strip()


def decimal(raw: Any) -> Decimal:
    """A JSON number or numeric text as Decimal (0 for null or empty)."""
    if raw is None or raw == "":
        return Decimal("0")
    try:
        return Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {raw!r}") from exc


def parse_datetime(raw: Any) -> datetime | None:
    """``2026-01-31T10:00:00`` (with or without milliseconds, ``Z``, or only a date)."""
    if not raw:
        return None
    cleaned = re.sub(r"(\.\d+)?Z?$", "", str(raw).strip())
    try:
        return datetime.fromisoformat(cleaned)
    except ValueError:
        return None


def fit(table: str, field: str, raw: str) -> str:
    """``raw`` cut to the length of ``table.field`` in the built-in dictionary."""
    definition = BUILTIN[table][field]
    return definition.fits(raw.strip())


# -- reads --------------------------------------------------------------------------------


def product_from_article(
    row: Row, *, price_includes_vat: bool = False, price_field: str = "PX_SELL"
) -> Product:
    """An ARTICLE row → Product (SKU = article code; PX_SELL assumed excl. VAT, see README)."""
    code = text(row, "ART_CODE")
    group = text(row, "AG_CODE")
    return Product(
        erp_id=code,
        sku=code,
        name=text(row, "ART_DESC1") or code,
        price=decimal(value(row, price_field)),
        price_includes_vat=price_includes_vat,
        category_erp_ids=(group,) if group else (),
        blocked=bool(value(row, facts.ARTICLE_BLOCKED_FIELD)),
        modified_at=parse_datetime(value(row, "CNG_DATE")),
    )


def category_from_group(row: Row) -> Category:
    """An ART_GRP row → Category (AccountView's groups are flat: every group is a root)."""
    code = text(row, "AG_CODE")
    return Category(erp_id=code, name=text(row, "AG_DESC") or code)


def stock_from_article(
    row: Row,
    *,
    available_field: str = facts.STOCK_AVAILABLE_FIELD,
    reserved_field: str = facts.STOCK_RESERVED_FIELD,
    warehouse: str = "",
) -> StockLevel:
    """An ARTICLE row → StockLevel with the raw figures: ``on_hand`` is the available
    field, ``reserved`` the reservation field; the flow applies the merchant's formula
    (by default available minus sales reservations). Both fields can be chosen."""
    code = text(row, "ART_CODE")
    figures = WarehouseStock(
        warehouse=warehouse,
        on_hand=decimal(value(row, available_field)),
        reserved=decimal(value(row, reserved_field)),
    )
    return StockLevel(sku=code, warehouses=(figures,), erp_id=code)


def _split_name(full: str) -> tuple[str, str]:
    first, _, last = full.strip().partition(" ")
    return (first, last) if last else ("", first)


def address_from_contact(row: Row) -> Address:
    """The postal address on a CONTACT row."""
    return Address(
        company=text(row, "ACCT_NAME"),
        street=text(row, "ADDRESS1"),
        postal_code=text(row, "POST_CODE"),
        city=text(row, "CITY"),
        country_code=text(row, "CNT_CODE").upper(),
        phone=text(row, "TEL_BUS"),
        email=text(row, "MAIL_BUS"),
    )


def address_from_delivery(row: Row) -> Address:
    """A DEL_ADDR row → Address (DEL_NAME is the addressee: company or person)."""
    first, last = _split_name(text(row, "DEL_NAME"))
    return Address(
        first_name=first,
        last_name=last,
        street=text(row, "ADDRESS1"),
        postal_code=text(row, "POST_CODE"),
        city=text(row, "CITY"),
        country_code=text(row, "CNT_CODE").upper(),
        phone=text(row, "TEL_BUS"),
        email=text(row, "MAIL_BUS"),
    )


def customer_from_contact(row: Row, delivery_rows: Iterable[Row] = ()) -> Customer:
    """A CONTACT row (plus its DEL_ADDR rows) → Customer.

    A debtor whose contact person (MAIN_CONT) differs from its name is an organisation;
    otherwise ACCT_NAME is the person's name (how :func:`debtor_fields` writes them).
    """
    name, contact = text(row, "ACCT_NAME"), text(row, "MAIN_CONT")
    organisation = bool(contact) and contact != name
    first, last = _split_name(contact if organisation else name)
    billing = address_from_contact(row)
    if not organisation:
        billing = replace(billing, company="", first_name=first, last_name=last)
    return Customer(
        email=text(row, "MAIL_BUS"),
        first_name=first,
        last_name=last,
        company=name if organisation else "",
        phone=text(row, "TEL_BUS"),
        vat_number=text(row, "VAT_NR"),
        addresses=(billing, *(address_from_delivery(r) for r in delivery_rows)),
        erp_id=text(row, "SUB_NR") or None,
    )


# -- writes -------------------------------------------------------------------------------


def full_name(customer: Customer) -> str:
    """First and last name, or the e-mail address when the store has no name."""
    return " ".join(p for p in (customer.first_name, customer.last_name) if p) or customer.email


def search_code(customer: Customer) -> str:
    """SRC_CODE (mandatory, C10): the company's or last name's letters, upper case."""
    source = customer.company or customer.last_name or customer.email.split("@")[0]
    letters = re.sub(r"[^0-9A-Za-z]", "", source).upper()
    return letters[:10] or "-"  # A3 sends "-", which AccountView accepts


def debtor_fields(
    customer: Customer,
    *,
    collective_account: str = "",
    number: str | None = None,
    currency: str = "",
) -> dict[str, Any]:
    """CONTACT fields for a debtor (AR1); ``number`` None lets AccountView number it."""
    billing = customer.addresses[0] if customer.addresses else Address()
    organisation = customer.kind is CustomerKind.ORGANISATION
    fields: dict[str, Any] = {
        "ACCT_NAME": fit(
            "CONTACT", "ACCT_NAME", customer.company if organisation else full_name(customer)
        ),
        "SRC_CODE": search_code(customer),
        "MAIN_CONT": fit("CONTACT", "MAIN_CONT", full_name(customer)) if organisation else None,
        "ADDRESS1": fit(
            "CONTACT", "ADDRESS1", " ".join(p for p in (billing.street, billing.street2) if p)
        ),
        "POST_CODE": fit("CONTACT", "POST_CODE", billing.postal_code),
        "CITY": fit("CONTACT", "CITY", billing.city),
        "CNT_CODE": (billing.country_code or "").upper()[:2],
        "MAIL_BUS": fit("CONTACT", "MAIL_BUS", customer.email),
        "TEL_BUS": fit("CONTACT", "TEL_BUS", customer.phone or billing.phone),
        "VAT_NR": fit("CONTACT", "VAT_NR", customer.vat_number.replace(" ", "")) or None,
        "ACCT_NR": collective_account or None,
        "CUR_CODE": currency or None,
        "SUB_NR": number,
    }
    return {k: v for k, v in fields.items() if v not in (None, "")}


def debtor_document(customer: Customer, **kwargs: Any) -> Document:
    """A debtor as a write document (insert); see :func:`debtor_fields` for the arguments."""
    return Document("CONTACT", debtor_fields(customer, **kwargs))


def delivery_address_fields(address: Address, debtor_number: str) -> dict[str, Any]:
    """DEL_ADDR fields of a debtor's delivery address (ADDR)."""
    person = " ".join(p for p in (address.first_name, address.last_name) if p)
    name = address.company or person or address.email
    fields = {
        "SUB_NR": debtor_number,
        "DEL_NAME": fit("DEL_ADDR", "DEL_NAME", name),
        "ADDRESS1": fit(
            "DEL_ADDR", "ADDRESS1", " ".join(p for p in (address.street, address.street2) if p)
        ),
        "POST_CODE": fit("DEL_ADDR", "POST_CODE", address.postal_code),
        "CITY": fit("DEL_ADDR", "CITY", address.city),
        "CNT_CODE": address.country_code.upper()[:2],
        "MAIL_BUS": fit("DEL_ADDR", "MAIL_BUS", address.email),
        "TEL_BUS": fit("DEL_ADDR", "TEL_BUS", address.phone),
    }
    return {k: v for k, v in fields.items() if v != ""}


@dataclass(frozen=True)
class ShippingCost:
    """Shipping as an order line on a cost article (A3's practice)."""

    article_code: str
    amount: Decimal


def unit_price(line: OrderLine, *, include_vat: bool) -> Decimal:
    """The line's unit price after its discount (the discount is a line total incl. VAT)."""
    price = line.price_inc_tax if include_vat else line.price_ex_tax
    discount = line.discount
    if not include_vat and line.price_inc_tax:
        discount = discount * line.price_ex_tax / line.price_inc_tax
    if not line.quantity:
        return price
    return (price - discount / line.quantity).quantize(UNIT, ROUND_HALF_UP)


def sales_order(
    reference: str,
    debtor_number: str,
    lines: Sequence[OrderLine],
    *,
    order_date: datetime,
    shipping: ShippingCost | None = None,
    delivery_code: str = "",
    email: str = "",
    delivery_debtor: str = "",
    prices_include_vat: bool = False,
    vat_codes: Sequence[str | None] = (),
    shipping_method: str = "",
) -> Document:
    """A sales order (SO1: SO_HDR + SO_LINE); COMMENT1 carries ``reference`` to find it again.

    ``vat_codes``: per line (aligned with ``lines``), the VAT code to book it on (None:
    the article's own); ``shipping_method``: SO_HDR's SHIP_MTH (assumed field, README).

    Raises:
        ValueError: the reference does not fit COMMENT1 (cutting it would lose the order).
    """
    if len(reference) > facts.ORDER_REFERENCE_LENGTH:
        raise ValueError(f"order reference {reference!r} is longer than COMMENT1 allows")
    header: dict[str, Any] = {
        "RPL_INV": debtor_number,
        "RPL_DEL": delivery_debtor or debtor_number,
        "ORD_DATE": order_date,
        "DEL_DATE": order_date,
        facts.ORDER_REFERENCE_FIELD: reference,
    }
    if email:
        header["TO_EMAIL"] = fit("SO_HDR", "TO_EMAIL", email)
    if delivery_code:
        header["DEL_CODE"] = delivery_code
    if shipping_method:
        header[facts.ORDER_SHIP_METHOD_FIELD] = fit(
            "SO_HDR", facts.ORDER_SHIP_METHOD_FIELD, shipping_method
        )
    codes = list(vat_codes) + [None] * (len(lines) - len(vat_codes))
    rows: list[dict[str, Any]] = [
        {
            "ART_CODE": line.sku,
            "ORD_QTY": line.quantity,
            "ART_PX": unit_price(line, include_vat=prices_include_vat),
            "DEL_DATE": order_date,
            **({facts.ORDER_LINE_VAT_FIELD: code} if code else {}),
        }
        for line, code in zip(lines, codes, strict=False)
    ]
    if shipping is not None and shipping.amount:
        rows.append(
            {
                "ART_CODE": shipping.article_code,
                "ORD_QTY": Decimal(1),
                "ART_PX": shipping.amount,
                "DEL_DATE": order_date,
            }
        )
    return Document("SO_HDR", header, (Detail("SO_LINE", tuple(rows)),))


__all__ = [
    "JournalLine",
    "ShippingCost",
    "address_from_contact",
    "address_from_delivery",
    "category_from_group",
    "customer_from_contact",
    "debtor_document",
    "debtor_fields",
    "delivery_address_fields",
    "journal_lines",
    "product_from_article",
    "sales_journal_page",
    "sales_order",
    "stock_from_article",
    "unit_price",
]
