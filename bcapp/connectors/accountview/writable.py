"""Which AccountView fields a merchant may map, from AccountView's data dictionary.

The record types AccountView takes from the store become rows of its tables: a
sales order's header ``SO_HDR``, its lines ``SO_LINE`` and a debtor ``CONTACT``.
The fields, types, lengths and mandatory marks are the dictionary's
(:data:`~.dictionary.BUILTIN`, the part bcapp knows how to type on the wire);
fields the connector fills for itself (keys, the reference orders are found by,
the debtor, the article and quantity of a line, stamps) are not offered. With
orders booked as invoices (DJ_PAGE), no order field is offered: the journal
page's fields are the bookkeeping's, not the merchant's.
"""

from __future__ import annotations

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.dictionary import BUILTIN, FieldType
from bcapp.connectors.base import ErpField

#: Record type → AccountView table.
TABLES: dict[str, str] = {"order": "SO_HDR", "order_line": "SO_LINE", "customer": "CONTACT"}

RESERVED: dict[str, frozenset[str]] = {
    "order": frozenset({"ORD_NR", "RPL_INV", "RPL_DEL", facts.ORDER_REFERENCE_FIELD,
                        "INP_DATE", "CNG_DATE"}),
    "order_line": frozenset({"REC_ID", "ORD_NR", "ART_CODE", "ORD_QTY"}),
    "customer": frozenset({"SUB_NR", "ACCT_NR", "MAIL_BUS", "REC_BLK", "INP_DATE", "CNG_DATE"}),
}  # fmt: skip

BUILTIN_VALUES: dict[str, dict[str, str]] = {
    "order": {
        "ORD_DATE": "{{ order.created_at | date }}",
        "DEL_DATE": "{{ order.created_at | date }}",
        "TO_EMAIL": "{{ order.customer.email }}",
        "DEL_CODE": "the delivery address's code",
        facts.ORDER_SHIP_METHOD_FIELD: "shipping mapping table",
    },
    "order_line": {
        "ART_PX": "{{ line.price_ex_tax }} (or incl. VAT, per the settings)",
        facts.ORDER_LINE_VAT_FIELD: "tax mapping table",
        "DEL_DATE": "{{ order.created_at | date }}",
    },
    "customer": {
        "ACCT_NAME": "{{ customer.company or customer.first_name ~ ' ' ~ customer.last_name }}",
        "ADDRESS1": "{{ billing.street }}",
        "POST_CODE": "{{ billing.postal_code }}",
        "CITY": "{{ billing.city }}",
        "CNT_CODE": "{{ billing.country_code }}",
        "TEL_BUS": "{{ customer.phone }}",
        "VAT_NR": "{{ customer.vat_number }}",
    },
}

_KINDS = {"text": "string", "number": "number", "logical": "boolean", "date": "date"}


def writable_fields(record: str, *, invoices: bool = False) -> list[ErpField]:
    """The dictionary's fields of ``record``'s table that a template may fill."""
    table = TABLES.get(record)
    if table is None or (invoices and record in ("order", "order_line")):
        return []
    reserved = RESERVED.get(record, frozenset())
    builtin = BUILTIN_VALUES.get(record, {})
    return [
        ErpField(
            name=name,
            label=f.description or name,
            kind="integer" if f.type is FieldType.INTEGER else _KINDS[f.type.family],
            length=f.length if f.type is FieldType.CHAR else None,
            required=f.mandatory,
            builtin=builtin.get(name, ""),
        )
        for name, f in BUILTIN[table].items()
        if name not in reserved
    ]
