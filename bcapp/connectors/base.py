"""What every ERP connector is: canonical records in, canonical records out.

A connector translates one ERP's wire protocol to the canonical records below
and back. Flows (``bcapp.sync``) only ever see these records, batches and
opaque cursors, so adding an ERP means writing one connector, never touching a
flow. A connector declares what it can do in ``capabilities``; the runner
checks them before calling a method and the UI hides flows a connector lacks.

Money is always :class:`~decimal.Decimal` (never float); quantities too, since
ERPs keep fractional units. Records are frozen: a flow that needs a changed
record builds a new one with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import httpx

T = TypeVar("T")


class Capability(enum.Enum):
    """One thing a connector can do; each maps onto one or more methods."""

    CATEGORIES = "categories"  # fetch_categories
    PRODUCTS = "products"  # fetch_products (blocked articles come as Product.blocked)
    STOCK = "stock"  # fetch_stock
    CUSTOMERS = "customers"  # find_customer, upsert_customer
    ORDERS = "orders"  # find_order, create_order
    SUBSCRIPTIONS = "subscriptions"  # create_subscription (digital products)
    SHIPMENTS_FROM_ERP = "shipments_from_erp"  # fetch_shipments
    SHIPMENTS_TO_ERP = "shipments_to_erp"  # create_shipment
    CREDIT_NOTES = "credit_notes"  # fetch_credit_notes
    ORDER_STATUS = "order_status"  # fetch_order_statuses
    CATALOG_TO_ERP = "catalog_to_erp"  # upsert_category, upsert_product (store leads)
    STOCK_TO_ERP = "stock_to_erp"  # set_stock (store leads)


class CustomerKind(enum.Enum):
    """Whether the ERP relation is a person or an organisation with a contact."""

    PERSON = "person"
    ORGANISATION = "organisation"


@dataclass(frozen=True)
class Address:
    """A postal address; ``country_code`` is ISO 3166-1 alpha-2."""

    first_name: str = ""
    last_name: str = ""
    company: str = ""
    street: str = ""  # street and house number as the customer typed them
    street2: str = ""
    postal_code: str = ""
    city: str = ""
    state: str = ""
    country_code: str = ""
    phone: str = ""
    email: str = ""
    bc_id: int | None = None


@dataclass(frozen=True)
class Customer:
    """A store customer (or a guest) as the ERP should know them."""

    email: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    phone: str = ""
    vat_number: str = ""
    addresses: tuple[Address, ...] = ()
    bc_id: int | None = None  # None for a guest checkout
    channel_id: int = 1
    erp_id: str | None = None  # a known ERP relation number, when bound

    @property
    def kind(self) -> CustomerKind:
        """Organisation when a company name is present, person otherwise."""
        return CustomerKind.ORGANISATION if self.company.strip() else CustomerKind.PERSON


@dataclass(frozen=True)
class Category:
    """An ERP article group; ``parent_erp_id`` None means a root."""

    erp_id: str
    name: str
    parent_erp_id: str | None = None
    sort_order: int = 0
    description: str = ""


@dataclass(frozen=True)
class Variant:
    """One sellable SKU of a product with options (size, colour, ...)."""

    sku: str
    options: tuple[tuple[str, str], ...]  # (option name, value), e.g. (("Size", "M"),)
    erp_id: str = ""
    price: Decimal | None = None  # None: the product's price
    ean: str = ""
    weight: Decimal | None = None
    image_url: str = ""
    blocked: bool = False


@dataclass(frozen=True)
class Product:
    """An ERP article (with its variants, if it has dimensions)."""

    erp_id: str
    sku: str
    name: str
    price: Decimal
    price_includes_vat: bool = False
    vat_rate: Decimal = Decimal("0")  # percent, e.g. Decimal("21")
    description: str = ""
    ean: str = ""
    weight: Decimal | None = None
    brand: str = ""
    category_erp_ids: tuple[str, ...] = ()
    images: tuple[str, ...] = ()  # absolute URLs, first is the thumbnail
    variants: tuple[Variant, ...] = ()
    custom_fields: tuple[tuple[str, str], ...] = ()  # (name, value)
    visible: bool = True
    blocked: bool = False
    modified_at: datetime | None = None


@dataclass(frozen=True)
class WarehouseStock:
    """Stock of one SKU in one warehouse."""

    warehouse: str
    on_hand: Decimal
    reserved: Decimal = Decimal("0")  # reserved for open sales orders


@dataclass(frozen=True)
class StockLevel:
    """Stock of one SKU over all the ERP's warehouses; the flow applies the formula."""

    sku: str
    warehouses: tuple[WarehouseStock, ...]
    erp_id: str = ""


@dataclass(frozen=True)
class OrderLine:
    """One line of a store order. Prices are per unit."""

    sku: str
    name: str
    quantity: Decimal
    price_ex_tax: Decimal
    price_inc_tax: Decimal
    tax_rate: Decimal = Decimal("0")  # percent
    tax_class: str = ""  # BigCommerce tax class id ("0" = Default Tax Class); "" = untaxed
    discount: Decimal = Decimal("0")  # total discount on the line, incl. tax
    is_digital: bool = False
    bc_line_id: int | None = None  # BigCommerce order_product id
    bc_product_id: int | None = None
    bc_variant_id: int | None = None
    tax_class_name: str = ""  # the tax class's name in BigCommerce, e.g. "Default Tax Class"


@dataclass(frozen=True)
class Order:
    """A store order, ready for the ERP; ``reference`` is what the ERP stores to find it again."""

    bc_id: int
    reference: str
    customer: Customer
    billing_address: Address
    lines: tuple[OrderLine, ...]
    shipping_addresses: tuple[Address, ...] = ()
    status_id: int = 11
    channel_id: int = 1
    currency: str = "EUR"
    created_at: datetime | None = None
    shipping_method: str = ""
    shipping_cost_ex_tax: Decimal = Decimal("0")
    shipping_cost_inc_tax: Decimal = Decimal("0")
    payment_method: str = ""
    discount_total: Decimal = Decimal("0")
    coupon_codes: tuple[str, ...] = ()
    total_ex_tax: Decimal = Decimal("0")
    total_inc_tax: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    customer_message: str = ""
    #: Merchant mappings resolved by the flow (ERP codes), so connectors never read settings twice.
    mapped: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ShipmentLine:
    """Quantity of one SKU (or one BigCommerce order line) in a shipment."""

    sku: str
    quantity: Decimal
    bc_line_id: int | None = None


@dataclass(frozen=True)
class Shipment:
    """A delivery note / packing slip, or a BigCommerce shipment going to the ERP."""

    erp_id: str
    order_reference: str  # the BigCommerce order id we stored as the ERP reference
    lines: tuple[ShipmentLine, ...]
    tracking_number: str = ""
    carrier: str = ""
    tracking_link: str = ""
    shipped_at: datetime | None = None
    erp_order_id: str = ""
    bc_id: int | None = None


@dataclass(frozen=True)
class CreditNoteLine:
    """One credited line; ``amount`` is the line total incl. tax."""

    sku: str
    quantity: Decimal
    amount: Decimal


@dataclass(frozen=True)
class CreditNote:
    """An ERP credit invoice for a store order."""

    erp_id: str
    order_reference: str
    lines: tuple[CreditNoteLine, ...]
    shipping_amount: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    created_at: datetime | None = None


@dataclass(frozen=True)
class OrderStatusChange:
    """The ERP's status of an exported order, as the ERP names it."""

    order_reference: str
    erp_order_id: str
    status: str
    changed_at: datetime | None = None
    #: The ERP order's total incl. tax as the ERP has it now (None: the connector cannot say);
    #: a change after export is reported to the merchant, never pushed to BigCommerce.
    total: Decimal | None = None


@dataclass(frozen=True)
class Batch(Generic[T]):
    """Records plus the cursor to save once they are committed (opaque to flows).

    ``cursor`` None means "nothing to save": the fetch is a full snapshot (stock,
    article groups) and the next run starts from the beginning again. A change
    poll's cursor resumes after the last delivered record with no gap and no
    repeat; a record that changed meanwhile comes again with its new data.
    """

    records: tuple[T, ...]
    cursor: str | None


@runtime_checkable
class Connector(Protocol):
    """The domain-level interface of an ERP (not HTTP-level: one ERP speaks SOAP).

    Constructed with the merchant's settings (secrets decrypted) and, for tests
    and the demo, an optional httpx transport that routes to a sandbox.
    Methods outside ``capabilities`` raise :class:`NotImplementedError`.
    """

    kind: ClassVar[str]
    label: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    settings_schema: ClassVar[dict[str, Any]]

    def check(self) -> None:
        """Verify credentials and configuration; raise ConfigError with a merchant sentence."""

    def close(self) -> None:
        """Release connections."""

    def fetch_categories(self, cursor: str | None) -> Iterator[Batch[Category]]: ...
    def fetch_products(self, cursor: str | None) -> Iterator[Batch[Product]]: ...
    def fetch_stock(self, cursor: str | None) -> Iterator[Batch[StockLevel]]: ...
    def fetch_shipments(self, cursor: str | None) -> Iterator[Batch[Shipment]]: ...
    def fetch_credit_notes(self, cursor: str | None) -> Iterator[Batch[CreditNote]]: ...
    def fetch_order_statuses(self, cursor: str | None) -> Iterator[Batch[OrderStatusChange]]: ...

    def find_customer(self, email: str) -> str | None: ...
    def upsert_customer(self, customer: Customer, erp_id: str | None = None) -> str: ...
    def find_order(self, reference: str) -> str | None: ...
    def create_order(self, order: Order, customer_erp_id: str) -> str: ...
    def create_subscription(self, order: Order, line: OrderLine, customer_erp_id: str) -> str: ...
    def create_shipment(self, shipment: Shipment) -> str: ...


@runtime_checkable
class StoreLedConnector(Connector, Protocol):
    """The optional methods of a connector whose ERP takes the catalog or stock from the store.

    Only connectors with ``Capability.CATALOG_TO_ERP`` (``upsert_category``,
    ``upsert_product``) or ``Capability.STOCK_TO_ERP`` (``set_stock``) have
    them; they are a separate protocol so that :class:`Connector` stays
    satisfiable by connectors without these capabilities.
    """

    def upsert_category(self, category: Category) -> str:
        """Create or update the ERP group for ``category`` (``erp_id`` "" = new); its ERP id."""

    def upsert_product(self, product: Product, article_number: int | Mapping[str, int]) -> str:
        """Create or update the ERP product; ``article_number``: one, or SKU → number for
        variants (from the flow's allocation, e.g. Mplus's numeric article numbers)."""

    def set_stock(self, sku: str, quantity: Decimal, erp_id: str = "") -> None:
        """Set the ERP's stock of one SKU (``erp_id``: the ERP article id, when bound)."""


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


def last_exchange(connector: Any) -> dict[str, Any] | None:
    """What the connector last sent and what the ERP said (secrets removed), or None.

    REST connectors built on ``bcapp.connectors.http`` keep an ``Exchange`` in
    ``last_exchange``; flows log it with a record's outcome. Connectors that do
    not record exchanges simply yield None.
    """
    exchange = getattr(connector, "last_exchange", None)
    as_dict = getattr(exchange, "as_dict", None)
    return as_dict() if callable(as_dict) else None
