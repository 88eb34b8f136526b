"""AFAS sales relations read for the customers-to-store flow (``CUSTOMERS_FROM_ERP``).

A mixin of :class:`~bcapp.connectors.afas.connector.AfasConnector`. Debtors come from the
debtors GetConnector (``Profit_Debtor`` by default), polled on its modified date with
the same gap-free (modified, key) cursor as articles (:mod:`.changes`). The standard
connector carries no address and does not say person or organisation, so the debtor's
name is the customer's name; the merchant can name a field whose value maps onto a
BigCommerce customer group (the ``group`` field role, unused by default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from bcapp.connectors.afas.changes import ChangeQuery, read_changes
from bcapp.connectors.afas.client import AfasClient, Filter, Op
from bcapp.connectors.afas.mapping import text
from bcapp.connectors.afas.settings import EntityConfig
from bcapp.connectors.base import Batch, Customer


def customer_from_debtor(row: Mapping[str, Any], cfg: EntityConfig) -> Customer:
    """A debtors GetConnector row → Customer (the name split at its first space)."""
    first, _, last = text(row.get(cfg["name"])).partition(" ") if cfg["name"] else ("", "", "")
    return Customer(
        email=text(row.get(cfg["email"])),
        first_name=first if last else "",
        last_name=last or first,
        phone=text(row.get(cfg["phone"])) if cfg["phone"] else "",
        vat_number=text(row.get(cfg["vat"])) if cfg["vat"] else "",
        erp_id=text(row.get(cfg["id"])) or None,
        group=text(row.get(cfg["group"])) if cfg["group"] else "",
    )


class Relations:
    """Debtors changed after a cursor, and one debtor by number (a mixin of ``AfasConnector``)."""

    client: AfasClient
    page_size: int
    entity: Callable[[str], EntityConfig]

    def fetch_customers(self, cursor: str | None) -> Iterator[Batch[Customer]]:
        """Debtors changed after ``cursor`` (modified date, debtor number)."""
        cfg = self.entity("debtors")
        if not cfg.connector or not cfg["modified"]:
            return
        query = ChangeQuery(cfg.connector, cfg["modified"], cfg["id"], take=self.page_size)
        for groups, next_cursor in read_changes(self.client, query, cursor):
            yield Batch(tuple(customer_from_debtor(g[-1], cfg) for g in groups), next_cursor)

    def fetch_customer(self, erp_id: str) -> Customer | None:
        """One debtor by number, in its current state (Retry; the echo check)."""
        cfg = self.entity("debtors")
        if not cfg.connector or not erp_id:
            return None
        rows = self.client.get_rows(
            cfg.connector, filters=[[Filter(cfg["id"], Op.EQ, erp_id)]], take=1
        )
        return customer_from_debtor(rows[0], cfg) if rows else None
