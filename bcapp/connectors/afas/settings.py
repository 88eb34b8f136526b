"""AFAS settings: the JSON Schema the settings page renders, and its parsed form.

AFAS exposes data only through GetConnectors the merchant has in their
environment. The defaults below name the connectors and fields of the
``BCApp_*`` GetConnector definitions the merchant imports (their fields are
named like AFAS's standard connectors, e.g. ``Profit_Article``), plus standard
connectors where those are enough (``Profit_ArticleGroups``, ``Profit_Debtor``,
``Profit_Salesorders``). A merchant with their own connectors changes the id and
field names here; ``check()`` verifies every one through metainfo.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bcapp.errors import ConfigError
from bcapp.netguard import check_url

#: entity → (GetConnector id, {role: field name}); an empty field name means "not used".
ENTITY_DEFAULTS: dict[str, tuple[str, dict[str, str]]] = {
    "articles": (
        "BCApp_Articles",
        {
            "code": "ItemCode",
            "name": "Description",
            "description": "ExtraDescription",
            "group": "ArtGroup",
            "blocked": "Blocked",
            "ean": "Barcode",
            "price": "SalesPrice",
            "vat_rate": "VatPercentage",
            "weight": "Weight",
            "image_url": "ImageUrl",
            "brand": "",
            "publish": "",
            "dimension_1": "StockDimId1",
            "dimension_2": "StockDimId2",
            "modified": "ModifiedDate",
        },
    ),
    "dimensions": (
        "BCApp_ArticleDimensions",
        {
            "code": "ItemCode",
            "dim1": "StockDimCode1",
            "dim2": "StockDimCode2",
            "ean": "Barcode",
            "price": "SalesPrice",
            "blocked": "Blocked",
            "image_url": "",
        },
    ),
    "article_groups": (
        "Profit_ArticleGroups",
        {
            "id": "Artikelgroep",
            "name": "Omschrijving",
            "parent": "",
        },
    ),
    "stock": (
        "BCApp_Stock",
        {
            "code": "ItemCode",
            "dim1": "StockDimCode1",
            "dim2": "StockDimCode2",
            "warehouse": "Warehouse",
            "on_hand": "InStock",
            "reserved": "Reserved",
        },
    ),
    "debtors": (
        "Profit_Debtor",
        {
            "id": "DebtorId",
            "email": "Email",
            "name": "DebtorName",
            "phone": "TelNr",
            "vat": "VatNr",
            "modified": "ModifiedDate",
            "group": "",
        },
    ),
    "sales_orders": (
        "Profit_Salesorders",
        {
            "number": "OrderNumber",
            "reference": "CustomerReference",
            "debtor": "DebtorId",
        },
    ),
    "order_status": (
        "BCApp_OrderStatus",
        {
            "number": "OrderNumber",
            "reference": "CustomerReference",
            "status": "Status",
            "modified": "ModifiedDate",
            "total": "TotalAmount",
        },
    ),
    "subscriptions": ("Profit_Subscriptions", {"number": "SubscriptionNr"}),
    "packing_slips": (
        "BCApp_PackingSlips",
        {
            "number": "DeliveryNoteNumber",
            "order": "OrderNumber",
            "reference": "CustomerReference",
            "code": "ItemCode",
            "dim1": "StockDimCode1",
            "dim2": "StockDimCode2",
            "quantity": "Quantity",
            "tracking": "TrackTrace",
            "carrier": "Transporter",
            "ready": "ReportedReady",
            "date": "DeliveryDate",
            "modified": "ModifiedDate",
        },
    ),
    # Direct invoices found again by reference (exactly once); "" until the merchant books
    # orders as direct invoices and imports the BCApp_SalesInvoices GetConnector.
    "sales_invoices": ("", {"number": "InvoiceNumber", "reference": "CustomerReference"}),
    # Quotations likewise (BCApp_SalesQuotations), for stores that book orders as quotations.
    "sales_quotations": ("", {"number": "QuotationNumber", "reference": "CustomerReference"}),
    # Financial mutations (FiEntries: journal entries and booked payments) found again by
    # their voucher number; the fields are Profit_Transactions' (BCApp_JournalEntries).
    "journal_entries": ("", {"number": "EntryNo", "reference": "VoucherNo"}),
    "credit_invoices": (
        "BCApp_CreditInvoices",
        {
            "number": "InvoiceNumber",
            "reference": "CustomerReference",
            "code": "ItemCode",
            "dim1": "StockDimCode1",
            "dim2": "StockDimCode2",
            "quantity": "Quantity",
            "amount": "AmountInclVat",
            "date": "InvoiceDate",
            "modified": "ModifiedDate",
        },
    ),
    # The relations' linked delivery addresses (contacts of kind AFL), read to put the
    # address's number on an order (FbSales DlAd) and to block one the customer deleted in
    # the store. "" until the merchant imports the BCApp_DeliveryAddresses GetConnector:
    # orders then carry the delivery address as text (ExAd) only.
    "delivery_addresses": (
        "",
        {
            "debtor": "DebtorId",
            "contact": "ContactId",
            "address": "AddressId",
            "street": "Street",
            "number": "HouseNumber",
            "addition": "HouseNumberAdd",
            "zip": "ZipCode",
            "city": "City",
            "country": "Country",
            "blocked": "Blocked",
        },
    ),
}

#: Roles check() does not insist on: only the customers-to-store flow reads them (a
#: merchant's own debtors connector with just an id and an e-mail still passes).
OPTIONAL_ROLES: dict[str, frozenset[str]] = {
    "debtors": frozenset({"name", "phone", "vat", "modified", "group"}),
}

#: option → (default, JSON Schema type, title). Order options are what FbSales needs.
ORDER_OPTIONS: dict[str, tuple[Any, str, str]] = {
    "administration": (1, "integer", "Administration (Unit)"),
    "warehouse": ("", "string", "Warehouse (War)"),
    "unit": ("STK", "string", "Unit of sale (BiUn)"),
    "order_type": ("", "string", "Order type (ETOr)"),
    "prices_include_vat": (True, "boolean", "Order prices include VAT (InVa)"),
    "vat_duty": ("", "string", "VAT duty (VaDu)"),
    "shipping_item_code": ("", "string", "Shipping costs item code"),
    "shipping_item_type": ("6", "string", "Shipping costs item type (VaIt)"),
    "shipping_unit": ("*****", "string", "Shipping costs unit (BiUn)"),
    "subscription_item_type": ("2", "string", "Subscription item type (VaIt)"),
    "sales_channel": ("1", "string", "Sales channel (SaCh)"),
    "cost_centre_axis": (1, "integer", "Cost-allocation axis of the cost centre (V1Cd-V5Cd)"),
    "cost_carrier_axis": (
        2,
        "integer",
        "Cost-allocation axis of the cost carrier (V1Cd-V5Cd; not the cost centre's)",
    ),
    "currency": ("EUR", "string", "Currency of new sales relations"),
    "debtor_payment_condition": ("", "string", "Payment condition of new debtors (PaCd)"),
    "debtor_ledger_account": (
        "",
        "string",
        "Debtor ledger (summary) account of new debtors (ColA)",
    ),
    "payment_account": (
        "",
        "string",
        "Ledger account booked payments are debited on (bank, cash or payment-provider "
        "account), unless the payment journal mapping names one (JOURNAL/ACCOUNT)",
    ),
}
#: Order options whose codes AFAS can list: option → the ``choices`` table the settings
#: page offers as suggestions (:mod:`bcapp.connectors.afas.choices`).
OPTION_CHOICES: dict[str, str] = {
    "debtor_payment_condition": "payment_terms",
    "debtor_ledger_account": "debtor_account",
}
CATALOG_OPTIONS: dict[str, tuple[Any, str, str]] = {
    "article_prices_include_vat": (False, "boolean", "Article prices include VAT"),
    "dimension_separator": ("-", "string", "Separator in variant SKUs (code-dim1-dim2)"),
    "dimension_1_label": ("Size", "string", "Option name of article dimension 1"),
    "dimension_2_label": ("Colour", "string", "Option name of article dimension 2"),
    "custom_fields": ([], "array", "Article fields to copy as custom fields"),
}
ORDER_DEFAULTS: dict[str, Any] = {k: v[0] for k, v in ORDER_OPTIONS.items()}
CATALOG_DEFAULTS: dict[str, Any] = {k: v[0] for k, v in CATALOG_OPTIONS.items()}


def _options_schema(title: str, options: Mapping[str, tuple[Any, str, str]]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for name, (default, kind, label) in options.items():
        props[name] = {"type": kind, "title": label, "default": default}
        if name in OPTION_CHOICES:
            props[name]["x-choices"] = OPTION_CHOICES[name]
        if kind == "array":
            props[name]["items"] = {"type": "string"}
    return {"type": "object", "title": title, "properties": props}


def _entity_schema(entity: str) -> dict[str, Any]:
    connector, fields = ENTITY_DEFAULTS[entity]
    return {
        "type": "object",
        "title": entity.replace("_", " ").capitalize(),
        "properties": {
            "connector": {
                "type": "string",
                "title": "GetConnector id",
                "default": connector,
                "description": "Empty switches this entity off.",
            },
            "fields": {
                "type": "object",
                "properties": {
                    role: {
                        "type": "string",
                        "default": name,
                        "title": f"{role.replace('_', ' ').capitalize()} field",
                    }
                    for role, name in fields.items()
                },
            },
        },
    }


SETTINGS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "AFAS Profit",
    "type": "object",
    "required": ["environment", "token"],
    "properties": {
        "environment": {
            "type": "string",
            "title": "Environment number",
            "pattern": "^[0-9]{4,8}$",
            "description": "The digits in your AFAS Online address, e.g. 12345.",
        },
        "environment_type": {
            "type": "string",
            "title": "Environment type",
            "enum": ["production", "test", "acceptance"],
            "default": "production",
        },
        "token": {
            "type": "string",
            "title": "App connector token",
            "writeOnly": True,
            "description": "The token (the <data> part) of the app connector's user.",
        },
        "base_url": {
            "type": "string",
            "title": "Base URL override",
            "default": "",
            "description": "Only for a sandbox or demo environment.",
            "x-erp-address": "afas",  # bcapp.netguard: AFAS's own hosts only
        },
        "connectors": {
            "type": "object",
            "title": "GetConnectors",
            "properties": {entity: _entity_schema(entity) for entity in ENTITY_DEFAULTS},
        },
        "catalog": _options_schema("Products", CATALOG_OPTIONS),
        "orders": _options_schema("Sales orders", ORDER_OPTIONS),
    },
}


@dataclass(frozen=True)
class EntityConfig:
    """One GetConnector and the field names we read from it."""

    connector: str
    fields: Mapping[str, str]

    def __getitem__(self, role: str) -> str:
        return self.fields.get(role, "")


@dataclass(frozen=True)
class AfasSettings:
    """Parsed settings with defaults filled in."""

    environment: str
    environment_type: str
    token: str
    base_url: str
    entities: Mapping[str, EntityConfig]
    orders: Mapping[str, Any]
    catalog: Mapping[str, Any]

    @property
    def options(self) -> dict[str, Any]:
        """Catalog and order options in one mapping (their names do not overlap)."""
        return {**self.catalog, **self.orders}

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> AfasSettings:
        """Merge submitted values over the defaults; ConfigError when essentials are missing."""
        token = str(values.get("token") or "").strip()
        environment = str(values.get("environment") or "").strip()
        base = str(values.get("base_url") or "").strip()
        if not token:
            raise ConfigError("Enter the AFAS app connector token.")
        if not environment and not base:
            raise ConfigError("Enter the AFAS environment number (e.g. 12345).")
        if base:
            check_url("afas", base)
        given = values.get("connectors") or {}
        entities = {name: _entity(name, given.get(name) or {}) for name in ENTITY_DEFAULTS}
        orders = _options(ORDER_DEFAULTS, values.get("orders"))
        _check_axes(orders, values.get("orders") or {})
        catalog = _options(CATALOG_DEFAULTS, values.get("catalog"))
        return cls(
            environment=environment,
            environment_type=str(values.get("environment_type") or "production"),
            token=token,
            base_url=base,
            entities=entities,
            orders=orders,
            catalog=catalog,
        )


def _check_axes(orders: Mapping[str, Any], given: Mapping[str, Any]) -> None:
    """Refuse a cost carrier on the cost centre's axis: one line holds one code per axis.

    Only a carrier axis the merchant chose is refused; settings saved before the cost
    carrier existed keep working with the cost centre on axis 2, and the export refuses an
    order that would need both codes on that axis (:func:`cost_allocation`).
    """
    if given.get("cost_carrier_axis") is None:
        return
    if str(orders["cost_carrier_axis"]) == str(orders["cost_centre_axis"]):
        raise ConfigError(
            f"The cost carrier and the cost centre are both on cost-allocation axis "
            f"{orders['cost_centre_axis']}: a line has one code per axis. Choose another axis "
            "for the cost carrier (Sales orders → cost-allocation axis of the cost carrier)."
        )


def _options(defaults: Mapping[str, Any], given: Mapping[str, Any] | None) -> dict[str, Any]:
    merged = copy.deepcopy(dict(defaults))
    merged.update({k: v for k, v in (given or {}).items() if k in defaults and v is not None})
    return merged


def _entity(name: str, given: Mapping[str, Any]) -> EntityConfig:
    connector, fields = ENTITY_DEFAULTS[name]
    merged = dict(fields)
    merged.update({k: str(v) for k, v in (given.get("fields") or {}).items() if v is not None})
    chosen = given.get("connector")
    # "" switches the entity off; None (not given) keeps the default connector
    return EntityConfig(
        connector=connector if chosen is None else str(chosen).strip(), fields=merged
    )
