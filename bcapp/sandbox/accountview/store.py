"""The sandbox's data: business objects, companies with their tables, the change clock."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bcapp.connectors.accountview import facts

START = datetime(2026, 1, 1, 8, 0, 0)
Row = dict[str, Any]


@dataclass(frozen=True)
class BusinessObjectDef:
    """A business object: its main table, its detail tables and what the API may do."""

    code: str
    description: str
    table: str
    details: tuple[str, ...] = ()
    insert: bool = True
    update: bool = True
    delete: bool = False

    def catalogue_entry(self) -> dict[str, Any]:
        """The shape of ``GET /accountviewsystembusinessobjects`` [V A1 types.go]."""
        return {
            "Code": self.code,
            "Description": self.description,
            "InsertAllowed": self.insert,
            "UpdateAllowed": self.update,
            "DeleteAllowed": self.delete,
        }


#: What the sandbox offers. No packing-slip or invoice document object: none is known
#: (README); invoices are sales-journal pages (DJ2 write, DJ2P read).
BUSINESS_OBJECTS: dict[str, BusinessObjectDef] = {
    bo.code: bo
    for bo in (
        BusinessObjectDef(facts.DEBTORS, "Debiteuren", "CONTACT"),
        BusinessObjectDef(facts.DELIVERY_ADDRESSES, "Afleveradressen", "DEL_ADDR"),
        BusinessObjectDef(facts.ARTICLES, "Artikelen", "ARTICLE"),
        BusinessObjectDef(facts.ARTICLE_GROUPS, "Artikelgroepen", "ART_GRP"),
        BusinessObjectDef(facts.SALES_ORDERS, "Verkooporders", "SO_HDR", ("SO_LINE",), True, False),
        BusinessObjectDef(
            facts.SALES_JOURNAL, "Dagboekbladzijden", "DJ_PAGE", ("DJ_LINE",), True, False
        ),
        BusinessObjectDef(
            facts.SALES_JOURNAL_READ,
            "Dagboekbladzijden (lezen)",
            "DJ_PAGE",
            ("DJ_LINE",),
            False,
            False,
        ),
        BusinessObjectDef(facts.JOURNALS, "Dagboeken", "DAILY", (), False, False),
        BusinessObjectDef(facts.VAT_CODES, "BTW-codes", "VAT", (), False, False),
        BusinessObjectDef(facts.LEDGER_ACCOUNTS, "Grootboekrekeningen", "LEDGER", (), False, False),
        BusinessObjectDef(facts.DATA_DICTIONARY, "Velden", "DCT_FLD", (), False, False),
    )
}


class Clock:
    """The administration's change clock: whole seconds, one step per stamp."""

    def __init__(self, start: datetime = START, step: float = 1.0) -> None:
        self.now = start
        self.step = step

    def stamp(self) -> datetime:
        """The current time for a CNG_DATE, then advance by ``step`` seconds."""
        value = self.now
        self.now += timedelta(seconds=self.step)
        return value

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def timestamp(self) -> float:
        """Epoch seconds of ``now`` (tie a client's clock to the sandbox with this)."""
        return self.now.timestamp()


@dataclass
class Company:
    """One administration: its own tables, reached by ``X-Company: <id>``."""

    code: str
    description: str
    id: str = ""
    tables: dict[str, list[Row]] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.id = self.id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"accountview:{self.code}"))

    def entry(self) -> dict[str, str]:
        """The shape of ``GET /companies`` [V A1]."""
        return {"Id": self.id, "Description": self.description, "Code": self.code}

    def rows(self, table: str) -> list[Row]:
        return self.tables.setdefault(table.upper(), [])

    def next_number(self, counter: str, start: int = 1) -> int:
        value = max(self.counters.get(counter, start - 1) + 1, start)
        self.counters[counter] = value
        return value

    def find(self, table: str, name: str, wanted: Any) -> Row | None:
        """The first row whose ``name`` equals ``wanted`` (text compared case-insensitively)."""
        for row in self.rows(table):
            here = row.get(name)
            if here == wanted or (
                isinstance(here, str) and isinstance(wanted, str) and here.upper() == wanted.upper()
            ):
                return row
        return None

    def add(self, table: str, row: Row, clock: Clock) -> Row:
        """Store a row with its internal number (EXT_KEY) and input/change stamps."""
        stamp = clock.stamp()
        stored = {"INP_DATE": stamp, "CNG_DATE": stamp, **row}
        stored["EXT_KEY"] = self.next_number(f"ext:{table}")
        self.rows(table).append(stored)
        return stored


def reference_data(company: Company, clock: Clock) -> None:
    """The VAT codes, ledger accounts and day books a fresh Dutch administration has."""
    for code, name, pct, account in (
        ("0", "Geen BTW", "0", "1500"),
        ("1", "BTW hoog", "21", "1500"),
        ("2", "BTW laag", "9", "1510"),
    ):
        company.add(
            "VAT",
            {
                "VAT_CODE": code,
                "VAT_NAME": name,
                "VAT_PCT": Decimal(pct),
                "VAT_TYPE": Decimal(1),
                "VAT_ACCT": account,
                "CALC_TYPE": Decimal(1),
                "FRM_CODE": "1a" if code == "1" else "1b",
            },
            clock,
        )
    for number, name, selling in (
        ("1300", "Debiteuren", False),
        ("1500", "Te betalen BTW hoog", False),
        ("1510", "Te betalen BTW laag", False),
        ("8000", "Omzet hoog", True),
        ("8010", "Omzet laag", True),
        ("8100", "Omzet verzendkosten", True),
    ):
        company.add(
            "LEDGER",
            {"ACCT_NR": number, "ACCT_NAME": name, "STAT_SELL": selling, "REC_BLK": False},
            clock,
        )
    company.add("DAILY", {"DJ_CODE": "VK", "DJ_NAME": "Verkoopboek", "DJ_TYPE": Decimal(3)}, clock)


def jsonable(value: Any) -> Any:
    """A stored value as AccountView's JSON shows it (numbers, ``2026-01-31T10:00:00``)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.strftime(facts.DATETIME_FORMAT)
    if isinstance(value, date):
        return value.strftime(facts.DATE_FORMAT) + "T00:00:00"
    return value
