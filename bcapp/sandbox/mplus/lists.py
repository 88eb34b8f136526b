"""Simulated Mplus code lists: payment methods, VAT groups, delivery methods, turnover groups.

``getPaymentMethods``, ``getVatGroupList`` and ``getDeliveryMethods`` take no
arguments and answer the installation's lists (shapes per the WSDL's
``PaymentMethodList``, ``VatGroup`` and ``DeliveryMethodList``); ``getTurnoverGroups``
answers a ``TurnoverGroupList`` (only the active ones when ``onlyActive``: all are). Percentages are
hundredths, as everywhere in Mplus (2100 = 21%); vatCode 2 is the rate the
sandbox's articles carry.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.mplus.catalog import handles
from bcapp.sandbox.mplus.state import MplusState

PAYMENT_METHODS = (
    ("IDEAL", "iDEAL"),
    ("CARD", "Pin / creditcard"),
    ("BANK", "Bankoverschrijving"),
    ("CASH", "Contant"),
)
VAT_GROUPS = ((1, 900), (2, 2100), (3, 0))
DELIVERY_METHODS = (("POSTNL", "PostNL"), ("PICKUP", "Afhalen"))


@handles("getPaymentMethods")
def get_payment_methods(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {"method": m, "description": d, "buttonText": d, "allowNegativeAmount": False,
         "active": True}
        for m, d in PAYMENT_METHODS
    ]  # fmt: skip
    return {"paymentMethodList": {"paymentMethod": rows}}


@handles("getVatGroupList")
def get_vat_group_list(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    return {"vatGroup": [{"vatCode": c, "vatPercentage": p} for c, p in VAT_GROUPS]}


@handles("getDeliveryMethods")
def get_delivery_methods(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {"deliveryMethod": m, "description": d, "buttonText": d, "enabled": True}
        for m, d in DELIVERY_METHODS
    ]
    return {"deliveryMethodList": {"deliveryMethod": rows}}


@handles("getTurnoverGroups")
def get_turnover_groups(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {"turnoverGroupType": "TURNOVER-GROUP-TYPE-TURNOVER", "turnoverGroup": number,
         "turnoverGroupName": name}
        for number, name in sorted(state.turnover_groups.items())
    ]  # fmt: skip
    return {"turnoverGroupList": {"turnoverGroup": rows}}
