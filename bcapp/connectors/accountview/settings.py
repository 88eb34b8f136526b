"""AccountView settings: the JSON Schema the settings page renders, and its parsed form.

What the merchant decides (defaults in brackets):

* the AccountView.net app (client id, client secret — ``writeOnly``, the site: production
  [www.accountview.net], the test host or a sandbox) and the company (``X-Company``),
  which the connect wizard fills in after the OAuth sign-in;
* which business objects hold what [AK1 articles, AG1 groups, AR1 debtors, ADDR delivery
  addresses, SO1 sales orders, DJ2/DJ2P journal pages] and which fields: the sales price
  [PX_SELL], the stock figures the stock formula uses [available QTY_AVAIL, reserved
  QTY_RES], the debtor field mapped onto a BigCommerce customer group [RPL_GRP];
* new debtors: numbered by AccountView [auto] or from a range, on a collective account
  [1300], in a currency [AccountView's];
* orders: sales orders (SO1) or sales invoices (DJ2 journal pages, with the day book
  [VK], revenue accounts per VAT code, the shipping revenue account and VAT codes per
  rate), the shipping-cost article [none], whether order prices include VAT [no];
* the read page size [200].

Maps (VAT code → ledger account, rate → VAT code) are lists of ``key=value`` texts so
the settings form renders them as one comma-separated field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from bcapp.connectors.accountview import facts
from bcapp.errors import ConfigError

ORDER_TYPES = ("sales_order", "invoice")
NUMBERING = ("auto", "range")
#: ARTICLE fields that can serve as the available / reserved figure of the stock formula.
STOCK_FIELDS = ("QTY_AVAIL", "QTY_FREE2", "QTY_RES", "QTY_TECH", "QTY_BESTEL")
#: ARTICLE fields that can be the store price.
PRICE_FIELDS = ("PX_SELL", "COST_PX")
#: CONTACT fields that can say which customer group a debtor belongs to (CONTACT dictionary).
GROUP_FIELDS = ("RPL_GRP", "APX_LIST", "PCT_LIST", "QD_CODE", "REV_CAT", "SIC_CODE")

BUSINESS_OBJECTS: dict[str, tuple[str, str]] = {
    "articles": (facts.ARTICLES, "Articles (table ARTICLE)"),
    "article_groups": (facts.ARTICLE_GROUPS, "Article groups (table ART_GRP)"),
    "debtors": (facts.DEBTORS, "Debtors (table CONTACT)"),
    "delivery_addresses": (facts.DELIVERY_ADDRESSES, "Delivery addresses (table DEL_ADDR)"),
    "sales_orders": (facts.SALES_ORDERS, "Sales orders (SO_HDR + SO_LINE)"),
    "journal": (facts.SALES_JOURNAL, "Journal pages, writing (DJ_PAGE + DJ_LINE)"),
    "journal_read": (facts.SALES_JOURNAL_READ, "Journal pages, reading"),
}
DEFAULT_REVENUE_ACCOUNTS = ["0=8000", "1=8000", "2=8010"]
DEFAULT_VAT_CODES = ["21=1", "9=2", "0=0"]


def _text(title: str, default: str = "", description: str = "", **more: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "string", "title": title, "default": default, **more}
    if description:
        spec["description"] = description
    return spec


def _choice(
    title: str, options: tuple[str, ...], default: str, description: str = ""
) -> dict[str, Any]:
    return _text(title, default, description, enum=list(options))


def _pairs(title: str, default: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "title": title,
        "items": {"type": "string"},
        "default": default,
        "description": description,
    }


SETTINGS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "AccountView",
    "type": "object",
    "properties": {
        "client_id": _text(
            "Client id",
            description="Of the app registered under Ontwikkelaar on accountview.net "
            "(needed before connecting).",
        ),
        "client_secret": {"type": "string", "title": "Client secret", "writeOnly": True},
        "base_url": _text(
            "AccountView.net address",
            facts.PRODUCTION_URL,
            f"{facts.TEST_URL} for AccountView's test environment.",
            format="url",
        ),
        # picked after the sign-in (x-managed: no form field), never typed
        "company_id": {
            **_text("Company", description="Chosen when you connect AccountView (X-Company)."),
            "x-managed": True,
        },
        "company_name": {
            **_text("Company name", description="Shown in the app; set when connecting."),
            "x-managed": True,
        },
        "page_size": {
            "type": "integer",
            "title": "Rows per read",
            "default": facts.DEFAULT_PAGE_SIZE,
            "minimum": 20,
            "maximum": facts.MAX_PAGE_SIZE,
        },
        "business_objects": {
            "type": "object",
            "title": "Business objects",
            "properties": {
                name: _text(label, code) for name, (code, label) in BUSINESS_OBJECTS.items()
            },
        },
        "articles": {
            "type": "object",
            "title": "Articles",
            "properties": {
                "price_field": _choice("Price field", PRICE_FIELDS, "PX_SELL"),
                "prices_include_vat": {
                    "type": "boolean",
                    "title": "Article prices include VAT",
                    "default": False,
                },
            },
        },
        "stock": {
            "type": "object",
            "title": "Stock",
            "properties": {
                "available_field": _choice(
                    "Available stock field",
                    STOCK_FIELDS,
                    facts.STOCK_AVAILABLE_FIELD,
                    "The 'on hand' figure of the stock calculation.",
                ),
                "reserved_field": _choice(
                    "Reserved stock field",
                    ("", *STOCK_FIELDS),
                    facts.STOCK_RESERVED_FIELD,
                    "Subtracted when the stock calculation is 'on hand minus reserved'; "
                    "empty: none.",
                ),
            },
        },
        "customers": {
            "type": "object",
            "title": "Debtors",
            "properties": {
                "numbering": _choice(
                    "New debtor numbers",
                    NUMBERING,
                    "auto",
                    "auto: AccountView numbers them; range: from the range below.",
                ),
                "range_from": {"type": "integer", "title": "Range from", "default": 0},
                "range_to": {"type": "integer", "title": "Range to", "default": 0},
                "collective_account": _text(
                    "Collective account", "1300", "The debtors ledger account (verzamelrekening)."
                ),
                "currency": _text("Currency of new debtors", description="Empty: AccountView's."),
                "group_field": _choice(
                    "Customer group field",
                    ("", *GROUP_FIELDS),
                    facts.DEFAULT_GROUP_FIELD,
                    "The debtor field mapped onto a BigCommerce customer group.",
                ),
            },
        },
        "orders": {
            "type": "object",
            "title": "Orders",
            "properties": {
                "order_type": {
                    **_choice("Send orders as", ORDER_TYPES, "sales_order"),
                    "x-enumNames": ["Sales orders", "Sales invoices (journal)"],
                },
                "shipping_article": _text(
                    "Shipping-cost article", description="Empty: no shipping line."
                ),
                "prices_include_vat": {
                    "type": "boolean",
                    "title": "Order prices include VAT",
                    "default": False,
                },
                "journal": _text("Sales day book (invoices)", "VK"),
                "revenue_accounts": _pairs(
                    "Revenue account per VAT code (invoices)",
                    DEFAULT_REVENUE_ACCOUNTS,
                    "code=ledger account, e.g. 1=8000",
                ),
                "shipping_account": _text("Shipping revenue account (invoices)", "8100"),
                "vat_codes": _pairs(
                    "VAT code per rate",
                    DEFAULT_VAT_CODES,
                    "rate=VAT code, e.g. 21=1; used where the tax mapping names no code",
                ),
            },
        },
    },
}


def pairs(items: Any, what: str) -> dict[str, str]:
    """``["1=8000", ...]`` (or a mapping) → ``{"1": "8000"}``; ConfigError for a bad item."""
    if isinstance(items, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in items.items()}
    out: dict[str, str] = {}
    for item in items or ():
        key, sep, value = str(item).partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"AccountView settings: '{item}' in {what} is not 'key=value'.")
        out[key.strip()] = value.strip()
    return out


def _section(values: Mapping[str, Any], name: str) -> dict[str, Any]:
    specs = SETTINGS_SCHEMA["properties"][name]["properties"]
    defaults = {k: v.get("default") for k, v in specs.items()}
    given = values.get(name) or {}
    return {**defaults, **{k: v for k, v in given.items() if k in defaults and v is not None}}


@dataclass(frozen=True)
class OrderSettings:
    """How a store order goes into AccountView."""

    order_type: str = "sales_order"
    shipping_article: str = ""
    prices_include_vat: bool = False
    journal: str = "VK"
    revenue_accounts: Mapping[str, str] = field(default_factory=dict)
    shipping_account: str = "8100"
    vat_codes: Mapping[Decimal, str] = field(default_factory=dict)

    @property
    def invoices(self) -> bool:
        return self.order_type == "invoice"

    def vat_code_for_rate(self, rate: Decimal) -> str | None:
        """The VAT code of a tax rate (``21`` → ``"1"``), or None when none is set."""
        return self.vat_codes.get(rate.normalize())


@dataclass(frozen=True)
class AccountViewSettings:
    """Parsed settings with defaults filled in (see the module docstring)."""

    client_id: str
    client_secret: str
    base_url: str = facts.PRODUCTION_URL
    company_id: str = ""
    company_name: str = ""
    page_size: int = facts.DEFAULT_PAGE_SIZE
    business_objects: Mapping[str, str] = field(default_factory=dict)
    price_field: str = "PX_SELL"
    prices_include_vat: bool = False
    available_field: str = facts.STOCK_AVAILABLE_FIELD
    reserved_field: str = facts.STOCK_RESERVED_FIELD
    numbering: str = "auto"
    range_from: int = 0
    range_to: int = 0
    collective_account: str = "1300"
    currency: str = ""
    group_field: str = facts.DEFAULT_GROUP_FIELD
    orders: OrderSettings = field(default_factory=OrderSettings)

    def bo(self, name: str) -> str:
        """The business-object code chosen for ``name`` (``articles`` → ``AK1``)."""
        return self.business_objects.get(name) or BUSINESS_OBJECTS[name][0]

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> AccountViewSettings:
        """Merge submitted values over the defaults; ConfigError for what cannot work."""
        client_id = str(values.get("client_id") or "").strip()
        if not client_id or not str(values.get("client_secret") or "").strip():
            raise ConfigError(
                "Enter the client id and secret of your AccountView.net app (registered under "
                "Ontwikkelaar on accountview.net)."
            )
        articles, stock = _section(values, "articles"), _section(values, "stock")
        customers, orders = _section(values, "customers"), _section(values, "orders")
        chosen = values.get("business_objects") or {}
        objects = {
            k: str(chosen.get(k) or code).strip().upper()
            for k, (code, _) in BUSINESS_OBJECTS.items()
        }
        settings = cls(
            client_id=client_id,
            client_secret=str(values["client_secret"]).strip(),
            base_url=str(values.get("base_url") or facts.PRODUCTION_URL).rstrip("/"),
            company_id=str(values.get("company_id") or "").strip(),
            company_name=str(values.get("company_name") or ""),
            page_size=int(values.get("page_size") or facts.DEFAULT_PAGE_SIZE),
            business_objects=objects,
            price_field=str(articles["price_field"]).upper(),
            prices_include_vat=bool(articles["prices_include_vat"]),
            available_field=str(stock["available_field"]).upper(),
            reserved_field=str(stock["reserved_field"] or "").upper(),
            numbering=str(customers["numbering"]),
            range_from=int(customers["range_from"] or 0),
            range_to=int(customers["range_to"] or 0),
            collective_account=str(customers["collective_account"] or "").strip(),
            currency=str(customers["currency"] or "").strip().upper(),
            group_field=str(customers["group_field"] or "").upper(),
            orders=_orders(orders),
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        """ConfigError (a sentence) for settings no run could work with."""
        if not 0 < self.page_size <= facts.MAX_PAGE_SIZE:
            raise ConfigError(f"Rows per read must be between 1 and {facts.MAX_PAGE_SIZE}.")
        if self.numbering not in NUMBERING or self.orders.order_type not in ORDER_TYPES:
            raise ConfigError("Choose how debtors are numbered and how orders are sent.")
        if self.numbering == "range" and not 0 < self.range_from <= self.range_to:
            raise ConfigError("Enter the debtor number range (from ≤ to), or choose 'auto'.")
        if self.orders.invoices and not (self.collective_account and self.orders.journal):
            raise ConfigError(
                "Sales invoices need the sales day book and the debtors' collective account."
            )


def _orders(values: Mapping[str, Any]) -> OrderSettings:
    rates: dict[Decimal, str] = {}
    for rate, code in pairs(values["vat_codes"], "VAT code per rate").items():
        try:
            rates[Decimal(rate.rstrip("%")).normalize()] = code
        except InvalidOperation:
            raise ConfigError(f"AccountView settings: '{rate}' is not a VAT rate.") from None
    return OrderSettings(
        order_type=str(values["order_type"]),
        shipping_article=str(values["shipping_article"] or "").strip(),
        prices_include_vat=bool(values["prices_include_vat"]),
        journal=str(values["journal"] or "").strip(),
        revenue_accounts=pairs(values["revenue_accounts"], "revenue accounts"),
        shipping_account=str(values["shipping_account"] or "").strip(),
        vat_codes=rates,
    )
