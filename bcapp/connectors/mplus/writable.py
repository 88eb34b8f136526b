"""Which Mplus fields a merchant may map, from the MplusQapi WSDL's own types.

Each record type becomes one WSDL complex type (an order ``Order``, its lines
``Line``, a customer ``Relation``, the order's addresses ``Address``, a product
and each variant an ``Article``); its simple fields are offered with their XSD
type, minus the ones the connector fills for itself (numbers, the reference
orders are found by, totals, lists). The WSDL publishes no lengths; Mplus cuts
texts at 250 characters, so the texts this connector already cuts say so.
"""

from __future__ import annotations

from bcapp.connectors.base import ErpField
from bcapp.connectors.mplus import wsdl

#: Record type → WSDL complex type.
TYPES: dict[str, str] = {
    "order": "Order",
    "order_line": "Line",
    "customer": "Relation",
    "address": "Address",
    "product": "Article",
    "variant": "Article",
}

#: Fields the connector needs for itself or that Mplus fills: never offered to a template.
RESERVED: dict[str, frozenset[str]] = {
    "order": frozenset({
        "orderId", "extOrderId", "relationNumber", "syncMarker", "totalInclAmount",
        "totalExclAmount", "changeCounter", "versionNumber", "transactionString",
        "entryBranchNumber", "financialBranchNumber", "workplaceNumber", "employeeNumber",
    }),
    "order_line": frozenset({
        "lineId", "articleNumber", "tempId", "tempLineId", "salesOrderLineId",
    }),
    "customer": frozenset({
        "relationNumber", "extRelationId", "syncMarker", "createTimestamp", "changeTimestamp",
        "points", "balance", "invoiceCredit", "accountBalance",
    }),
    "address": frozenset({"addressId"}),
    "product": frozenset({"articleNumber", "extArticleId", "syncMarker", "priceIncl",
                          "priceExcl", "averagePurchasePrice"}),
    "variant": frozenset({"articleNumber", "extArticleId", "syncMarker", "priceIncl",
                          "priceExcl", "averagePurchasePrice"}),
}  # fmt: skip

#: Texts Mplus keeps at most 250 characters of (the connector already cuts them there).
LENGTHS: dict[str, dict[str, int]] = {
    "order": {"reference": 250},
    "order_line": {"text": 250},
    "product": {"description": 250},
    "variant": {"description": 250},
}

#: What today's payloads send, per record type and field, in template words.
BUILTIN: dict[str, dict[str, str]] = {
    "order": {
        "orderType": "ORDER-TYPE-SALES-ORDER",
        "reference": "{{ order.customer_message | truncate(250) }}",
        "deliveryMethod": "shipping mapping table, else {{ order.shipping_method }}",
        "paymentMethod": "payment mapping table, else {{ order.payment_method }}",
        "vatMethod": "VAT-METHOD-INCLUSIVE",
    },
    "order_line": {"text": "{{ line.name | truncate(250) }}"},
    "customer": {
        "name": "{{ customer.company or customer.first_name ~ ' ' ~ customer.last_name }}",
        "email": "{{ customer.email }}",
        "telephone": "{{ customer.phone }}",
        "vatNumber": "{{ customer.vat_number }}",
        "companyName": "{{ customer.company }}",
    },
    "address": {"name": "{{ address.company or address.first_name ~ ' ' ~ address.last_name }}",
                "city": "{{ address.city }}", "zipcode": "{{ address.postal_code }}"},
    "product": {"description": "{{ product.name | truncate(250) }}",
                "barcode": "{{ product.ean }}"},
    "variant": {"description": "{{ product.name }} and the option values",
                "barcode": "{{ variant.ean }}"},
}  # fmt: skip

_KINDS = {
    "xsd:string": "string",
    "xsd:int": "integer",
    "xsd:long": "integer",
    "xsd:short": "integer",
    "xsd:decimal": "number",
    "xsd:boolean": "boolean",
    "xsd:date": "date",
    "enum": "string",
}


def writable_fields(record: str) -> list[ErpField]:
    """The simple fields of ``record``'s WSDL type that a template may fill."""
    type_key = TYPES.get(record)
    if type_key is None:
        return []
    reserved = RESERVED.get(record, frozenset())
    lengths = LENGTHS.get(record, {})
    builtin = BUILTIN.get(record, {})
    return [
        ErpField(
            name=f.name,
            label=f.name,
            kind=_KINDS[f.type],
            length=lengths.get(f.name),
            required=f.required,
            builtin=builtin.get(f.name, ""),
        )
        for f in wsdl.index().fields(type_key)
        if f.type in _KINDS and not f.many and f.name not in reserved
    ]
