"""The catalog flows: ERP categories, products and stock → BigCommerce (issue 6).

``catalog`` (group "catalog", queue "catalog", lock "catalog", every 60 min):

1. categories (:mod:`bcapp.sync.categories`) when the connector has them;
2. products (:mod:`bcapp.sync.products`): delta from the ERP cursor, or
   everything with ``full=True`` (the UI's resync button and ``bcapp resync``),
   which also re-verifies every binding;
3. stock (:mod:`bcapp.sync.stock`) when the connector has it, the stock flow is
   on and the merchant manages stock — after the catalog writes, never beside them.

``stock`` (group "stock", every 15 min): the stock phase alone, under the same
lock, so it never runs beside a catalog run of the same store.

``dry_run=True`` plans everything and records what would change (create /
update / unchanged, with field differences) without writing to BigCommerce,
moving a cursor or binding anything.

Direction: the store's ``catalog.direction`` picks the implementation from
:data:`DIRECTIONS`. ``erp_to_store`` is this module; ``store_to_erp`` (issue
10: the store leads and an ERP such as MplusKASSA follows) is
:mod:`bcapp.sync.catalog_to_erp`, with the same flow, lock, run and bindings.

To enqueue from the web layer: ``enqueue_flow(store_id, "catalog", full=True)``
(:mod:`bcapp.jobs.sync`; ``bcapp resync`` does exactly that).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bcapp.bigcommerce.store import MappingOptions
from bcapp.connectors.base import Capability
from bcapp.errors import ConfigError
from bcapp.mapping.rules import StoreRules, rules_for
from bcapp.models import Store
from bcapp.sync.catalog_to_erp import store_to_erp
from bcapp.sync.categories import CategoryIndex, sync_categories
from bcapp.sync.context import SyncContext
from bcapp.sync.product_items import ENTITY as PRODUCT
from bcapp.sync.products import ProductSync
from bcapp.sync.records import payload_hash
from bcapp.sync.registry import register_flow, register_retry
from bcapp.sync.stock import StockSync
from bcapp.sync.storefronts import assign_storefronts

Direction = Callable[[SyncContext, StoreRules], None]


class BrandIndex:
    """Brand name → BigCommerce brand id; read once per run, missing brands created."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self._ids: dict[str, int] | None = None

    def __call__(self, name: str) -> int:
        name = name.strip()
        if not name:
            return 0
        if self._ids is None:
            self._ids = {b.name.casefold(): b.brand_id for b in self.ctx.store.brands()}
        key = name.casefold()
        if key not in self._ids:
            if self.ctx.dry_run:
                return 0  # would be created on a real run
            self._ids[key] = self.ctx.store.create_brand(name)
        return self._ids[key]


def mapping_options(
    ctx: SyncContext, rules: StoreRules, categories: CategoryIndex
) -> MappingOptions:
    """The mapping's view of the merchant's settings for this run."""
    return MappingOptions(
        price_includes_vat=rules.catalog.price_includes_vat,
        manage_stock=rules.stock.manage_stock,
        custom_fields=rules.catalog.custom_fields,
        excluded=rules.catalog.excluded_fields,
        category_ids=categories,
        brand_id=BrandIndex(ctx),
    )


#: Seconds a catalog run may wait for the store's rate window to reset (one window and a bit).
WINDOW_WAIT = 31.0


def wait_out_windows(ctx: SyncContext) -> None:
    """Let a catalog run wait for the next rate window instead of failing for a reschedule.

    A full catalog sync is bound by the store's quota by nature: every few
    seconds the window is spent and resets within 30 s. Rescheduling the job
    each time would restart the run (resuming from its cursor) after a job
    backoff that is longer than the wait itself. Catalog runs have their own
    queue, so a worker waiting here never delays an order export.
    """
    budget = ctx.store.budget
    if budget.max_wait < WINDOW_WAIT:
        budget.max_wait = WINDOW_WAIT


SETTINGS_CURSOR = "catalog.settings"


def settings_fingerprint(options: MappingOptions) -> str:
    """A hash of the settings that shape every payload (VAT, stock tracking, fields)."""
    return payload_hash({
        "vat": options.price_includes_vat, "stock": options.manage_stock,
        "fields": list(options.custom_fields), "excluded": sorted(options.excluded),
    })  # fmt: skip


def erp_to_store(ctx: SyncContext, rules: StoreRules) -> None:
    """Categories, then products, then stock: the ERP leads."""
    wait_out_windows(ctx)
    capabilities = ctx.connector.capabilities
    if Capability.CATEGORIES in capabilities:
        categories = sync_categories(ctx)
    else:
        categories = CategoryIndex.from_bindings(ctx)
    options = mapping_options(ctx, rules, categories)
    fingerprint = settings_fingerprint(options)
    changed = ctx.load_cursor(SETTINGS_CURSOR) not in (None, fingerprint)  # None on full runs
    if changed:
        ctx.note("The catalog settings changed since the last run: every article is read again "
                 "(only what the new settings change is written).")  # fmt: skip
    ProductSync(
        ctx, options, creates=rules.catalog.creates, on_deleted=rules.catalog.on_deleted_in_bc,
    ).run(from_start=changed)  # fmt: skip
    assign_storefronts(ctx, rules.catalog.channels)
    ctx.commit(cursor=fingerprint, cursor_name=SETTINGS_CURSOR)
    if wants_stock(rules, capabilities):
        StockSync(ctx, rules.stock).run()


#: catalog.direction → implementation (:mod:`bcapp.sync.catalog_to_erp` for the store leading).
DIRECTIONS: dict[str, Direction] = {"erp_to_store": erp_to_store, "store_to_erp": store_to_erp}


def wants_stock(rules: StoreRules, capabilities: frozenset[Capability]) -> bool:
    return Capability.STOCK in capabilities and rules.enabled("stock") and rules.stock.manage_stock


@register_flow("catalog", requires={Capability.PRODUCTS}, queue="catalog", lock="catalog",
               group="catalog", every=60)  # fmt: skip
def sync_catalog(ctx: SyncContext, **_options: Any) -> None:
    """Categories, products and stock in one run (see the module docstring)."""
    rules = ctx.rules
    try:
        direction = DIRECTIONS[rules.catalog.direction]
    except KeyError:
        raise ConfigError(f"Unknown catalog direction {rules.catalog.direction!r}.") from None
    direction(ctx, rules)


def erp_leads(store: Store) -> bool:
    """Whether the ERP leads the catalog (the default): stock flows ERP → store."""
    return rules_for(store).catalog.direction != "store_to_erp"


@register_flow("stock", requires={Capability.STOCK}, queue="catalog", lock="catalog",
               group="stock", every=15, when=erp_leads)  # fmt: skip
def sync_stock(ctx: SyncContext, **_options: Any) -> str | None:
    """Stock levels only (the catalog run does this too, after its products)."""
    rules = ctx.rules
    if rules.catalog.direction == "store_to_erp":
        # The store leads: stock_to_erp pushes BigCommerce's levels to the ERP; pulling the
        # ERP's back here would make the two flows echo each other.
        return "The store leads the catalog (direction store_to_erp): stock goes to the ERP."
    if not rules.stock.manage_stock:
        return "Stock is not managed in BigCommerce (catalog settings): nothing to do."
    wait_out_windows(ctx)
    StockSync(ctx, rules.stock).run()
    return None


@register_retry("product", requires={Capability.PRODUCTS}, lock="catalog", queue="catalog")
def retry_product(
    ctx: SyncContext, *, bc_id: Any = None, erp_id: Any = None, payload: Any = None
) -> str:
    """The log's Retry (and Replay) for a product: read the article again and sync it now.

    One point read (a failed record is past the delta cursor; without this it
    would wait for its next change or a full resync). A stored payload is not
    replayed: the ERP's current state is what should win.
    """
    erp_id = erp_id or (ctx.binder.erp_id_for(PRODUCT, bc_id) if bc_id is not None else None)
    if not erp_id:
        raise ConfigError("This log entry names no ERP article to sync again.")
    rules = ctx.rules
    wait_out_windows(ctx)
    sync = ProductSync(
        ctx, mapping_options(ctx, rules, CategoryIndex.from_bindings(ctx)),
        creates=rules.catalog.creates, on_deleted=rules.catalog.on_deleted_in_bc,
    )  # fmt: skip
    product = ctx.connector.fetch_product(str(erp_id))
    if product is None:
        raise ConfigError(f"The ERP no longer has article {erp_id}.")
    ctx.add_total(1)
    sync.sync_batch([product])
    return f"ERP article {erp_id} synced again."
