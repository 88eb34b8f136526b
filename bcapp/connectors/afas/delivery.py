"""A sales relation's linked delivery addresses in AFAS: found, pointed at, blocked.

A mixin of :class:`~bcapp.connectors.afas.connector.AfasConnector`. Profit keeps a
relation's delivery address as a contact of kind ``AFL`` with an address of its own
(``relation_envelope`` adds them). An order points at one by the address's number
(FbSales/FbDirectInvoice/FbSalesQuotation ``DlAd``), so the document is linked to the
relation's address, not only a text (``ExAd``). Neither number comes back from the
KnSalesRelation write and no standard GetConnector lists contact, address and debtor
together, so they are read from the ``BCApp_DeliveryAddresses`` GetConnector (entity
``delivery_addresses``); without it orders carry the text only and a deleted store
address cannot be taken out of use in AFAS.

Profit's UpdateConnectors delete no contact (``KnContact`` has PUT only, no DELETE in
the spec); a contact is taken out of use by blocking it (``Bl``), which is what
:meth:`remove_delivery_address` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bcapp.connectors.afas.client import AfasClient, Filter, Op
from bcapp.connectors.afas.mapping import split_street, text, truthy
from bcapp.connectors.afas.settings import EntityConfig
from bcapp.connectors.base import Address
from bcapp.errors import SkipRecord


def _fold(value: Any) -> str:
    return text(value).replace(" ", "").casefold()


def same_place(row: Mapping[str, Any], address: Address, cfg: EntityConfig) -> bool:
    """Whether a delivery-address row is at ``address`` (street, number, postcode, country)."""
    street, number, addition = split_street(address.street)
    given = (street, number or "", addition, address.postal_code, address.country_code or "NL")
    stored = tuple(row.get(cfg[role]) if cfg[role] else "" for role in
                   ("street", "number", "addition", "zip", "country"))  # fmt: skip
    return tuple(_fold(v) for v in given) == tuple(_fold(v) for v in stored)


class DeliveryAddresses:
    """The relation's linked delivery addresses (a mixin of ``AfasConnector``)."""

    client: AfasClient
    entity: Callable[[str], EntityConfig]

    def _delivery_row(self, debtor: str, address: Address) -> Mapping[str, Any] | None:
        """The relation's unblocked delivery address at ``address``'s place, if it has one."""
        cfg = self.entity("delivery_addresses")
        if not cfg.connector or not debtor or not address.street:
            return None
        rows = self.client.get_rows(
            cfg.connector, filters=[[Filter(cfg["debtor"], Op.EQ, debtor)]], take=100
        )
        for row in rows:
            blocked = truthy(row.get(cfg["blocked"])) if cfg["blocked"] else False
            if not blocked and same_place(row, address, cfg):
                return row
        return None

    def delivery_address_number(self, debtor: str, address: Address) -> int | None:
        """The address number (``DlAd``) of the relation's delivery address at ``address``."""
        row = self._delivery_row(debtor, address)
        value = text(row.get(self.entity("delivery_addresses")["address"])) if row else ""
        return int(value) if value.isdigit() else None

    def find_delivery_address(self, erp_id: str, address: Address) -> str | None:
        """The contact number of the relation's delivery address at ``address`` (None: none)."""
        row = self._delivery_row(erp_id, address)
        value = text(row.get(self.entity("delivery_addresses")["contact"])) if row else ""
        return value or None

    def remove_delivery_address(self, erp_id: str, address_id: str) -> None:
        """Block the delivery-address contact ``address_id`` (Profit deletes no contact)."""
        if not str(address_id).isdigit():
            raise SkipRecord(f"AFAS contact numbers are numbers, not {address_id!r}.")
        body = {"KnContact": {"Element": {"Fields": {"CdId": int(address_id), "Bl": True}}}}
        self.client.put("KnContact", body)
