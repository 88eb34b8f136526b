"""AccountViewConnector: AccountView.net behind the canonical Connector interface.

Built on the wire foundation of this package (:mod:`.client`, :mod:`.oauth`,
:mod:`.mapping`). The tokens live in the app's :class:`~bcapp.connectors.base.Credentials`
(``rotating_credentials``): every refresh happens under its lock and is stored before
use, and a refused refresh is a ConfigError "Reconnect AccountView: …".

What it does:

* **catalog** — article groups (AG1) as categories, a full read each run; articles (AK1)
  changed after a gap-free (CNG_DATE, ART_CODE) cursor (:mod:`.changes`), blocked ones
  too (``Product.blocked``), and one article by code for the log's Retry;
* **stock** — a full snapshot of every article's two chosen figures (available, reserved)
  as :class:`~bcapp.canonical.WarehouseStock`; the stock flow applies the merchant's
  formula ("on hand minus reserved" is seed 001's "available minus sales reservations");
* **customers** both ways and **orders** (sales orders or sales-journal invoices): see
  :mod:`.debtors` and :mod:`.sales`.

Not available: shipments and credit notes from AccountView (no packing-slip or invoice
business object is known, README), subscriptions, order statuses, store-led catalog.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import httpx

from bcapp.connectors.accountview import facts, writable
from bcapp.connectors.accountview.changes import ChangeQuery, read_changes
from bcapp.connectors.accountview.client import AccountViewClient, Company
from bcapp.connectors.accountview.connect import TOKEN_KEYS, oauth_app
from bcapp.connectors.accountview.debtors import Debtors
from bcapp.connectors.accountview.mapping import (
    category_from_group,
    product_from_article,
    stock_from_article,
    text,
)
from bcapp.connectors.accountview.oauth import TokenEndpoint, TokenKeeper
from bcapp.connectors.accountview.query import Filter
from bcapp.connectors.accountview.sales import Sales
from bcapp.connectors.accountview.settings import SETTINGS_SCHEMA, AccountViewSettings
from bcapp.connectors.accountview.sign_in import AccountViewSignIn
from bcapp.connectors.base import (
    Batch,
    Capability,
    Category,
    Credentials,
    DocumentType,
    ErpField,
    MemoryCredentials,
    OrderFeature,
    Product,
    StockLevel,
)
from bcapp.connectors.hooks import SignIn
from bcapp.errors import ConfigError

#: What an article read asks for besides the chosen price field and the blocked flag.
ARTICLE_FIELDS = ("ART_CODE", "ART_DESC1", "AG_CODE", "CNG_DATE")


class AccountViewConnector(Debtors, Sales):
    """AccountView.net over REST v3 with OAuth2 (see the module docstring)."""

    kind: ClassVar[str] = "accountview"
    label: ClassVar[str] = "AccountView"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.CATEGORIES,
            Capability.PRODUCTS,
            Capability.STOCK,
            Capability.CUSTOMERS,
            Capability.ORDERS,
            Capability.CUSTOMERS_FROM_ERP,
        }
    )
    settings_schema: ClassVar[dict[str, Any]] = SETTINGS_SCHEMA
    rotating_credentials: ClassVar[bool] = True
    #: Orders or invoices are chosen in the AccountView connection's own settings (order type).
    document_types: ClassVar[frozenset[DocumentType]] = frozenset({DocumentType.SALES_ORDER})
    order_features: ClassVar[frozenset[OrderFeature]] = frozenset({OrderFeature.VAT_NUMBER})
    #: Connected by signing in at AccountView.net, then picking the company.
    sign_in: ClassVar[SignIn[Any] | None] = AccountViewSignIn()

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        credentials: Credentials | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        record: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Args:
        credentials: where the tokens live (the app's encrypted store); without it the
            tokens are taken from ``settings`` into memory (one-shot checks, the demo).
        clock: epoch seconds for token expiry (tests tie it to the sandbox's clock).
        """
        self.settings = AccountViewSettings.parse(settings)
        if credentials is None:
            credentials = MemoryCredentials({k: settings[k] for k in TOKEN_KEYS if k in settings})
        app = oauth_app(self.settings, str(settings.get("redirect_uri") or ""))
        endpoint = TokenEndpoint.connect(app, transport=transport, record=record)
        self.tokens = TokenKeeper(credentials, endpoint, now=clock)
        self.client = AccountViewClient.connect(
            app.api_url,
            self.tokens,
            self.settings.company_id,
            transport=transport,
            timeout=timeout,
            record=record,
        )

    # -- plumbing -------------------------------------------------------------------------

    @property
    def last_exchange(self) -> Any:
        """What we last sent and what AccountView said (secrets removed)."""
        return self.client.last_exchange

    @property
    def shipping_article(self) -> str:
        """The shipping-cost article of the AccountView settings ("" = none)."""
        return self.settings.orders.shipping_article

    def close(self) -> None:
        self.client.close()
        self.tokens.endpoint.close()

    def companies(self) -> list[Company]:
        """The companies the connected user may open (the wizard's list to pick from)."""
        return self.client.companies()

    def writable_fields(self, record: str) -> list[ErpField]:
        """The dictionary's fields of ``record``'s table (SO_HDR, SO_LINE, CONTACT)."""
        return writable.writable_fields(record, invoices=self.settings.orders.invoices)

    # -- check ----------------------------------------------------------------------------

    def check(self) -> None:
        """The authorisation, the company, the business objects and the chosen fields."""
        companies = self.companies()  # a refused token: ConfigError "Reconnect AccountView"
        if not self.settings.company_id:
            raise ConfigError("Choose the AccountView company to sync with in the settings.")
        if self.settings.company_id not in {c.id for c in companies}:
            raise ConfigError(
                f"The connected AccountView user cannot open company "
                f"{self.settings.company_name or self.settings.company_id}: choose another "
                "company or connect as a user who may open it."
            )
        self._check_business_objects()
        s = self.settings
        self._check_fields("ARTICLE", (s.price_field, s.available_field, s.reserved_field))
        if self.settings.group_field:
            self._check_fields("CONTACT", (self.settings.group_field,))

    def _check_business_objects(self) -> None:
        known = {bo.code.upper() for bo in self.client.business_objects()}
        wanted = ["articles", "article_groups", "debtors", "delivery_addresses"]
        wanted += ["journal", "journal_read"] if self.settings.orders.invoices else ["sales_orders"]
        missing = [f"{self.settings.bo(w)} ({w.replace('_', ' ')})" for w in wanted
                   if self.settings.bo(w) not in known]  # fmt: skip
        if missing:
            raise ConfigError(
                f"AccountView company {self.settings.company_name or self.settings.company_id} "
                f"has no business object {', '.join(missing)}: check the business objects in "
                "the settings."
            )

    def _check_fields(self, table: str, names: tuple[str, ...]) -> None:
        known = set(self.client.fields(table))
        missing = sorted({n for n in names if n} - known)
        if known and missing:
            raise ConfigError(
                f"AccountView's table {table} has no field {', '.join(missing)}: choose "
                "another field in the settings."
            )

    # -- catalog --------------------------------------------------------------------------

    def _article_fields(self) -> tuple[str, ...]:
        chosen = (self.settings.price_field, facts.ARTICLE_BLOCKED_FIELD)
        return tuple(dict.fromkeys((*ARTICLE_FIELDS, *chosen)))

    def _product(self, row: Mapping[str, Any]) -> Product:
        s = self.settings
        return product_from_article(
            row, price_includes_vat=s.prices_include_vat, price_field=s.price_field
        )

    def fetch_categories(self, cursor: str | None) -> Iterator[Batch[Category]]:
        """Every article group (a small flat table: a full read each run, no cursor)."""
        for rows in self.client.iter_rows(
            self.settings.bo("article_groups"), "ART_GRP", ("AG_CODE", "AG_DESC"),
            page_size=self.settings.page_size,
        ):  # fmt: skip
            yield Batch(tuple(category_from_group(r) for r in rows), None)

    def fetch_products(self, cursor: str | None) -> Iterator[Batch[Product]]:
        """Articles changed after ``cursor`` (blocked ones too), a page per batch."""
        query = ChangeQuery(
            self.settings.bo("articles"), "ARTICLE", "ART_CODE", self._article_fields(),
            self.settings.page_size,
        )  # fmt: skip
        for rows, next_cursor in read_changes(self.client, query, cursor):
            yield Batch(tuple(self._product(r) for r in rows), next_cursor)

    def fetch_product(self, erp_id: str) -> Product | None:
        """One article by its code, in its current state (the log's Retry)."""
        if not erp_id.strip():
            return None
        for rows in self.client.iter_rows(
            self.settings.bo("articles"), "ARTICLE", self._article_fields(),
            [Filter("ART_CODE", erp_id)], page_size=self.settings.page_size,
        ):  # fmt: skip
            for row in rows:
                if text(row, "ART_CODE").upper() == erp_id.strip().upper():
                    return self._product(row)
        return None

    def fetch_stock(self, cursor: str | None) -> Iterator[Batch[StockLevel]]:
        """Every article's available and reserved figures (a full snapshot: no cursor)."""
        s = self.settings
        fields = tuple(f for f in ("ART_CODE", s.available_field, s.reserved_field) if f)
        for rows in self.client.iter_rows(
            s.bo("articles"), "ARTICLE", fields, page_size=s.page_size
        ):
            yield Batch(tuple(self._stock(r) for r in rows), None)

    def _stock(self, row: Mapping[str, Any]) -> StockLevel:
        s = self.settings  # no reserved field chosen: reserved reads as 0
        return stock_from_article(
            row, available_field=s.available_field, reserved_field=s.reserved_field
        )
