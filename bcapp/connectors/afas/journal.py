"""Store orders and their payments as AFAS financial mutations (UpdateConnector FiEntries).

A mixin of :class:`~bcapp.connectors.afas.connector.AfasConnector`, with the pure body
builders beside it. Two bookings, both in the shape of AFAS's own examples
(``profit-en-mutaties.json``: "Sales with VAT", "Sales Specialization", "CashBook Debtor
Payment"):

* **The sales entry** (``DocumentType.JOURNAL_ENTRY``), in the sales journal
  (``OrderInstructions.sales_journal``, AFAS ``JoCo``): the debtor debited with the order's
  total incl. VAT (``VaAs`` 2, invoice number ``InId`` = the order's reference); revenue
  credited per (ledger account, VAT code) from ``OrderInstructions.revenue_accounts``;
  shipping on ``shipping_account``; discounts debited on ``discount_account`` (or netted
  into revenue when there is none); and the VAT per VAT code credited on that code's own
  ledger account, which Profit's standard ``Profit_VAT_code`` GetConnector names
  (``AccountNr``) — a mutation through the connector books VAT lines explicitly, as every
  AFAS sales example does. The storefront's cost centre and cost carrier go on each
  revenue, shipping and discount line as one cost allocation (``FiDimEntries``, a
  ``DiC1``..``DiC5`` code on each one's configured axis).
* **The payment** (:class:`~bcapp.connectors.base.PaymentBooking`), in the journal of the
  order's payment method (``OrderInstructions.payment_journal``): the debtor credited with
  the total against the same invoice number (so Profit matches it to the sales entry or
  the invoice and shows it paid), and the journal's counter account debited. The counter
  account is the mapping value's part after a slash (``"MOL/1105"``: journal MOL, account
  1105), else the AFAS settings' ``payment_account``: Profit's journals GetConnector does
  not publish a journal's own account.

Exactly once: each booking carries a voucher number (``BpNr``) made from the reference
(the sales entry: the reference; the payment: ``PAY-`` + reference) and is looked up by it
first through the GetConnector named for journal entries (``BCApp_JournalEntries``, or
Profit's standard ``Profit_Transactions``: ``VoucherNo``, ``EntryNo``). Without it named,
nothing is booked: it could be booked twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bcapp.connectors.afas.client import AfasClient, Filter, Op
from bcapp.connectors.afas.envelopes import allocation_codes, child, envelope
from bcapp.connectors.afas.mapping import text
from bcapp.connectors.afas.settings import EntityConfig
from bcapp.connectors.base import DocumentType, Order, OrderInstructions, OrderLine
from bcapp.errors import BcappError, FatalSyncError

#: AFAS's UpdateConnector and the root object of its body.
CONNECTOR = "FiEntries"
ROOT = "FiEntryPar"
#: Profit's standard GetConnector of VAT codes and the ledger account each books VAT on.
VAT_CODES = ("Profit_VAT_code", "VatCode", "AccountNr")
#: The longest invoice number (``InId``) and voucher number (``BpNr``) AFAS takes.
MAX_INVOICE = 12
MAX_VOUCHER = 32
#: Voucher-number prefix of a payment booking (the sales entry's is the reference alone).
PAYMENT_PREFIX = "PAY-"
#: Account features (``VaAs``): a ledger account or a debtor.
LEDGER, DEBTOR = "1", "2"
CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    """``value`` rounded to cents, halves up (as an invoice rounds)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Booking:
    """The amounts of one sales entry, summed per (account, VAT code) before rounding."""

    revenue: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    discounts: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    vat: dict[str, Decimal] = field(default_factory=dict)

    def add(self, table: dict[Any, Decimal], key: Any, amount: Decimal) -> None:
        table[key] = table.get(key, Decimal(0)) + amount


def invoice_number(reference: str) -> str:
    """The order's reference as AFAS's invoice number (``InId``), or an error saying why not."""
    if len(reference) > MAX_INVOICE:
        raise FatalSyncError(
            f"AFAS invoice numbers hold at most {MAX_INVOICE} characters; the order reference "
            f'"{reference}" is longer. Shorten the order reference template (order settings), '
            "then retry the order."
        )
    return reference


def booking_for(order: Order, todo: OrderInstructions) -> Booking:
    """Revenue, discounts and VAT of the order's lines and shipping, per account and code."""
    booked = Booking()
    for index, line in enumerate(order.lines):
        if line.is_digital:
            continue  # an FbSubscription invoices it (as on a sales order)
        account = todo.revenue_accounts.get(index)
        if not account:
            tax_class = line.tax_class_name or line.tax_class or "none"
            raise FatalSyncError(
                f'Order line "{line.sku}" (tax class {tax_class}'
                ") has no revenue account: add its country or tax class (or * for every line) "
                "to the revenue account mapping, then retry the order.",
                details={"unmapped": {"revenue_account": line.sku}},
            )
        _book_line(booked, line, account, todo)
    _book_shipping(booked, order, todo)
    _book_order_discount(booked, order, todo)
    return booked


def _book_order_discount(booked: Booking, order: Order, todo: OrderInstructions) -> None:
    """A discount on the whole order (a manual discount, a coupon BigCommerce did not spread
    over the lines) booked like a line discount, so the debtor owes what the customer paid.

    What the lines and shipping add up to beyond BigCommerce's total (digital lines left
    out, as above) is that discount; its VAT is what they add up to beyond BigCommerce's
    tax total. It goes on the discount account, else it reduces the largest revenue row,
    under that row's VAT code. A total above the lines (a fee the order does not itemise)
    is not guessed at: the order's total check reports it.
    """
    digital = [ln for ln in order.lines if ln.is_digital]
    digital_inc = sum((ln.price_inc_tax * ln.quantity - ln.discount for ln in digital), Decimal(0))
    digital_ex = sum((ln.price_ex_tax * ln.quantity for ln in digital), Decimal(0))
    owed = order.total_inc_tax - digital_inc
    vat = sum(booked.vat.values(), Decimal(0))
    inc = sum(booked.revenue.values(), Decimal(0)) - sum(booked.discounts.values(), Decimal(0))
    inc += vat
    extra = cents(inc - owed)
    if extra <= 0 or not booked.revenue:
        return
    owed_vat = order.tax_total - (digital_inc - digital_ex) if order.tax_total else vat
    extra_vat = min(max(cents(vat - owed_vat), Decimal(0)), extra)
    account, code = max(booked.revenue, key=lambda key: booked.revenue[key])
    if todo.discount_account:
        booked.add(booked.discounts, (todo.discount_account, code), extra - extra_vat)
    else:
        booked.add(booked.revenue, (account, code), -(extra - extra_vat))
    if extra_vat and code in booked.vat:
        booked.add(booked.vat, code, -extra_vat)


def _book_line(booked: Booking, line: OrderLine, account: str, todo: OrderInstructions) -> None:
    gross_ex = line.price_ex_tax * line.quantity
    gross_inc = line.price_inc_tax * line.quantity
    ratio = line.price_ex_tax / line.price_inc_tax if line.price_inc_tax else Decimal(1)
    discount_ex = line.discount * ratio
    vat = (gross_inc - line.discount) - (gross_ex - discount_ex)
    code = _vat_code(todo.tax_code(line) or "", vat, f'Order line "{line.sku}"')
    if todo.discount_account and discount_ex:
        booked.add(booked.revenue, (account, code), gross_ex)
        booked.add(booked.discounts, (todo.discount_account, code), discount_ex)
    else:
        booked.add(booked.revenue, (account, code), gross_ex - discount_ex)
    if vat:
        booked.add(booked.vat, code, vat)


def _book_shipping(booked: Booking, order: Order, todo: OrderInstructions) -> None:
    """Shipping on its own account, under the VAT code of the lines taxed at its rate."""
    if not order.shipping_cost_inc_tax and not order.shipping_cost_ex_tax:
        return
    if not todo.shipping_account:
        raise FatalSyncError(
            "The order has shipping costs but no account to book them on: name the shipping "
            "account in the order settings (or add * to the revenue account mapping).",
            details={"unmapped": {"revenue_account": "shipping"}},
        )
    vat = order.shipping_cost_inc_tax - order.shipping_cost_ex_tax
    code = _vat_code(_shipping_vat_code(order, todo), vat, "Shipping")
    booked.add(booked.revenue, (todo.shipping_account, code), order.shipping_cost_ex_tax)
    if vat:
        booked.add(booked.vat, code, vat)


def _shipping_vat_code(order: Order, todo: OrderInstructions) -> str:
    """The VAT code of a line taxed at the shipping's rate, else of the order's largest line.

    BigCommerce taxes shipping by its own tax class, which the order does not name; its
    rate is what the ERP must book, and a line with the same rate carries the right code.
    """
    ex, inc = order.shipping_cost_ex_tax, order.shipping_cost_inc_tax
    if not ex or inc == ex:
        return todo.tax_codes.get("", "")
    rate = cents((inc - ex) / ex * 100)
    lines = sorted(order.lines, key=lambda ln: ln.price_ex_tax * ln.quantity, reverse=True)
    same = [ln for ln in lines if cents(ln.tax_rate) == rate]
    for line in same or lines:
        code = todo.tax_code(line)
        if code:
            return code
    return ""


def _vat_code(code: str, vat: Decimal, what: str) -> str:
    if vat and not code:
        raise FatalSyncError(
            f"{what} was charged VAT but has no AFAS VAT code: map its tax class (tax mapping) "
            "or the destination country (VAT per country), then retry the order.",
            details={"unmapped": {"tax": what}},
        )
    return code


def _amounts(value: Decimal) -> dict[str, float]:
    """``AmDe``/``AmCr`` for a credit of ``value`` (a negative credit is a debit)."""
    value = cents(value)
    return {"AmDe": float(-value) if value < 0 else 0.0, "AmCr": float(value) if value > 0 else 0.0}


def _debit(value: Decimal) -> dict[str, float]:
    return _amounts(-value)


def sales_entry(
    order: Order,
    debtor: str,
    todo: OrderInstructions,
    vat_accounts: Mapping[str, str],
    orders: Mapping[str, Any],
    booked: Booking,
) -> dict[str, Any]:
    """The FiEntries body of a store order: debtor, revenue, shipping, discount and VAT lines."""
    day = _day(order)
    common = {
        "EnDa": day.isoformat(),
        "BpDa": day.isoformat(),
        "BpNr": order.reference[:MAX_VOUCHER],
        "InId": invoice_number(order.reference),
    }
    allocated = _allocation(todo, orders)
    lines: list[tuple[dict[str, Any], list[Any]]] = []
    for (account, code), amount in sorted(booked.revenue.items()):
        fields = {"VaAs": LEDGER, "AcNr": account, **common, **_amounts(amount)}
        lines.append(({**fields, "VaId": code or None, "Ds": _text(order, "Revenue")},
                      allocated(fields)))  # fmt: skip
    for (account, code), amount in sorted(booked.discounts.items()):
        fields = {"VaAs": LEDGER, "AcNr": account, **common, **_debit(amount)}
        lines.append(({**fields, "VaId": code or None, "Ds": _text(order, "Discount")},
                      allocated(fields)))  # fmt: skip
    for code, amount in sorted(booked.vat.items()):
        fields = {"VaAs": LEDGER, "AcNr": vat_accounts[code], **common, **_amounts(amount)}
        lines.append(({**fields, "VaId": code, "Ds": _text(order, "VAT")}, []))
    total = sum((Decimal(str(f["AmCr"])) - Decimal(str(f["AmDe"])) for f, _ in lines), Decimal(0))
    debtor_line = {"VaAs": DEBTOR, "AcNr": debtor, **common, **_debit(total),
                   "Ds": _text(order, "Order")}  # fmt: skip
    return _body(day, todo.sales_journal or "", orders, [(debtor_line, []), *lines])


def payment_entry(
    order: Order,
    debtor: str,
    journal: str,
    account: str,
    orders: Mapping[str, Any],
    invoice: str,
) -> dict[str, Any]:
    """The FiEntries body of a paid order's payment: the debtor credited, the journal's
    account debited, matched to the sales entry or invoice by the invoice number."""
    day = datetime.now(UTC).date()
    common = {
        "EnDa": day.isoformat(),
        "BpDa": day.isoformat(),
        "BpNr": payment_voucher(order.reference),
    }
    amount = order.total_inc_tax
    lines: list[tuple[dict[str, Any], list[Any]]] = [
        ({"VaAs": LEDGER, "AcNr": account, **common, **_debit(amount),
          "Ds": _text(order, f"Payment {order.payment_method}")}, []),
        ({"VaAs": DEBTOR, "AcNr": debtor, **common, "InId": invoice,
          **_amounts(amount), "Ds": _text(order, f"Payment {order.payment_method}")}, []),
    ]  # fmt: skip
    return _body(day, journal, orders, lines)


def _paid_invoice(order: Order, todo: OrderInstructions) -> str:
    """The invoice number the payment settles: a direct invoice's own number (Profit's),
    else the order's reference (a journal entry's ``InId``; for a sales order, the open
    item Profit's later invoice is matched against)."""
    if todo.document_type is DocumentType.DIRECT_INVOICE and todo.document_number:
        return todo.document_number[:MAX_INVOICE]
    return invoice_number(order.reference)


def payment_voucher(reference: str) -> str:
    """The voucher number (``BpNr``) a payment of the order with ``reference`` is booked under."""
    return f"{PAYMENT_PREFIX}{reference}"[:MAX_VOUCHER]


def _body(
    day: date,
    journal: str,
    orders: Mapping[str, Any],
    lines: list[tuple[dict[str, Any], list[Any]]],
) -> dict[str, Any]:
    header = {
        "Year": day.year,
        "Peri": day.month,  # AFAS's default: twelve monthly periods per financial year
        "UnId": int(orders["administration"]) if orders.get("administration") else None,
        "JoCo": journal,
    }
    return envelope(ROOT, header, [child(CONNECTOR, lines)])


def _allocation(
    todo: OrderInstructions, orders: Mapping[str, Any]
) -> Callable[[Mapping[str, Any]], list[Any]]:
    """A line's cost allocation (``FiDimEntries``) on the storefront's cost centre and cost
    carrier: one element with a code per axis (``DiC1``..``DiC5``) and the line's amount."""
    codes = {f"DiC{axis}": code for axis, code in allocation_codes(todo, orders).items()}
    if not codes:
        return lambda fields: []
    return lambda fields: [
        child("FiDimEntries", [({**codes, "AmDe": fields["AmDe"], "AmCr": fields["AmCr"]}, [])])
    ]


def _day(order: Order) -> date:
    return (order.created_at or datetime.now(UTC)).date()


def _text(order: Order, what: str) -> str:
    return f"{what} BigCommerce order {order.bc_id}"[:255]


class Ledger:
    """Journal entries and payment bookings (a mixin of ``AfasConnector``)."""

    client: AfasClient
    entity: Callable[[str], EntityConfig]

    @property
    def orders_cfg(self) -> Mapping[str, Any]:
        raise NotImplementedError  # AfasConnector's

    def find_journal_entry(self, voucher: str) -> str | None:
        """The entry number of the booking with voucher number ``voucher`` (None: none)."""
        cfg = self.entity("journal_entries")
        if not cfg.connector:
            return None
        rows = self.client.get_rows(
            cfg.connector, filters=[[Filter(cfg["reference"], Op.EQ, voucher)]], take=1
        )
        return (text(rows[0].get(cfg["number"])) or voucher) if rows else None

    def require_journal_lookup(self, what: str) -> None:
        """Refuse to book without a way to find the booking again (it could be booked twice)."""
        if not self.entity("journal_entries").connector:
            raise FatalSyncError(
                f"{what} are booked as financial mutations, but no GetConnector is named to "
                "find them again (GetConnectors → Journal entries, e.g. BCApp_JournalEntries "
                "or Profit_Transactions): without it one could be booked twice."
            )

    def create_journal_entry(self, order: Order, debtor: str, todo: OrderInstructions) -> str:
        """Book ``order`` as a sales journal entry (FiEntries); its entry number."""
        if not todo.sales_journal:
            raise FatalSyncError(
                "Orders are booked as financial mutations, but no sales journal is chosen: "
                "name it in the order settings (Sales journal), then retry the order."
            )
        currency = str(self.orders_cfg.get("currency") or "EUR")
        if order.currency and order.currency.upper() != currency.upper():
            raise FatalSyncError(
                f"Order {order.bc_id} is in {order.currency}; financial mutations are booked in "
                f"the administration's currency ({currency}). Book it as a sales order or "
                "invoice instead."
            )
        booked = booking_for(order, todo)
        accounts = self._vat_accounts({code for code, amount in booked.vat.items() if amount})
        body = sales_entry(order, debtor, todo, accounts, self.orders_cfg, booked)
        return self._post_entry(body, order.reference)

    def book_payment(
        self, order: Order, customer_erp_id: str, instructions: OrderInstructions
    ) -> str:
        """Book the payment of a paid order on its debtor (PaymentBooking); exactly once."""
        self.require_journal_lookup("Payments")
        voucher = payment_voucher(order.reference)
        existing = self.find_journal_entry(voucher)
        if existing:
            return existing
        journal, _, account = (instructions.payment_journal or "").partition("/")
        account = account.strip() or str(self.orders_cfg.get("payment_account") or "")
        if not journal.strip() or not account:
            raise FatalSyncError(
                f'The payment journal of "{order.payment_method}" has no ledger account to '
                "book the money on: write it after the journal in the payment journal "
                'mapping (e.g. "MOL/1105"), or name the payments account in the AFAS settings.'
            )
        invoice = _paid_invoice(order, instructions)
        body = payment_entry(
            order, customer_erp_id, journal.strip(), account, self.orders_cfg, invoice
        )
        return self._post_entry(body, voucher)

    def _post_entry(self, body: Mapping[str, Any], voucher: str) -> str:
        result = self.client.post(CONNECTOR, body)
        number = text(result.get("EnNo")) or self.find_journal_entry(voucher) or ""
        if not number:
            raise FatalSyncError(
                f"AFAS accepted the financial mutation {voucher} but it cannot be found by its "
                "voucher number: check the journal entries GetConnector's fields.",
                remote="afas",
            )
        return number

    def _vat_accounts(self, codes: set[str]) -> dict[str, str]:
        """VAT code → the ledger account Profit books that code's VAT on."""
        if not codes:
            return {}
        connector, code_field, account_field = VAT_CODES
        try:
            rows = self.client.get_rows(
                connector, filters=[[Filter(code_field, Op.EQ, c)] for c in sorted(codes)],
                take=len(codes) + 10,
            )  # fmt: skip
        except BcappError as exc:
            raise FatalSyncError(
                f"The VAT codes' ledger accounts could not be read from AFAS ({connector}): add "
                f"that GetConnector to the app connector. AFAS says: {exc.message}"
            ) from exc
        accounts = {text(r.get(code_field)): text(r.get(account_field)) for r in rows}
        missing = sorted(c for c in codes if not accounts.get(c))
        if missing:
            raise FatalSyncError(
                f"AFAS has no VAT code (or no VAT account for) {', '.join(missing)}: fix the tax "
                "or VAT per country mapping, then retry the order.",
                details={"vat_codes": missing},
            )
        return accounts
