"""Store orders into AccountView: sales orders (SO1) or sales invoices (DJ2 journal pages).

The merchant picks the order type (seed 001: "Aufträge und Verkaufsrechnungen"):

* **sales order** — SO_HDR with the debtor as invoice and delivery debtor, the store's
  reference in COMMENT1 (how :meth:`Sales.find_order` finds it again, so a retry never
  makes a second order), the shipping address as a delivery address (DEL_CODE), the
  buyer's e-mail (TO_EMAIL); one SO_LINE per order line (net unit price after discount,
  incl. or excl. VAT as set) plus the shipping-cost article as a line;
* **sales invoice** — a balanced page in the sales day book: the gross total on the
  debtor's collective account and one revenue line per (ledger account, VAT code), with
  the store's reference as the invoice number (INV_NR, found again the same way).

:class:`~bcapp.canonical.OrderInstructions` where AccountView has the field: the VAT
code per line (SO_LINE.VAT_CODE; on an invoice, the code of each revenue line), the
delivery method (SO_HDR.SHIP_MTH, assumed), the shipping-cost article and the article
numbers. Ignored, because no AccountView field for them is known: the payment method
(DISC_CODE holds payment *terms*, which the debtor already carries). An order
AccountView refuses is a FatalSyncError with AccountView's own words; nothing is half
written (one write per order).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.client import AccountViewClient
from bcapp.connectors.accountview.debtors import address_key
from bcapp.connectors.accountview.dictionary import BUILTIN, with_typed_values
from bcapp.connectors.accountview.envelopes import Detail, Document, build
from bcapp.connectors.accountview.mapping import (
    JournalLine,
    ShippingCost,
    journal_lines,
    sales_journal_page,
    sales_order,
    text,
)
from bcapp.connectors.accountview.query import Filter
from bcapp.connectors.accountview.settings import AccountViewSettings
from bcapp.connectors.base import (
    Address,
    Batch,
    CreditNote,
    Order,
    OrderInstructions,
    OrderLine,
    OrderStatusChange,
    Shipment,
)
from bcapp.errors import FatalSyncError

CENT = Decimal("0.01")
NOT_AVAILABLE = "AccountView has no {} that bcapp can read (see the connector's README)."


class Sales:
    """The order side of :class:`~.connector.AccountViewConnector` (a mixin)."""

    client: AccountViewClient
    settings: AccountViewSettings

    def delivery_codes(  # pragma: no cover - implemented by Debtors
        self, debtor: str, addresses: Sequence[Address], *, billing: Sequence[Address] = ()
    ) -> dict[tuple[str, str, str], str]:
        raise NotImplementedError

    # -- finding --------------------------------------------------------------------------

    def find_order(self, reference: str) -> str | None:
        """The order (or invoice page) carrying the store's ``reference``, if any."""
        if self.settings.orders.invoices:
            return self._find_invoice(reference)
        field = facts.ORDER_REFERENCE_FIELD
        for rows in self.client.iter_rows(
            self.settings.bo("sales_orders"), "SO_HDR", (facts.ORDER_NUMBER_FIELD, field),
            [Filter(field, reference)], page_size=self.settings.page_size,
        ):  # fmt: skip
            for row in rows:
                if text(row, field) == reference:  # exact: Equal may match a prefix
                    return text(row, facts.ORDER_NUMBER_FIELD)
        return None

    def _find_invoice(self, reference: str) -> str | None:
        journal = self.settings.orders.journal
        for rows in self.client.iter_rows(
            self.settings.bo("journal_read"), "DJ_PAGE", (),
            [Filter(facts.INVOICE_REFERENCE_FIELD, reference), Filter("DJ_CODE", journal)],
            page_size=self.settings.page_size,
        ):  # fmt: skip
            for row in rows:
                same_book = text(row, "DJ_CODE").upper() == journal.upper()
                if same_book and text(row, facts.INVOICE_REFERENCE_FIELD) == reference:
                    return f"{journal}/{text(row, 'PAGE_NR')}"
        return None

    # -- creating -------------------------------------------------------------------------

    def create_order(
        self,
        order: Order,
        customer_erp_id: str,
        instructions: OrderInstructions | None = None,
        *,
        searched: bool = False,
    ) -> str:
        """Create the sales order or invoice once (a repeat returns the existing one).

        Args:
            instructions: the merchant's mappings for this order (see the module docstring).
            searched: the caller has just asked :meth:`find_order` for this reference and
                found nothing (under its order lock), so the search is not repeated.
        """
        todo = instructions or OrderInstructions()
        existing = None if searched else self.find_order(order.reference)
        if existing:
            return existing
        if self.settings.orders.invoices:
            return self._create_invoice(order, customer_erp_id, todo)
        return self._create_sales_order(order, customer_erp_id, todo)

    def _sales_order_document(
        self, order: Order, debtor: str, todo: OrderInstructions, delivery_code: str
    ) -> Document:
        """The SO1 document for ``order``, with the merchant's mapped fields written over it."""
        s = self.settings.orders
        lines = [replace(ln, sku=todo.article_numbers.get(ln.sku, ln.sku)) for ln in order.lines]
        article = todo.shipping_article or s.shipping_article
        cost = order.shipping_cost_inc_tax if s.prices_include_vat else order.shipping_cost_ex_tax
        moment = administration_time(order.created_at)
        try:
            document = sales_order(
                order.reference, debtor, lines, order_date=moment,
                shipping=ShippingCost(article, cost) if article else None,
                delivery_code=delivery_code,
                email=order.customer.email or order.billing_address.email,
                prices_include_vat=s.prices_include_vat,
                vat_codes=[todo.tax_code(line) for line in order.lines],
                shipping_method=todo.delivery_method or "",
            )  # fmt: skip
        except ValueError as exc:
            raise FatalSyncError(f"AccountView cannot take this order: {exc}.") from exc
        return with_mapped_fields(document, todo)

    def order_request(
        self, order: Order, customer_erp_id: str, instructions: OrderInstructions
    ) -> dict[str, Any]:
        """The write :meth:`create_order` would send as a sales order (no delivery code)."""
        document = self._sales_order_document(order, customer_erp_id, instructions, "")
        moment = administration_time(order.created_at)
        return build(self.settings.bo("sales_orders"), [document], book_date=moment.date())

    def _create_sales_order(self, order: Order, debtor: str, todo: OrderInstructions) -> str:
        document = self._sales_order_document(
            order, debtor, todo, self._delivery_code(debtor, order)
        )
        moment = administration_time(order.created_at)
        written = self.client.write(
            self.settings.bo("sales_orders"), [document], book_date=moment.date()
        )
        created = next(iter(written.get("SO_HDR") or []), {})
        number = text(created, facts.ORDER_NUMBER_FIELD) or self.find_order(order.reference)
        return number or ""

    def _delivery_code(self, debtor: str, order: Order) -> str:
        """The REC_ID of the order's shipping address among the debtor's delivery addresses."""
        if not order.shipping_addresses:
            return ""
        shipping = order.shipping_addresses[0]
        codes = self.delivery_codes(debtor, [shipping], billing=[order.billing_address])
        return codes.get(address_key(shipping), "")

    def _create_invoice(self, order: Order, debtor: str, todo: OrderInstructions) -> str:
        s = self.settings.orders
        limit = BUILTIN["DJ_PAGE"][facts.INVOICE_REFERENCE_FIELD].length
        if len(order.reference) > limit:
            raise FatalSyncError(
                f"Order reference {order.reference} is longer than AccountView's invoice "
                f"number ({limit} characters): send orders as sales orders instead."
            )
        booked = administration_time(order.created_at).date()
        lines = journal_lines(
            order.lines, lambda line: self._revenue(line, todo), extra=self._shipping_lines(order)
        )
        page = sales_journal_page(
            journal=s.journal, debtor_number=debtor,
            debtor_account=self.settings.collective_account, invoice_number=order.reference,
            booked_on=booked, description=f"Order {order.reference}", lines=lines,
        )  # fmt: skip
        written = self.client.write(self.settings.bo("journal"), [page], book_date=booked)
        created = next(iter(written.get("DJ_PAGE") or []), {})
        page_number = text(created, "PAGE_NR")
        return (
            f"{s.journal}/{page_number}" if page_number else self.find_order(order.reference) or ""
        )

    def _revenue(self, line: OrderLine, todo: OrderInstructions) -> tuple[str, str]:
        code = self._vat_code(line.tax_rate, todo.tax_code(line), line.sku)
        return self._revenue_account(code), code

    def _vat_code(self, rate: Decimal, mapped: str | None, what: str) -> str:
        code = mapped or self.settings.orders.vat_code_for_rate(rate)
        if code is None:
            raise FatalSyncError(
                f"No AccountView VAT code for {rate.normalize()} % ({what}): add it to 'VAT "
                "code per rate' in the AccountView settings, or map the tax class."
            )
        return code

    def _revenue_account(self, code: str) -> str:
        account = self.settings.orders.revenue_accounts.get(code)
        if not account:
            raise FatalSyncError(
                f"No revenue account for VAT code {code}: add it to 'Revenue account per VAT "
                "code' in the AccountView settings."
            )
        return account

    def _shipping_lines(self, order: Order) -> list[JournalLine]:
        net, gross = order.shipping_cost_ex_tax, order.shipping_cost_inc_tax
        if not gross and not net:
            return []
        rate = ((gross - net) / net * 100).quantize(Decimal("0.1")) if net else Decimal(0)
        code = self._vat_code(rate, None, "shipping")
        net, gross = net.quantize(CENT, ROUND_HALF_UP), gross.quantize(CENT, ROUND_HALF_UP)
        account = self.settings.orders.shipping_account
        return [JournalLine(account, code, net, gross - net, "Shipping")]

    # -- what AccountView does not offer ----------------------------------------------------

    def fetch_shipments(self, cursor: str | None) -> Iterator[Batch[Shipment]]:
        raise NotImplementedError(NOT_AVAILABLE.format("packing-slip business object"))

    def fetch_shipment(self, erp_id: str) -> Shipment | None:
        raise NotImplementedError(NOT_AVAILABLE.format("packing-slip business object"))

    def fetch_credit_notes(self, cursor: str | None) -> Iterator[Batch[CreditNote]]:
        raise NotImplementedError(NOT_AVAILABLE.format("credit-invoice business object"))

    def fetch_credit_note(self, erp_id: str) -> CreditNote | None:
        raise NotImplementedError(NOT_AVAILABLE.format("credit-invoice business object"))

    def fetch_order_statuses(self, cursor: str | None) -> Iterator[Batch[OrderStatusChange]]:
        raise NotImplementedError(NOT_AVAILABLE.format("order status"))

    def create_subscription(self, order: Order, line: OrderLine, customer_erp_id: str) -> str:
        raise NotImplementedError("AccountView has no subscriptions.")

    def create_shipment(self, shipment: Shipment) -> str:
        raise NotImplementedError("Shipments are not sent to AccountView.")


def administration_time(moment: datetime | None) -> datetime:
    """A store time as AccountView's administration time (local, no zone; [I] README)."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(ZoneInfo(facts.ADMINISTRATION_TIMEZONE)).replace(tzinfo=None)


def with_mapped_fields(document: Document, todo: OrderInstructions) -> Document:
    """``document`` with the merchant's SO_HDR and SO_LINE fields (the mapper's) over it."""
    if not todo.fields and not todo.line_fields:
        return document
    header = with_typed_values("SO_HDR", document.fields, todo.fields)
    details = tuple(
        Detail(detail.table, tuple(
            with_typed_values("SO_LINE", row, todo.line_fields.get(index, {}))
            for index, row in enumerate(detail.rows)
        ))
        for detail in document.details
    )  # fmt: skip
    return replace(document, fields=header, details=details)
