"""After the order: goods deliveries → shipments, credit invoices → credit notes, order status.

Each reads a sync API from its own Timestamp cursor (priority ``CATALOG``: these
polls wait for the day's reset rather than touch the order reserve) and keeps
only documents of orders that carry a store reference (``YourRef``): Exact's
other orders (counter sales, phone orders) are not the store's business.

* Shipments: ``sync/SalesOrder/GoodsDeliveries`` headers, then their lines
  (``salesorder/GoodsDeliveryLines`` by EntryID) and the orders' references
  (``salesorder/SalesOrders`` by OrderNumber): one lookup each per page. A
  partial delivery is a shipment of what it delivered. The shipping-cost item is
  never a parcel: its lines are left out (a delivery of nothing else is no shipment).
* Credit notes: ``sync/SalesInvoice/SalesInvoices`` (one row per line, an invoice
  never split across pages), types 8021/8024 only.
* Order status: ``sync/SalesOrder/SalesOrderHeaders``; Exact's ``StatusDescription``
  (Open, Partial, Complete, Cancelled) is the status the merchant maps.

Point reads (the log's Retry) read the one document by its ID.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from bcapp.connectors.base import Batch, CreditNote, OrderStatusChange, Shipment
from bcapp.connectors.exact import mapping
from bcapp.connectors.exact.odata import Row, decode_cursor, encode_cursor, guid, guid_literal
from bcapp.connectors.exact.reader import (
    SYNC_DELIVERIES,
    SYNC_INVOICES,
    SYNC_ORDERS,
    read_sync,
)
from bcapp.connectors.exact.session import ExactSession

DELIVERIES, DELIVERY_LINES = "salesorder/GoodsDeliveries", "salesorder/GoodsDeliveryLines"
INVOICES, INVOICE_LINES = "salesinvoice/SalesInvoices", "salesinvoice/SalesInvoiceLines"
INVOICE_HEAD = ("InvoiceID", "InvoiceDate", "Type", "YourRef")
INVOICE_LINE = ("InvoiceID", "ItemCode", "Quantity", "AmountFC", "VATAmountFC", "SalesOrderNumber")


class FulfilmentReads(ExactSession):
    """Shipments, credit notes and order statuses (a part of ``ExactConnector``)."""

    # -- shipments -------------------------------------------------------------------------

    def fetch_shipments(self, cursor: str | None) -> Iterator[Batch[Shipment]]:
        """Goods deliveries of store orders made after ``cursor`` (partial ones too)."""
        if self.settings.invoices:
            return
        for page in read_sync(self.client, SYNC_DELIVERIES, mapping.DELIVERY_FIELDS,
                              decode_cursor(cursor)):  # fmt: skip
            yield Batch(tuple(self._shipments(page.rows)), encode_cursor(page.cursor))

    def fetch_shipment(self, erp_id: str) -> Shipment | None:
        """One delivery (``EntryID``, or ``EntryID:OrderNumber`` for one of several orders)."""
        entry = str(erp_id).partition(":")[0]
        try:
            key = guid_literal(entry)
        except ValueError:
            return None
        rows = self.client.find(DELIVERIES, select=mapping.DELIVERY_FIELDS,
                                filter=f"EntryID eq {key}", top=1)  # fmt: skip
        found = [s for s in self._shipments(rows) if s.erp_id in (erp_id, entry)]
        return found[0] if found else None

    def _shipments(self, headers: Sequence[Row]) -> list[Shipment]:
        entries = [guid_literal(h["EntryID"]) for h in headers]
        lines: dict[str, list[Row]] = {}
        for line in self.lookup(DELIVERY_LINES, "EntryID", entries,
                                select=mapping.DELIVERY_LINE_FIELDS):  # fmt: skip
            lines.setdefault(guid(line["EntryID"]), []).append(line)
        numbers = {int(x["SalesOrderNumber"]) for rows in lines.values() for x in rows}
        refs = self._references(numbers)
        out = []
        for header in headers:
            for shipment in mapping.shipments(header, lines.get(guid(header["EntryID"]), []), refs):
                goods = tuple(x for x in shipment.lines if x.sku != self.settings.shipping_item)
                if shipment.order_reference and goods:
                    out.append(replace(shipment, lines=goods))
        return out

    def _references(self, numbers: Iterable[int]) -> dict[int, str]:
        """Sales order number → the store reference it carries (YourRef)."""
        rows = self.lookup("salesorder/SalesOrders", "OrderNumber", map(str, sorted(numbers)),
                           select=["OrderNumber", "YourRef"])  # fmt: skip
        return {int(r["OrderNumber"]): str(r.get("YourRef") or "") for r in rows}

    # -- credit notes ----------------------------------------------------------------------

    def fetch_credit_notes(self, cursor: str | None) -> Iterator[Batch[CreditNote]]:
        """Credit invoices for store orders booked after ``cursor``, amounts positive."""
        for page in read_sync(self.client, SYNC_INVOICES, mapping.INVOICE_FIELDS,
                              decode_cursor(cursor), group_by="InvoiceID"):  # fmt: skip
            yield Batch(tuple(self._credit_notes(page.rows)), encode_cursor(page.cursor))

    def fetch_credit_note(self, erp_id: str) -> CreditNote | None:
        """One credit invoice with all its lines (the log's Retry)."""
        try:
            key = guid_literal(erp_id)
        except ValueError:
            return None
        heads = self.client.find(INVOICES, select=INVOICE_HEAD, filter=f"InvoiceID eq {key}", top=1)
        if not heads:
            return None
        lines = self.client.find(INVOICE_LINES, select=INVOICE_LINE, filter=f"InvoiceID eq {key}")
        notes = self._credit_notes([{**heads[0], **line} for line in lines])
        return notes[0] if notes else None

    def _credit_notes(self, rows: Sequence[Row]) -> list[CreditNote]:
        unnamed = {int(r["SalesOrderNumber"]) for r in rows
                   if not r.get("YourRef") and r.get("SalesOrderNumber")}  # fmt: skip
        refs = self._references(unnamed) if unnamed else {}
        ship = frozenset({self.settings.shipping_item} - {""})
        notes = mapping.credit_notes(rows, shipping_item_codes=ship, order_refs=refs)
        return [n for n in notes if n.order_reference]

    # -- order status ----------------------------------------------------------------------

    def fetch_order_statuses(self, cursor: str | None) -> Iterator[Batch[OrderStatusChange]]:
        """Status of store orders (those with a YourRef) changed after ``cursor``."""
        if self.settings.invoices:
            return
        for page in read_sync(self.client, SYNC_ORDERS, mapping.ORDER_FIELDS,
                              decode_cursor(cursor)):  # fmt: skip
            changes = (mapping.order_status(r) for r in page.rows if _has_reference(r))
            yield Batch(tuple(changes), encode_cursor(page.cursor))


def _has_reference(row: Mapping[str, object]) -> bool:
    return bool(str(row.get("YourRef") or "").strip())
