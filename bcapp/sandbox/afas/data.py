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

#: Ledger accounts of the sandbox's administration (a Dutch chart of accounts, abridged).
LEDGER_ACCOUNTS = {
    "1100": "Bank", "1105": "Mollie", "1110": "PayPal", "1000": "Kas", "1300": "Debiteuren",
    "1500": "Af te dragen BTW hoog", "1510": "Af te dragen BTW laag", "1520": "BTW 0%",
    "1590": "BTW oud", "2000": "Kruisposten", "8000": "Omzet NL hoog", "8010": "Omzet NL laag",
    "8100": "Omzet EU (OSS)", "8110": "Omzet DE", "8200": "Omzet buiten EU",
    "8400": "Verzendkosten", "8900": "Kortingen",
}  # fmt: skip
#: Journals (Profit_Journals): sales, bank and payment-provider journals.
JOURNALS = (
    {"UnitId": 1, "JournalId": "70", "Description": "Verkoopboek", "JournalType": "V",
     "Blocked": False},
    {"UnitId": 1, "JournalId": "10", "Description": "Bank", "JournalType": "B", "Blocked": False},
    {"UnitId": 1, "JournalId": "MOL", "Description": "Mollie", "JournalType": "B",
     "Blocked": False},
    {"UnitId": 1, "JournalId": "20", "Description": "Kas", "JournalType": "K", "Blocked": False},
)  # fmt: skip


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
    ledger_accounts: dict[str, str] = field(default_factory=lambda: dict(LEDGER_ACCOUNTS))
    journals: list[dict[str, Any]] = field(default_factory=lambda: list(JOURNALS))
    #: Code lists the settings page offers in its mapping pickers (see ``choice_connectors``).
    vat_codes: list[dict[str, Any]] = field(default_factory=lambda: list(VAT_CODES))
    payment_methods: list[dict[str, Any]] = field(default_factory=lambda: list(PAYMENT_METHODS))
    delivery_types: list[dict[str, Any]] = field(default_factory=lambda: list(DELIVERY_TYPES))
    transporters: list[dict[str, Any]] = field(default_factory=lambda: list(TRANSPORTERS))


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
