"""AFAS fulfilment, the connector's after-the-order half: packing slips both ways
(ERP-led shipments read, store-led ones written as FbDeliveryNote), credit invoices
for refunds, and order status changes.

A mixin of :class:`~bcapp.connectors.afas.connector.AfasConnector` (which supplies the
client, settings and SKU resolution), like Mplus's ``StoreLedWrites``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from bcapp.connectors.afas import envelopes, mapping
from bcapp.connectors.afas.changes import ChangeQuery, read_changes
from bcapp.connectors.afas.client import AfasClient, Filter, Op
from bcapp.connectors.afas.settings import EntityConfig
from bcapp.connectors.base import Batch, CreditNote, OrderStatusChange, Shipment
from bcapp.errors import SkipRecord


class Fulfilment:
    """Shipments, credit notes and order statuses (a mixin of ``AfasConnector``)."""

    client: AfasClient
    page_size: int

    @property
    def separator(self) -> str:
        raise NotImplementedError  # AfasConnector's

    @property
    def orders_cfg(self) -> Mapping[str, Any]:
        raise NotImplementedError  # AfasConnector's

    entity: Callable[[str], EntityConfig]
    _order_row: Callable[[str], dict[str, Any] | None]
    resolve_items: Callable[[Iterable[str]], dict[str, tuple[str, str, str]]]

    def fetch_shipments(self, cursor: str | None) -> Iterator[Batch[Shipment]]:
        """Packing slips reported ready, changed after ``cursor``, with lines and tracking."""
        cfg = self.entity("packing_slips")
        if not cfg.connector:
            return
        base = [Filter(cfg["ready"], Op.EQ, True)] if cfg["ready"] else []
        query = ChangeQuery(
            cfg.connector,
            cfg["modified"],
            cfg["number"],
            tuple(base),
            order_extra=self._line_order(cfg),
            take=self.page_size,
            grouped=True,
        )
        for groups, next_cursor in read_changes(self.client, query, cursor):
            yield Batch(
                tuple(mapping.shipment_from_rows(g, cfg, self.separator) for g in groups),
                next_cursor,
            )

    def fetch_shipment(self, erp_id: str) -> Shipment | None:
        """One packing slip (all its lines) by number, once reported ready (Retry)."""
        cfg = self.entity("packing_slips")
        ready = [Filter(cfg["ready"], Op.EQ, True)] if cfg["ready"] else []
        rows = self._rows_of(cfg, cfg["number"], erp_id, ready)
        return mapping.shipment_from_rows(rows, cfg, self.separator) if rows else None

    def fetch_credit_note(self, erp_id: str) -> CreditNote | None:
        """One credit invoice (all its lines) by number (Retry)."""
        cfg = self.entity("credit_invoices")
        rows = self._rows_of(cfg, cfg["number"], erp_id)
        ship = str(self.orders_cfg.get("shipping_item_code") or "")
        return mapping.credit_note_from_rows(rows, cfg, self.separator, ship) if rows else None

    def _rows_of(
        self, cfg: EntityConfig, field: str, value: str, extra: list[Filter] | None = None
    ) -> list[dict[str, Any]]:
        """Every row (line) of one document, in line order; [] when the entity is off."""
        if not cfg.connector or not value:
            return []
        order = [field, *self._line_order(cfg)]
        rows: list[dict[str, Any]] = []
        for page in self.client.iter_rows(
            cfg.connector, filters=[[Filter(field, Op.EQ, value), *(extra or [])]],
            order_by=order, take=self.page_size,
        ):  # fmt: skip
            rows.extend(page)
        return rows

    @staticmethod
    def _line_order(cfg: EntityConfig) -> tuple[str, ...]:
        return tuple(f for f in (cfg["code"], cfg["dim1"], cfg["dim2"]) if f)

    def fetch_credit_notes(self, cursor: str | None) -> Iterator[Batch[CreditNote]]:
        """Credit invoices referencing a store order, changed after ``cursor``."""
        cfg = self.entity("credit_invoices")
        if not cfg.connector:
            return
        base = (Filter(cfg["reference"], Op.NOT_EMPTY, ""),)
        query = ChangeQuery(
            cfg.connector,
            cfg["modified"],
            cfg["number"],
            base,
            order_extra=self._line_order(cfg),
            take=self.page_size,
            grouped=True,
        )
        ship = str(self.orders_cfg.get("shipping_item_code") or "")
        for groups, next_cursor in read_changes(self.client, query, cursor):
            yield Batch(
                tuple(mapping.credit_note_from_rows(g, cfg, self.separator, ship) for g in groups),
                next_cursor,
            )

    def fetch_order_statuses(self, cursor: str | None) -> Iterator[Batch[OrderStatusChange]]:
        """Status of store orders in AFAS, changed after ``cursor``."""
        cfg = self.entity("order_status")
        if not cfg.connector:
            return
        base = (Filter(cfg["reference"], Op.NOT_EMPTY, ""),)
        query = ChangeQuery(
            cfg.connector, cfg["modified"], cfg["number"], base, take=self.page_size
        )
        for groups, next_cursor in read_changes(self.client, query, cursor):
            yield Batch(tuple(mapping.status_from_row(g[-1], cfg) for g in groups), next_cursor)

    def create_shipment(self, shipment: Shipment) -> str:
        """A packing slip (FbDeliveryNote, reported ready) for a store shipment; idempotent.

        The slip's reference names the store shipment (``{order}/{shipment}``), so a
        second call (a crash between AFAS's create and our binding) finds it and
        creates nothing.
        """
        existing = self._packing_slip_for(shipment)
        if existing:
            return existing
        row = self._order_row(shipment.order_reference)
        if row is None:
            raise SkipRecord(
                f"AFAS has no sales order with reference {shipment.order_reference}: "
                "export the order first.",
                remote="afas",
            )
        cfg = self.entity("sales_orders")
        erp_order = mapping.text(row.get(cfg["number"]))
        debtor = mapping.text(row.get(cfg["debtor"]))
        shipment = replace(shipment, erp_order_id=shipment.erp_order_id or erp_order)
        items = self.resolve_items(line.sku for line in shipment.lines)
        body = envelopes.delivery_note_envelope(shipment, debtor, items, self.orders_cfg)
        return mapping.text(self.client.post("FbDeliveryNote", body).get("OrNu"))

    def _packing_slip_for(self, shipment: Shipment) -> str | None:
        cfg = self.entity("packing_slips")
        if shipment.bc_id is None or not cfg.connector:
            return None
        reference = mapping.shipment_reference(shipment)[:100]
        rows = self.client.get_rows(
            cfg.connector,
            filters=[[Filter(cfg["reference"], Op.EQ, reference)]],
            order_by=[cfg["number"]],
            take=1,
        )
        return mapping.text(rows[0].get(cfg["number"])) if rows else None
