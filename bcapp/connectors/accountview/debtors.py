"""Debtors both ways: find by e-mail, create or update (AR1) with delivery addresses (ADDR),
and the changed debtors for the customers-to-store flow.

Matching is by ``MAIL_BUS`` (APIcenter's practice). AccountView's ``Equal`` filter may
compare like FoxPro's ``=`` (a prefix match unless SET EXACT is on), so every hit is
checked again here for an exact, case-insensitive e-mail. A new debtor is numbered by
AccountView, or from the merchant's range: the first free number of the range, found by
asking which of the next :data:`WINDOW` numbers are taken (one read) and remembered per
company for the next one. An update writes only the fields the customer carries (a
blank field is left alone) and never the search code, collective account or currency
(set once, at creation). Shipping addresses become delivery addresses (DEL_ADDR) when
the debtor has none at that street, postal code and country.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.changes import ChangeQuery, read_changes
from bcapp.connectors.accountview.client import AccountViewClient
from bcapp.connectors.accountview.dictionary import with_typed_values
from bcapp.connectors.accountview.envelopes import Document
from bcapp.connectors.accountview.mapping import (
    customer_from_contact,
    debtor_fields,
    delivery_address_fields,
    text,
)
from bcapp.connectors.accountview.query import Filter
from bcapp.connectors.accountview.settings import AccountViewSettings
from bcapp.connectors.base import Address, Batch, Customer
from bcapp.errors import ConfigError, FatalSyncError

Row = dict[str, Any]
CONTACT_FIELDS = (
    "SUB_NR", "ACCT_NAME", "MAIN_CONT", "ADDRESS1", "POST_CODE", "CITY", "CNT_CODE",
    "MAIL_BUS", "TEL_BUS", "VAT_NR", "REC_BLK", "CNG_DATE",
)  # fmt: skip
ADDRESS_FIELDS = (
    "REC_ID", "SUB_NR", "DEL_NAME", "ADDRESS1", "POST_CODE", "CITY", "CNT_CODE", "MAIL_BUS",
    "TEL_BUS",
)  # fmt: skip
#: Fields written only when the debtor is created (the merchant may change them later).
CREATE_ONLY = frozenset({"SRC_CODE", "ACCT_NR", "CUR_CODE"})
#: Debtor numbers asked about per read when numbering from a range; values per list filter.
WINDOW = facts.RANGE_PROBE
#: Attempts at a range number that another writer took between our read and our write.
NUMBER_ATTEMPTS = 3


def address_key(address: Address | Mapping[str, Any]) -> tuple[str, str, str]:
    """What makes two addresses the same delivery address: street, postal code, country."""
    if isinstance(address, Address):
        parts = (" ".join(p for p in (address.street, address.street2) if p),
                 address.postal_code, address.country_code)  # fmt: skip
    else:
        parts = (text(address, "ADDRESS1"), text(address, "POST_CODE"), text(address, "CNT_CODE"))
    return tuple("".join(p.split()).casefold() for p in parts)  # type: ignore[return-value]


class Debtors:
    """The debtor side of :class:`~.connector.AccountViewConnector` (a mixin)."""

    client: AccountViewClient
    settings: AccountViewSettings
    #: (company id, range) → the last number handed out, per worker process.
    _range_hints: ClassVar[dict[tuple[str, int, int], int]] = {}

    # -- reads ----------------------------------------------------------------------------

    def find_customer(self, email: str) -> str | None:
        """The debtor number (SUB_NR) whose business e-mail is exactly ``email``, if any."""
        wanted = email.strip().casefold()
        if not wanted:
            return None
        for rows in self.client.iter_rows(
            self.settings.bo("debtors"), "CONTACT", ("SUB_NR", "MAIL_BUS"),
            [Filter("MAIL_BUS", email.strip())], page_size=self.settings.page_size,
        ):  # fmt: skip
            for row in rows:
                if text(row, "MAIL_BUS").casefold() == wanted:
                    return text(row, "SUB_NR")
        return None

    def fetch_customers(self, cursor: str | None) -> Iterator[Batch[Customer]]:
        """Debtors changed after ``cursor`` (CNG_DATE, SUB_NR), with their delivery addresses."""
        query = ChangeQuery(
            self.settings.bo("debtors"), "CONTACT", "SUB_NR", self._contact_fields(),
            self.settings.page_size,
        )  # fmt: skip
        for rows, next_cursor in read_changes(self.client, query, cursor):
            addresses = self._delivery_rows([text(r, "SUB_NR") for r in rows])
            customers = (self._customer(r, addresses.get(text(r, "SUB_NR"), [])) for r in rows)
            yield Batch(tuple(customers), next_cursor)

    def fetch_customer(self, erp_id: str) -> Customer | None:
        """One debtor by number, with its delivery addresses (Retry; the echo check)."""
        row = self._contact_row(erp_id)
        if row is None:
            return None
        return self._customer(row, self._delivery_rows([erp_id]).get(erp_id, []))

    def _contact_fields(self) -> tuple[str, ...]:
        group = self.settings.group_field
        return (*CONTACT_FIELDS, group) if group else CONTACT_FIELDS

    def _contact_row(self, erp_id: str) -> Row | None:
        for rows in self.client.iter_rows(
            self.settings.bo("debtors"), "CONTACT", self._contact_fields(),
            [Filter("SUB_NR", erp_id)], page_size=self.settings.page_size,
        ):  # fmt: skip
            for row in rows:
                if text(row, "SUB_NR").upper() == erp_id.strip().upper():
                    return row
        return None

    def _customer(self, row: Mapping[str, Any], deliveries: Sequence[Row]) -> Customer:
        group = text(row, self.settings.group_field) if self.settings.group_field else ""
        return replace(customer_from_contact(row, deliveries), group=group)

    def _delivery_rows(self, debtors: Iterable[str]) -> dict[str, list[Row]]:
        """Delivery addresses per debtor number (one read per :data:`WINDOW` debtors)."""
        wanted = sorted({d for d in debtors if d})
        out: dict[str, list[Row]] = {}
        for start in range(0, len(wanted), WINDOW):
            chunk = wanted[start : start + WINDOW]
            for rows in self.client.iter_rows(
                self.settings.bo("delivery_addresses"), "DEL_ADDR", ADDRESS_FIELDS,
                [Filter("SUB_NR", chunk if len(chunk) > 1 else chunk[0])],
                page_size=self.settings.page_size,
            ):  # fmt: skip
                for row in rows:
                    out.setdefault(text(row, "SUB_NR"), []).append(row)
        return out

    # -- writes ---------------------------------------------------------------------------

    def upsert_customer(
        self, customer: Customer, erp_id: str | None = None, *, searched: bool = False
    ) -> str:
        """Create (or, with ``erp_id``, update) the debtor; returns its SUB_NR.

        Args:
            searched: the caller has just asked :meth:`find_customer` and found nothing
                (under its customer lock), so the same search is not sent again.
        """
        erp_id = erp_id or customer.erp_id
        if not erp_id and not searched:
            erp_id = self.find_customer(customer.email)
        if erp_id:
            self._update_debtor(erp_id, customer)
        else:
            erp_id = self._create_debtor(customer)
        self.delivery_codes(erp_id, customer.addresses[1:], billing=customer.addresses[:1])
        return erp_id

    def _update_debtor(self, erp_id: str, customer: Customer) -> None:
        fields = {k: v for k, v in debtor_fields(customer).items() if k not in CREATE_ONLY}
        fields = mapped_contact_fields(fields, customer)  # the merchant's field mapping wins
        document = Document("CONTACT", {**fields, "SUB_NR": erp_id}, action=facts.ROW_UPDATE)
        self.client.write(self.settings.bo("debtors"), [document], book_date=_today())

    def _create_debtor(self, customer: Customer) -> str:
        s = self.settings
        for _ in range(NUMBER_ATTEMPTS):
            number = self._next_number() if s.numbering == "range" else None
            fields = debtor_fields(customer, collective_account=s.collective_account,
                                   number=number, currency=s.currency)  # fmt: skip
            fields = mapped_contact_fields(fields, customer)  # the merchant's mapping wins
            try:
                written = self.client.write(
                    s.bo("debtors"), [Document("CONTACT", fields)], book_date=_today()
                )
            except FatalSyncError:
                if number is None or self._contact_row(number) is None:
                    raise  # refused for another reason than a number taken meanwhile
                continue
            created = next(iter(written.get("CONTACT") or []), {})
            debtor = text(created, "SUB_NR") or number or self.find_customer(customer.email)
            if not debtor:
                raise FatalSyncError(
                    f"AccountView created the debtor for {customer.email} but returned no "
                    "debtor number.",
                    remote="accountview",
                )
            return debtor
        raise FatalSyncError(
            "Other writers kept taking the next debtor number of the range: try again.",
            remote="accountview",
        )

    def _next_number(self) -> str:
        """The first free debtor number of the merchant's range (see the module docstring)."""
        s = self.settings
        key = (s.company_id, s.range_from, s.range_to)
        start = max(s.range_from, self._range_hints.get(key, 0))
        while start <= s.range_to:
            window = [str(n) for n in range(start, min(start + WINDOW, s.range_to + 1))]
            taken = {text(r, "SUB_NR") for r in self._rows_with("SUB_NR", window)}
            free = next((n for n in window if n not in taken), None)
            if free is not None:
                self._range_hints[key] = int(free) + 1
                return free
            start += WINDOW
        raise ConfigError(
            f"The debtor number range {s.range_from}–{s.range_to} is full: widen it in the "
            "settings (or let AccountView number new debtors)."
        )

    def _rows_with(self, field: str, values: list[str]) -> Iterator[Row]:
        for rows in self.client.iter_rows(
            self.settings.bo("debtors"), "CONTACT", ("SUB_NR",),
            [Filter(field, values if len(values) > 1 else values[0])],
            page_size=self.settings.page_size,
        ):  # fmt: skip
            yield from rows

    def delivery_codes(
        self, debtor: str, addresses: Sequence[Address], *, billing: Sequence[Address] = ()
    ) -> dict[tuple[str, str, str], str]:
        """REC_ID per address for ``debtor``'s delivery addresses, creating the missing ones.

        Addresses equal to the billing address (the debtor's own) need no delivery address.
        """
        own = {address_key(a) for a in billing}
        wanted = {address_key(a): a for a in addresses if a.street and address_key(a) not in own}
        if not wanted:
            return {}
        existing = {address_key(r): text(r, "REC_ID")
                    for r in self._delivery_rows([debtor]).get(debtor, [])}  # fmt: skip
        new = [key for key in wanted if key not in existing]
        if new:
            documents = [
                Document("DEL_ADDR", delivery_address_fields(wanted[k], debtor)) for k in new
            ]
            written = self.client.write(
                self.settings.bo("delivery_addresses"), documents, book_date=_today()
            )
            for row in written.get("DEL_ADDR") or []:
                existing[address_key(row)] = text(row, "REC_ID")
        return {key: existing[key] for key in wanted if key in existing}


def _today() -> date:
    """The BookDate of a debtor or address write (AccountView's administration date)."""
    return datetime.now(UTC).date()


def mapped_contact_fields(fields: dict[str, Any], customer: Customer) -> dict[str, Any]:
    """``fields`` with the merchant's mapped CONTACT fields, typed as AccountView's rows
    carry them."""
    return with_typed_values("CONTACT", fields, dict(customer.erp_fields))
