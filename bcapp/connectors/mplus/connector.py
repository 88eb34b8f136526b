"""MplusKASSA as a bcapp connector: reads with syncMarker paging, idempotent writes.

Cursors are Mplus's own markers, as text: the ``syncMarker`` of the last
product/order/invoice in a batch, or the ``stockId`` of the last stock change.
Mplus returns records with a marker greater than the one asked for, so a
saved cursor resumes exactly after the last committed batch.

Writes are safe to repeat: ``create_order`` sends the store order as
``extOrderId`` and treats ``EXT-ORDER-ID-ALREADY-EXISTS`` as "already
exported" (returning the order Mplus has); ``upsert_product`` treats
``ARTICLE-NUMBER-ALREADY-TAKEN`` as "exists" and updates instead; customers
are matched only on an exact e-mail (Mplus matches partially by default).

An order to several shipping addresses becomes one Mplus order per address
(``OrderFeature.SEVERAL_ADDRESSES``): the WSDL's ``Order``/``OrderInput`` has one
``deliveryAddress`` and its ``Line`` none, so a line's destination can only be kept by
its order. The others' ``extOrderId`` is the reference plus ``-2``, ``-3`` ...; each
carries its address's shipping cost and its share of the payment (in cents, adding up
to the order's total). The relation itself keeps one delivery address (Mplus's
``Relation`` has a single ``deliveryAddress``), so ``DELIVERY_ADDRESSES`` is not offered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import httpx

from bcapp.connectors.base import (
    Batch,
    Capability,
    Category,
    Choice,
    CreditNote,
    Customer,
    DocumentType,
    ErpField,
    Order,
    OrderFeature,
    OrderInstructions,
    OrderStatusChange,
    Product,
    Shipment,
    StockLevel,
    part_instructions,
    split_by_address,
)
from bcapp.connectors.mplus import mapping, payloads, units, writable
from bcapp.connectors.mplus.client import DEFAULT_TIMEOUT, MplusClient, base_url, check_result
from bcapp.connectors.mplus.numbers import numeric_sku
from bcapp.connectors.mplus.settings import SETTINGS_SCHEMA, MplusSettings
from bcapp.connectors.mplus.store_led import StoreLedWrites
from bcapp.errors import ConfigError, FatalSyncError, RetryableSyncError, SkipRecord

log = logging.getLogger(__name__)


def _marker(cursor: str | None) -> int:
    try:
        return int(cursor or 0)
    except ValueError:
        raise FatalSyncError(f"Not an Mplus sync marker: {cursor!r}") from None


class MplusConnector(StoreLedWrites):
    """The MplusKASSA connector (see the module docstring)."""

    kind: ClassVar[str] = "mplus"
    label: ClassVar[str] = "MplusKASSA"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.CATEGORIES,
            Capability.PRODUCTS,
            Capability.STOCK,
            Capability.CUSTOMERS,
            Capability.ORDERS,
            Capability.ORDER_STATUS,
            Capability.CREDIT_NOTES,
            Capability.CATALOG_TO_ERP,
            Capability.STOCK_TO_ERP,
        }
    )
    settings_schema: ClassVar[dict[str, Any]] = SETTINGS_SCHEMA
    rotating_credentials: ClassVar[bool] = False  # ident and secret do not expire
    #: No JOURNAL_ENTRY: the MplusKASSA API (mplusqapi.wsdl) writes no ledger entries (its
    #: financial operations, getFinancialJournal and getJournals, only read the till's
    #: journals), so orders become orders, invoices or proposals, never mutations.
    document_types: ClassVar[frozenset[DocumentType]] = frozenset(
        {DocumentType.SALES_ORDER, DocumentType.DIRECT_INVOICE, DocumentType.QUOTATION}
    )
    #: Mplus's OrderInput has a deliveryMethod but no carrier field: no CARRIER. Its lines
    #: take a vatCode, so VAT_COUNTRY reaches them (through ``OrderInstructions.tax_codes``);
    #: its lines take no ledger account (Mplus books revenue per article group in its own
    #: export to the accountant): no REVENUE_ACCOUNTS. No PAYMENT_BOOKING: payOrder and
    #: payInvoice settle a document at the till with a payment method, not in a journal.
    order_features: ClassVar[frozenset[OrderFeature]] = frozenset(
        {
            OrderFeature.VAT_NUMBER,
            OrderFeature.VAT_COUNTRY,
            OrderFeature.SEVERAL_ADDRESSES,
            OrderFeature.TURNOVER_GROUP,
        }
    )

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        self.settings = MplusSettings.from_mapping(settings)
        s = self.settings
        self.client = MplusClient(
            base_url(s.port, s.host, s.base_url),
            s.ident,
            s.secret,
            transport=transport,
            timeout=timeout,
        )

    def close(self) -> None:
        """Release connections."""
        self.client.close()

    @property
    def last_exchange(self) -> Any:
        """What we last sent and what Mplus said (secrets removed), for the activity log."""
        return self.client.last_exchange

    @property
    def shipping_article(self) -> str:
        """The shipping-cost article number of the Mplus settings ("" = none)."""
        number = self.settings.shipping_article_number
        return str(number) if number else ""

    # -- configuration -------------------------------------------------------

    def check(self) -> None:
        """Credentials, branch, workplace and employee exist; else ConfigError in words."""
        self.client.call("getApiVersion")
        s = self.settings
        branches = self.client.call("getBranches").get("branches", {}).get("branch", [])
        branch = next((b for b in branches if b["branchNumber"] == s.branch_number), None)
        if branch is None:
            raise ConfigError(
                f"Mplus has no branch {s.branch_number}; choose one of "
                f"{sorted(b['branchNumber'] for b in branches)}."
            )
        places = [w["workplaceNumber"] for w in branch.get("workplaces", {}).get("workplace", [])]
        if places and s.workplace_number not in places:
            raise ConfigError(f"Branch {s.branch_number} has no workplace {s.workplace_number}.")
        answer = self.client.call(
            "getEmployees", {"request": {"employeeNumbers": [s.employee_number]}}
        )
        employees = answer.get("employeeList", {}).get("employee", [])
        if not any(e.get("employeeNumber") == s.employee_number for e in employees):
            raise ConfigError(
                f"Mplus has no employee {s.employee_number}; Mplus refuses orders "
                "without a known employee (999999 is the usual web employee)."
            )

    def choices(self, table: str) -> list[Choice]:
        """The codes Mplus lists for a mapping table (ChoiceSource): payment methods,
        VAT groups (a line's vatCode), delivery methods and turnover groups; [] when it
        cannot (Mplus has no ledger accounts, journals or payment terms of its own)."""
        read = {"payment": self._payment_methods, "tax": self._vat_groups,
                "vat_country": self._vat_groups, "shipping": self._delivery_methods,
                "turnover_group": self._turnover_groups}.get(table)  # fmt: skip
        if read is None:
            return []
        try:
            return read()
        except (ConfigError, FatalSyncError, RetryableSyncError):
            return []

    def _payment_methods(self) -> list[Choice]:
        answer = self.client.call("getPaymentMethods")
        rows = answer.get("paymentMethodList", {}).get("paymentMethod", [])
        return [Choice(r["method"], r.get("description") or "") for r in rows
                if r.get("active", True)]  # fmt: skip

    def _vat_groups(self) -> list[Choice]:
        rows = self.client.call("getVatGroupList").get("vatGroup", [])
        return [Choice(str(r["vatCode"]), f"{units.from_percentage(r['vatPercentage']):f}%")
                for r in rows]  # fmt: skip

    def _delivery_methods(self) -> list[Choice]:
        answer = self.client.call("getDeliveryMethods")
        rows = answer.get("deliveryMethodList", {}).get("deliveryMethod", [])
        return [Choice(r["deliveryMethod"], r.get("description") or "") for r in rows
                if r.get("enabled", True)]  # fmt: skip

    def _turnover_groups(self) -> list[Choice]:
        answer = self.client.call("getTurnoverGroups", {"request": {"onlyActive": True}})
        rows = answer.get("turnoverGroupList", {}).get("turnoverGroup", [])
        return [Choice(str(r["turnoverGroup"]), r.get("turnoverGroupName") or "") for r in rows
                if r.get("turnoverGroupType", "TURNOVER-GROUP-TYPE-TURNOVER")
                == "TURNOVER-GROUP-TYPE-TURNOVER"]  # fmt: skip

    # -- reads -----------------------------------------------------------------

    def _paged(
        self, operation: str, list_key: str, item_key: str, cursor: str | None, **extra: Any
    ) -> Iterator[tuple[list[dict[str, Any]], str]]:
        """syncMarker paging: yields (records, marker of the last record) until caught up."""
        marker, size = _marker(cursor), self.settings.page_size
        while True:
            request = {"syncMarker": marker, "syncMarkerLimit": size, **extra}
            rows = (
                self.client.call(operation, {"request": request})
                .get(list_key, {})
                .get(item_key, [])
            )
            newest = max((r.get("syncMarker", 0) for r in rows), default=marker)
            if not rows or newest <= marker:
                return
            yield rows, str(newest)
            marker = newest
            if len(rows) < size:
                return

    def fetch_products(self, cursor: str | None) -> Iterator[Batch[Product]]:
        """Products changed after ``cursor`` (a product syncMarker), a page per batch."""
        zone = self.settings.timezone
        for rows, marker in self._paged("getProducts", "productList", "product", cursor):
            records = tuple(
                mapping.product_from_mplus(p, zone) for p in rows if mapping.articles_of(p)
            )
            yield Batch(records, marker)

    def fetch_product(self, erp_id: str) -> Product | None:
        """One product by its product number (the log's Retry)."""
        if not erp_id.isdigit():
            return None
        answer = self.client.call("getProducts", {"request": {"productNumbers": [int(erp_id)]}})
        rows = answer.get("productList", {}).get("product", [])
        rows = [p for p in rows if mapping.articles_of(p)]
        return mapping.product_from_mplus(rows[0], self.settings.timezone) if rows else None

    def fetch_categories(self, cursor: str | None) -> Iterator[Batch[Category]]:
        """The whole article-group tree, once, when any group changed after ``cursor``."""
        tree = self.client.call("getArticleGroups", {"request": {}})
        groups = tree.get("articleGroupList", {}).get("articleGroups", [])
        newest = max(_group_markers(groups), default=0)
        if newest > _marker(cursor):
            yield Batch(tuple(mapping.categories_from_groups(groups)), str(newest))

    def fetch_stock(self, cursor: str | None) -> Iterator[Batch[StockLevel]]:
        """Stock of articles changed after ``cursor`` (a stockId), all branches per article.

        Articles are ordered by their latest change, so the cursor saved after a
        batch never skips an article of a later batch.
        """
        since = _marker(cursor)
        changed: dict[int, int] = {}
        for row in self._stock(stock_id=since):
            changed[row["articleNumber"]] = max(
                changed.get(row["articleNumber"], 0), row["stockId"]
            )
        ordered = sorted(changed, key=changed.__getitem__)
        size = self.settings.page_size
        for start in range(0, len(ordered), size):
            chunk = ordered[start : start + size]
            rows = self._stock(articles=chunk)
            levels = mapping.stock_levels(rows, self._skus(chunk))
            yield Batch(tuple(levels), str(changed[chunk[-1]]))

    def _stock(
        self, *, stock_id: int | None = None, articles: list[int] | None = None
    ) -> list[dict[str, Any]]:
        s = self.settings
        request: dict[str, Any] = {
            "branchNumber": s.branches[0],
            "articleNumbers": {"articleNumbers": articles or []},
            "branchNumbers": {"branchNumber": list(s.branches)},
        }
        if stock_id is not None:
            request["stockId"] = stock_id
        rows: list[dict[str, Any]] = self.client.call("getStock", {"request": request}).get(
            "articleStocks", []
        )
        return rows

    def _skus(self, articles: list[int]) -> dict[int, str]:
        """Store SKUs of article numbers (extArticleId carries letter SKUs)."""
        if not articles:
            return {}
        answer = self.client.call(
            "getProducts", {"request": {"articleNumbers": sorted(set(articles))}}
        )
        return {
            a["articleNumber"]: mapping.article_sku(a)
            for p in answer.get("productList", {}).get("product", [])
            for a in mapping.articles_of(p)
        }

    def fetch_order_statuses(self, cursor: str | None) -> Iterator[Batch[OrderStatusChange]]:
        """States of exported orders (those with an extOrderId) changed after ``cursor``."""
        zone = self.settings.timezone
        for rows, marker in self._paged("getOrders", "orderList", "order", cursor):
            changes = (mapping.status_of(o, zone) for o in rows)
            yield Batch(tuple(c for c in changes if c), marker)

    def fetch_credit_notes(self, cursor: str | None) -> Iterator[Batch[CreditNote]]:
        """Credit invoices for exported orders created after ``cursor``."""
        zone = self.settings.timezone
        for rows, marker in self._paged(
            "getInvoices", "invoiceList", "invoice", cursor, includeLineList=True
        ):
            articles = [
                ln["articleNumber"] for i in rows for ln in i.get("lineList", {}).get("line", [])
            ]
            skus = self._skus(articles)
            notes = (mapping.credit_note_of(i, skus, zone) for i in rows)
            yield Batch(tuple(n for n in notes if n), marker)

    def fetch_credit_note(self, erp_id: str) -> CreditNote | None:
        """One credit invoice by its invoice id (the log's Retry); None if not a credit."""
        answer = self.client.call("getInvoice", {"invoiceId": erp_id})
        if answer.get("result") != "GET-INVOICE-RESULT-OK" or not answer.get("invoice"):
            return None
        invoice = answer["invoice"]
        lines = invoice.get("lineList", {}).get("line", [])
        skus = self._skus([ln["articleNumber"] for ln in lines])
        return mapping.credit_note_of(invoice, skus, self.settings.timezone)

    def fetch_shipments(self, cursor: str | None) -> Iterator[Batch[Shipment]]:
        raise NotImplementedError("Mplus packing slips are not synced yet.")

    def fetch_shipment(self, erp_id: str) -> Shipment | None:
        raise NotImplementedError("Mplus packing slips are not synced yet.")

    # -- customers and orders ------------------------------------------------

    def find_customer(self, email: str) -> str | None:
        """The relation with exactly this e-mail (never a partial match)."""
        if not email.strip():
            return None
        request = {"relation": {"email": email.strip()}, "exactMatch": True}
        answer = self.client.call("findRelationV2", {"request": request})
        relation = answer.get("relation") or {}
        found = answer.get("result") == "FIND-RELATION-RESULT-OK"
        if found and str(relation.get("email", "")).strip().lower() == email.strip().lower():
            return str(relation["relationNumber"])
        return None

    def upsert_customer(
        self, customer: Customer, erp_id: str | None = None, *, searched: bool = False
    ) -> str:
        """Update relation ``erp_id`` (else the one with this exact e-mail) or create one.

        Returns the relation number; calling it twice for one customer never
        makes two relations. ``searched``: the caller has just looked the e-mail up.
        """
        relation = payloads.relation_from_customer(customer)
        if not erp_id and not searched:
            erp_id = self.find_customer(customer.email)
        if erp_id:
            answer = self.client.call(
                "updateRelation", {"relation": {"relationNumber": int(erp_id), **relation}}
            )
            if check_result(
                "updateRelation", answer, ("UPDATE-RELATION-RESULT-NOT-FOUND",)
            ).endswith("-OK"):
                return erp_id
        answer = self.client.call("createRelation", {"relation": relation})
        check_result("createRelation", answer)
        return str(answer["relationNumber"])

    def find_order(self, reference: str) -> str | None:
        """The Mplus orderId of the order exported with this reference (extOrderId), else
        the invoiceId of the direct invoice with it (extInvoiceId): a store that switches
        between orders and invoices books nothing twice."""
        answer = self.client.call("findOrder", {"extOrderId": reference})
        if answer.get("result") == "GET-ORDER-RESULT-OK":
            return str(answer["order"]["orderId"])
        return self._find_invoice(reference)

    def find_orders(self, references: list[str]) -> dict[str, str]:
        """Bulk :meth:`find_order`: reference → orderId for those that exist."""
        request = {"extOrderIds": {"id": list(references)}}
        orders = self.client.call("getOrdersByExtOrderIds", {"request": request})
        return {o["extOrderId"]: o["orderId"] for o in orders.get("orderList", {}).get("order", [])}

    def create_order(
        self,
        order: Order,
        customer_erp_id: str,
        instructions: OrderInstructions | None = None,
        *,
        searched: bool = False,
    ) -> str:
        """Create the order once; a repeat returns the order Mplus already has.

        Mplus refuses a second order with the same ``extOrderId`` itself, so
        ``searched`` changes nothing here. An order to several shipping addresses
        becomes one Mplus order (invoice, proposal) per address: an Mplus order has one
        ``deliveryAddress`` and its ``Line`` none (WSDL). Each carries its address's
        lines, shipping cost and share of the payment, under the order's reference and
        ``-2``, ``-3`` ...; every payload is built before the first is sent, so an
        article Mplus lacks stops them all. Returns the first one's id.
        """
        todo = instructions or OrderInstructions()
        documents = [
            (part.order.reference, self._payload(part.order, customer_erp_id,
                                                 part_instructions(todo, part)))
            for part in split_by_address(order)
        ]  # fmt: skip
        numbers = [self._send(reference, payload, todo) for reference, payload in documents]
        return numbers[0]

    def _payload(
        self, order: Order, customer_erp_id: str, todo: OrderInstructions
    ) -> dict[str, Any]:
        """The createOrder Order for one order (or one address's part of it)."""
        s = self.settings
        return payloads.order_to_mplus(
            order,
            int(customer_erp_id) if customer_erp_id else None,
            employee=s.employee_number,
            branch=s.branch_number,
            workplace=s.workplace_number,
            article_number=lambda sku: self._article_number(todo, sku),
            shipping_article=self._shipping_article(todo),
            zone=s.timezone,
            instructions=todo,
        )

    def _send(self, reference: str, payload: dict[str, Any], todo: OrderInstructions) -> str:
        """Book one payload as the document the instructions ask for, once."""
        if todo.document_type == DocumentType.DIRECT_INVOICE:
            return self._save_invoice(reference, payloads.invoice_to_mplus(payload))
        if todo.document_type == DocumentType.QUOTATION:
            return self._save_proposal(reference, payloads.proposal_to_mplus(payload))
        answer = self.client.call("createOrder", {"order": payload})
        result = answer.get("result", "")
        order_id = str((answer.get("info") or {}).get("orderId", "") or "")
        if result == "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS":
            existing = self.find_order(reference)
            if existing is None:
                raise FatalSyncError(f"Mplus says order {reference} exists but cannot find it.")
            return existing
        if result == "CREATE-ORDER-RESULT-PAYMENT-FAILED" and order_id:
            log.warning(
                "mplus order %s created, payment not booked: %s",
                reference,
                answer.get("errorMessage"),
            )
            return order_id
        check_result("createOrder", answer)
        return order_id

    # -- the merchant's field mapping (FieldSource) -------------------------------------------

    def writable_fields(self, record: str) -> list[ErpField]:
        """The simple fields of ``record``'s WSDL type (Order, Line, Relation, Article ...)."""
        return writable.writable_fields(record)

    def order_request(
        self, order: Order, customer_erp_id: str, instructions: OrderInstructions
    ) -> dict[str, Any]:
        """The createOrder Order :meth:`create_order` would send (unknown articles as 0)."""
        s = self.settings

        def number(sku: str) -> int:
            mapped = instructions.article_numbers.get(sku, "")
            return numeric_sku(sku) or (int(mapped) if mapped.isdigit() else 0)

        return payloads.order_to_mplus(
            order,
            int(customer_erp_id) if customer_erp_id.isdigit() else None,
            employee=s.employee_number,
            branch=s.branch_number,
            workplace=s.workplace_number,
            article_number=number,
            shipping_article=self._shipping_article(instructions),
            zone=s.timezone,
            instructions=instructions,
        )

    def _save_invoice(self, reference: str, invoice: dict[str, Any]) -> str:
        """saveInvoice once: a repeat (EXT-INVOICE-ID-ALREADY-EXISTS) is found by reference."""
        answer = self.client.call("saveInvoice", {"invoice": invoice})
        if answer.get("result") == "SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS":
            existing = self._find_invoice(reference)
            if existing is None:
                raise FatalSyncError(f"Mplus says invoice {reference} exists but cannot find it.")
            return existing
        check_result("saveInvoice", answer)
        return str((answer.get("info") or {}).get("invoiceId", "") or "")

    def _save_proposal(self, reference: str, proposal: dict[str, Any]) -> str:
        """saveProposal once. Mplus cannot find a proposal by ``extProposalId``, so a repeat
        (EXT-PROPOSAL-ID-ALREADY-EXISTS: made before a crash) is found among the relation's
        proposals; the flow's binding makes that the exception, not the rule."""
        answer = self.client.call("saveProposal", {"proposal": proposal})
        if answer.get("result") == "SAVE-PROPOSAL-RESULT-EXT-PROPOSAL-ID-ALREADY-EXISTS":
            request: dict[str, Any] = {"syncMarker": 0}
            if proposal.get("relationNumber"):
                request["relationNumbers"] = [proposal["relationNumber"]]
            found = self.client.call("getProposals", {"request": request})
            for row in found.get("proposalList", {}).get("proposal", []):
                if row.get("extProposalId") == reference:
                    return str(row["proposalId"])
            raise FatalSyncError(f"Mplus says proposal {reference} exists but cannot find it.")
        check_result("saveProposal", answer)
        return str((answer.get("info") or {}).get("proposalId", "") or "")

    def _find_invoice(self, reference: str) -> str | None:
        answer = self.client.call("findInvoice", {"extInvoiceId": reference})
        if answer.get("result") != "GET-INVOICE-RESULT-OK":
            return None
        return str((answer.get("invoice") or {}).get("invoiceId") or "") or None

    def _shipping_article(self, instructions: OrderInstructions) -> int | None:
        """The shipping-cost article: the order rules' cost article, else the setting."""
        code = (instructions.shipping_article or "").strip()
        if not code:
            return self.settings.shipping_article_number
        if numeric_sku(code) is None:
            raise FatalSyncError(
                f"The shipping cost article {code!r} is not an Mplus article number (digits "
                "only): change it in the order settings, then retry the order."
            )
        return int(code)

    @staticmethod
    def _article_number(instructions: OrderInstructions, sku: str) -> int:
        number = numeric_sku(sku)
        if number is not None:
            return number
        mapped = instructions.article_numbers.get(sku, "")
        if mapped.isdigit():
            return int(mapped)
        raise SkipRecord(
            f"SKU {sku!r} has no Mplus article number (Mplus article numbers are digits only); "
            "sync the product to Mplus first."
        )

    def create_subscription(self, order: Order, line: Any, customer_erp_id: str) -> str:
        raise NotImplementedError("Mplus has no subscriptions.")

    def create_shipment(self, shipment: Shipment) -> str:
        raise NotImplementedError("Shipments are not sent to Mplus.")


def _group_markers(groups: list[dict[str, Any]]) -> Iterator[int]:
    for group in groups:
        yield group.get("syncMarker", 0)
        yield from _group_markers(group.get("subGroupList", {}).get("articleGroups", []))
