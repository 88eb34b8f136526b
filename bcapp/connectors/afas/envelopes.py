"""Canonical records → AFAS UpdateConnector envelopes.

Envelopes are built the way AFAS's own examples build them:
``{"Name": {"Element": {"Fields": {...}, "Objects": [{"Child": {"Element": [...]}}]}}}``,
with ``@DbId`` on the element when updating an existing sales relation (and
``MatchPer``/``MatchOga`` "9": the person/organisation of that relation).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from bcapp.connectors.afas.mapping import shipment_reference, split_street
from bcapp.connectors.base import (
    Address,
    Customer,
    Order,
    OrderInstructions,
    OrderLine,
    Shipment,
)
from bcapp.errors import FatalSyncError


def envelope(
    name: str,
    fields: Mapping[str, Any],
    objects: Sequence[Mapping[str, Any]] = (),
    *,
    key: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """``{name: {"Element": {...}}}``; ``key`` adds an ``@Attr`` (e.g. ("DbId", "10001"))."""
    element: dict[str, Any] = {}
    if key:
        element[f"@{key[0]}"] = key[1]
    element["Fields"] = {k: v for k, v in fields.items() if v is not None}
    if objects:
        element["Objects"] = list(objects)
    return {name: {"Element": element}}


def child(name: str, elements: Sequence[tuple[Mapping[str, Any], Sequence[Any]]]) -> dict[str, Any]:
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
    customer: Customer,
    currency: str,
    today: date,
    erp_id: str | None = None,
    new_debtor: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any]]:
    """(connector, body) creating or updating a person or organisation sales relation.

    The first address is the relation's own (postal) address; an update whose first
    address is blank leaves that alone. Every further address becomes a linked delivery
    address (on an update the flow passes only those the relation does not have yet).
    ``new_debtor``: fields only a new debtor gets (payment condition ``PaCd``, debtor
    ledger account ``ColA``) from the AFAS settings. ``customer.classification`` (resolved
    by the flow from the customer group) becomes the sales relation type ``VaTp``.
    """
    new = erp_id is None
    address = customer.addresses[0] if customer.addresses else None
    addr_objs = (
        [child("KnBasicAddressAdr", [(address_fields(address, today), [])])]
        if address is not None and address.street
        else []
    )
    addr_objs += delivery_contacts(customer, today)
    rel_fields: dict[str, Any] = {"CuId": currency} if new else {}
    if new:
        rel_fields["IsDb"] = True
        rel_fields.update({k: v for k, v in (new_debtor or {}).items() if v})
    if customer.vat_number:
        rel_fields["VaId"] = customer.vat_number[:20]
    if customer.classification:  # the sales relation type of the customer's group
        rel_fields["VaTp"] = customer.classification[:20]
    rel_fields.update(customer.erp_fields)  # the merchant's field mapping wins
    key = ("DbId", erp_id) if erp_id else None
    if customer.company.strip():
        org: dict[str, Any] = {
            "Nm": customer.company[:255],
            "EmAd": customer.email,
            "TeNr": customer.phone or None,
        }
        org.update({"PadAdr": True, "AutoNum": True, "MatchOga": "6"} if new else {"MatchOga": "9"})
        contact = child(
            "KnContact",
            [
                (
                    {"PadAdr": True, "EmAd": customer.email},
                    [child("KnPerson", [(person_fields(customer, new=True), [])])] if new else [],
                )
            ],
        )
        objects = [child("KnOrganisation", [(org, [*addr_objs, contact] if new else addr_objs)])]
        return "KnSalesRelationOrg", envelope("KnSalesRelationOrg", rel_fields, objects, key=key)
    objects = [child("KnPerson", [(person_fields(customer, new=new), addr_objs)])]
    return "KnSalesRelationPer", envelope("KnSalesRelationPer", rel_fields, objects, key=key)


def delivery_contacts(customer: Customer, today: date) -> list[dict[str, Any]]:
    """Extra addresses as delivery-address contacts (KnContact kind ``AFL``), AFAS's way."""
    if not customer.addresses:
        return []
    seen = {_place(customer.addresses[0])}
    extra = []
    for a in customer.addresses[1:]:  # an order shipped to its billing address adds none
        if a.street and _place(a) not in seen:
            seen.add(_place(a))
            extra.append(a)
    if not extra:
        return []
    return [
        child(
            "KnContact",
            [
                (
                    {
                        "PadAdr": True,
                        "ViKc": "AFL",
                        "ExAd": (
                            " ".join(p for p in (a.first_name, a.last_name) if p) or "Delivery"
                        )[:60],
                    },
                    [child("KnBasicAddressAdr", [(address_fields(a, today), [])])],
                )
                for a in extra
            ],
        )
    ]


def _place(address: Address) -> tuple[str, ...]:
    """Who and where (not the record's ids, e-mail or phone): two equal places are one address."""
    parts = (address.first_name, address.last_name, address.company, address.street,
             address.street2, address.postal_code.replace(" ", ""), address.city,
             address.country_code)  # fmt: skip
    return tuple(p.strip().casefold() for p in parts)


def format_address(address: Address) -> str:
    """A one-line delivery address for FbSales ``ExAd``."""
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    parts = [
        address.company,
        name,
        address.street,
        address.street2,
        f"{address.postal_code} {address.city}".strip(),
        address.country_code,
    ]
    return ", ".join(p for p in parts if p)


def line_fields(
    line: OrderLine,
    item: tuple[str, str, str],
    orders: Mapping[str, Any],
    incl: bool,
    instructions: OrderInstructions | None = None,
) -> dict[str, Any]:
    """FbSalesLines fields; ``item`` is (item code, dimension 1, dimension 2).

    The merchant's tax-class map (``instructions.tax_code``; a country rule such as
    ``CH/*`` also covers lines BigCommerce charged no tax on) sets the line's VAT rate
    group (``VaRc``); without it Profit uses the article's own group.
    """
    code, dim1, dim2 = item
    todo = instructions or OrderInstructions()
    vat_group = todo.tax_code(line)
    price = line.price_inc_tax if incl else line.price_ex_tax
    return {
        "VaIt": "2",
        "ItCd": code,
        "Ds": line.name[:255] or None,
        "BiUn": orders["unit"],
        "QuUn": float(line.quantity),
        "Upri": float(price),
        "ARDc": float(line.discount) if line.discount else None,
        "VaRc": vat_group or None,
        "StL1": dim1 or None,
        "StL2": dim2 or None,
        "War": orders["warehouse"] or None,
        **cost_allocation(todo, orders),
    }


def cost_allocation(instructions: OrderInstructions, orders: Mapping[str, Any]) -> dict[str, Any]:
    """The line's cost-allocation axis codes for the storefront's cost centre and cost
    carrier (``V1Cd``..``V5Cd``)."""
    return {f"V{axis}Cd": code for axis, code in allocation_codes(instructions, orders).items()}


#: OrderInstructions field → (the order option naming its axis, that option's default, name).
_AXES = (
    ("cost_centre", "cost_centre_axis", 1, "cost centre"),
    ("cost_carrier", "cost_carrier_axis", 2, "cost carrier"),
)


def allocation_codes(instructions: OrderInstructions, orders: Mapping[str, Any]) -> dict[int, str]:
    """Cost-allocation axis → the order's code on it (cost centre, cost carrier); {} for none.

    Raises:
        FatalSyncError: an axis outside 1-5, or both codes on one axis (a line has one
            code per axis; settings saved before the cost carrier existed can say so).
    """
    codes: dict[int, str] = {}
    for attribute, option, default, name in _AXES:
        code = getattr(instructions, attribute)
        if not code:
            continue
        axis = int(orders.get(option) or default)
        if not 1 <= axis <= 5:
            raise FatalSyncError(
                f"AFAS has cost-allocation axes 1 to 5; the settings name axis {axis} for the "
                f"{name}. Fix the AFAS settings (Sales orders → cost-allocation axis), then "
                "retry the order."
            )
        if axis in codes:
            raise FatalSyncError(
                f"The cost centre and the cost carrier are both on cost-allocation axis {axis}. "
                "Choose another axis for the cost carrier in the AFAS settings (Sales orders), "
                "then retry the order."
            )
        codes[axis] = str(code)[:16]
    return codes


#: Header fields FbSales has and FbDirectInvoice lacks (an invoice is not delivered by us).
ORDER_ONLY_FIELDS = ("DtId", "TrPt", "ETOr")
#: UpdateConnector → (its lines object, the FbSales header fields it lacks).
SALES_DOCUMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "FbSales": ("FbSalesLines", ()),
    "FbDirectInvoice": ("FbDirectInvoiceLines", ORDER_ONLY_FIELDS),
    "FbSalesQuotation": ("FbSalesQuotationLines", ("ETOr",)),
}


def document_envelope(
    name: str,
    order: Order,
    debtor: str,
    items: Mapping[str, tuple[str, str, str]],
    orders: Mapping[str, Any],
    instructions: OrderInstructions | None = None,
) -> dict[str, Any]:
    """A store order as FbSales, FbDirectInvoice or FbSalesQuotation: one header, one set of
    lines (AFAS's three sales documents share their fields).

    A direct invoice is booked on the debtor at once (no delivery type, transporter or
    order type exist on it); a quotation waits for the customer (no order type).
    """
    body = sales_order_envelope(order, debtor, items, orders, instructions)
    if name == "FbSales":
        return body
    lines_name, lacking = SALES_DOCUMENTS[name]
    element = body["FbSales"]["Element"]
    fields = {k: v for k, v in element["Fields"].items() if k not in lacking}
    lines = element["Objects"][0]["FbSalesLines"]["Element"]
    return envelope(name, fields, [{lines_name: {"Element": lines}}])


def sales_order_envelope(
    order: Order,
    debtor: str,
    items: Mapping[str, tuple[str, str, str]],
    orders: Mapping[str, Any],
    instructions: OrderInstructions | None = None,
) -> dict[str, Any]:
    """FbSales for a store order; lines by article code, plus a shipping-cost line.

    ``instructions`` carry the merchant's mappings: payment method (``PaTp``),
    delivery type (``DtId``, a number in Profit), transporter (``TrPt``), VAT groups
    per line and the shipping-cost article (else the connector setting's).
    """
    todo = instructions or OrderInstructions()
    incl = bool(orders.get("prices_include_vat", True))
    lines: list[tuple[Mapping[str, Any], Sequence[Any]]] = [
        (
            {
                **line_fields(line, items[line.sku], orders, incl, todo),
                **todo.line_fields.get(index, {}),
            },
            [],
        )
        for index, line in enumerate(order.lines)
        if not line.is_digital
    ]
    shipping = order.shipping_cost_inc_tax if incl else order.shipping_cost_ex_tax
    ship_code = todo.shipping_article or orders.get("shipping_item_code")
    if ship_code and shipping:
        lines.append(
            (
                {
                    "VaIt": str(orders["shipping_item_type"]),
                    "ItCd": ship_code,
                    "Ds": (order.shipping_method or "Shipping")[:255],
                    "BiUn": orders["shipping_unit"],
                    "QuUn": 1.0,
                    "Upri": float(shipping),
                    **cost_allocation(todo, orders),
                },
                [],
            )
        )
    ship_to = order.shipping_addresses[0] if order.shipping_addresses else None
    fields = {
        "OrDa": (order.created_at or datetime.now(UTC)).date().isoformat(),
        "DbId": debtor,
        "RfCs": order.reference[:100],
        "CuId": order.currency or orders.get("currency") or None,
        "InVa": incl,
        "Unit": int(orders["administration"]) if orders.get("administration") else None,
        "War": orders.get("warehouse") or None,
        "SaCh": str(orders["sales_channel"]) if orders.get("sales_channel") else None,
        "VaDu": orders.get("vat_duty") or None,
        "PaCd": (todo.payment_terms or "")[:5] or None,
        "PaTp": todo.payment_method or None,
        "DtId": delivery_type(todo.delivery_method),
        "TrPt": (todo.carrier or "")[:16] or None,
        "ETOr": orders.get("order_type") or None,
        "Re": order.customer_message or None,
        "ExAd": format_address(ship_to)[:255] if ship_to else None,
        **todo.fields,  # the merchant's field mapping wins
    }
    return envelope("FbSales", fields, [child("FbSalesLines", lines)])


def delivery_type(code: str | None) -> int | None:
    """The merchant's delivery-type code as Profit takes it (``DtId`` is a number)."""
    text = (code or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise FatalSyncError(
            f'AFAS delivery types are numbers; the shipping mapping gives "{text}". Use the '
            "delivery type's number from Profit in the shipping mapping, then retry the order."
        )
    return int(text)


def subscription_envelope(
    order: Order,
    line: OrderLine,
    number: int,
    debtor: str,
    code: str,
    orders: Mapping[str, Any],
) -> dict[str, Any]:
    """FbSubscription for one digital order line (number is ours: the spec requires SuNr)."""
    start = (order.created_at or datetime.now(UTC)).date().isoformat()
    fields = {
        "SuNr": number,
        "DbId": debtor,
        "SuSt": start,
        "RfCs": order.reference[:100],
        "CuId": order.currency or None,
        "UnFi": int(orders["administration"]) if orders.get("administration") else None,
    }
    sub_line = {
        "VaIt": str(orders["subscription_item_type"]),
        "ItCd": code,
        "DaSt": start,
        "Qu": float(line.quantity),
        "InFr": start,
    }
    return envelope("FbSubscription", fields, [child("FbSubscriptionLines", [(sub_line, [])])])


def delivery_note_envelope(
    shipment: Shipment,
    debtor: str,
    items: Mapping[str, tuple[str, str, str]],
    orders: Mapping[str, Any],
) -> dict[str, Any]:
    """FbDeliveryNote for a store shipment, tied to the AFAS sales order."""
    lines: list[tuple[Mapping[str, Any], Sequence[Any]]] = []
    for line in shipment.lines:
        code, dim1, dim2 = items[line.sku]
        lines.append(
            (
                {
                    "VaIt": "2",
                    "ItCd": code,
                    "BiUn": orders["unit"],
                    "QuUn": float(line.quantity),
                    "StL1": dim1 or None,
                    "StL2": dim2 or None,
                    "SoOr": shipment.erp_order_id or None,
                    "War": orders["warehouse"] or None,
                },
                [],
            )
        )
    track = " ".join(p for p in (shipment.carrier, shipment.tracking_number) if p)
    fields = {
        "OrDa": (shipment.shipped_at or datetime.now(UTC)).date().isoformat(),
        "DbId": debtor,
        "SoOr": shipment.erp_order_id or None,
        "RfCs": shipment_reference(shipment)[:100],
        "TrTr": track[:255] or None,
        "Unit": int(orders["administration"]) if orders.get("administration") else None,
        "RdDe": True,
    }
    return envelope("FbDeliveryNote", fields, [child("FbDeliveryNoteLines", lines)])
