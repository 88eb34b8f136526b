"""Seed and inspection helpers of the AccountView sandbox (mixed into the sandbox class)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.sandbox.accountview.store import Clock, Company, Row


def num(value: Any) -> Decimal:
    return Decimal(str(value))


class Seeding:
    """Helpers that put data in a company as the merchant would in AccountView."""

    clock: Clock
    companies: dict[str, Company]

    def company(self, code: str | None = None) -> Company:
        """A company by code (the first one when ``code`` is None)."""
        if code is None:
            return next(iter(self.companies.values()))
        return next(c for c in self.companies.values() if c.code == code)

    def add_group(self, code: str, description: str = "", *, company: str | None = None) -> Row:
        """An article group (AG1 / ART_GRP)."""
        return self.company(company).add(
            "ART_GRP", {"AG_CODE": code, "AG_DESC": description or f"Group {code}"}, self.clock
        )

    def add_article(
        self,
        code: str,
        description: str = "",
        *,
        price: Any = "10.00",
        group: str = "",
        available: Any = 0,
        reserved: Any = 0,
        blocked: bool = False,
        company: str | None = None,
        **fields: Any,
    ) -> Row:
        """An article (AK1 / ARTICLE) with stock; a new group is created on the fly."""
        target = self.company(company)
        if group and target.find("ART_GRP", "AG_CODE", group) is None:
            self.add_group(group, company=company)
        row = {
            "ART_CODE": code,
            "ART_DESC1": description or f"Article {code}",
            "AG_CODE": group,
            "PX_SELL": num(price),
            facts.STOCK_AVAILABLE_FIELD: num(available),
            facts.STOCK_RESERVED_FIELD: num(reserved),
            facts.STOCK_FREE_FIELD: num(available) - num(reserved),
            facts.ARTICLE_BLOCKED_FIELD: blocked,
            **fields,
        }
        return target.add("ARTICLE", row, self.clock)

    def seed(self, articles: int, *, groups: int = 3, company: str | None = None) -> list[str]:
        """Articles A0001, A0002, … in groups G0, G1, …, with some stock each."""
        codes = []
        for i in range(1, articles + 1):
            code = f"A{i:04d}"
            group = f"G{i % groups}" if groups else ""
            self.add_article(code, price=Decimal(10) + i, group=group, available=i, company=company)
            codes.append(code)
        return codes

    def article(self, code: str, company: str | None = None) -> Row:
        row = self.company(company).find("ARTICLE", "ART_CODE", code)
        if row is None:
            raise KeyError(code)
        return row

    def touch_article(self, code: str, *, company: str | None = None, **changes: Any) -> Row:
        """Change an article as the merchant would (a new CNG_DATE)."""
        row = self.article(code, company)
        row.update(changes)
        row["CNG_DATE"] = self.clock.stamp()
        return row

    def set_stock(
        self, code: str, available: Any, reserved: Any = None, *, company: str | None = None
    ) -> Row:
        """Set an article's available (and reserved) quantity; free stock follows."""
        row = self.article(code, company)
        row[facts.STOCK_AVAILABLE_FIELD] = num(available)
        if reserved is not None:
            row[facts.STOCK_RESERVED_FIELD] = num(reserved)
        row[facts.STOCK_FREE_FIELD] = row[facts.STOCK_AVAILABLE_FIELD] - row.get(
            facts.STOCK_RESERVED_FIELD, Decimal(0)
        )
        row["CNG_DATE"] = self.clock.stamp()
        return row

    def add_debtor(
        self,
        email: str,
        name: str = "",
        *,
        number: str | None = None,
        company: str | None = None,
        **fields: Any,
    ) -> str:
        """A debtor (AR1 / CONTACT); returns its SUB_NR (numbered like AccountView does)."""
        target = self.company(company)
        if number is None:
            number = str(target.next_number("debtor", facts.FIRST_DEBTOR_NUMBER))
        row = {
            "SUB_NR": number,
            "ACCT_NAME": name or email,
            "SRC_CODE": (name or email).split("@")[0].upper()[:10],
            "MAIL_BUS": email,
            "ACCT_NR": "1300",
            **fields,
        }
        target.add("CONTACT", row, self.clock)
        return number

    def debtor(self, number: str, company: str | None = None) -> Row:
        row = self.company(company).find("CONTACT", "SUB_NR", number)
        if row is None:
            raise KeyError(number)
        return row

    def touch_debtor(self, number: str, *, company: str | None = None, **changes: Any) -> Row:
        """Change a debtor as the merchant would (a new CNG_DATE)."""
        row = self.debtor(number, company)
        row.update(changes)
        row["CNG_DATE"] = self.clock.stamp()
        return row

    def add_delivery_address(
        self, debtor: str, name: str, *, company: str | None = None, **fields: Any
    ) -> str:
        """A delivery address (ADDR / DEL_ADDR) of a debtor; returns its REC_ID."""
        target = self.company(company)
        rec_id = f"{target.next_number('DEL_ADDR'):06d}"
        row = {"REC_ID": rec_id, "SUB_NR": debtor, "DEL_NAME": name, **fields}
        target.add("DEL_ADDR", row, self.clock)
        return rec_id

    # -- inspection -------------------------------------------------------------------------

    def rows(self, table: str, company: str | None = None) -> list[Row]:
        """The stored rows of a table (live objects)."""
        return self.company(company).rows(table)

    def orders_with_reference(self, reference: str, company: str | None = None) -> list[Row]:
        """Sales orders whose COMMENT1 carries ``reference``."""
        field = facts.ORDER_REFERENCE_FIELD
        return [r for r in self.rows("SO_HDR", company) if r.get(field) == reference]

    def order_lines(self, order_number: str, company: str | None = None) -> list[Row]:
        return [r for r in self.rows("SO_LINE", company) if r.get("ORD_NR") == order_number]

    def debtors_with_email(self, email: str, company: str | None = None) -> list[Row]:
        wanted = email.strip().lower()
        return [
            r for r in self.rows("CONTACT", company) if str(r.get("MAIL_BUS", "")).lower() == wanted
        ]

    def journal_pages(self, invoice_number: str, company: str | None = None) -> list[Row]:
        return [r for r in self.rows("DJ_PAGE", company) if r.get("INV_NR") == invoice_number]
