"""The order path into Exact: accounts by e-mail, and sales orders (or invoices) found by YourRef.

Every call here is priority ``ORDERS``: it may use the part of the day's calls
the budget keeps back from catalog work.

* ``find_customer`` asks ``crm/Accounts`` by e-mail; ``upsert_customer`` creates
  the account (visit address from the first address), a contact for an
  organisation, and a delivery address for each further address.
* ``create_order`` is idempotent by reference: ``YourRef`` holds the store's
  reference and ``find_order`` looks it up first (unless the flow just did).
  The lines' items are found by code in one lookup (with the shipping item);
  a SKU Exact lacks is a :class:`~bcapp.errors.SkipRecord` naming it, before
  anything is written. Each line's VAT code is the merchant's mapping for its
  tax class (:class:`~bcapp.connectors.base.OrderInstructions`), else the item's
  own sales VAT code. A shipping address unlike the billing one becomes a
  delivery address on the account. The ERP order id is Exact's ``OrderNumber``
  (``InvoiceNumber`` when the merchant books sales invoices).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bcapp.connectors.base import (
    Address,
    Customer,
    ErpField,
    Order,
    OrderInstructions,
    OrderLine,
)
from bcapp.connectors.exact import payloads, writable
from bcapp.connectors.exact.budget import Priority
from bcapp.connectors.exact.odata import Row, guid, string_literal
from bcapp.connectors.exact.session import ExactSession
from bcapp.errors import FatalSyncError, SkipRecord

ORDERS = Priority.ORDERS
ACCOUNTS, SALES_ORDERS = "crm/Accounts", "salesorder/SalesOrders"
SALES_INVOICES = "salesinvoice/SalesInvoices"


#: What the preview shows where Exact's own GUID would go (an item, the account).
PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


class OrderWrites(ExactSession):
    """Customers and orders (a part of ``ExactConnector``)."""

    @property
    def shipping_article(self) -> str:
        """The shipping-cost item code of the Exact settings ("" = none)."""
        return self.settings.shipping_item

    # -- the merchant's field mapping (FieldSource) -------------------------------------------

    def writable_fields(self, record: str) -> list[ErpField]:
        """The chosen Exact fields of ``record`` (:mod:`.writable`)."""
        return writable.writable_fields(record)

    def order_request(
        self, order: Order, customer_erp_id: str, instructions: OrderInstructions
    ) -> Row:
        """The order body :meth:`create_order` would post, without reading Exact: items,
        the account, the warehouse and the delivery address are shown as placeholders."""
        lines = [
            payloads.order_line(
                line, item_id=PLACEHOLDER, vat_code=instructions.tax_code(line) or ""
            )
            for line in order.lines
        ]
        body = payloads.sales_order_payload(
            ordered_by=PLACEHOLDER, reference=order.reference, lines=lines,
            order_date=order.created_at, description=f"BigCommerce order {order.reference}",
            currency=order.currency, remarks=order.customer_message[:255],
        )  # fmt: skip
        return with_mapped_fields(body, instructions)

    # -- customers -------------------------------------------------------------------------

    def find_customer(self, email: str) -> str | None:
        """The ID of the account with this e-mail, if any."""
        text = email.strip()
        if not text:
            return None
        row = self.client.first(ACCOUNTS, select=["ID"], filter=f"Email eq {string_literal(text)}",
                                priority=ORDERS)  # fmt: skip
        return guid(row["ID"]) if row else None

    def upsert_customer(
        self, customer: Customer, erp_id: str | None = None, *, searched: bool = False
    ) -> str:
        """Create (or, with ``erp_id``, update) the account; returns its ID.

        Args:
            searched: the caller has just asked :meth:`find_customer` and found
                nothing, so the search is not sent again.
        """
        erp_id = erp_id or customer.erp_id
        if not erp_id and not searched:
            erp_id = self.find_customer(customer.email)
        body = mapped(payloads.account_payload(customer), customer.erp_fields)
        if erp_id:
            self.client.update(ACCOUNTS, erp_id, body, priority=ORDERS)
            return guid(erp_id)
        account = guid(self.client.create(ACCOUNTS, body, priority=ORDERS)["ID"])
        if customer.company:
            self.client.create("crm/Contacts", payloads.contact_payload(customer, account),
                               priority=ORDERS)  # fmt: skip
        for extra in customer.addresses[1:]:
            if not _same_place(extra, customer.addresses[0]):
                self._delivery_address(extra, account)
        return account

    def _delivery_address(self, address: Address, account: str) -> str:
        body = payloads.address_payload(address, account, payloads.AddressType.DELIVERY)
        return guid(self.client.create("crm/Addresses", body, priority=ORDERS)["ID"])

    # -- orders ----------------------------------------------------------------------------

    def find_order(self, reference: str) -> str | None:
        """Exact's number of the order (or invoice) whose ``YourRef`` is ``reference``."""
        resource, number = self._documents()
        row = self.client.first(
            resource, select=[number], filter=f"YourRef eq {string_literal(reference)}",
            priority=ORDERS,
        )  # fmt: skip
        return str(row[number]) if row and row.get(number) is not None else None

    def _documents(self) -> tuple[str, str]:
        if self.settings.invoices:
            return SALES_INVOICES, "InvoiceNumber"
        return SALES_ORDERS, "OrderNumber"

    def create_order(
        self,
        order: Order,
        customer_erp_id: str,
        instructions: OrderInstructions | None = None,
        *,
        searched: bool = False,
    ) -> str:
        """Create the sales order (or invoice) once; a repeat returns the existing number.

        Args:
            instructions: the merchant's mappings (VAT codes, shipping item).
            searched: the caller has just asked :meth:`find_order` and found nothing.
        """
        existing = None if searched else self.find_order(order.reference)
        if existing:
            return existing
        todo = instructions or OrderInstructions()
        ship_code = todo.shipping_article or self.settings.shipping_item
        charge_shipping = bool(ship_code) and order.shipping_cost_ex_tax > 0
        items = self._items(order, todo, ship_code if charge_shipping else "")
        lines = [self._line(line, items, todo) for line in order.lines]
        if charge_shipping:
            ship = items[ship_code]
            lines.append(payloads.shipping_line(
                item_id=ship["ID"], amount_ex_tax=order.shipping_cost_ex_tax,
                vat_code=self.settings.shipping_vat_code or str(ship.get("SalesVatCode") or ""),
                description=order.shipping_method or "Shipping",
            ))  # fmt: skip
        account = guid(customer_erp_id)
        resource, number = self._documents()
        body = with_mapped_fields(self._body(order, account, lines), todo)
        created = self.client.create(resource, body, priority=ORDERS)
        value = created.get(number)
        found = str(value) if value is not None else self.find_order(order.reference)
        if not found:
            raise FatalSyncError(
                f"Exact Online accepted order {order.reference} but it cannot be found by "
                "its reference (YourRef).",
                remote="exact",
            )
        return found

    def _body(self, order: Order, account: str, lines: list[payloads.SalesLine]) -> Row:
        description = f"BigCommerce order {order.reference}"
        if self.settings.invoices:
            return payloads.sales_invoice_payload(
                ordered_by=account, reference=order.reference, lines=lines,
                journal=self.settings.invoice_journal, order_date=order.created_at,
                description=description, currency=order.currency,
            )  # fmt: skip
        return payloads.sales_order_payload(
            ordered_by=account, reference=order.reference, lines=lines,
            order_date=order.created_at, description=description,
            warehouse_id=self._warehouse_id(), delivery_address_id=self._deliver_to(order, account),
            currency=order.currency, remarks=order.customer_message[:255],
        )  # fmt: skip

    def _items(self, order: Order, todo: OrderInstructions, ship_code: str) -> dict[str, Row]:
        """Item code → its row (ID, SalesVatCode), for every line's SKU and the shipping item."""
        codes = [todo.article_numbers.get(line.sku, line.sku) for line in order.lines]
        wanted = [c for c in dict.fromkeys([*codes, ship_code]) if c]
        rows = self.lookup("logistics/Items", "Code", map(string_literal, wanted),
                           select=["ID", "Code", "SalesVatCode"], priority=ORDERS)  # fmt: skip
        found = {str(r["Code"]): r for r in rows}
        unknown = [c for c in wanted if c not in found]
        if unknown:
            what = "shipping item" if unknown == [ship_code] else "item for SKU"
            raise SkipRecord(
                f"Exact Online has no {what} {', '.join(unknown)}: create the item (or fix the "
                "code) and export the order again.",
                remote="exact",
                details={"skus": unknown},
            )
        return {sku: found[code] for sku, code in zip(
            [line.sku for line in order.lines] + [ship_code], [*codes, ship_code], strict=True
        ) if code}  # fmt: skip

    def _line(
        self, line: OrderLine, items: Mapping[str, Row], todo: OrderInstructions
    ) -> payloads.SalesLine:
        item = items[line.sku]
        vat = todo.tax_code(line) or str(item.get("SalesVatCode") or "")
        return payloads.order_line(line, item_id=str(item["ID"]), vat_code=vat)

    def _warehouse_id(self) -> str | None:
        code = self.settings.warehouse
        if not code:
            return None
        row = self.client.first("inventory/Warehouses", select=["ID"],
                                filter=f"Code eq {string_literal(code)}",
                                priority=ORDERS)  # fmt: skip
        if row is None:
            raise SkipRecord(
                f"Exact Online has no warehouse {code}: check the warehouse in the settings.",
                remote="exact",
            )
        return guid(row["ID"])

    def _deliver_to(self, order: Order, account: str) -> str | None:
        """A delivery address on the account when the order ships somewhere else."""
        if not order.shipping_addresses:
            return None
        ship_to = order.shipping_addresses[0]
        if _same_place(ship_to, order.billing_address):
            return None
        return self._delivery_address(ship_to, account)


def _same_place(a: Address, b: Address) -> bool:
    def key(x: Address) -> tuple[str, ...]:
        parts = (x.street, x.street2, x.postal_code, x.city, x.country_code)
        return tuple(p.strip().lower().replace(" ", "") for p in parts)

    return key(a) == key(b)


def mapped(row: Row, values: Iterable[tuple[str, Any]] | Mapping[str, Any]) -> Row:
    """``row`` with the merchant's mapped fields over it (an empty one, None, left out)."""
    pairs = values.items() if isinstance(values, Mapping) else values
    out = dict(row)
    for name, value in pairs:
        if value is None:
            out.pop(name, None)
        else:
            out[name] = value
    return out


def with_mapped_fields(body: Row, todo: OrderInstructions) -> Row:
    """An order or invoice body with the merchant's header and line fields over it."""
    if not todo.fields and not todo.line_fields:
        return body
    out = mapped(body, todo.fields)
    key = "SalesOrderLines" if "SalesOrderLines" in body else "SalesInvoiceLines"
    rows = list(body.get(key) or [])
    for index, fields in todo.line_fields.items():
        if index < len(rows):
            rows[index] = mapped(rows[index], fields)
    out[key] = rows
    return out
