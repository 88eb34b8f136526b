"""The merchant's rules: defaults, validation and typed accessors for ``Store.settings``.

``Store.settings`` is one JSON document the settings pages edit, section by
section. Flows never read that JSON directly: they call :func:`rules_for` and
get a frozen :class:`StoreRules` with every default filled in, so a key the
merchant never saved still has a sensible value and a typo in a flow is an
``AttributeError``, not a silent ``None``.

Sections and keys (defaults in brackets)::

    general     alert_email [""], alert_webhook_url [""], log_retention_days [30]
    flows       catalog, stock, orders, customers, shipments [on]; refunds, order_status,
                customers_from_erp [off]
    catalog     direction [erp_to_store | store_to_erp], mode [create_and_update | update_only],
                excluded_fields [[]], price_includes_vat [False], custom_fields [[]],
                on_deleted_in_bc [report | recreate], channels [[1]] (storefronts synced
                products are sold on; categories go into the first one's tree)
    stock       calculation [on_hand_minus_reserved | on_hand], warehouses [[] = all],
                buffer [0], manage_stock [True]
    orders      export_statuses [[11]], success_status_id [9], error_status_id [12],
                customer_mode [match | default_debtor], default_debtor [""],
                company_as_organisation [True], shipping_cost_article [""],
                subscriptions_for_digital [False], channels [[] = every storefront],
                reference_template ["{order_id}"] (what the ERP stores to find the order again),
                reference_history [[]] (earlier templates, kept when the template changes),
                document_type [sales_order | direct_invoice | quotation | journal_entry]
                (what an order becomes in the ERP; the page offers what the connector makes),
                sales_journal [""] (the journal a journal entry goes into, e.g. AFAS JoCo),
                shipping_account [""] (ledger account of shipping costs; "" = the order's
                default revenue account), discount_account [""] (ledger account of
                discounts; "" = discounts reduce the revenue lines)
    mappings    payment {bc: erp}, tax {bc: erp}, shipping {bc: erp},
                carrier {bc shipping method: ERP transporter, e.g. AFAS TrPt},
                cost_centre {storefront (channel) id or "*": ERP cost centre},
                cost_carrier {storefront (channel) id or "*": ERP cost carrier (a second
                cost-allocation axis, e.g. AFAS axis 2)},
                payment_terms {bc payment method: ERP payment terms, e.g. AFAS PaCd},
                document_type {storefront (channel) id: document type, overriding the
                orders section's for that storefront's orders},
                order_status {erp_status: bc_status_id or None (= leave BigCommerce alone)},
                revenue_account {"NL:<tax class id>", ":<tax class id>", "NL" or "*": ledger
                account; the most specific key wins, in that order},
                vat_country {destination country: ERP VAT code, overriding the tax mapping
                for orders to that country; also the VAT duty of a new debtor there},
                payment_journal {bc payment method: the journal its payments are booked in}
                classification {BigCommerce customer group id (0: none, a guest) or "*":
                ERP classification of new relations, e.g. AFAS sales relation type VaTp},
                turnover_group {storefront (channel) id or "*": ERP turnover group of the
                order's lines, e.g. Mplus turnoverGroup}
    customers   update_fields [["phone", "addresses"]] (what an update of an existing ERP
                relation may overwrite besides name and e-mail; of phone, addresses,
                vat_number, classification), vat_number_field ["VAT number"] (the store's
                form field holding a B2B customer's VAT number), delivery_addresses [True]
                (a new delivery address of an order or an address webhook becomes one of
                the relation)
    fulfilment  shipment_source [erp | store]
    customers_from_erp   channels [[1]] (storefronts a debtor's account signs in on; matched
                on the first), group_map {erp value: BigCommerce group name or id},
                default_group [""] (for values not in the map; "" = leave the group alone),
                excluded_fields [[]] (of name, company, phone, group, addresses)
    schedules   {flow: minutes}; 0 = only on demand / by webhook

Three more keys live beside the sections and are not flow rules (ignored
here): ``setup`` (the wizard's ``{"completed": true}``), ``alert_state``
(:mod:`bcapp.alerts`' digest watermark) and ``access`` (the owner's choice of
what other users may do, :mod:`bcapp.web.access`).

Writing goes through :func:`bcapp.mapping.validation.validate_section` (returns
clean values and per-field messages a merchant can act on) and
:func:`with_section` (returns a new settings dict, so SQLAlchemy sees the JSON
column change).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from bcapp.canonical import StockLevel

#: The ERP reference of an order by default: the BigCommerce order id itself.
DEFAULT_REFERENCE = "{order_id}"

FLOW_NAMES = (
    "catalog", "stock", "orders", "customers", "shipments", "refunds", "order_status",
    "customers_from_erp",
)  # fmt: skip
#: Flows that stay off until the merchant switches them on.
OFF_BY_DEFAULT = ("refunds", "order_status", "customers_from_erp")

#: BigCommerce's built-in order statuses (id → default label; merchants may relabel them).
BC_ORDER_STATUSES: dict[int, str] = {
    0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded",
    5: "Cancelled", 6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup",
    9: "Awaiting Shipment", 10: "Completed", 11: "Awaiting Fulfillment",
    12: "Manual Verification Required", 13: "Disputed", 14: "Partially Refunded",
}  # fmt: skip

#: Fields an update of an existing ERP relation may overwrite (besides name and e-mail).
CUSTOMER_UPDATE_FIELDS = ("phone", "addresses", "vat_number", "classification")
#: The form field a B2B shop keeps the VAT number in, unless the merchant names another.
DEFAULT_VAT_FIELD = "VAT number"

#: Customer fields the ERP → store customer flow may write; a merchant can exclude any of them.
CUSTOMER_FIELDS = ("name", "company", "phone", "group", "addresses")

#: Product fields the catalog flow may write; a merchant can exclude any of them.
CATALOG_FIELDS = (
    "name", "description", "price", "weight", "brand", "categories", "images", "ean",
    "custom_fields", "visibility",
)  # fmt: skip

CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    "catalog": {
        "direction": ("erp_to_store", "store_to_erp"),
        "mode": ("create_and_update", "update_only"),
        "on_deleted_in_bc": ("report", "recreate"),
    },
    "stock": {"calculation": ("on_hand_minus_reserved", "on_hand")},
    "orders": {
        "customer_mode": ("match", "default_debtor"),
        "document_type": ("sales_order", "direct_invoice", "quotation", "journal_entry"),
    },
    "fulfilment": {"shipment_source": ("erp", "store")},
}

DEFAULTS: dict[str, dict[str, Any]] = {
    "general": {"alert_email": "", "alert_webhook_url": "", "log_retention_days": 30},
    # The drift report's tolerances (bcapp.sync.drift): money, units, minutes.
    "drift": {"price_tolerance": "0.01", "stock_tolerance": 0, "order_grace_minutes": 60},
    "flows": {name: name not in OFF_BY_DEFAULT for name in FLOW_NAMES},
    "catalog": {
        "direction": "erp_to_store",
        "mode": "create_and_update",
        "excluded_fields": [],
        "price_includes_vat": False,
        "custom_fields": [],
        "on_deleted_in_bc": "report",
        "channels": [1],
    },
    # Available minus sales reservations, as merchants of the ERP integrations we replace are
    # used to; an ERP that reports no reservations gives the on-hand number. Stores that
    # saved a calculation keep it (merged() only fills what was never saved).
    "stock": {
        "calculation": "on_hand_minus_reserved",
        "warehouses": [],
        "buffer": 0,
        "manage_stock": True,
    },
    "orders": {
        "export_statuses": [11],
        "success_status_id": 9,
        "error_status_id": 12,
        "customer_mode": "match",
        "default_debtor": "",
        "company_as_organisation": True,
        "shipping_cost_article": "",
        "subscriptions_for_digital": False,
        "channels": [],
        "reference_template": DEFAULT_REFERENCE,
        "reference_history": [],
        "document_type": "sales_order",
        "sales_journal": "",
        "shipping_account": "",
        "discount_account": "",
    },
    "customers": {
        "update_fields": ["phone", "addresses"],
        "vat_number_field": DEFAULT_VAT_FIELD,
        "delivery_addresses": True,
    },
    "mappings": {
        "payment": {},
        "tax": {},
        "shipping": {},
        "order_status": {},
        "carrier": {},
        "cost_centre": {},
        "cost_carrier": {},
        "payment_terms": {},
        "document_type": {},
        "revenue_account": {},
        "vat_country": {},
        "payment_journal": {},
        "classification": {},
        "turnover_group": {},
    },
    "fulfilment": {"shipment_source": "erp"},
    "customers_from_erp": {
        "channels": [1],
        "group_map": {},
        "default_group": "",
        "excluded_fields": [],
    },
    "schedules": {
        "catalog": 60,
        "stock": 15,
        "orders": 5,
        "customers": 60,
        "shipments": 15,
        "refunds": 60,
        "order_status": 15,
        "customers_from_erp": 60,
    },
}

SECTIONS = tuple(DEFAULTS)

#: Placeholders a reference template may use (``BC-{order_id}``, ``{channel_id}-{order_id}``).
REFERENCE_FIELDS = ("order_id", "channel_id")


def defaults() -> dict[str, dict[str, Any]]:
    """A deep copy of every default (safe to mutate)."""
    return copy.deepcopy(DEFAULTS)


def merged(settings: Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Stored settings over the defaults, per section (unknown keys are dropped)."""
    result = defaults()
    for section, values in (settings or {}).items():
        if section in result and isinstance(values, Mapping):
            known = set(result[section]) if section not in _FREE_KEY_SECTIONS else set(values)
            result[section].update({k: copy.deepcopy(v) for k, v in values.items() if k in known})
    return result


_FREE_KEY_SECTIONS = frozenset({"mappings"})


def with_section(
    settings: Mapping[str, Any] | None, section: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    """A new settings dict with ``section`` replaced (assign it to ``Store.settings``)."""
    if section not in DEFAULTS:
        raise KeyError(section)
    result = copy.deepcopy(dict(settings or {}))
    result[section] = {**result.get(section, {}), **copy.deepcopy(dict(values))}
    return result


# --- typed accessors --------------------------------------------------------------------------


@dataclass(frozen=True)
class General:
    alert_email: str
    alert_webhook_url: str
    log_retention_days: int


@dataclass(frozen=True)
class CatalogRules:
    """How ERP articles become BigCommerce products (or, with store_to_erp, the reverse)."""

    direction: str
    mode: str
    excluded_fields: frozenset[str]
    price_includes_vat: bool
    custom_fields: tuple[str, ...]
    on_deleted_in_bc: str
    #: Storefronts (BigCommerce channel ids) that sell the synced products; a product
    #: on no channel is invisible everywhere. The first one's category tree is used.
    channels: tuple[int, ...] = (1,)

    @property
    def creates(self) -> bool:
        """False in update_only mode: unknown articles are skipped, not created."""
        return self.mode == "create_and_update"

    def writes(self, field: str) -> bool:
        """Whether the flow may write ``field`` (one of :data:`CATALOG_FIELDS`)."""
        return field not in self.excluded_fields


@dataclass(frozen=True)
class StockRules:
    """Which number of an ERP's stock becomes BigCommerce's inventory level."""

    calculation: str
    warehouses: tuple[str, ...]
    buffer: int
    manage_stock: bool

    def available(self, level: StockLevel) -> int:
        """Sellable quantity of ``level``: chosen warehouses, formula, minus the buffer.

        Rounded down (half a unit cannot be sold) and never negative, because
        BigCommerce refuses a negative inventory level.
        """
        chosen = set(self.warehouses)
        total = Decimal("0")
        for stock in level.warehouses:
            if chosen and stock.warehouse not in chosen:
                continue
            total += stock.on_hand
            if self.calculation == "on_hand_minus_reserved":
                total -= stock.reserved
        return max(0, int(total) - self.buffer)


@dataclass(frozen=True)
class OrderRules:
    """Which orders go to the ERP, and how their customer and costs are booked."""

    export_statuses: frozenset[int]
    success_status_id: int | None
    error_status_id: int | None
    customer_mode: str
    default_debtor: str
    company_as_organisation: bool
    shipping_cost_article: str
    subscriptions_for_digital: bool
    #: Storefronts whose orders go to the ERP; empty: every storefront.
    channels: frozenset[int] = frozenset()
    #: What the ERP stores as the order's reference (AFAS RfCs, Mplus extOrderId), e.g.
    #: ``BC-{order_id}``; the exactly-once lookup asks the ERP for the same text.
    reference_template: str = DEFAULT_REFERENCE
    #: Templates used before the current one: an order exported under an old template is
    #: found by its old reference, so changing the template never exports it twice.
    reference_history: tuple[str, ...] = ()
    #: What an order becomes in the ERP (a ``DocumentType`` value): a sales order, or a
    #: direct invoice booked on the debtor at once.
    document_type: str = "sales_order"
    #: The journal a sales journal entry goes into (AFAS ``JoCo``); "" = none chosen.
    sales_journal: str = ""
    #: Ledger account of the shipping cost ("" = the order's default revenue account).
    shipping_account: str = ""
    #: Ledger account of discounts ("" = discounts reduce the revenue lines).
    discount_account: str = ""

    def reference_for(self, order_id: int, channel_id: int = 1) -> str:
        """The ERP reference of BigCommerce order ``order_id`` under the current template."""
        return render_reference(self.reference_template, order_id, channel_id)

    def earlier_references(self, order_id: int, channel_id: int = 1) -> list[str]:
        """The order's references under earlier templates (newest first, current excluded)."""
        current = self.reference_for(order_id, channel_id)
        seen: list[str] = []
        for template in reversed(self.reference_history):
            reference = render_reference(template, order_id, channel_id)
            if reference != current and reference not in seen:
                seen.append(reference)
        return seen

    def order_id_in(self, reference: str) -> int | None:
        """The BigCommerce order id an ERP reference names (any template used), else None."""
        text = str(reference or "").strip()
        for template in (self.reference_template, *reversed(self.reference_history)):
            match = reference_pattern(template).fullmatch(text)
            if match:
                return int(match.group("order_id"))
        return None

    def exports(self, status_id: int) -> bool:
        """Export decides by status, never by event (order/created fires for incomplete ones)."""
        return status_id in self.export_statuses

    def from_exported_channel(self, channel_id: int) -> bool:
        """Whether orders placed on storefront ``channel_id`` go to this ERP."""
        return not self.channels or channel_id in self.channels

    @property
    def uses_default_debtor(self) -> bool:
        return self.customer_mode == "default_debtor"


@dataclass(frozen=True)
class Mappings:
    """The merchant's translation tables between BigCommerce names and ERP codes."""

    payment: Mapping[str, str]
    tax: Mapping[str, str]
    shipping: Mapping[str, str]
    order_status: Mapping[str, int | None]
    #: BigCommerce shipping method → the ERP's transporter / carrier code (AFAS ``TrPt``).
    carrier: Mapping[str, str] = field(default_factory=dict)
    #: Storefront (channel id) → cost centre; ``"*"`` is the default for other storefronts.
    cost_centre: Mapping[str, str] = field(default_factory=dict)
    #: BigCommerce payment method → the ERP's payment terms (AFAS payment condition).
    payment_terms: Mapping[str, str] = field(default_factory=dict)
    #: Storefront (channel id) → document type, where it differs from the store's.
    document_type: Mapping[str, str] = field(default_factory=dict)
    #: ``"NL:<tax class id>"``, ``":<tax class id>"``, ``"NL"`` or ``"*"`` → ledger account.
    revenue_account: Mapping[str, str] = field(default_factory=dict)
    #: Destination country → ERP VAT code (one-stop-shop VAT: the country's own rate).
    vat_country: Mapping[str, str] = field(default_factory=dict)
    #: BigCommerce payment method → the journal (cash, bank, payment provider) of its payments.
    payment_journal: Mapping[str, str] = field(default_factory=dict)

    def revenue_account_for(self, country: str, tax_class: str) -> str | None:
        """The revenue account of a line of tax class ``tax_class`` (id) sold to ``country``.

        Most specific first: that class to that country, that class anywhere, anything to
        that country, then ``*``. A tax class is more specific than a country because a
        class (books, gift cards) usually has an account of its own in every country.
        """
        country = country.strip().upper()
        keys = [f"{country}:{tax_class}"] if country and tax_class else []
        keys += [f":{tax_class}"] if tax_class else []
        keys += [country] if country else []
        for key in (*keys, "*"):
            account = _lookup(self.revenue_account, key)
            if account not in (None, ""):
                return str(account)
        return None

    def vat_code_for_country(self, country: str) -> str | None:
        """The ERP VAT code of orders shipped to ``country``, or None when unmapped."""
        code = _lookup(self.vat_country, country.strip().upper()) if country.strip() else None
        return None if code in (None, "") else str(code)

    def payment_journal_for(self, bc_method: str) -> str | None:
        """The journal payments by ``bc_method`` are booked in, or None (not booked)."""
        code = _lookup(self.payment_journal, bc_method) if bc_method.strip() else None
        return None if code in (None, "") else str(code)

    #: BigCommerce customer group id (``"0"``: no group) → ERP classification; ``"*"``: the rest.
    classification: Mapping[str, str] = field(default_factory=dict)
    #: Storefront (channel id) → ERP turnover group of the lines; ``"*"``: the rest.
    turnover_group: Mapping[str, str] = field(default_factory=dict)
    #: Storefront (channel id) → cost carrier (a second cost-allocation axis); ``"*"``: the rest.
    cost_carrier: Mapping[str, str] = field(default_factory=dict)

    def classification_for(self, group_id: int) -> str | None:
        """The ERP classification of customers in group ``group_id`` (else ``*``), or None."""
        return _keyed(self.classification, str(group_id))

    def cost_carrier_for(self, channel_id: int) -> str | None:
        """The cost carrier of orders from storefront ``channel_id`` (else ``*``), or None."""
        return _keyed(self.cost_carrier, str(channel_id))

    def turnover_group_for(self, channel_id: int) -> str | None:
        """The turnover group of orders from storefront ``channel_id`` (else ``*``), or None."""
        return _keyed(self.turnover_group, str(channel_id))

    def document_type_for(self, channel_id: int, default: str) -> str:
        """What orders of storefront ``channel_id`` become (``default``: the store's choice)."""
        return str(_lookup(self.document_type, str(channel_id)) or default)

    def payment_terms_for(self, bc_method: str) -> str | None:
        """The payment terms for a BigCommerce payment method, or None when unmapped."""
        code = _lookup(self.payment_terms, bc_method)
        return None if code is None else str(code)

    def cost_centre_for(self, channel_id: int) -> str | None:
        """The cost centre of orders from storefront ``channel_id`` (else ``*``), or None."""
        code = _lookup(self.cost_centre, str(channel_id))
        code = _lookup(self.cost_centre, "*") if code is None else code
        return None if code is None else str(code)

    def carrier_code(self, bc_method: str) -> str | None:
        """The ERP transporter for a BigCommerce shipping method, or None when unmapped."""
        code = _lookup(self.carrier, bc_method)
        return None if code is None else str(code)

    def payment_code(self, bc_method: str) -> str | None:
        """The ERP payment code for a BigCommerce payment method, or None when unmapped."""
        return _lookup(self.payment, bc_method)

    def tax_code(self, bc_tax_class: str) -> str | None:
        return _lookup(self.tax, bc_tax_class)

    def shipping_code(self, bc_method: str) -> str | None:
        return _lookup(self.shipping, bc_method)

    def bc_status_for(self, erp_status: str) -> int | None:
        """BigCommerce status id for an ERP status; None = not assigned, leave BigCommerce alone."""
        value = _lookup(self.order_status, erp_status)
        return None if value is None else int(value)


def render_reference(template: str, order_id: int, channel_id: int = 1) -> str:
    """``template`` filled in: ``BC-{order_id}`` → ``BC-1042``."""
    return template.format_map({"order_id": int(order_id), "channel_id": int(channel_id)})


def reference_pattern(template: str) -> re.Pattern[str]:
    """A regex that reads the order id back out of a reference made by ``template``."""
    parts = re.split(r"(\{order_id\}|\{channel_id\})", template)
    regex, named = "", False
    for part in parts:
        if part == "{order_id}":
            regex += r"(?P<order_id>\d+)" if not named else r"\d+"
            named = True
        elif part == "{channel_id}":
            regex += r"\d+"
        else:
            regex += re.escape(part.replace("{{", "{").replace("}}", "}"))
    return re.compile(regex)


def _keyed(table: Mapping[str, Any], key: str) -> str | None:
    """``table[key]``, else its ``"*"`` row, as text; None when neither is there."""
    code = _lookup(table, key)
    code = _lookup(table, "*") if code is None else code
    return None if code is None else str(code)


def _lookup(table: Mapping[str, Any], key: str) -> Any:
    """Exact match first, then case- and space-insensitive (merchants retype labels)."""
    if key in table:
        return table[key]
    folded = key.strip().casefold()
    for name, value in table.items():
        if name.strip().casefold() == folded:
            return value
    return None


@dataclass(frozen=True)
class CustomersFromErpRules:
    """How ERP debtors become BigCommerce customers (the ``customers_from_erp`` flow)."""

    #: Storefronts the debtor's account may sign in on; an existing account is matched
    #: by e-mail on the first one (an e-mail is unique per storefront, not per store).
    channels: tuple[int, ...] = (1,)
    #: ERP group value (a debtor group, a price list) → BigCommerce group name or id.
    group_map: Mapping[str, str] = field(default_factory=dict)
    #: The group for a value the map lacks ("" = leave the customer's group alone).
    default_group: str = ""
    excluded_fields: frozenset[str] = frozenset()

    def writes(self, name: str) -> bool:
        """Whether the flow may write ``name`` (one of :data:`CUSTOMER_FIELDS`)."""
        return name not in self.excluded_fields

    def group_for(self, erp_value: str) -> str | None:
        """The BigCommerce group (name or id) for an ERP value; None: leave it alone."""
        mapped = _lookup(self.group_map, erp_value) if erp_value.strip() else None
        return str(mapped or self.default_group or "").strip() or None


@dataclass(frozen=True)
class CustomerRules:
    """How store customers become (and keep up to date) ERP relations."""

    #: What an update of an existing relation may overwrite (of CUSTOMER_UPDATE_FIELDS).
    update_fields: frozenset[str] = frozenset({"phone", "addresses"})
    #: The store form field (account or address form) holding a B2B customer's VAT number.
    vat_number_field: str = DEFAULT_VAT_FIELD
    #: A delivery address the relation lacks (new at an order, or added in the store)
    #: becomes a delivery address of the ERP relation.
    delivery_addresses: bool = True


@dataclass(frozen=True)
class StoreRules:
    """Everything a flow may ask about the merchant's choices, defaults filled in."""

    general: General
    flows: Mapping[str, bool]
    catalog: CatalogRules
    stock: StockRules
    orders: OrderRules
    mappings: Mappings
    shipment_source: str
    schedules: Mapping[str, int]
    customers_from_erp: CustomersFromErpRules = CustomersFromErpRules()
    customers: CustomerRules = CustomerRules()

    def enabled(self, flow: str) -> bool:
        """Whether the merchant switched ``flow`` on (unknown flows are off)."""
        return bool(self.flows.get(flow, False))

    def schedule_minutes(self, flow: str) -> int:
        """Minutes between scheduled runs of ``flow``; 0 = on demand / webhooks only."""
        return int(self.schedules.get(flow, 0))


def rules_for(store_or_settings: Any) -> StoreRules:
    """Typed rules of a :class:`~bcapp.models.Store` (or of a raw settings dict)."""
    raw = getattr(store_or_settings, "settings", store_or_settings)
    s = merged(raw)
    o, c, st, m = s["orders"], s["catalog"], s["stock"], s["mappings"]
    return StoreRules(
        general=General(**s["general"]),
        flows=dict(s["flows"]),
        catalog=CatalogRules(
            direction=c["direction"],
            mode=c["mode"],
            excluded_fields=frozenset(c["excluded_fields"]),
            price_includes_vat=bool(c["price_includes_vat"]),
            custom_fields=tuple(c["custom_fields"]),
            on_deleted_in_bc=c["on_deleted_in_bc"],
            channels=tuple(int(i) for i in c["channels"]) or (1,),
        ),
        stock=StockRules(
            st["calculation"], tuple(st["warehouses"]), int(st["buffer"]), bool(st["manage_stock"])
        ),
        orders=OrderRules(
            **{
                **o,
                "export_statuses": frozenset(o["export_statuses"]),
                "channels": frozenset(int(i) for i in o["channels"]),
                "reference_template": str(o["reference_template"] or DEFAULT_REFERENCE),
                "reference_history": tuple(str(t) for t in o["reference_history"] or ()),
            }
        ),
        mappings=Mappings(
            dict(m.get("payment", {})),
            dict(m.get("tax", {})),
            dict(m.get("shipping", {})),
            dict(m.get("order_status", {})),
            dict(m.get("carrier", {})),
            dict(m.get("cost_centre", {})),
            dict(m.get("payment_terms", {})),
            dict(m.get("document_type", {})),
            dict(m.get("revenue_account", {})),
            dict(m.get("vat_country", {})),
            dict(m.get("payment_journal", {})),
            classification=dict(m.get("classification", {})),
            turnover_group=dict(m.get("turnover_group", {})),
            cost_carrier=dict(m.get("cost_carrier", {})),
        ),
        shipment_source=s["fulfilment"]["shipment_source"],
        schedules=dict(s["schedules"]),
        customers_from_erp=_customers_from_erp(s["customers_from_erp"]),
        customers=CustomerRules(
            update_fields=frozenset(
                f for f in s["customers"]["update_fields"] if f in CUSTOMER_UPDATE_FIELDS
            ),
            vat_number_field=str(s["customers"]["vat_number_field"] or DEFAULT_VAT_FIELD),
            delivery_addresses=bool(s["customers"]["delivery_addresses"]),
        ),
    )


def _customers_from_erp(values: Mapping[str, Any]) -> CustomersFromErpRules:
    return CustomersFromErpRules(
        channels=tuple(int(i) for i in values["channels"]) or (1,),
        group_map={str(k): str(v) for k, v in dict(values.get("group_map") or {}).items()},
        default_group=str(values.get("default_group") or ""),
        excluded_fields=frozenset(values.get("excluded_fields") or ()),
    )
