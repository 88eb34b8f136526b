"""The drift report: where the store and the ERP disagree about the records the app syncs.

A read-only flow ("drift", queue "catalog", its own lock, daily by default; the
merchant's schedule and the dashboard's Run now start it). It reads both sides
in full, in pages (BigCommerce 250 products a request through the store's shared
rate budget, so it waits its turn like every other flow of the store; the ERP in
its connector's batches), and writes nothing to either side. Each difference
becomes one log entry of the run with outcome ``drift`` and ``details["kind"]``:

* ``only_in_erp`` / ``only_in_store`` — a product or variant SKU one side has
  and the other lacks (blocked ERP articles are left out: the catalog hides
  them on purpose);
* ``price`` — the prices differ by more than the merchant's tolerance
  (``settings["drift"]["price_tolerance"]``, default 0.01), both compared
  including VAT at the article's rate;
* ``stock`` — the store's level differs from the ERP's by the merchant's
  formula (:meth:`StockRules.available`) by more than ``stock_tolerance``
  (default 0), when the app manages stock;
* ``order_not_in_erp`` — an order still in an export status, older than
  ``order_grace_minutes`` (default 60), that the ERP does not have (``find_order``);
* ``store_order_missing`` — an exported order (bound in the last
  :data:`ORDER_WINDOW`) that the store no longer has (deleted or archived);
* ``customer`` — a bound customer whose e-mail, name or company differ (with a
  connector that lists the ERP's relations: ``CustomerSource``).

Entries name the record by SKU, store id and ERP id, so the log's Retry re-syncs
a product or exports an order: the fix the app can make. The report page
(:mod:`bcapp.web.drift`) reads the newest run's entries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.errors import NotFound
from bcapp.canonical import Product
from bcapp.connectors.base import Capability, Customer, CustomerSource
from bcapp.extensions import db
from bcapp.mapping.rules import StoreRules
from bcapp.models import Binding, LogEntry
from bcapp.models.base import utcnow
from bcapp.sync.catalog import wants_stock
from bcapp.sync.context import SyncContext
from bcapp.sync.product_items import ENTITY as PRODUCT
from bcapp.sync.records import Direction
from bcapp.sync.registry import register_flow

DRIFT = "drift"
KINDS = ("only_in_erp", "only_in_store", "price", "stock", "order_not_in_erp",
         "store_order_missing", "customer")  # fmt: skip
#: The customer fields the app keeps in step (compared without regard to case and spaces).
CUSTOMER_FIELDS = ("email", "first_name", "last_name", "company")
CUSTOMER = "customer"
PAGE = 250
#: An order younger than this may simply not be exported yet.
ORDER_GRACE = timedelta(hours=1)
#: How far back orders are compared.
ORDER_WINDOW = timedelta(days=30)
ORDER = "order"


@dataclass(frozen=True)
class Item:
    """One SKU on one side: its ids, and its price as that side keeps it."""

    sku: str
    price: Decimal | None
    includes_vat: bool
    bc_id: int | None = None
    erp_id: str = ""
    vat_rate: Decimal = Decimal("0")

    def incl(self, rate: Decimal) -> Decimal | None:
        """The price including VAT at ``rate`` (the ERP article's: the store has no rates)."""
        if self.price is None or self.includes_vat:
            return self.price
        return (self.price * (1 + rate / 100)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Tolerance:
    """The merchant's tolerances (``store.settings["drift"]``)."""

    price: Decimal = Decimal("0.01")
    stock: int = 0
    order_grace: timedelta = ORDER_GRACE

    @classmethod
    def of(cls, settings: dict[str, Any]) -> Tolerance:
        section = settings.get(DRIFT) or {}
        grace = timedelta(minutes=float(section.get("order_grace_minutes", 60)))
        return cls(Decimal(str(section.get("price_tolerance", "0.01"))),
                   int(section.get("stock_tolerance", 0)), grace)  # fmt: skip


@register_flow("drift", requires={Capability.PRODUCTS}, queue="catalog", lock="drift",
               group="drift", every=1440, direction=Direction.APP.value)  # fmt: skip
def drift_report(ctx: SyncContext, **_options: Any) -> str:
    """Compare both sides and log each difference (see the module docstring)."""
    rules = ctx.rules
    tolerance = Tolerance.of(ctx.settings)
    found: Counter[str] = Counter()
    store_items = _store_items(ctx, rules)
    erp_items = _erp_items(ctx)
    found += _compare_catalog(ctx, store_items, erp_items, tolerance)
    if wants_stock(rules, ctx.connector.capabilities):
        found += _compare_stock(ctx, rules, tolerance)
    if ctx.can(Capability.ORDERS):
        found += _compare_orders(ctx, rules, tolerance.order_grace)
    if isinstance(ctx.connector, CustomerSource):
        found += _compare_customers(ctx, ctx.connector)
    ctx.commit()
    total = sum(found.values())
    if not total:
        return "No differences: the store and the ERP agree."
    parts = ", ".join(f"{found[k]} {k.replace('_', ' ')}" for k in KINDS if found[k])
    return f"{total} differences: {parts}."


# -- reading ----------------------------------------------------------------------------------


def _items(product: Product, **ids: Any) -> Iterator[Item]:
    """The product's SKUs: its own, and each variant's (with its own price, if any)."""
    vat = product.price_includes_vat
    if product.sku:
        yield Item(product.sku, product.price, vat, vat_rate=product.vat_rate, **ids)
    for variant in product.variants:
        price = variant.price if variant.price is not None else product.price
        yield Item(variant.sku, price, vat, vat_rate=product.vat_rate, **ids)


def _erp_items(ctx: SyncContext) -> dict[str, Item]:
    """Every ERP article's SKUs, by SKU in lower case (BigCommerce ignores case)."""
    items: dict[str, Item] = {}
    for batch in ctx.connector.fetch_products(None):
        for product in batch.records:
            if product.blocked:
                continue
            for item in _items(product, erp_id=product.erp_id):
                items[item.sku.lower()] = item
        ctx.heartbeat()
    return items


def _store_items(ctx: SyncContext, rules: StoreRules) -> dict[str, Item]:
    """Every store product's SKUs (lower case), prices as the store's VAT setting says."""
    items: dict[str, Item] = {}
    pages = ctx.store.products_modified_since(
        None, groups={}, prices_include_vat=rules.catalog.price_includes_vat, page=PAGE
    )
    for page in pages:
        for modified in page:
            product = modified.product
            for item in _items(product, bc_id=modified.bc_id):
                items[item.sku.lower()] = item
        ctx.heartbeat()
    return items


# -- comparing --------------------------------------------------------------------------------


def _compare_catalog(
    ctx: SyncContext, store: dict[str, Item], erp: dict[str, Item], tolerance: Tolerance
) -> Counter[str]:
    found: Counter[str] = Counter()
    for key, item in erp.items():
        there = store.get(key)
        if there is None:
            found["only_in_erp"] += 1
            _log(ctx, "only_in_erp", f"{item.sku} is in the ERP but not in the store.",
                 erp_id=item.erp_id, sku=item.sku)  # fmt: skip
        elif _price_differs(there, item, tolerance):
            found["price"] += 1
            ours, theirs = there.incl(item.vat_rate), item.incl(item.vat_rate)
            _log(ctx, "price", f"{item.sku}: the store asks {ours}, the ERP {theirs} "
                 "(both including VAT).", bc_id=there.bc_id, erp_id=item.erp_id, sku=item.sku,
                 store=str(ours), erp=str(theirs))  # fmt: skip
    for key, item in store.items():
        if key not in erp:
            found["only_in_store"] += 1
            _log(ctx, "only_in_store", f"{item.sku} is in the store but not in the ERP.",
                 bc_id=item.bc_id, sku=item.sku)  # fmt: skip
    return found


def _price_differs(store: Item, erp: Item, tolerance: Tolerance) -> bool:
    """Both prices including VAT: the store's is read as the store's setting says, so the
    ERP's rate applies to it when the store keeps prices excluding VAT."""
    ours, theirs = store.incl(erp.vat_rate), erp.incl(erp.vat_rate)
    if ours is None or theirs is None:
        return False
    return abs(ours - theirs) > tolerance.price


def _compare_stock(ctx: SyncContext, rules: StoreRules, tolerance: Tolerance) -> Counter[str]:
    found: Counter[str] = Counter()
    wanted: dict[str, tuple[int, str, str]] = {}
    for batch in ctx.connector.fetch_stock(None):
        for level in batch.records:
            wanted[level.sku.lower()] = (rules.stock.available(level), level.erp_id, level.sku)
        ctx.heartbeat()
    for page in ctx.store.stock_levels(page=PAGE):
        for have in page:
            want = wanted.get(have.sku.lower())
            if have.skip or want is None:
                continue
            if abs(have.quantity - want[0]) > tolerance.stock:
                found["stock"] += 1
                _log(ctx, "stock", f"{have.sku}: the store has {have.quantity} in stock, the "
                     f"ERP's formula gives {want[0]}.", bc_id=have.product_id,
                     erp_id=want[1], sku=have.sku, store=have.quantity, erp=want[0])  # fmt: skip
        ctx.heartbeat()
    return found


def _compare_orders(ctx: SyncContext, rules: StoreRules, grace: timedelta) -> Counter[str]:
    found: Counter[str] = Counter()
    now = utcnow()
    bound = _order_bindings(ctx, now - ORDER_WINDOW)
    seen: set[str] = set()
    for head in ctx.store.orders_changed_since(now - ORDER_WINDOW):
        if head.deleted:
            continue
        seen.add(str(head.bc_id))
        if not rules.orders.exports(head.status_id):
            continue
        modified = head.modified_at
        if modified is not None and now - _aware(modified) < grace:
            continue
        if str(head.bc_id) in bound or ctx.connector.find_order(str(head.bc_id)):
            continue
        found["order_not_in_erp"] += 1
        _log(ctx, "order_not_in_erp", f"Order #{head.bc_id} waits in an export status and is "
             "not in the ERP.", bc_id=head.bc_id, entity=ORDER)  # fmt: skip
    for bc_id, binding in bound.items():
        if bc_id in seen:
            continue
        if _store_has(ctx, int(bc_id)):
            continue
        found["store_order_missing"] += 1
        _log(ctx, "store_order_missing", f"Order #{bc_id} was exported to the ERP "
             f"({binding.erp_id}) but the store no longer has it.", bc_id=bc_id,
             erp_id=binding.erp_id, entity=ORDER)  # fmt: skip
    return found


def _compare_customers(ctx: SyncContext, source: CustomerSource) -> Counter[str]:
    """Bound customers whose e-mail, name or company differ between the two sides.

    Only the names of the differing fields are logged, not their values: the log
    keeps no personal data it does not need.
    """
    found: Counter[str] = Counter()
    if ctx.connection is None:
        return found
    bound = {
        str(b.erp_id): int((b.data or {}).get("bc_id") or 0)
        for b in db.session.execute(
            db.select(Binding).filter_by(connection_id=ctx.connection.id, entity=CUSTOMER)
        ).scalars()
    }
    if not bound:
        return found
    erp: dict[str, Customer] = {}
    for batch in source.fetch_customers(None):
        erp.update({str(c.erp_id): c for c in batch.records if str(c.erp_id) in bound})
        ctx.heartbeat()
    store = ctx.store.customers_by_id([i for i in bound.values() if i])
    for erp_id, bc_id in sorted(bound.items()):
        ours, theirs = store.get(bc_id), erp.get(erp_id)
        if ours is None or theirs is None:
            continue  # gone on one side: the customer flows report and handle that
        fields = [f for f in CUSTOMER_FIELDS
                  if _plain(getattr(ours.customer, f)) != _plain(getattr(theirs, f))]  # fmt: skip
        if fields:
            found["customer"] += 1
            _log(ctx, "customer", f"Customer {bc_id} (ERP {erp_id}): "
                 f"{', '.join(f.replace('_', ' ') for f in fields)} differ.", bc_id=bc_id,
                 erp_id=erp_id, entity=CUSTOMER, fields=fields)  # fmt: skip
    return found


def _plain(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def _store_has(ctx: SyncContext, bc_id: int) -> bool:
    """Whether the store still has the order (a deleted one answers 404 or ``is_deleted``)."""
    try:
        head = ctx.store.order_head(bc_id)
    except NotFound:
        return False
    return head is not None and not head.deleted


def _order_bindings(ctx: SyncContext, since: Any) -> dict[str, Binding]:
    """Orders bound (exported) since ``since``, by store order id."""
    if ctx.connection is None:
        return {}
    rows = db.session.execute(
        db.select(Binding).where(Binding.connection_id == ctx.connection.id,
                                 Binding.entity == ORDER, Binding.synced_at >= since)
    ).scalars()  # fmt: skip
    return {str(b.bc_id): b for b in rows}


def _aware(value: Any) -> Any:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _log(
    ctx: SyncContext, kind: str, message: str, *, bc_id: Any = None, erp_id: Any = None,
    entity: str = PRODUCT, **details: Any,
) -> None:  # fmt: skip
    """One difference: a log entry of the run (outcome "drift"), Retry-able by its ids."""
    run = ctx.run
    db.session.add(LogEntry(
        store_id=run.store_id, run_id=run.id, flow=run.flow, direction=Direction.APP.value,
        entity=entity, outcome=DRIFT, bc_id=str(bc_id) if bc_id is not None else None,
        erp_id=str(erp_id) if erp_id else None, message=message[:4000],
        details={"kind": kind, **details},
    ))  # fmt: skip
