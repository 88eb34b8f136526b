"""The canonical records: what crosses between BigCommerce, the flows and every ERP.

The hub's vocabulary, below both sides: the BigCommerce store facade
(``bcapp.bigcommerce.store``) and each ERP connector (``bcapp.connectors``)
translate to and from these records, and flows only ever see them, batches and
opaque cursors. (``bcapp.connectors.base`` re-exports them for connectors.)

Money is always :class:`~decimal.Decimal` (never float); quantities too, since
ERPs keep fractional units. Records are frozen: a flow
that needs a changed record builds a new one with :func:`dataclasses.replace`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")
#: A mapped ERP field's value, already converted to the field's type by the mapper.
ErpValue = str | int | float | bool | None


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
    #: The ERP's grouping of the relation (a debtor group, a price list): what the
    #: merchant maps onto a BigCommerce customer group ("" = none). ERP → store only.
    group: str = ""
    #: The merchant's field mapping for this relation: (ERP field, value) pairs the
    #: connector writes over what it would send (bcapp.mapping.fields). Store → ERP only.
    erp_fields: tuple[tuple[str, ErpValue], ...] = ()
    #: The store's custom form fields (name, value) of the customer and their addresses,
    #: the order's billing address first: where a B2B shop keeps e.g. the VAT number. The
    #: flow reads what it needs and clears this before the customer reaches a connector.
    form_fields: tuple[tuple[str, str], ...] = ()
    #: The BigCommerce customer group the account is in (0: none, e.g. a guest; None:
    #: not read). Store → ERP: the flow maps it to ``classification``.
    bc_group_id: int | None = None
    #: The ERP's classification code for the relation (AFAS sales relation type ``VaTp``),
    #: resolved by the flow from the merchant's classification table ("" = leave it alone).
    classification: str = ""

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
    #: Mapped ERP fields of this variant's article (store → ERP; see Customer.erp_fields).
    erp_fields: tuple[tuple[str, ErpValue], ...] = ()


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
    #: Mapped ERP fields of the product (store → ERP; see Customer.erp_fields).
    erp_fields: tuple[tuple[str, ErpValue], ...] = ()
    #: Mapped BigCommerce product fields (ERP → store): written over what the catalog
    #: flow would send (``bcapp.bigcommerce.catalog_mapping``).
    store_fields: tuple[tuple[str, ErpValue], ...] = ()


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


class DocumentType(enum.Enum):
    """What a store order becomes in the ERP (each connector lists those it can make)."""

    SALES_ORDER = "sales_order"  # AFAS FbSales, Mplus saveOrder/createOrder
    DIRECT_INVOICE = "direct_invoice"  # AFAS FbDirectInvoice, Mplus saveInvoice
    QUOTATION = "quotation"  # AFAS FbSalesQuotation, Mplus saveProposal
    JOURNAL_ENTRY = "journal_entry"  # AFAS FiEntries


class OrderFeature(enum.Enum):
    """Order and customer details a connector can hand to its ERP (the settings show only those)."""

    #: ``OrderInstructions.carrier`` reaches the document (AFAS transporter ``TrPt``).
    CARRIER = "carrier"
    #: ``Customer.vat_number`` reaches the relation (AFAS ``VaId``, Mplus ``vatNumber``).
    VAT_NUMBER = "vat_number"
    #: An update adds the customer's new delivery addresses to the existing relation.
    DELIVERY_ADDRESSES = "delivery_addresses"
    #: ``OrderInstructions.cost_centre`` reaches the document's lines (AFAS axis code).
    COST_CENTRE = "cost_centre"
    #: ``OrderInstructions.payment_terms`` reaches the document (AFAS ``PaCd``).
    PAYMENT_TERMS = "payment_terms"
    #: ``Customer.classification`` reaches the relation (AFAS sales relation type ``VaTp``).
    CLASSIFICATION = "classification"
    #: ``OrderInstructions.turnover_group`` reaches the document's lines (Mplus ``turnoverGroup``).
    TURNOVER_GROUP = "turnover_group"


@dataclass(frozen=True)
class ErpField:
    """One field a merchant's template may fill: of an ERP write (from the ERP's own spec),
    or of a BigCommerce write for the ERP → store direction.

    ``kind`` is "string", "integer", "number", "boolean" or "date"; ``length`` the
    most characters the ERP takes (None: no limit it publishes); ``required``: the
    ERP refuses the write without it; ``builtin``: what the app sends there today
    (shown read-only on the settings page; "" = nothing).
    """

    name: str
    label: str = ""
    kind: str = "string"
    length: int | None = None
    required: bool = False
    builtin: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class StoreExtras:
    """What BigCommerce holds about a record beyond its canonical record.

    Read only when a merchant's field mapping uses it (``bcapp.mapping.fields``):
    checkout or account form fields, metafields (``"namespace.key"`` and ``"key"``),
    custom fields and coupon codes, each by name.
    """

    form_fields: Mapping[str, str] = field(default_factory=dict)
    metafields: Mapping[str, str] = field(default_factory=dict)
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    coupon_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderInstructions:
    """What the merchant's settings decide for one order, resolved by the flow into ERP codes.

    The flow reads the mapping tables once (payment, shipping, tax) and hands the
    connector the answers, so a connector never reads the store's settings and a
    new connector learns every instruction from this class, not from a docstring
    elsewhere. ``None`` (or a missing key) means "the ERP's own default".
    """

    #: The ERP payment method for the order's BigCommerce payment method (AFAS ``PaTp``).
    payment_method: str | None = None
    #: The ERP delivery method for the order's shipping method (AFAS ``DeCo``, Mplus delivery).
    delivery_method: str | None = None
    #: BigCommerce tax class id → ERP VAT code; the key ``""`` is for lines BigCommerce
    #: charged no tax on (an export), which the destination country's rule may give a code.
    tax_codes: Mapping[str, str] = field(default_factory=dict)
    #: The article that carries the shipping cost (the order settings'), or None.
    shipping_article: str | None = None
    #: Store SKU → ERP article number for SKUs the store → ERP catalog flow numbered (Mplus).
    article_numbers: Mapping[str, str] = field(default_factory=dict)
    #: The merchant's field mapping for the order header: ERP field → value, written over
    #: what the connector would send (None: leave the field out). Empty: today's request.
    fields: Mapping[str, ErpValue] = field(default_factory=dict)
    #: Likewise per order line, by the line's position in ``Order.lines``.
    line_fields: Mapping[int, Mapping[str, ErpValue]] = field(default_factory=dict)
    #: Likewise for the order's addresses (Mplus invoice and delivery address).
    address_fields: Mapping[str, ErpValue] = field(default_factory=dict)
    #: The mapping version (``MappingVersion.number``) these fields came from (None: built-in).
    mapping_version: int | None = None
    #: The ERP transporter / carrier for the order's shipping method (AFAS ``TrPt``), or None.
    carrier: str | None = None
    #: The payment terms for the order's payment method (AFAS payment condition ``PaCd``).
    payment_terms: str | None = None
    #: The cost centre of the order's storefront (AFAS cost-allocation axis code), or None.
    cost_centre: str | None = None
    #: What the order becomes in the ERP (a connector refuses a type it does not list).
    document_type: DocumentType = DocumentType.SALES_ORDER
    #: The turnover group of the order's storefront (Mplus line ``turnoverGroup``), or None.
    turnover_group: str | None = None

    def tax_code(self, line: OrderLine) -> str | None:
        """The ERP VAT code the merchant mapped for ``line`` (None: the article's own)."""
        return self.tax_codes.get(line.tax_class)


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
