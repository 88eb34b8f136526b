"""What a write does beyond the dictionary: business rules, generated keys, side effects.

All rules of a request are checked before anything is stored (a refused write leaves
no trace). Rules per business object:

* AR1 debtors: SUB_NR is numbered from ``facts.FIRST_DEBTOR_NUMBER`` when not given,
  must be new on insert and known on update; the collective account (ACCT_NR) must exist.
* ADDR delivery addresses: the debtor must exist; REC_ID is generated.
* AK1/AG1 articles and groups: codes are unique; an article's group must exist.
* SO1 sales orders: invoice and delivery debtors exist and are not blocked, DEL_CODE is
  one of their delivery addresses, at least one line, every article exists and is not
  blocked, no zero quantities, a line's VAT code (if given) exists. ORD_NR is generated;
  each line's quantity is added to the article's reservations ([I] QTY_RES;
  QTY_FREE2 = QTY_AVAIL - QTY_RES) with a new CNG_DATE.
* DJ2 journal pages: the day book, debtor, ledger accounts and VAT codes exist, and the
  page balances: ``sum(AMOUNT) + sum(VAT_AMT) == 0``. PAGE_NR is numbered per day book.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.sandbox.accountview.spec import Dictionary
from bcapp.sandbox.accountview.store import Clock, Company, Row
from bcapp.sandbox.accountview.writes import Refused, WriteRequest, WriteRow, missing_mandatory

Check = Callable[["Writer", WriteRow, WriteRequest], list[str]]


class Writer:
    """Applies parsed writes to one company."""

    def __init__(self, company: Company, clock: Clock, dictionary: Dictionary) -> None:
        self.company = company
        self.clock = clock
        self.dictionary = dictionary

    def apply(self, request: WriteRequest) -> dict[str, list[Row]]:
        """Check every rule, then store; the written rows keyed by table."""
        errors: list[str] = []
        for header in request.headers:
            errors.extend(self._check(header, request))
        if errors:
            raise Refused(errors)
        written: dict[str, list[Row]] = {}
        for header in request.headers:
            if header.action == facts.ROW_UPDATE:
                rows = {header.table: [self._update(header)]}
            else:
                rows = INSERTS.get(request.bo.code, Writer._insert_plain)(self, header, request)
            for table, stored in rows.items():
                written.setdefault(table, []).extend(stored)
        return written

    # -- checks -------------------------------------------------------------------------

    def _check(self, header: WriteRow, request: WriteRequest) -> list[str]:
        if header.action == facts.ROW_UPDATE:
            if not request.bo.update:
                return [f"Business object {request.bo.code} does not allow updates."]
            return self._check_update(header)
        if not request.bo.insert:
            return [f"Business object {request.bo.code} does not allow inserts."]
        errors = missing_mandatory(header, self.dictionary)
        for detail in request.details:
            if detail.header_id == header.row_id:
                errors.extend(missing_mandatory(detail, self.dictionary))
        return errors + CHECKS.get(request.bo.code, _no_rules)(self, header, request)

    def _check_update(self, header: WriteRow) -> list[str]:
        key = facts.table_key(header.table)
        wanted = header.values.get(key)
        if wanted in (None, "") or self.company.find(header.table, key, wanted) is None:
            return [f"{header.table} row with {key} '{wanted}' does not exist."]
        return []

    def exists(self, table: str, field: str, value: Any) -> bool:
        return value in (None, "") or self.company.find(table, field, value) is not None

    def blocked(self, table: str, field: str, value: Any) -> bool:
        row = self.company.find(table, field, value)
        return bool(row and row.get("REC_BLK"))

    # -- effects ------------------------------------------------------------------------

    def _update(self, header: WriteRow) -> Row:
        key = facts.table_key(header.table)
        row = self.company.find(header.table, key, header.values[key])
        assert row is not None  # checked
        row.update(header.values)
        row["CNG_DATE"] = self.clock.stamp()
        return row

    def _insert_plain(self, header: WriteRow, request: WriteRequest) -> dict[str, list[Row]]:
        values = dict(header.values)
        if header.table == "DEL_ADDR":
            values["REC_ID"] = self._number("DEL_ADDR")
        if header.table == "CONTACT" and not values.get("SUB_NR"):
            values["SUB_NR"] = self._debtor_number()
        if header.table == "ARTICLE":
            values = {"QTY_AVAIL": Decimal(0), "QTY_RES": Decimal(0), **values}
            values["QTY_FREE2"] = values["QTY_AVAIL"] - values["QTY_RES"]
        return {header.table: [self.company.add(header.table, values, self.clock)]}

    def _number(self, counter: str) -> str:
        return f"{self.company.next_number(counter):06d}"

    def _debtor_number(self) -> str:
        number = self.company.next_number("debtor", facts.FIRST_DEBTOR_NUMBER)
        while self.company.find("CONTACT", "SUB_NR", str(number)) is not None:
            number = self.company.next_number("debtor")
        return str(number)

    def _insert_order(self, header: WriteRow, request: WriteRequest) -> dict[str, list[Row]]:
        number = self._number("order")
        values = {"ORD_DATE": self.clock.now, **header.values, facts.ORDER_NUMBER_FIELD: number}
        stored = self.company.add("SO_HDR", values, self.clock)
        lines = []
        for line in request.details_of(header, "SO_LINE"):
            row = {**line.values, "REC_ID": self._number("SO_LINE"), "ORD_NR": number}
            row["__header"] = stored["EXT_KEY"]
            lines.append(self.company.add("SO_LINE", row, self.clock))
            self._reserve(str(line.values["ART_CODE"]), line.values["ORD_QTY"])
        return {"SO_HDR": [stored], "SO_LINE": lines}

    def _reserve(self, code: str, quantity: Decimal) -> None:
        article = self.company.find("ARTICLE", "ART_CODE", code)
        if article is None:
            return
        reserved = article.get(facts.STOCK_RESERVED_FIELD, Decimal(0)) + quantity
        article[facts.STOCK_RESERVED_FIELD] = reserved
        article[facts.STOCK_FREE_FIELD] = article.get(facts.STOCK_AVAILABLE_FIELD, 0) - reserved
        article["CNG_DATE"] = self.clock.stamp()

    def _insert_page(self, header: WriteRow, request: WriteRequest) -> dict[str, list[Row]]:
        journal = str(header.values["DJ_CODE"])
        page_nr = str(self.company.next_number(f"page:{journal.upper()}"))
        stored = self.company.add("DJ_PAGE", {**header.values, "PAGE_NR": page_nr}, self.clock)
        lines = []
        for line in request.details_of(header, "DJ_LINE"):
            row = {
                "TRN_DATE": header.values.get("TRN_DATE"),
                **line.values,
                "DJ_CODE": journal,
                "PAGE_NR": page_nr,
                "REC_ID": self._number("DJ_LINE"),
                "SRC_ID": page_nr,
                "SRC_TYPE": Decimal(1),
                "__header": stored["EXT_KEY"],
            }
            lines.append(self.company.add("DJ_LINE", row, self.clock))
        return {"DJ_PAGE": [stored], "DJ_LINE": lines}


def _no_rules(writer: Writer, header: WriteRow, request: WriteRequest) -> list[str]:
    return []


def _debtor_rules(writer: Writer, header: WriteRow, request: WriteRequest) -> list[str]:
    errors = []
    number = header.values.get("SUB_NR")
    if number and writer.company.find("CONTACT", "SUB_NR", number) is not None:
        errors.append(f"Debtor number {number} already exists.")
    if not writer.exists("LEDGER", "ACCT_NR", header.values.get("ACCT_NR")):
        errors.append(f"Ledger account {header.values['ACCT_NR']} does not exist.")
    return errors


def _address_rules(writer: Writer, header: WriteRow, request: WriteRequest) -> list[str]:
    number = header.values.get("SUB_NR")
    return (
        [] if writer.exists("CONTACT", "SUB_NR", number) else [f"Debtor {number} does not exist."]
    )


def _article_rules(writer: Writer, header: WriteRow, request: WriteRequest) -> list[str]:
    errors = []
    code, group = header.values.get("ART_CODE"), header.values.get("AG_CODE")
    if writer.company.find("ARTICLE", "ART_CODE", code) is not None:
        errors.append(f"Article {code} already exists.")
    if not writer.exists("ART_GRP", "AG_CODE", group):
        errors.append(f"Article group {group} does not exist.")
    return errors


def _group_rules(writer: Writer, header: WriteRow, request: WriteRequest) -> list[str]:
    code = header.values.get("AG_CODE")
    found = writer.company.find("ART_GRP", "AG_CODE", code)
    return [f"Article group {code} already exists."] if found is not None else []


def _order_rules(writer: Writer, header: WriteRow, request: WriteRequest) -> list[str]:
    errors = []
    for field in ("RPL_INV", "RPL_DEL"):
        debtor = header.values.get(field)
        if not writer.exists("CONTACT", "SUB_NR", debtor):
            errors.append(f"Debtor {debtor} does not exist.")
        elif debtor and writer.blocked("CONTACT", "SUB_NR", debtor):
            errors.append(f"Debtor {debtor} is blocked.")
    errors.extend(_delivery_code_rule(writer, header))
    lines = request.details_of(header, "SO_LINE")
    if not lines:
        errors.append("A sales order needs at least one line.")
    for line in lines:
        code = line.values.get("ART_CODE")
        if not writer.exists("ARTICLE", "ART_CODE", code):
            errors.append(f"Article {code} does not exist.")
        elif writer.blocked("ARTICLE", "ART_CODE", code):
            errors.append(f"Article {code} is blocked.")
        if not line.values.get("ORD_QTY"):
            errors.append(f"The quantity of article {code} must not be 0.")
        if not writer.exists("VAT", "VAT_CODE", line.values.get("VAT_CODE")):
            errors.append(f"VAT code {line.values.get('VAT_CODE')} does not exist.")
    return errors


def _delivery_code_rule(writer: Writer, header: WriteRow) -> list[str]:
    code = header.values.get("DEL_CODE")
    if not code:
        return []
    address = writer.company.find("DEL_ADDR", "REC_ID", code)
    debtors = {header.values.get("RPL_INV"), header.values.get("RPL_DEL")}
    if address is None or address.get("SUB_NR") not in debtors:
        return [
            f"Delivery address {code} does not belong to debtor {header.values.get('RPL_DEL')}."
        ]
    return []


def _page_rules(writer: Writer, header: WriteRow, request: WriteRequest) -> list[str]:
    errors = []
    if not writer.exists("DAILY", "DJ_CODE", header.values.get("DJ_CODE")):
        errors.append(f"Day book {header.values.get('DJ_CODE')} does not exist.")
    if not writer.exists("CONTACT", "SUB_NR", header.values.get("SUB_NR")):
        errors.append(f"Debtor {header.values.get('SUB_NR')} does not exist.")
    lines = request.details_of(header, "DJ_LINE")
    if not lines:
        errors.append("A journal page needs at least one line.")
    for line in lines:
        if not writer.exists("LEDGER", "ACCT_NR", line.values.get("ACCT_NR")):
            errors.append(f"Ledger account {line.values.get('ACCT_NR')} does not exist.")
        if not writer.exists("VAT", "VAT_CODE", line.values.get("VAT_CODE")):
            errors.append(f"VAT code {line.values.get('VAT_CODE')} does not exist.")
    balance = sum(
        (
            line.values.get("AMOUNT", Decimal(0)) + line.values.get("VAT_AMT", Decimal(0))
            for line in lines
        ),
        Decimal(0),
    )
    if balance:
        errors.append(f"The page is not in balance (difference {balance:.2f}).")
    return errors


CHECKS: dict[str, Check] = {
    facts.DEBTORS: _debtor_rules,
    facts.DELIVERY_ADDRESSES: _address_rules,
    facts.ARTICLES: _article_rules,
    facts.ARTICLE_GROUPS: _group_rules,
    facts.SALES_ORDERS: _order_rules,
    facts.SALES_JOURNAL: _page_rules,
}
INSERTS: dict[str, Callable[[Writer, WriteRow, WriteRequest], dict[str, list[Row]]]] = {
    facts.SALES_ORDERS: Writer._insert_order,
    facts.SALES_JOURNAL: Writer._insert_page,
}
