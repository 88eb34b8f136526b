"""ExactConnector: Exact Online behind the canonical Connector interface.

Composed of its parts: :class:`~.catalog.CatalogReads` (item groups, items with
prices, stock), :class:`~.orders.OrderWrites` (accounts, sales orders or
invoices) and :class:`~.fulfilment.FulfilmentReads` (deliveries, credit
invoices, order status), all on one :class:`~.session.ExactSession` (tokens
through the app's credentials hook, the division's shared call budget, the
client). What a flow should know:

* Tokens rotate: the app passes ``credentials=`` (``rotating_credentials``) and
  the tokens live there under ``oauth``. A refresh token Exact no longer accepts
  ("Old refresh token used", expired) is ``ConfigError("Reconnect Exact Online: …")``:
  the run fails with that sentence and is not retried.
* Calls on the order path are priority ``ORDERS``; catalog, stock and fulfilment
  reads are ``CATALOG`` and never take the day's order reserve: a catalog call
  refused for it raises ``RetryableSyncError`` with ``retry_after`` = the
  seconds until Exact's daily reset (the job layer reschedules the run).
* An Exact refusal (HTTP 400) is ``FatalSyncError`` with Exact's own words.
* ``ensure_erp_webhooks(url)`` subscribes the division to Items,
  StockPositions, SalesOrders and GoodsDeliveries at ``url`` (the app's
  ``/webhooks/exact/<token>``); the ``erp_webhooks`` flow calls it.

For the connect step (the wizard): :func:`~.oauth.authorize_url`,
:meth:`ExactConnector.connect` (code → tokens stored through the hook) and
:meth:`ExactConnector.divisions`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx

from bcapp.connectors.base import (
    Capability,
    Credentials,
    DocumentType,
    Order,
    OrderFeature,
    OrderLine,
    Shipment,
)
from bcapp.connectors.exact.budget import DEFAULT_MAX_WAIT, BudgetSnapshot, CallBudget
from bcapp.connectors.exact.catalog import CatalogReads
from bcapp.connectors.exact.client import DivisionInfo
from bcapp.connectors.exact.fulfilment import FulfilmentReads
from bcapp.connectors.exact.hooks import ExactCallBudget, ExactSignIn, ExactWebhooks
from bcapp.connectors.exact.oauth import TokenManager, code_from_callback
from bcapp.connectors.exact.odata import string_literal
from bcapp.connectors.exact.orders import OrderWrites
from bcapp.connectors.exact.settings import SETTINGS_SCHEMA
from bcapp.connectors.exact.webhooks import TOPICS
from bcapp.connectors.hooks import CallBudgetReport, SignIn, WebhookVerifier
from bcapp.errors import ConfigError, SkipRecord


class ExactConnector(CatalogReads, OrderWrites, FulfilmentReads):
    """Exact Online over its REST API (see the module docstring)."""

    kind: ClassVar[str] = "exact"
    label: ClassVar[str] = "Exact Online"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.CATEGORIES,
            Capability.PRODUCTS,
            Capability.STOCK,
            Capability.CUSTOMERS,
            Capability.ORDERS,
            Capability.SHIPMENTS_FROM_ERP,
            Capability.CREDIT_NOTES,
            Capability.ORDER_STATUS,
            Capability.ERP_WEBHOOKS,
        }
    )
    settings_schema: ClassVar[dict[str, Any]] = SETTINGS_SCHEMA
    rotating_credentials: ClassVar[bool] = True
    #: Minutes between scheduled runs where Exact differs from the app's defaults. Exact's
    #: webhooks (Items, StockPositions) announce catalog changes as they happen, so the
    #: periodic catalog run is a safety net: every 2 h instead of every hour keeps a day
    #: with 2 % of the items changed under 100 of the 5,000 daily calls (bench/exact.py:
    #: 72 calls at 2 h, 144 at 1 h). A lost webhook costs at most one interval.
    default_schedules: ClassVar[dict[str, int]] = {"catalog": 120}
    #: Orders or invoices are chosen in the Exact connection's own settings.
    document_types: ClassVar[frozenset[DocumentType]] = frozenset({DocumentType.SALES_ORDER})
    order_features: ClassVar[frozenset[OrderFeature]] = frozenset({OrderFeature.VAT_NUMBER})
    #: Connected by signing in at Exact, then picking the division; its day's calls are
    #: shown on the dashboard; it announces changes to ``/webhooks/exact/<token>``.
    sign_in: ClassVar[SignIn[Any] | None] = ExactSignIn()
    call_budget: ClassVar[CallBudgetReport | None] = ExactCallBudget()
    webhooks: ClassVar[WebhookVerifier | None] = ExactWebhooks()

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        credentials: Credentials | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        record: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = DEFAULT_MAX_WAIT,
        budget: CallBudget | None = None,
    ) -> None:
        super().__init__(
            settings, credentials=credentials, transport=transport, record=record, clock=clock,
            sleep=sleep, max_wait=max_wait, budget=budget,
        )  # fmt: skip
        self.timeout = timeout

    # -- check and the connect step ------------------------------------------------------------

    def check(self) -> None:
        """The tokens work, the division is readable, the configured items and warehouse exist."""
        me = self.client.me()
        self.client.find("logistics/ItemGroups", select=["ID"], top=1)
        missing = []
        shipping = self.settings.shipping_item
        if shipping and not self._item_exists(shipping):
            missing.append(f"shipping item {shipping}")
        if self.settings.warehouse and not self.settings.invoices:
            try:
                self._warehouse_id()
            except SkipRecord:
                missing.append(f"warehouse {self.settings.warehouse}")
        if missing:
            who = me.full_name or me.user_id
            raise ConfigError(
                f"Exact Online division {self.client.division} (connected as {who}) has no "
                f"{' and no '.join(missing)}: check the settings."
            )

    def _item_exists(self, code: str) -> bool:
        return bool(self.client.find("logistics/Items", select=["ID"],
                                     filter=f"Code eq {string_literal(code)}", top=1))  # fmt: skip

    def connect(self, callback_url: str, state: str) -> None:
        """The wizard's callback: trade the authorisation code for tokens, stored at once.

        Args:
            callback_url: the URL Exact redirected the merchant's browser to.
            state: the state the wizard put in the authorize URL.
        """
        if not isinstance(self.tokens, TokenManager):
            raise ConfigError("Connecting Exact Online needs the connection's credentials store.")
        self.tokens.exchange_code(code_from_callback(callback_url, state))

    def divisions(self) -> list[DivisionInfo]:
        """The divisions the connected user may pick (the current one marked)."""
        return self.client.divisions()

    def budget(self) -> BudgetSnapshot:
        """The division's calls today, for the dashboard."""
        return self.client.budget.snapshot()

    # -- webhooks --------------------------------------------------------------------------------

    def ensure_erp_webhooks(self, url: str) -> list[str]:
        """Subscribe each topic not yet subscribed at ``url``; the topics subscribed now."""
        if not self.settings.webhooks:
            return []
        have = {s.topic for s in self.client.subscriptions() if s.callback_url == url}
        return [self.client.subscribe(t, url).topic for t in TOPICS if t not in have]

    # -- what Exact does not do here ---------------------------------------------------------------

    def create_subscription(self, order: Order, line: OrderLine, customer_erp_id: str) -> str:
        raise NotImplementedError("Exact Online has no subscriptions for digital products.")

    def create_shipment(self, shipment: Shipment) -> str:
        raise NotImplementedError("Shipments go from Exact Online to the store, not back.")
