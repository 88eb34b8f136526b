"""AfasConnector: AFAS Profit behind the canonical Connector interface.

Reads come from GetConnectors named in the settings (change polling with a
(modified, key) cursor, see :mod:`.changes`); writes go through the standard
UpdateConnectors (KnSalesRelationPer/Org, FbSales, FbSubscription, and
FbDeliveryNote in :mod:`.fulfilment`, with the shipment, credit-note and
order-status reads).

Decisions a flow should know:

* ``create_order`` is idempotent by reference: it looks the order up first
  (``RfCs`` holds our reference) and returns the existing number.
* A line whose SKU is neither an article code nor an article dimension raises
  :class:`~bcapp.errors.SkipRecord` naming the SKU(s): the merchant creates the
  article (or fixes the SKU) and re-exports that one order; other orders go on.
  Nothing is sent to AFAS in that case, so no half order exists.
* Digital lines are not on the FbSales order; the flow calls
  ``create_subscription`` for each.
* Stock is a full snapshot per run: its batches carry no cursor.

``create_order`` takes the merchant's :class:`~bcapp.connectors.base.OrderInstructions`:
payment method (PaTp), delivery type (DtId), transporter (TrPt), the shipping-cost item
and per-line VAT
rate groups (VaRc). Warehouse (War), VAT duty (VaDu), order type (ETOr) and the rest
come from the connector's own settings.

Debtors changed in Profit are read for the customers-to-store flow (:mod:`.relations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar

import httpx

from bcapp.connectors.afas import envelopes, mapping, writable
from bcapp.connectors.afas.changes import ChangeQuery, read_changes
from bcapp.connectors.afas.choices import AfasChoices
from bcapp.connectors.afas.client import AfasClient, Filter, Op, base_url
from bcapp.connectors.afas.delivery import DeliveryAddresses
from bcapp.connectors.afas.fulfilment import Fulfilment
from bcapp.connectors.afas.journal import Ledger
from bcapp.connectors.afas.relations import Relations
from bcapp.connectors.afas.settings import (
    OPTIONAL_ROLES,
    SETTINGS_SCHEMA,
    AfasSettings,
    EntityConfig,
)
from bcapp.connectors.base import (
    Batch,
    Capability,
    Category,
    Choice,
    Customer,
    DocumentType,
    ErpField,
    Order,
    OrderFeature,
    OrderInstructions,
    OrderLine,
    OrderPart,
    Product,
    StockLevel,
    part_instructions,
    split_by_address,
)
from bcapp.errors import BcappError, ConfigError, FatalSyncError, SkipRecord

#: Entities order export cannot do without (looked up before every write).
ESSENTIAL_ENTITIES = frozenset({"articles", "debtors", "sales_orders"})
#: OR-ed filter sets per lookup request (keeps URLs short).
LOOKUP_CHUNK = 40
#: Document type → (UpdateConnector, the entity that finds it again by reference ("": the
#: sales orders one, always there), the BCApp_* GetConnector a merchant imports for it).
DOCUMENTS: dict[DocumentType, tuple[str, str, str]] = {
    DocumentType.SALES_ORDER: ("FbSales", "", ""),
    DocumentType.DIRECT_INVOICE: ("FbDirectInvoice", "sales_invoices", "BCApp_SalesInvoices"),
    DocumentType.QUOTATION: ("FbSalesQuotation", "sales_quotations", "BCApp_SalesQuotations"),
    DocumentType.JOURNAL_ENTRY: ("FiEntries", "journal_entries", "BCApp_JournalEntries"),
}


class AfasConnector(Fulfilment, Relations, Ledger, DeliveryAddresses):
    """AFAS Profit over its REST API (GetConnectors in, UpdateConnectors out)."""

    kind: ClassVar[str] = "afas"
    label: ClassVar[str] = "AFAS Profit"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.CATEGORIES,
            Capability.PRODUCTS,
            Capability.STOCK,
            Capability.CUSTOMERS,
            Capability.ORDERS,
            Capability.SUBSCRIPTIONS,
            Capability.SHIPMENTS_FROM_ERP,
            Capability.SHIPMENTS_TO_ERP,
            Capability.CREDIT_NOTES,
            Capability.ORDER_STATUS,
            Capability.CUSTOMERS_FROM_ERP,
        }
    )
    settings_schema: ClassVar[dict[str, Any]] = SETTINGS_SCHEMA
    rotating_credentials: ClassVar[bool] = False  # an app-connector token does not expire
    document_types: ClassVar[frozenset[DocumentType]] = frozenset(DOCUMENTS)
    order_features: ClassVar[frozenset[OrderFeature]] = frozenset(
        {
            OrderFeature.CARRIER,
            OrderFeature.VAT_NUMBER,
            OrderFeature.DELIVERY_ADDRESSES,
            OrderFeature.COST_CENTRE,
            OrderFeature.COST_CARRIER,
            OrderFeature.PAYMENT_TERMS,
            OrderFeature.REVENUE_ACCOUNTS,
            OrderFeature.VAT_COUNTRY,
            OrderFeature.PAYMENT_BOOKING,
            OrderFeature.SEVERAL_ADDRESSES,
            OrderFeature.CLASSIFICATION,
        }
    )

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        record: bool = False,
        page_size: int | None = None,
    ) -> None:
        self.settings = AfasSettings.parse(settings)
        url = base_url(
            self.settings.environment, self.settings.environment_type, self.settings.base_url
        )
        self.client = AfasClient.connect(
            url, self.settings.token, transport=transport, timeout=timeout, record=record
        )
        self.page_size = page_size or 100
        self._update_info: dict[str, dict[str, Any]] = {}
        self._choices: AfasChoices | None = None

    # -- plumbing -------------------------------------------------------------------------

    @property
    def last_exchange(self) -> Any:
        """What we last sent and what AFAS said (secrets removed), for the activity log."""
        return self.client.last_exchange

    @property
    def shipping_article(self) -> str:
        """The shipping-cost item of the AFAS settings ("" = none)."""
        return str(self.orders_cfg.get("shipping_item_code") or "")

    def entity(self, name: str) -> EntityConfig:
        return self.settings.entities[name]

    @property
    def orders_cfg(self) -> Mapping[str, Any]:
        """Catalog and order options (defaults filled in)."""
        return self.settings.options

    @property
    def separator(self) -> str:
        return str(self.orders_cfg["dimension_separator"])

    def close(self) -> None:
        self.client.close()

    # -- check ----------------------------------------------------------------------------

    def check(self) -> None:
        """Verify the token and every configured GetConnector and field through metainfo.

        An entity whose connector id is empty is switched off and not checked;
        its fetch yields nothing.
        """
        self.client.metainfo()  # 401/403 → ConfigError with AFAS's words
        for name, cfg in self.settings.entities.items():
            if not cfg.connector and name in ESSENTIAL_ENTITIES:
                raise ConfigError(
                    f"Name the AFAS GetConnector for {name.replace('_', ' ')}: orders cannot "
                    "be exported without it."
                )
            if not cfg.connector:
                continue  # the merchant switched this entity off (e.g. no dimensions)
            fields = self._metainfo_fields(name, cfg)
            optional = OPTIONAL_ROLES.get(name, frozenset())
            wanted = {f for role, f in cfg.fields.items() if f and role not in optional}
            if name == "articles":
                wanted |= set(self.settings.catalog.get("custom_fields") or [])
            missing = sorted(wanted - fields)
            if missing:
                raise ConfigError(
                    f"AFAS GetConnector {cfg.connector} ({name.replace('_', ' ')}) has no "
                    f"field(s) {', '.join(missing)}: add them to the connector or change the "
                    "field names in the settings."
                )

    def _metainfo_fields(self, name: str, cfg: EntityConfig) -> set[str]:
        try:
            info = self.client.metainfo(cfg.connector)
        except ConfigError as exc:
            if exc.details.get("status") != 401:
                raise
            # the token opened /MetaInfo, so a 401 here is "no access to this endpoint"
            raise ConfigError(
                f"AFAS GetConnector {cfg.connector} ({name.replace('_', ' ')}) is not part of "
                "the app connector this token belongs to: add it to the app connector in AFAS."
            ) from exc
        except BcappError as exc:
            raise ConfigError(
                f"AFAS GetConnector {cfg.connector} ({name.replace('_', ' ')}) is not "
                f"available. AFAS says: {exc.message}"
            ) from exc
        return {str(f.get("id")) for f in info.get("fields", []) if isinstance(f, Mapping)}

    # -- reads ----------------------------------------------------------------------------

    def choices(self, table: str) -> list[Choice]:
        """The codes AFAS lists for a mapping table (ChoiceSource); [] when it cannot."""
        if self._choices is None:
            self._choices = AfasChoices(self.client, self.orders_cfg)
        return self._choices.choices(table)

    def fetch_categories(self, cursor: str | None) -> Iterator[Batch[Category]]:
        """Every article group (a small table: a full read each run, no cursor)."""
        cfg = self.entity("article_groups")
        if not cfg.connector:
            return
        for rows in self.client.iter_rows(cfg.connector, order_by=[cfg["id"]], take=self.page_size):
            yield Batch(tuple(mapping.category_from_row(r, cfg) for r in rows), None)

    def fetch_products(self, cursor: str | None) -> Iterator[Batch[Product]]:
        """Articles changed after ``cursor`` (blocked ones too), with their dimensions."""
        cfg = self.entity("articles")
        if not cfg.connector:
            return
        query = ChangeQuery(cfg.connector, cfg["modified"], cfg["code"], take=self.page_size)
        for groups, next_cursor in read_changes(self.client, query, cursor):
            rows = [g[-1] for g in groups]
            dims = self._dimensions(
                [mapping.text(r.get(cfg["code"])) for r in rows if self._has_dimensions(r, cfg)]
            )
            products = tuple(
                mapping.product_from_rows(
                    r,
                    dims.get(mapping.text(r.get(cfg["code"])), []),
                    cfg,
                    self.entity("dimensions"),
                    self.orders_cfg,
                )
                for r in rows
            )
            yield Batch(products, next_cursor)

    def fetch_product(self, erp_id: str) -> Product | None:
        """One article by its code, with its dimensions (the log's Retry)."""
        cfg = self.entity("articles")
        if not cfg.connector or not erp_id:
            return None
        rows = self.client.get_rows(
            cfg.connector, filters=[[Filter(cfg["code"], Op.EQ, erp_id)]], take=1
        )
        if not rows:
            return None
        row = rows[0]
        dims = self._dimensions([erp_id]) if self._has_dimensions(row, cfg) else {}
        return mapping.product_from_rows(
            row, dims.get(erp_id, []), cfg, self.entity("dimensions"), self.orders_cfg
        )

    def _has_dimensions(self, row: Mapping[str, Any], cfg: EntityConfig) -> bool:
        if not self.entity("dimensions").connector:
            return False
        roles = [cfg["dimension_1"], cfg["dimension_2"]]
        if not any(roles):
            return True
        return any(mapping.text(row.get(f)) for f in roles if f)

    def _dimensions(self, codes: list[str]) -> dict[str, list[dict[str, Any]]]:
        cfg = self.entity("dimensions")
        out: dict[str, list[dict[str, Any]]] = {}
        for rows in self._lookup(
            cfg.connector, cfg["code"], codes, order_by=[cfg["code"], cfg["dim1"], cfg["dim2"]]
        ):
            for row in rows:
                out.setdefault(mapping.text(row.get(cfg["code"])), []).append(row)
        return out

    def _lookup(
        self, connector: str, field: str, values: Iterable[str], order_by: Sequence[str] = ()
    ) -> Iterator[list[dict[str, Any]]]:
        """Rows whose ``field`` equals any of ``values`` (OR-ed filter sets, chunked)."""
        unique = sorted(set(v for v in values if v))
        order = [f for f in order_by if f]
        for i in range(0, len(unique), LOOKUP_CHUNK):
            sets = [[Filter(field, Op.EQ, v)] for v in unique[i : i + LOOKUP_CHUNK]]
            yield from self.client.iter_rows(
                connector, filters=sets, order_by=order, take=self.page_size
            )

    def fetch_stock(self, cursor: str | None) -> Iterator[Batch[StockLevel]]:
        """Stock per SKU over all warehouses (a full snapshot: batches carry no cursor)."""
        cfg = self.entity("stock")
        if not cfg.connector:
            return
        order = [f for f in (cfg["code"], cfg["dim1"], cfg["dim2"], cfg["warehouse"]) if f]
        pending: dict[str, list[dict[str, Any]]] = {}
        for rows in self.client.scan_rows(cfg.connector, order_by=order, take=self.page_size):
            for row in rows:
                pending.setdefault(mapping.row_sku(row, cfg, self.separator), []).append(row)
            done = list(pending)[:-1]  # the last SKU may continue on the next page
            yield Batch(tuple(self._stock(s, pending.pop(s), cfg) for s in done), None)
        if pending:
            yield Batch(tuple(self._stock(s, r, cfg) for s, r in pending.items()), None)

    def _stock(self, sku: str, rows: list[dict[str, Any]], cfg: EntityConfig) -> StockLevel:
        return mapping.stock_from_rows(sku, rows, cfg)

    # -- customers ------------------------------------------------------------------------

    def find_customer(self, email: str) -> str | None:
        """The debtor number of the sales relation with this e-mail, if any."""
        cfg = self.entity("debtors")
        if not email.strip():
            return None
        rows = self.client.get_rows(
            cfg.connector,
            filters=[[Filter(cfg["email"], Op.EQ, email.strip())]],
            order_by=[cfg["id"]],
            take=1,
        )
        return mapping.text(rows[0].get(cfg["id"])) if rows else None

    def upsert_customer(
        self, customer: Customer, erp_id: str | None = None, *, searched: bool = False
    ) -> str:
        """Create (or update) the sales relation for ``customer``; matched by e-mail.

        Args:
            searched: the caller has just asked :meth:`find_customer` and found
                nothing (under its customer lock), so the same search is not sent
                again: one AFAS round trip (100 ms and more) saved per new customer.
        """
        erp_id = erp_id or customer.erp_id
        if not erp_id and not searched:
            erp_id = self.find_customer(customer.email)
        currency = str(self.orders_cfg.get("currency") or "EUR")
        new_debtor = {
            "PaCd": str(self.orders_cfg.get("debtor_payment_condition") or "")[:5],
            "ColA": str(self.orders_cfg.get("debtor_ledger_account") or "")[:16],
            "VaDu": customer.vat_code[:3],  # the VAT duty of the customer's country
        }
        name, body = envelopes.relation_envelope(
            customer, currency, _today(), erp_id, new_debtor=new_debtor
        )
        if erp_id:
            self.client.put(name, body)
            return erp_id
        result = self.client.post(name, body)
        debtor = mapping.text(result.get("DbId")) or self.find_customer(customer.email)
        if not debtor:
            raise FatalSyncError(
                f"AFAS created the sales relation for {customer.email} but returned no "
                "debtor number.",
                remote="afas",
            )
        return debtor

    # -- orders ---------------------------------------------------------------------------

    def find_order(self, reference: str) -> str | None:
        """The AFAS sales order (or direct invoice, quotation or journal entry) of ``reference``.

        Direct invoices, quotations and journal entries are looked up too (when their
        GetConnectors are named), so a store that switches document types never books an
        order twice.
        """
        row = self._order_row(reference)
        if row:
            return mapping.text(row.get(self.entity("sales_orders")["number"]))
        return (
            self._document_number("sales_invoices", reference)
            or self._document_number("sales_quotations", reference)
            or self.find_journal_entry(reference)
        )

    def _document_number(self, entity: str, reference: str) -> str | None:
        cfg = self.entity(entity)
        if not cfg.connector:
            return None
        rows = self.client.get_rows(
            cfg.connector, filters=[[Filter(cfg["reference"], Op.EQ, reference)]], take=1
        )
        return mapping.text(rows[0].get(cfg["number"])) if rows else None

    def _order_row(self, reference: str) -> dict[str, Any] | None:
        cfg = self.entity("sales_orders")
        rows = self.client.get_rows(
            cfg.connector,
            filters=[[Filter(cfg["reference"], Op.EQ, reference)]],
            order_by=[cfg["number"]],
            take=1,
        )
        return rows[0] if rows else None

    def create_order(
        self,
        order: Order,
        customer_erp_id: str,
        instructions: OrderInstructions | None = None,
        *,
        searched: bool = False,
    ) -> str:
        """Create the FbSales order, or the FbDirectInvoice or FbSalesQuotation the
        instructions ask for (or return the one already there for this reference).

        Args:
            instructions: the merchant's mappings for this order.
            searched: the caller has just asked :meth:`find_order` for this
                reference and found nothing (under its order lock), so the search
                is not repeated: one AFAS round trip saved per exported order.
        """
        todo = instructions or OrderInstructions()
        document = DOCUMENTS.get(todo.document_type)
        if document is None:
            raise FatalSyncError(
                f"AFAS cannot book store orders as {todo.document_type.value.replace('_', ' ')}:"
                " choose a sales order, a direct invoice, a quotation or a financial mutation"
                " in the order settings."
            )
        name, lookup, example = document
        if lookup and not self.entity(lookup).connector:
            what = lookup.replace("_", " ")
            raise FatalSyncError(
                f"Orders are booked as {what}, but no GetConnector is named to find them again "
                f"(GetConnectors → {what.capitalize()}, e.g. {example}): without it one could "
                "be booked twice."
            )
        if todo.document_type is DocumentType.JOURNAL_ENTRY:  # on ledger accounts, no articles
            # one entry for the whole order: a ledger does not book per delivery address
            existing = None if searched else self.find_order(order.reference)
            return existing or self.create_journal_entry(order, customer_erp_id, todo)
        parts = split_by_address(order)
        items = None
        if len(parts) > 1:  # resolved before the first post: a missing article stops them all
            items = self.resolve_items(line.sku for line in order.lines if not line.is_digital)
        numbers = []
        for part in parts:
            # Parts are made in address order, so the first missing means none after it exist.
            existing = None if searched else self.find_order(part.order.reference)
            searched = searched or existing is None
            numbers.append(
                existing or self._post_document(name, part, customer_erp_id, todo, items)
            )
        return numbers[0]

    def _post_document(
        self,
        name: str,
        part: OrderPart,
        debtor: str,
        instructions: OrderInstructions,
        items: Mapping[str, tuple[str, str, str]] | None = None,
    ) -> str:
        """Post one sales document: the lines and shipping cost of one shipping address."""
        order, todo = part.order, part_instructions(instructions, part)
        if items is None:
            items = self.resolve_items(line.sku for line in order.lines if not line.is_digital)
        body = envelopes.document_envelope(name, order, debtor, items, self.orders_cfg, todo)
        ship_to = order.shipping_addresses[0] if order.shipping_addresses else None
        linked = self.delivery_address_number(debtor, ship_to) if ship_to else None
        if linked is not None and "DlAd" not in todo.fields:  # the merchant's mapping wins
            body[name]["Element"]["Fields"]["DlAd"] = linked
        number = mapping.text(self.client.post(name, body).get("OrNu"))
        number = number or self.find_order(order.reference) or ""
        if not number:
            raise FatalSyncError(
                f"AFAS accepted order {order.reference} but it cannot be found by its "
                "reference: check the sales orders GetConnector's reference field.",
                remote="afas",
            )
        return number

    # -- the merchant's field mapping (FieldSource) -------------------------------------------

    def writable_fields(self, record: str) -> list[ErpField]:
        """The fields of ``record``'s UpdateConnector object, as Profit's metainfo lists them."""
        if record not in writable.OBJECTS:
            return []
        connector = writable.OBJECTS[record][0]
        info = self._update_info.get(connector)
        if info is None:
            info = self.client.update_metainfo(connector)
            self._update_info[connector] = info
        return writable.fields_from_metainfo(record, info)

    def order_request(
        self, order: Order, customer_erp_id: str, instructions: OrderInstructions
    ) -> dict[str, Any]:
        """The FbSales body :meth:`create_order` would post (SKUs taken as item codes)."""
        items = {line.sku: (line.sku, "", "") for line in order.lines}
        return envelopes.sales_order_envelope(
            order, customer_erp_id, items, self.orders_cfg, instructions
        )

    def create_subscription(self, order: Order, line: OrderLine, customer_erp_id: str) -> str:
        """An FbSubscription for one digital line (idempotent).

        FbSubscription requires the number (SuNr) from the caller, so we derive it
        from the order and line position (``bc_id * 100 + position``); a second call
        finds it through the subscriptions GetConnector and creates nothing.
        """
        position = order.lines.index(line) + 1 if line in order.lines else 1
        number = order.bc_id * 100 + position
        cfg = self.entity("subscriptions")
        if cfg.connector and self.client.get_rows(
            cfg.connector, filters=[[Filter(cfg["number"], Op.EQ, number)]], take=1
        ):
            return str(number)  # created before a crash: the number is ours, so it is this one
        items = self.resolve_items([line.sku])
        body = envelopes.subscription_envelope(
            order, line, number, customer_erp_id, items[line.sku][0], self.orders_cfg
        )
        result = self.client.post("FbSubscription", body)
        return mapping.text(result.get("SuNr")) or str(number)

    # -- SKU resolution -------------------------------------------------------------------

    def resolve_items(self, skus: Iterable[str]) -> dict[str, tuple[str, str, str]]:
        """SKU → (item code, dimension 1, dimension 2); SkipRecord naming unknown SKUs."""
        wanted = sorted(set(skus))
        art = self.entity("articles")
        found: dict[str, tuple[str, str, str]] = {}
        for rows in self._lookup(art.connector, art["code"], wanted, order_by=[art["code"]]):
            for row in rows:
                code = mapping.text(row.get(art["code"]))
                found[code] = (code, "", "")
        rest = [s for s in wanted if s not in found]
        if rest and self.entity("dimensions").connector and self.separator:
            found.update(self._resolve_variants(rest))
        unknown = [s for s in wanted if s not in found]
        if unknown:
            raise SkipRecord(
                f"AFAS has no article for SKU {', '.join(unknown)}: create the article "
                "(or fix the SKU in the store) and export the order again.",
                remote="afas",
                details={"skus": unknown},
            )
        return found

    def _resolve_variants(self, skus: list[str]) -> dict[str, tuple[str, str, str]]:
        sep = self.separator
        candidates = {sku.split(sep, i)[0] if i else sku for sku in skus for i in (1, 2)}
        candidates |= {sku.rsplit(sep, n)[0] for sku in skus for n in (1, 2) if sep in sku}
        out: dict[str, tuple[str, str, str]] = {}
        cfg = self.entity("dimensions")
        for code, rows in self._dimensions(sorted(candidates)).items():
            for row in rows:
                d1, d2 = mapping.text(row.get(cfg["dim1"])), mapping.text(row.get(cfg["dim2"]))
                sku = mapping.variant_sku(code, d1, d2, sep)
                if sku in skus:
                    out[sku] = (code, d1, d2)
        return out


def _today() -> date:
    return datetime.now(UTC).date()
