"""Sales invoices as sales-journal pages (DJ2: DJ_PAGE + DJ_LINE): pure, no I/O.

Seed 001's second order type. AccountView has no invoice business object that we know
of (README), so an invoice is booked as a journal page in the sales day book: a debtor
line on the collective account for the gross total and one revenue line per (ledger
account, VAT code). Debit positive, credit negative; the page balances.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bcapp.connectors.accountview.dictionary import BUILTIN
from bcapp.connectors.accountview.envelopes import Detail, Document
from bcapp.connectors.base import OrderLine

CENT = Decimal("0.01")


def fit(table: str, field: str, raw: str) -> str:
    """``raw`` cut to the length of ``table.field`` in the built-in dictionary."""
    return BUILTIN[table][field].fits(raw.strip())


@dataclass(frozen=True)
class JournalLine:
    """Revenue on one ledger account with one VAT code (amounts as the customer pays them:
    positive for an invoice, negative for a credit note)."""

    ledger_account: str
    vat_code: str
    net_amount: Decimal
    vat_amount: Decimal
    description: str = ""


def journal_lines(
    lines: Iterable[OrderLine],
    account_for: Callable[[OrderLine], tuple[str, str]],
    *,
    extra: Iterable[JournalLine] = (),
) -> list[JournalLine]:
    """Order lines grouped per (ledger account, VAT code), net and VAT in cents.

    ``account_for`` maps a line to its (ledger account, VAT code): the merchant's mapping.
    ``extra`` adds lines as they are (shipping, fees).
    """
    totals: dict[tuple[str, str], tuple[Decimal, Decimal]] = {}
    for line in lines:
        gross = line.price_inc_tax * line.quantity - line.discount
        ratio = line.price_ex_tax / line.price_inc_tax if line.price_inc_tax else Decimal(1)
        net = line.price_ex_tax * line.quantity - line.discount * ratio
        key = account_for(line)
        old_net, old_vat = totals.get(key, (Decimal(0), Decimal(0)))
        totals[key] = (old_net + net, old_vat + gross - net)
    grouped = [
        JournalLine(
            account, vat, net.quantize(CENT, ROUND_HALF_UP), vat_amt.quantize(CENT, ROUND_HALF_UP)
        )
        for (account, vat), (net, vat_amt) in totals.items()
    ]
    return grouped + list(extra)


def sales_journal_page(
    *,
    journal: str,
    debtor_number: str,
    debtor_account: str,
    invoice_number: str,
    booked_on: date,
    description: str,
    lines: Sequence[JournalLine],
) -> Document:
    """A sales-journal page (DJ2: DJ_PAGE + DJ_LINE) that balances.

    Sign convention (assumed, see README): debit positive, credit negative. The debtor
    line debits the collective account with the gross total; each revenue line credits
    its ledger account with the net amount and its VAT (VAT_AMT, booked by AccountView
    on the VAT code's account). So ``sum(AMOUNT) + sum(VAT_AMT) == 0``.
    """
    invoice = fit("DJ_PAGE", "INV_NR", invoice_number)
    gross = sum((line.net_amount + line.vat_amount for line in lines), Decimal(0))
    page = {
        "DJ_CODE": journal,
        "SUB_NR": debtor_number,
        "INV_NR": invoice,
        "TRN_DATE": booked_on,
        "HDR_DESC": fit("DJ_PAGE", "HDR_DESC", description),
    }
    debtor_line = {
        "ACCT_NR": debtor_account,
        "SUB_NR": debtor_number,
        "INV_NR": invoice,
        "TRN_DATE": booked_on,
        "TRN_DESC": fit("DJ_LINE", "TRN_DESC", description),
        "AMOUNT": gross,
    }
    revenue = [
        {
            "ACCT_NR": line.ledger_account,
            "VAT_CODE": line.vat_code,
            "AMOUNT": -line.net_amount,
            "BASE_AMT": -line.net_amount,
            "VAT_AMT": -line.vat_amount,
            "TRN_DATE": booked_on,
            "TRN_DESC": fit("DJ_LINE", "TRN_DESC", line.description or description),
        }
        for line in lines
    ]
    return Document("DJ_PAGE", page, (Detail("DJ_LINE", (debtor_line, *revenue)),))
