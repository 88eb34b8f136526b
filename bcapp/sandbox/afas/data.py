"""The sandbox's tables and the GetConnectors that read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bcapp.sandbox.afas.query import FieldDef, GetConnectorDef

START = datetime(2026, 1, 1, 8, 0, 0)


def F(name: str, data_type: str = "string", label: str = "") -> FieldDef:
    return FieldDef(name, data_type, label)


#: Profit_VAT_code rows (the standard GetConnector; fields per profit-en-mutaties.json).
VAT_CODES = (
    {"VatCode": "1", "Description": "BTW hoog verkoop", "AccountNr": "1500", "VatPerc": 21.0,
     "VatDuty": "1", "Blocked": False, "VatMethod": "0", "VatType": "V"},
    {"VatCode": "2", "Description": "BTW laag verkoop", "AccountNr": "1510", "VatPerc": 9.0,
     "VatDuty": "1", "Blocked": False, "VatMethod": "0", "VatType": "V"},
    {"VatCode": "3", "Description": "BTW 0% verkoop", "AccountNr": "1520", "VatPerc": 0.0,
     "VatDuty": "1", "Blocked": False, "VatMethod": "0", "VatType": "V"},
    {"VatCode": "9", "Description": "Oud tarief (geblokkeerd)", "AccountNr": "1590",
     "VatPerc": 19.0, "VatDuty": "1", "Blocked": True, "VatMethod": "0", "VatType": "V"},
)  # fmt: skip
#: The BCApp_PaymentMethods and BCApp_DeliveryTypes GetConnectors a merchant imports with
#: the other BCApp_* definitions (payment methods are FbSales.PaTp, delivery types DtId).
PAYMENT_METHODS = (
    {"PaymentMethod": "IDL", "Description": "iDEAL"},
    {"PaymentMethod": "CC", "Description": "Creditcard"},
    {"PaymentMethod": "BNK", "Description": "Bankoverschrijving"},
    {"PaymentMethod": "REM", "Description": "Rembours"},
)
TRANSPORTERS = (  # FbSales.TrPt: a code of at most 16 characters
    {"Transporter": "POSTNL", "Description": "PostNL"},
    {"Transporter": "DHL", "Description": "DHL Parcel"},
    {"Transporter": "DPD", "Description": "DPD"},
)
DELIVERY_TYPES = (  # FbSales.DtId is an integer
    {"DeliveryType": "1", "Description": "PostNL pakket"},
    {"DeliveryType": "2", "Description": "DHL Parcel"},
    {"DeliveryType": "3", "Description": "Afhalen in de winkel"},
)
#: Profit_Accounts rows (the standard GetConnector; fields per profit-en-mutaties.json): a small
#: Dutch chart of accounts. Balance sheet ("B"): cash, bank and payment providers, the debtors'
#: summary (collective) accounts (ColA's kind) and VAT payable; profit and loss ("W"):
#: revenue per rate and region (one-stop-shop VAT), shipping and discounts.
LEDGER_ACCOUNTS = tuple(
    {"Account": account, "Description": name, "Type": kind, "Sort": "0" if kind == "B" else "1",
     "Blocked": blocked, "CollectAccount": collect, "VatAllowed": kind == "W",
     **({"CollectAccountType": "D"} if collect else {}),
     **({"VatCode": vat, "DimAx1": "1"} if vat else {})}
    for account, name, kind, collect, blocked, vat in (
        ("1000", "Kas", "B", False, False, ""),
        ("1100", "Bank", "B", False, False, ""),
        ("1105", "Mollie", "B", False, False, ""),
        ("1110", "PayPal", "B", False, False, ""),
        ("1300", "Debiteuren", "B", True, False, ""),
        ("1310", "Debiteuren webshop", "B", True, False, ""),
        ("1500", "Af te dragen BTW hoog", "B", False, False, ""),
        ("1510", "Af te dragen BTW laag", "B", False, False, ""),
        ("1520", "BTW 0%", "B", False, False, ""),
        ("1530", "Af te dragen BTW DE (OSS)", "B", False, False, ""),
        ("1590", "BTW oud", "B", False, False, ""),
        ("2000", "Kruisposten", "B", False, False, ""),
        ("8000", "Omzet hoog", "W", False, False, "1"),
        ("8010", "Omzet laag", "W", False, False, "2"),
        ("8020", "Omzet EU", "W", False, False, "3"),
        ("8100", "Omzet EU (OSS)", "W", False, False, ""),
        ("8110", "Omzet DE", "W", False, False, ""),
        ("8200", "Omzet buiten EU", "W", False, False, ""),
        ("8400", "Verzendkosten", "W", False, False, ""),
        ("8900", "Kortingen", "W", False, False, ""),
        ("8990", "Omzet oud (geblokkeerd)", "W", False, True, ""),
    )
)  # fmt: skip
#: Profit_Journals rows, per administration (UnitId): sales, bank, cash, payment providers.
JOURNALS = tuple(
    {"UnitId": unit, "JournalId": code, "Description": name, "JournalType": kind,
     "Blocked": False}
    for unit, code, name, kind in (
        (1, "70", "Verkoopboek", "V"), (1, "10", "Bank", "B"), (1, "20", "Kas", "K"),
        (1, "50", "ING Bank", "B"), (1, "51", "PayPal", "B"), (1, "MOL", "Mollie", "B"),
        (1, "90", "Memoriaal", "M"), (2, "71", "Verkoop B.V. 2", "V"),
    )
)  # fmt: skip
#: Profit_Allocation_Assigments rows: the codes of cost-allocation axis 1 (cost centres) and
#: 2 (cost carriers) allowed on the revenue accounts (one row per account and code).
ALLOCATIONS = tuple(
    {"Unit": 1, "Account": account, "DimAx": axis, "AxDescription": axis_name,
     "DimCode": code, "CodeDescription": name}
    for account in ("8000", "8010", "8020")
    for axis, axis_name, code, name in (
        ("1", "Kostenplaats", "WEB", "Webshop NL"),
        ("1", "Kostenplaats", "B2B", "Groothandel"),
        ("1", "Kostenplaats", "OUT", "Outlet"),
        ("2", "Kostendrager", "KLEDING", "Kleding"),
        ("2", "Kostendrager", "SCHOENEN", "Schoenen"),
    )
)  # fmt: skip
#: The BCApp_PaymentConditions GetConnector a merchant imports (AFAS has no standard one for
#: payment conditions; PaCd is at most 5 characters).
PAYMENT_CONDITIONS = (
    {"PaymentCondition": "0", "Description": "Direct betaald"},
    {"PaymentCondition": "14", "Description": "14 dagen netto"},
    {"PaymentCondition": "30", "Description": "30 dagen netto"},
)


@dataclass
class Tables:
    """Everything one AFAS environment knows, as plain dict rows."""

    articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    dimensions: list[dict[str, Any]] = field(default_factory=list)
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    stock: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    relations: dict[str, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    packing_slips: dict[str, dict[str, Any]] = field(default_factory=dict)
    credit_invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Direct invoices (FbDirectInvoice): invoice number → header fields and lines.
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Quotations (FbSalesQuotation): quotation number → header fields and lines.
    quotations: dict[str, dict[str, Any]] = field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Financial mutations (FiEntries) as Profit_Transactions rows: one per entry line.
    entries: list[dict[str, Any]] = field(default_factory=list)
    #: Code lists the settings page offers in its mapping pickers (see ``choice_connectors``).
    vat_codes: list[dict[str, Any]] = field(default_factory=lambda: list(VAT_CODES))
    payment_methods: list[dict[str, Any]] = field(default_factory=lambda: list(PAYMENT_METHODS))
    delivery_types: list[dict[str, Any]] = field(default_factory=lambda: list(DELIVERY_TYPES))
    transporters: list[dict[str, Any]] = field(default_factory=lambda: list(TRANSPORTERS))
    ledger_accounts: list[dict[str, Any]] = field(default_factory=lambda: list(LEDGER_ACCOUNTS))
    journals: list[dict[str, Any]] = field(default_factory=lambda: list(JOURNALS))
    allocations: list[dict[str, Any]] = field(default_factory=lambda: list(ALLOCATIONS))
    payment_conditions: list[dict[str, Any]] = field(
        default_factory=lambda: list(PAYMENT_CONDITIONS)
    )


class Clock:
    """Profit's modification stamps: whole seconds, advancing as the sandbox mutates."""

    def __init__(self, start: datetime = START, step: float = 1.0) -> None:
        self.now = start
        self.step = step

    def stamp(self) -> str:
        """The current time as AFAS writes it, then advance by ``step`` seconds."""
        value = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        self.now += timedelta(seconds=self.step)
        return value

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def num(value: Any) -> float | None:
    """JSON numbers like AFAS sends them."""
    return None if value is None else float(Decimal(str(value)))


def standard_connectors(t: Tables) -> list[GetConnectorDef]:
    """The standard Profit_* and the BCApp_* GetConnectors the sandbox offers."""
    return [
        GetConnectorDef(
            "BCApp_Articles",
            [
                F("ItemCode"),
                F("Description"),
                F("ExtraDescription"),
                F("ArtGroup"),
                F("Blocked", "boolean"),
                F("Barcode"),
                F("SalesPrice", "decimal"),
                F("VatPercentage", "decimal"),
                F("Weight", "decimal"),
                F("ImageUrl"),
                F("StockDimId1"),
                F("StockDimId2"),
                F("Webshop", "boolean"),
                F("Brand"),
                F("CountryOfOrigin"),
                F("CreateDate", "date"),
                F("ModifiedDate", "date"),
            ],
            lambda: list(t.articles.values()),
        ),
        GetConnectorDef(
            "Profit_Article",
            [
                F("ItemCode"),
                F("Description"),
                F("ExtraDescription"),
                F("UnitId"),
                F("ArtGroup"),
                F("Blocked", "boolean"),
                F("Barcode"),
                F("VATGroup"),
                F("StockDimId1"),
                F("StockDimId2"),
                F("CreateDate", "date"),
                F("ModifiedDate", "date"),
            ],
            lambda: list(t.articles.values()),
        ),
        GetConnectorDef(
            "BCApp_ArticleDimensions",
            [
                F("ItemCode"),
                F("StockDimCode1"),
                F("StockDimCode2"),
                F("Barcode"),
                F("SalesPrice", "decimal"),
                F("Blocked", "boolean"),
            ],
            lambda: list(t.dimensions),
        ),
        GetConnectorDef(
            "Profit_ArticleGroups",
            [F("Artikelgroep"), F("Omschrijving")],
            lambda: list(t.groups.values()),
        ),
        GetConnectorDef(
            "BCApp_Stock",
            [
                F("ItemCode"),
                F("StockDimCode1"),
                F("StockDimCode2"),
                F("Warehouse"),
                F("InStock", "decimal"),
                F("Reserved", "decimal"),
            ],
            lambda: list(t.stock.values()),
        ),
        GetConnectorDef(
            "Profit_Debtor",
            [
                F("DebtorId"),
                F("DebtorName"),
                F("BcCo"),
                F("Email"),
                F("TelNr"),
                F("VatNr"),
                F("Blocked", "boolean"),
                F("CreateDate", "date"),
                F("ModifiedDate", "date"),
            ],
            lambda: list(t.relations.values()),
        ),
        GetConnectorDef(
            "Profit_Salesorders",
            [
                F("OrderNumber"),
                F("Status"),
                F("OrderDate", "date"),
                F("DebtorId"),
                F("CurrencyId"),
                F("CustomerReference"),
                F("TotalAmount", "decimal"),
            ],
            lambda: list(t.orders.values()),
        ),
        GetConnectorDef(
            "BCApp_OrderStatus",
            [
                F("OrderNumber"),
                F("CustomerReference"),
                F("Status"),
                F("DebtorId"),
                F("TotalAmount", "decimal"),
                F("ModifiedDate", "date"),
            ],
            lambda: list(t.orders.values()),
        ),
        GetConnectorDef(
            "Profit_Subscriptions",
            [
                F("SubscriptionNr", "int"),
                F("DebtorId"),
                F("DateStartSub", "date"),
                F("Itemcode"),
                F("Quantity", "decimal"),
            ],
            lambda: _subscription_rows(t.subscriptions),
        ),
        GetConnectorDef(
            "BCApp_PackingSlips",
            [
                F("DeliveryNoteNumber"),
                F("OrderNumber"),
                F("CustomerReference"),
                F("DebtorId"),
                F("LineNumber", "int"),
                F("ItemCode"),
                F("StockDimCode1"),
                F("StockDimCode2"),
                F("Quantity", "decimal"),
                F("TrackTrace"),
                F("Transporter"),
                F("ReportedReady", "boolean"),
                F("DeliveryDate", "date"),
                F("ModifiedDate", "date"),
            ],
            lambda: _line_rows(t.packing_slips),
        ),
        GetConnectorDef(
            "Profit_VAT_code",
            [
                F("VatCode"),
                F("Description"),
                F("AccountNr"),
                F("VatPerc", "decimal"),
                F("VatDuty"),
                F("Blocked", "boolean"),
                F("VatMethod"),
                F("VatType"),
            ],
            lambda: list(t.vat_codes),
        ),
        GetConnectorDef(
            "BCApp_PaymentMethods",
            [F("PaymentMethod"), F("Description")],
            lambda: list(t.payment_methods),
        ),
        GetConnectorDef(
            "BCApp_Transporters",
            [F("Transporter"), F("Description")],
            lambda: list(t.transporters),
        ),
        GetConnectorDef(
            "BCApp_DeliveryTypes",
            [F("DeliveryType"), F("Description")],
            lambda: list(t.delivery_types),
        ),
        GetConnectorDef(
            "Profit_Accounts",
            [
                F("Account"),
                F("Description"),
                F("Type"),
                F("Sort"),
                F("Blocked", "boolean"),
                F("CollectAccount", "boolean"),
                F("CollectAccountType"),
                F("VatAllowed", "boolean"),
                F("VatCode"),
                F("DimAx1"),
            ],
            lambda: list(t.ledger_accounts),
        ),
        GetConnectorDef(
            "Profit_Journals",
            [
                F("UnitId", "int"),
                F("JournalId"),
                F("Description"),
                F("JournalType"),
                F("Blocked", "boolean"),
            ],
            lambda: list(t.journals),
        ),
        GetConnectorDef(
            "Profit_Allocation_Assigments",  # sic: AFAS's own spelling
            [
                F("Unit", "int"),
                F("Account"),
                F("DimAx"),
                F("AxDescription"),
                F("DimCode"),
                F("CodeDescription"),
            ],
            lambda: list(t.allocations),
        ),
        GetConnectorDef(
            "BCApp_PaymentConditions",
            [F("PaymentCondition"), F("Description")],
            lambda: list(t.payment_conditions),
        ),
        GetConnectorDef(
            "BCApp_SalesInvoices",
            [
                F("InvoiceNumber"),
                F("InvoiceDate", "date"),
                F("DebtorId"),
                F("CustomerReference"),
                F("TotalAmount", "decimal"),
            ],
            lambda: list(t.invoices.values()),
        ),
        *(
            GetConnectorDef(name, TRANSACTION_FIELDS, lambda: list(t.entries))
            for name in ("BCApp_JournalEntries", "Profit_Transactions")
        ),
        GetConnectorDef(
            "BCApp_SalesQuotations",
            [F("QuotationNumber"), F("DebtorId"), F("CustomerReference")],
            lambda: list(t.quotations.values()),
        ),
        GetConnectorDef(
            "BCApp_DeliveryAddresses",
            [
                F("DebtorId"),
                F("ContactId", "int"),
                F("AddressId", "int"),
                F("Street"),
                F("HouseNumber", "int"),
                F("HouseNumberAdd"),
                F("ZipCode"),
                F("City"),
                F("Country"),
                F("Blocked", "boolean"),
            ],
            lambda: _delivery_rows(t.relations),
        ),
        GetConnectorDef(
            "BCApp_CreditInvoices",
            [
                F("InvoiceNumber"),
                F("CustomerReference"),
                F("DebtorId"),
                F("LineNumber", "int"),
                F("ItemCode"),
                F("StockDimCode1"),
                F("StockDimCode2"),
                F("Quantity", "decimal"),
                F("AmountInclVat", "decimal"),
                F("InvoiceDate", "date"),
                F("ModifiedDate", "date"),
            ],
            lambda: _line_rows(t.credit_invoices),
        ),
    ]


#: Profit_Transactions' fields (profit-en-mutaties.json), one row per entry line.
TRANSACTION_FIELDS = [
    F("UnitId", "int"), F("EntryNo", "int"), F("SeqNo", "int"), F("Year", "int"),
    F("Period", "int"), F("JournalId"), F("AccountNo"), F("AmtDebit", "decimal"),
    F("AmtCredit", "decimal"), F("EntryDate", "date"), F("InvoiceId"), F("VoucherDate", "date"),
    F("VoucherNo"), F("VatCode"), F("VatAmt", "decimal"), F("Description"),
    F("Created", "date"), F("Modified", "date"),
]  # fmt: skip


def _subscription_rows(subs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "SubscriptionNr": int(number),
            "DebtorId": sub.get("DbId"),
            "DateStartSub": sub.get("SuSt"),
            "Itemcode": (sub["lines"] or [{}])[0].get("ItCd"),
            "Quantity": (sub["lines"] or [{}])[0].get("Qu"),
        }
        for number, sub in subs.items()
    ]


def _delivery_rows(relations: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The linked delivery addresses (contacts of kind AFL) of every sales relation."""
    return [
        {
            "DebtorId": number,
            "ContactId": a.get("ContactId"),
            "AddressId": a.get("AddressId"),
            "Street": a.get("Ad") or "",
            "HouseNumber": a.get("HmNr"),
            "HouseNumberAdd": a.get("HmAd") or "",
            "ZipCode": a.get("ZpCd") or "",
            "City": a.get("Rs") or "",
            "Country": a.get("CoId") or "",
            "Blocked": bool(a.get("Blocked")),
        }
        for number, row in relations.items()
        for a in row.get("DeliveryAddresses") or []
    ]


def _line_rows(docs: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Header fields repeated on every line, as AFAS GetConnectors on lines answer."""
    rows = []
    for doc in docs.values():
        head = {k: v for k, v in doc.items() if k != "lines"}
        for i, line in enumerate(doc["lines"], start=1):
            rows.append({**head, "LineNumber": i, **line})
    return rows


UPDATE_CONNECTORS = [
    ("KnSalesRelationPer", "Verkooprelatie persoon"),
    ("KnSalesRelationOrg", "Verkooprelatie organisatie"),
    ("KnContact", "Contact"),
    ("FbSales", "Verkooporder"),
    ("FbSubscription", "Abonnement"),
    ("FbDeliveryNote", "Pakbon"),
    ("FbDirectInvoice", "Directe verkoopfactuur"),
    ("FbSalesQuotation", "Offerte"),
    ("FiEntries", "Financiële mutatie"),
]
