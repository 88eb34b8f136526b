"""The codes AFAS Profit lists for the settings page's pickers (``ChoiceSource``).

Where Profit has a standard GetConnector, that one is read, so the merchant need not
import anything: VAT codes (``Profit_VAT_code``), ledger accounts (``Profit_Accounts``),
journals (``Profit_Journals``, of the administration in the settings) and the codes of
the cost-allocation axes the cost centre and the cost carrier go on
(``Profit_Allocation_Assigments``, AFAS's spelling: one row per ledger account and code,
so codes are deduplicated).
Payment methods, delivery types, transporters and payment conditions have no standard
GetConnector: they come from the ``BCApp_*`` GetConnectors the merchant imports with the
app's other definitions. The sales relation type (``VaTp``, our customer
classification) is a fixed-value field of KnSalesRelationPer: its values come from the
UpdateConnector's metainfo.

A GetConnector that is missing (not imported, not in the app connector) gives ``[]``:
the page then keeps free entry. Rows read once are kept for the connector's life, since
several tables read the same GetConnector (ledger accounts for revenue and debtors).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bcapp.connectors.afas.client import AfasClient, Filter, FilterSet, Op
from bcapp.connectors.base import Choice
from bcapp.errors import BcappError

Row = Mapping[str, Any]
#: A row filter: (row, the connector's order options) → whether the row is offered.
Keep = Callable[[Row, Mapping[str, Any]], bool]


def _any(row: Row, options: Mapping[str, Any]) -> bool:
    return True


def _revenue_account(row: Row, options: Mapping[str, Any]) -> bool:
    """A ledger account an order line's revenue can be booked on: a profit-and-loss account
    (Profit's type "W"), never a balance-sheet or summary (collective) account."""
    return not row.get("CollectAccount") and str(row.get("Type") or "W") == "W"


def _debtor_account(row: Row, options: Mapping[str, Any]) -> bool:
    """A debtors' summary account (what a relation's ``ColA`` names)."""
    return bool(row.get("CollectAccount")) and str(row.get("CollectAccountType") or "D") == "D"


def _own_administration(row: Row, options: Mapping[str, Any]) -> bool:
    """A journal of the administration (``Unit``) orders go to."""
    unit = row.get("UnitId")
    return unit is None or str(unit) == str(options.get("administration") or 1)


#: Mapping table → (the order option naming its cost-allocation axis, that option's default).
AXES: dict[str, tuple[str, int]] = {
    "cost_centre": ("cost_centre_axis", 1),
    "cost_carrier": ("cost_carrier_axis", 2),
}


def axis_of(table: str, options: Mapping[str, Any]) -> str:
    """The cost-allocation axis (``"1"``..``"5"``) the settings put ``table``'s codes on."""
    option, default = AXES[table]
    return str(options.get(option) or default)


def _cost_centre_axis(row: Row, options: Mapping[str, Any]) -> bool:
    """A code of the cost-allocation axis the settings put the cost centre on."""
    return str(row.get("DimAx") or "") == axis_of("cost_centre", options)


def _cost_carrier_axis(row: Row, options: Mapping[str, Any]) -> bool:
    """A code of the cost-allocation axis the settings put the cost carrier on."""
    return str(row.get("DimAx") or "") == axis_of("cost_carrier", options)


#: Table → (GetConnector, code field, description field, which rows to offer).
GET_CONNECTORS: dict[str, tuple[str, str, str, Keep]] = {
    "payment": ("BCApp_PaymentMethods", "PaymentMethod", "Description", _any),
    "tax": ("Profit_VAT_code", "VatCode", "Description", _any),
    "vat_country": ("Profit_VAT_code", "VatCode", "Description", _any),
    "shipping": ("BCApp_DeliveryTypes", "DeliveryType", "Description", _any),
    "carrier": ("BCApp_Transporters", "Transporter", "Description", _any),
    "payment_terms": ("BCApp_PaymentConditions", "PaymentCondition", "Description", _any),
    "revenue_account": ("Profit_Accounts", "Account", "Description", _revenue_account),
    "debtor_account": ("Profit_Accounts", "Account", "Description", _debtor_account),
    "payment_journal": ("Profit_Journals", "JournalId", "Description", _own_administration),
    "cost_centre": (
        "Profit_Allocation_Assigments",
        "DimCode",
        "CodeDescription",
        _cost_centre_axis,
    ),
    "cost_carrier": (
        "Profit_Allocation_Assigments",
        "DimCode",
        "CodeDescription",
        _cost_carrier_axis,
    ),
}
#: Table → (UpdateConnector, field) whose fixed values metainfo lists.
FIXED_VALUES: dict[str, tuple[str, str]] = {
    "classification": ("KnSalesRelationPer", "VaTp"),
}


class AfasChoices:
    """Reads and remembers the code lists of one AFAS environment."""

    def __init__(self, client: AfasClient, options: Mapping[str, Any]) -> None:
        self.client = client
        self.options = options
        self._rows: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def choices(self, table: str) -> list[Choice]:
        """The codes for ``table``; [] when AFAS cannot list them."""
        if table in FIXED_VALUES:
            return self._fixed_values(*FIXED_VALUES[table])
        spec = GET_CONNECTORS.get(table)
        if spec is None:
            return []
        connector, code, text, keep = spec
        seen: set[str] = set()
        out: list[Choice] = []
        axis = axis_of(table, self.options) if table in AXES else ""
        for row in self._read(connector, axis):
            value = row.get(code)
            if value in (None, "") or row.get("Blocked") or not keep(row, self.options):
                continue
            if str(value) not in seen:
                seen.add(str(value))
                out.append(Choice(str(value), _label(row, text)))
        return out

    def _read(self, connector: str, axis: str = "") -> list[dict[str, Any]]:
        """The GetConnector's rows (of one cost-allocation axis: AFAS filters them, since
        the assignments repeat every code per ledger account)."""
        key = (connector, axis)
        if key not in self._rows:
            filters: list[FilterSet] = [[Filter("DimAx", Op.EQ, axis)]] if axis else []
            try:
                self._rows[key] = self.client.get_rows(connector, filters=filters, take=500)
            except BcappError:  # the GetConnector is not imported: free entry stays
                self._rows[key] = []
        return self._rows[key]

    def _fixed_values(self, connector: str, field: str) -> list[Choice]:
        try:
            info = self.client.update_metainfo(connector)
        except BcappError:
            return []
        for item in info.get("fields") or ():
            if isinstance(item, Mapping) and item.get("fieldId") == field:
                return [
                    Choice(str(v["id"]), str(v.get("description") or ""))
                    for v in item.get("values") or ()
                    if isinstance(v, Mapping) and v.get("id") not in (None, "")
                ]
        return []


def _label(row: Row, text: str) -> str:
    label = str(row.get(text) or "")
    if row.get("VatPerc") is not None:
        label = f"{label} ({float(row['VatPerc']):g}%)".strip()
    return label
