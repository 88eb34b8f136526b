"""Which AFAS fields a merchant may map, from Profit's own ``/Metainfo/update/{connector}``.

Profit describes every UpdateConnector field (type, length, mandatory) per
object; the mapper offers the fields of the object each record type becomes,
minus the ones this connector fills for itself (the reference orders are found
by, the debtor, the article of a line). :data:`BUILTIN` says what the app sends
today, in template words, so the settings page can show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bcapp.connectors.base import ErpField

#: Record type → (UpdateConnector, object path inside it).
OBJECTS: dict[str, tuple[str, str]] = {
    "order": ("FbSales", "FbSales"),
    "order_line": ("FbSales", "FbSales/FbSalesLines"),
    "customer": ("KnSalesRelationPer", "KnSalesRelationPer"),
}

#: Fields the connector needs for itself: never offered to a template.
RESERVED: dict[str, frozenset[str]] = {
    "order": frozenset({"DbId", "RfCs", "OrNu"}),
    "order_line": frozenset({"VaIt", "ItCd", "QuUn", "BiUn", "StL1", "StL2"}),
    "customer": frozenset({"DbId", "IsDb"}),
}

#: What today's envelopes send, per record type and field, in template words.
BUILTIN: dict[str, dict[str, str]] = {
    "order": {
        "OrDa": "{{ order.created_at | date }}",
        "CuId": "{{ order.currency }}",
        "InVa": "order settings: prices include VAT",
        "Unit": "AFAS settings: administration",
        "War": "AFAS settings: warehouse",
        "SaCh": "AFAS settings: sales channel",
        "VaDu": "AFAS settings: VAT duty",
        "PaTp": "payment mapping table",
        "DtId": "shipping mapping table",
        "ETOr": "AFAS settings: order type",
        "Re": "{{ order.customer_message }}",
        "ExAd": "the first shipping address on one line",
    },
    "order_line": {
        "Ds": "{{ line.name | truncate(255) }}",
        "Upri": "{{ line.price_inc_tax }} (or ex. VAT, per the settings)",
        "ARDc": "{{ line.discount }}",
        "VaRc": "tax mapping table",
        "War": "AFAS settings: warehouse",
    },
    "customer": {
        "CuId": "{{ order.currency }} (new relations)",
        "VaId": "{{ customer.vat_number | truncate(20) }}",
    },
}

_KINDS = {"int": "integer", "decimal": "number", "boolean": "boolean", "date": "date"}


def fields_from_metainfo(record: str, info: Mapping[str, Any]) -> list[ErpField]:
    """The mappable fields of ``record`` in a ``/Metainfo/update`` answer."""
    _, path = OBJECTS[record]
    node: Mapping[str, Any] | None = info
    for name in path.split("/")[1:]:
        children = (node or {}).get("objects") or []
        node = next((o for o in children if o.get("name") == name), None)
    reserved = RESERVED.get(record, frozenset())
    builtin = BUILTIN.get(record, {})
    out = []
    for row in (node or {}).get("fields") or []:
        name = str(row.get("fieldId") or "")
        if not name or name in reserved:
            continue
        length = int(row.get("length") or 0)
        kind = _KINDS.get(str(row.get("dataType") or ""), "string")
        out.append(
            ErpField(
                name=name,
                label=str(row.get("label") or name),
                kind=kind,
                length=length if length and kind == "string" else None,
                required=bool(row.get("mandatory")),
                builtin=builtin.get(name, ""),
                choices=tuple(str(v.get("id")) for v in row.get("values") or [] if v.get("id")),
            )
        )
    return out
