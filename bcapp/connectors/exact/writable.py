"""Which Exact Online fields a merchant may map: fields of the entities bcapp posts.

Exact publishes its entities' fields and types (its REST meta-data: a test
compares this table with ``../shared/erp-specs/exact/meta-data.json`` when it is
there) but no lengths and no way to ask a division for them, so this is a chosen
part of it: the text, number and date fields a merchant can fill from the store on
a sales order (or invoice) header, its lines and an account. References to other
Exact records (GUIDs), the reference orders are found by (``YourRef``) and the
fields the connector fills from the order (item, quantity, price) are not offered.
Lengths are given where this connector already cuts a text (Exact's own limits).
"""

from __future__ import annotations

from bcapp.connectors.base import ErpField

#: Record type → [(field, Edm type, length or None, what the app sends today)].
FIELDS: dict[str, list[tuple[str, str, int | None, str]]] = {
    "order": [
        ("Description", "String", None, "BigCommerce order {{ order.reference }}"),
        ("Remarks", "String", 255, "{{ order.customer_message | truncate(255) }}"),
        ("PaymentCondition", "String", None, ""),
        ("PaymentReference", "String", None, ""),
        ("Discount", "Double", None, ""),
    ],
    "order_line": [
        ("Description", "String", 60, "{{ line.name | truncate(60) }}"),
        ("Notes", "String", None, ""),
        ("CostCenter", "String", None, ""),
        ("CostUnit", "String", None, ""),
        ("UnitCode", "String", None, ""),
    ],
    "customer": [
        ("Name", "String", None, "{{ customer.company or customer.first_name }} ..."),
        ("ChamberOfCommerce", "String", None, ""),
        ("Remarks", "String", None, ""),
        ("Language", "String", None, ""),
        ("SearchCode", "String", None, ""),
        ("TradeName", "String", None, ""),
        ("Website", "String", None, ""),
        ("PaymentConditionSales", "String", None, ""),
        ("SalesVATCode", "String", None, ""),
    ],
}  # fmt: skip

_KINDS = {"String": "string", "Double": "number", "Int32": "integer", "DateTime": "date",
          "Boolean": "boolean"}  # fmt: skip


def writable_fields(record: str) -> list[ErpField]:
    """The chosen Exact fields of ``record`` (see the module docstring)."""
    return [
        ErpField(name=name, label=name, kind=_KINDS[edm], length=length, builtin=builtin)
        for name, edm, length, builtin in FIELDS.get(record, [])
    ]
