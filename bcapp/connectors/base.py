"""What every ERP connector is: canonical records in, canonical records out.

A connector translates one ERP's wire protocol to the canonical records of
:mod:`bcapp.canonical` (re-exported here) and back. Flows
(``bcapp.sync``) only ever see those records, batches and opaque cursors, so
adding an ERP means writing one connector, never touching a flow. A connector
declares what it can do in ``capabilities``; the runner checks them before
calling a method and the UI hides flows a connector lacks.

Everything a flow needs from an ERP is a method here, typed: point reads for a
retry of one record (never a page through the ERP's history), the order's
:class:`OrderInstructions` (never a string-keyed dict), "I have just searched"
as an explicit argument, ERP-specific numbering behind
:meth:`StoreLedConnector.article_number`, and a :class:`Credentials` hook for
tokens that refresh. A flow never imports a connector package.

What the web layer needs of some ERPs (signing in at the vendor, a daily call budget,
the ERP's own webhooks) is no flow's business: those are optional hooks on the
connector class, defined in :mod:`bcapp.connectors.hooks`.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Protocol, runtime_checkable

import httpx

from bcapp.canonical import (
    Address,
    Batch,
    Category,
    CreditNote,
    CreditNoteLine,
    Customer,
    CustomerKind,
    DocumentType,
    ErpField,
    ErpValue,
    Order,
    OrderFeature,
    OrderInstructions,
    OrderLine,
    OrderPart,
    OrderStatusChange,
    Product,
    Shipment,
    ShipmentLine,
    ShippingCharge,
    StockLevel,
    Variant,
    WarehouseStock,
    part_instructions,
    part_reference,
    split_by_address,
)

__all__ = [
    "Address",
    "Batch",
    "Capability",
    "Category",
    "Choice",
    "ChoiceSource",
    "Connector",
    "Credentials",
    "CreditNote",
    "CreditNoteLine",
    "Customer",
    "CustomerKind",
    "CustomerSource",
    "DeliveryAddressBook",
    "DocumentType",
    "ErpField",
    "ErpValue",
    "ErpWebhookConnector",
    "FieldSource",
    "MemoryCredentials",
    "Order",
    "OrderFeature",
    "OrderInstructions",
    "OrderLine",
    "OrderPart",
    "OrderStatusChange",
    "PaymentBooking",
    "Product",
    "Shipment",
    "ShipmentLine",
    "ShippingCharge",
    "StockLevel",
    "StoreLedConnector",
    "TransportArg",
    "Variant",
    "WarehouseStock",
    "last_exchange",
    "part_instructions",
    "part_reference",
    "secret_fields",
    "split_by_address",
    "split_settings",
]


class Capability(enum.Enum):
    """One thing a connector can do; each maps onto one or more methods."""

    CATEGORIES = "categories"  # fetch_categories
    PRODUCTS = "products"  # fetch_products, fetch_product (blocked articles: Product.blocked)
    STOCK = "stock"  # fetch_stock
    CUSTOMERS = "customers"  # find_customer, upsert_customer
    ORDERS = "orders"  # find_order, create_order
    SUBSCRIPTIONS = "subscriptions"  # create_subscription (digital products)
    SHIPMENTS_FROM_ERP = "shipments_from_erp"  # fetch_shipments, fetch_shipment
    SHIPMENTS_TO_ERP = "shipments_to_erp"  # create_shipment
    CREDIT_NOTES = "credit_notes"  # fetch_credit_notes, fetch_credit_note
    ORDER_STATUS = "order_status"  # fetch_order_statuses
    CATALOG_TO_ERP = "catalog_to_erp"  # upsert_category, upsert_product, article_number
    STOCK_TO_ERP = "stock_to_erp"  # set_stock, sku_article, stock_location
    ERP_WEBHOOKS = "erp_webhooks"  # ensure_erp_webhooks (the ERP announces its changes)
    CUSTOMERS_FROM_ERP = "customers_from_erp"  # fetch_customers, fetch_customer (CustomerSource)


@runtime_checkable
class Connector(Protocol):
    """The domain-level interface of an ERP (not HTTP-level: one ERP speaks SOAP).

    Constructed with the merchant's settings (secrets decrypted) and, for tests
    and the demo, an optional httpx transport that routes to a sandbox. A
    connector whose tokens refresh (``rotating_credentials``) is also given
    ``credentials`` (a :class:`Credentials`) and keeps its tokens there. Methods
    outside ``capabilities`` raise :class:`NotImplementedError`.
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    settings_schema: ClassVar[dict[str, Any]]
    #: True: the constructor takes ``credentials=`` and refreshes tokens through it.
    rotating_credentials: ClassVar[bool]
    #: What a store order can become in this ERP (the settings offer only these).
    document_types: ClassVar[frozenset[DocumentType]]
    #: Order and customer details this connector hands to its ERP (the settings show only
    #: the mappings and fields of these).
    order_features: ClassVar[frozenset[OrderFeature]]

    def check(self) -> None:
        """Verify credentials and configuration; raise ConfigError with a merchant sentence."""

    def close(self) -> None:
        """Release connections."""

    @property
    def last_exchange(self) -> Any:
        """What the connector last sent and what the ERP said (an ``Exchange``), or None."""

    @property
    def shipping_article(self) -> str:
        """The ERP's own shipping-cost article from the connector's settings ("" = none).

        The order settings' cost article (:attr:`OrderInstructions.shipping_article`)
        wins when both are set; the flow asks this to know whether the ERP order
        will carry the shipping cost at all.
        """

    # -- reads: changes after a cursor, and one record for a retry -----------------------------

    def fetch_categories(self, cursor: str | None) -> Iterator[Batch[Category]]: ...
    def fetch_products(self, cursor: str | None) -> Iterator[Batch[Product]]: ...
    def fetch_stock(self, cursor: str | None) -> Iterator[Batch[StockLevel]]: ...
    def fetch_shipments(self, cursor: str | None) -> Iterator[Batch[Shipment]]: ...
    def fetch_credit_notes(self, cursor: str | None) -> Iterator[Batch[CreditNote]]: ...
    def fetch_order_statuses(self, cursor: str | None) -> Iterator[Batch[OrderStatusChange]]: ...

    def fetch_product(self, erp_id: str) -> Product | None:
        """One article in its current state (the log's Retry), or None when the ERP lacks it."""

    def fetch_shipment(self, erp_id: str) -> Shipment | None:
        """One delivery note in its current state (Retry), or None when it is not there (yet)."""

    def fetch_credit_note(self, erp_id: str) -> CreditNote | None:
        """One credit invoice in its current state (Retry), or None when it is not there."""

    # -- writes --------------------------------------------------------------------------------

    def find_customer(self, email: str) -> str | None: ...

    def upsert_customer(
        self, customer: Customer, erp_id: str | None = None, *, searched: bool = False
    ) -> str:
        """Create (or, with ``erp_id``, update) the ERP relation; returns its number.

        The first address is the relation's own; the others are delivery addresses. On an
        update a connector with ``OrderFeature.DELIVERY_ADDRESSES`` adds the others as
        delivery addresses of the relation (the flow passes only new ones) and leaves the
        relation's own address alone when the first address has no street.

        ``searched``: the caller has just asked :meth:`find_customer` and found
        nothing (under its customer lock), so the connector need not search again.
        """

    def find_order(self, reference: str) -> str | None: ...

    def create_order(
        self,
        order: Order,
        customer_erp_id: str,
        instructions: OrderInstructions = ...,
        *,
        searched: bool = False,
    ) -> str:
        """Create the ERP order once (a repeat returns the existing number).

        ``instructions``: the merchant's mappings for this order (default: none).
        ``searched``: the caller has just asked :meth:`find_order` for this
        reference and found nothing, so the connector need not search again.
        """

    def create_subscription(self, order: Order, line: OrderLine, customer_erp_id: str) -> str: ...
    def create_shipment(self, shipment: Shipment) -> str: ...


@runtime_checkable
class StoreLedConnector(Connector, Protocol):
    """The optional methods of a connector whose ERP takes the catalog or stock from the store.

    Only connectors with ``Capability.CATALOG_TO_ERP`` (``upsert_category``,
    ``upsert_product``, ``article_number``) or ``Capability.STOCK_TO_ERP``
    (``set_stock``, ``sku_article``, ``stock_location``) have them; they are a
    separate protocol so that :class:`Connector` stays satisfiable by connectors
    without these capabilities.
    """

    def upsert_category(self, category: Category) -> str:
        """Create or update the ERP group for ``category`` (``erp_id`` "" = new); its ERP id."""

    def upsert_product(self, product: Product, article_number: str | Mapping[str, str]) -> str:
        """Create or update the ERP product; ``article_number``: one, or SKU → number for
        variants (from :meth:`article_number`)."""

    def article_number(self, sku: str, taken: Callable[[str], bool]) -> str:
        """The ERP article number a store SKU gets, allocated when the SKU cannot be one.

        ``taken(number)`` says whether a number already belongs to another SKU. The
        same SKU against the same ``taken`` gives the same number, so a crash between
        creating the article and binding the number leaves no orphan.
        """

    def sku_article(self, sku: str) -> str | None:
        """The article number a SKU is by itself (the ERP takes it as is), else None."""

    @property
    def stock_location(self) -> str:
        """Where :meth:`set_stock` writes (e.g. "branch 1"): part of what was last sent."""

    def set_stock(self, sku: str, quantity: Decimal, erp_id: str = "") -> None:
        """Set the ERP's stock of one SKU (``erp_id``: the ERP article number, when bound)."""


@runtime_checkable
class FieldSource(Protocol):
    """Optional: a connector whose writes a merchant can map field by field.

    ``record`` is one of ``bcapp.models.RECORD_TYPES`` ("order", "order_line",
    "customer", "address", "product", "variant"); a record the connector does not
    write gives ``[]``. Fields the connector needs for itself (the order reference
    it finds orders by, the debtor, the lines) are not offered. Only the settings
    page and the mapper ask (with a cache); values reach the ERP through
    :class:`OrderInstructions` (``fields``, ``line_fields``, ``address_fields``) and
    the records' ``erp_fields``. Check with ``isinstance(connector, FieldSource)``.
    """

    def writable_fields(self, record: str) -> list[ErpField]: ...

    def order_request(
        self, order: Order, customer_erp_id: str, instructions: OrderInstructions
    ) -> dict[str, Any]:
        """The request :meth:`Connector.create_order` would send, without sending it.

        For the mapper's preview; article numbers the connector would look up are
        taken as the SKUs themselves.
        """
        ...


@dataclass(frozen=True)
class Choice:
    """One code an ERP lists for a mapping table (a payment method, a VAT code)."""

    code: str
    label: str = ""


@runtime_checkable
class ChoiceSource(Protocol):
    """Optional: a connector that can list the codes its ERP accepts for a mapping table.

    ``table`` is a mapping table's name ("payment", "tax", "shipping"); a table whose
    codes the ERP cannot list gives ``[]`` (the settings page then keeps free entry).
    Only the settings page calls it, with a short deadline and a cache; never a flow.
    Check with ``isinstance(connector, ChoiceSource)``: it is no ``Capability``.
    """

    def choices(self, table: str) -> list[Choice]: ...


@runtime_checkable
class PaymentBooking(Protocol):
    """Optional: a connector that books a paid order's payment on the debtor in its ERP.

    The order export calls it once the order's document exists, for an order whose
    BigCommerce payment is captured and whose payment method has a journal
    (``OrderInstructions.payment_journal``), so the ERP shows the invoice as paid.
    Exactly once: a second call for the same order finds the booking (by the order's
    reference) and returns its number instead of booking again. Check with
    ``isinstance(connector, PaymentBooking)``; a connector lists
    ``OrderFeature.PAYMENT_BOOKING`` when it implements it.
    """

    def book_payment(
        self, order: Order, customer_erp_id: str, instructions: OrderInstructions
    ) -> str:
        """Book the payment of ``order`` (its total incl. tax) on ``customer_erp_id``.

        Returns:
            The ERP's number (or reference) of the booking, new or found again.
        """
        ...


@runtime_checkable
class ErpWebhookConnector(Connector, Protocol):
    """The optional method of a connector whose ERP announces changes (``Capability.ERP_WEBHOOKS``).

    A separate protocol, like :class:`StoreLedConnector`, so that :class:`Connector`
    stays satisfiable by connectors without webhooks.
    """

    def ensure_erp_webhooks(self, url: str) -> list[str]:
        """Make the ERP deliver its change events to ``url``; what had to be subscribed now.

        Idempotent: subscriptions already pointing at ``url`` are kept, so the app
        calls it when the merchant connects and again from a watchdog.
        """


@runtime_checkable
class CustomerSource(Connector, Protocol):
    """The methods of a connector that lists the ERP's relations (``CUSTOMERS_FROM_ERP``).

    A separate protocol (like :class:`StoreLedConnector`), so that
    :class:`Connector` stays satisfiable by connectors that cannot list debtors.
    """

    def fetch_customers(self, cursor: str | None) -> Iterator[Batch[Customer]]:
        """Relations changed after ``cursor`` (a gap-free change poll), with their addresses.

        Each :class:`Customer` carries ``erp_id``, its e-mail (possibly "": the flow
        cannot match those), the first address as the billing address and ``group``.
        """

    def fetch_customer(self, erp_id: str) -> Customer | None:
        """One relation in its current state (Retry; the echo check), or None when gone."""


@runtime_checkable
class DeliveryAddressBook(Protocol):
    """Optional: a connector whose ERP keeps a relation's delivery addresses as records.

    The customers flow remembers the ERP id of each delivery address it adds, so that
    one the customer deletes in the store (``store/customer/address/deleted``: the
    event names no place, only BigCommerce's id) can be taken out of use in the ERP.
    Check with ``isinstance(connector, DeliveryAddressBook)``: it is no ``Capability``.
    """

    def find_delivery_address(self, erp_id: str, address: Address) -> str | None:
        """The ERP id of relation ``erp_id``'s delivery address at ``address`` (None: none,
        or the connector cannot tell)."""

    def remove_delivery_address(self, erp_id: str, address_id: str) -> None:
        """Delete that delivery address, or take it out of use where the ERP deletes none."""


@runtime_checkable
class Credentials(Protocol):
    """Where a connector keeps secrets that change while it runs (OAuth tokens).

    Exact Online and AccountView hand out short-lived access tokens and *rotating*
    refresh tokens: a refresh token works once, so a refreshed pair that is not
    stored at once, or two workers refreshing with the same token, disconnects the
    merchant. A connector that refreshes does it as::

        with credentials.locked():          # one refresher per connection, all workers
            current = credentials.read()    # another worker may have refreshed already
            if still_stale(current):
                credentials.write({**current, **refreshed})  # durable before use

    The app's implementation stores the values encrypted, in a transaction of its
    own (a run that later fails must not roll a rotated token back), under a Redis
    lock; :class:`MemoryCredentials` is the in-process one for tests and sandboxes.
    """

    def read(self) -> dict[str, Any]:
        """The current secrets, decrypted (fresh from storage, not a cached copy)."""
        ...

    def write(self, values: Mapping[str, Any]) -> None:
        """Store ``values`` as the connection's secrets, durably, before returning."""
        ...

    def locked(self) -> AbstractContextManager[None]:
        """Hold the connection's refresh lock (every worker and process of this install)."""
        ...


class MemoryCredentials:
    """Credentials in a dict, with a thread lock: tests, sandboxes and one-shot checks."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self._values = dict(values or {})
        self._lock = threading.RLock()
        self.writes = 0

    def read(self) -> dict[str, Any]:
        return dict(self._values)

    def write(self, values: Mapping[str, Any]) -> None:
        self._values = dict(values)
        self.writes += 1

    @contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield


def secret_fields(schema: Mapping[str, Any]) -> frozenset[str]:
    """Names of the settings a schema marks ``writeOnly`` (never echoed to the browser)."""
    props = schema.get("properties", {})
    return frozenset(name for name, spec in props.items() if spec.get("writeOnly"))


def split_settings(
    schema: Mapping[str, Any], values: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split submitted settings into (plain, secret) by the schema's writeOnly marks."""
    secrets = secret_fields(schema)
    plain = {k: v for k, v in values.items() if k not in secrets}
    hidden = {k: v for k, v in values.items() if k in secrets}
    return plain, hidden


TransportArg = httpx.BaseTransport | None


def last_exchange(connector: Connector) -> dict[str, Any] | None:
    """What the connector last sent and what the ERP said (secrets removed), or None.

    Connectors built on ``bcapp.connectors.http`` keep an ``Exchange``; flows log
    it with a record's outcome.
    """
    exchange = connector.last_exchange
    as_dict = getattr(exchange, "as_dict", None)
    return as_dict() if callable(as_dict) else None
