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
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
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
    #: The ERP's VAT duty / VAT code for the relation's country (the ``vat_country``
    #: mapping, resolved by the flow); a new relation gets it (AFAS ``VaDu``). "" = ERP default.
    vat_code: str = ""
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
    #: The order shipping address this line goes to (``Address.bc_id`` of one of
    #: ``Order.shipping_addresses``; BigCommerce's ``order_address_id``). None: digital.
    address_id: int | None = None


@dataclass(frozen=True)
class ShippingCharge:
    """What BigCommerce charged to ship to one shipping address of an order.

    BigCommerce prices shipping per address (a checkout to two addresses picks a method
    for each); the order's shipping cost is the sum of these.
    """

    address_id: int | None
    method: str = ""
    cost_ex_tax: Decimal = Decimal("0")
    cost_inc_tax: Decimal = Decimal("0")


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
    #: The shipping method and cost of each shipping address, in the order of
    #: ``shipping_addresses`` (empty: only the order's totals above are known).
    shipping_charges: tuple[ShippingCharge, ...] = ()
    #: BigCommerce's payment status ("captured", "paid", "pending", "" for offline methods):
    #: a paid order's payment may be booked in the ERP (``PaymentBooking``).
    payment_status: str = ""

    @property
    def paid(self) -> bool:
        """Whether the customer has paid (the payment provider captured the money)."""
        return self.payment_status.strip().lower() in PAID_STATUSES


#: BigCommerce payment statuses meaning "the money is in": an authorisation is not a payment.
PAID_STATUSES = frozenset({"captured", "paid"})


@dataclass(frozen=True)
class OrderPart:
    """The share of an order that goes to one shipping address (see :func:`split_by_address`).

    ``order`` holds only that address, its lines and its shipping charge; ``line_indices``
    are the positions of those lines in the whole order's ``lines`` (what
    ``OrderInstructions.line_fields`` is keyed by); ``number`` counts the addresses from 1.
    """

    order: Order
    line_indices: tuple[int, ...]
    number: int = 1


def part_reference(reference: str, number: int) -> str:
    """The ERP reference of part ``number``: the first keeps the order's, the others get
    ``-2``, ``-3`` ... (deterministic, so a retry finds what an earlier attempt made)."""
    return reference if number <= 1 else f"{reference}-{number}"


def split_by_address(order: Order) -> tuple[OrderPart, ...]:
    """One part per shipping address, each with its own lines and shipping charge.

    An order to one address (or none) is one part holding the order itself, unchanged.
    A line that names no known address (a digital line) goes with the first part, and so
    do the order-level discount, coupons and whatever of the order's total the parts'
    lines and shipping do not add up to, so the parts' totals add up to the order's.
    """
    if len(order.shipping_addresses) < 2:
        return (OrderPart(order, tuple(range(len(order.lines))), 1),)
    ids = [a.bc_id for a in order.shipping_addresses]
    charges = {c.address_id: c for c in order.shipping_charges}
    groups = []  # (address, its lines' positions); an address with no line gets no document
    for position, address in enumerate(order.shipping_addresses):
        indices = tuple(
            i for i, line in enumerate(order.lines)
            if line.address_id == address.bc_id or (position == 0 and line.address_id not in ids)
        )  # fmt: skip
        if indices:
            groups.append((address, indices))
    parts: list[OrderPart] = []
    for number, (address, indices) in enumerate(groups, start=1):
        charge = charges.get(address.bc_id) or ShippingCharge(address.bc_id)
        if number == 1 and not order.shipping_charges:  # per-address costs unknown
            charge = ShippingCharge(
                address.bc_id,
                order.shipping_method,
                order.shipping_cost_ex_tax,
                order.shipping_cost_inc_tax,
            )
        lines = tuple(order.lines[i] for i in indices)
        inc = sum((ln.price_inc_tax * ln.quantity - ln.discount for ln in lines), Decimal("0"))
        ex = sum((ln.price_ex_tax * ln.quantity for ln in lines), Decimal("0"))
        # in cents, so that the parts' payments add up to what the customer paid
        inc, ex = _cents(inc + charge.cost_inc_tax), _cents(ex + charge.cost_ex_tax)
        part = replace(
            order, reference=part_reference(order.reference, number), lines=lines,
            shipping_addresses=(address,), shipping_method=charge.method,
            shipping_cost_ex_tax=charge.cost_ex_tax, shipping_cost_inc_tax=charge.cost_inc_tax,
            total_inc_tax=inc, total_ex_tax=ex, tax_total=inc - ex,
            shipping_charges=(charge,), discount_total=Decimal("0"), coupon_codes=(),
        )  # fmt: skip
        parts.append(OrderPart(part, indices, number))
    return _first_takes_the_rest(order, parts)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _first_takes_the_rest(order: Order, parts: list[OrderPart]) -> tuple[OrderPart, ...]:
    """The first part with the order's discount, coupons and the totals' remainder."""
    if not parts:
        return (OrderPart(order, tuple(range(len(order.lines))), 1),)
    first, others = parts[0], parts[1:]
    inc = order.total_inc_tax - sum((p.order.total_inc_tax for p in others), Decimal("0"))
    ex = order.total_ex_tax - sum((p.order.total_ex_tax for p in others), Decimal("0"))
    head = replace(
        first.order, total_inc_tax=inc, total_ex_tax=ex, tax_total=inc - ex,
        discount_total=order.discount_total, coupon_codes=order.coupon_codes,
    )  # fmt: skip
    return (replace(first, order=head), *others)


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
    #: ``OrderInstructions.cost_carrier`` reaches the document's lines (AFAS second axis code).
    COST_CARRIER = "cost_carrier"
    #: ``OrderInstructions.payment_terms`` reaches the document (AFAS ``PaCd``).
    PAYMENT_TERMS = "payment_terms"
    #: Revenue, shipping and discount accounts reach the document's lines (a journal entry
    #: books on ledger accounts: AFAS FiEntries ``AcNr``).
    REVENUE_ACCOUNTS = "revenue_accounts"
    #: ``vat_country`` (destination country → VAT code) reaches the lines and new relations.
    VAT_COUNTRY = "vat_country"
    #: A paid order's payment is booked on the debtor (``PaymentBooking``; AFAS FiEntries).
    PAYMENT_BOOKING = "payment_booking"
    #: An order to several shipping addresses keeps each line's destination: the connector
    #: books one document per address (:func:`split_by_address`), each with its lines and
    #: its address's shipping cost, the first under the order's reference and the others
    #: under ``-2``, ``-3`` ... (:func:`part_reference`). Without it the ERP gets one
    #: document to the first address.
    SEVERAL_ADDRESSES = "several_addresses"
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
    #: Ledger (revenue) account per order line, by the line's position in ``Order.lines``
    #: (the ``revenue_account`` mapping: country and tax class, else the default).
    revenue_accounts: Mapping[int, str] = field(default_factory=dict)
    #: The ledger account the shipping cost is booked on (None: the order's default revenue
    #: account), where the document books on accounts.
    shipping_account: str | None = None
    #: The ledger account discounts are booked on (None: discounts reduce the revenue lines).
    discount_account: str | None = None
    #: The journal a sales journal entry goes into (AFAS ``JoCo``), or None.
    sales_journal: str | None = None
    #: The cash / bank / payment-provider journal the order's payment is booked in (the
    #: ``payment_journal`` mapping of its payment method); None: the payment is not booked.
    payment_journal: str | None = None
    #: The ERP's number of the order's document, once it exists (a payment booking settles
    #: a direct invoice by its number); None before the document is made.
    document_number: str | None = None
    #: The turnover group of the order's storefront (Mplus line ``turnoverGroup``), or None.
    turnover_group: str | None = None
    #: The cost carrier of the order's storefront (AFAS cost-allocation axis code on the
    #: carrier's own axis, beside the cost centre's), or None.
    cost_carrier: str | None = None

    def tax_code(self, line: OrderLine) -> str | None:
        """The ERP VAT code the merchant mapped for ``line`` (None: the article's own)."""
        return self.tax_codes.get(line.tax_class)


def part_instructions(instructions: OrderInstructions, part: OrderPart) -> OrderInstructions:
    """``instructions`` for one part of an order: the per-line fields re-keyed by the
    lines' positions in the part (the rest is the same for every part)."""
    if part.line_indices == tuple(range(len(part.line_indices))):
        return instructions  # the whole order, or its leading lines: keys unchanged
    line_fields = {
        new: instructions.line_fields[old]
        for new, old in enumerate(part.line_indices)
        if old in instructions.line_fields
    }
    return replace(instructions, line_fields=line_fields)


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
