"""The catalog flow's other direction: the store leads, the ERP follows (issue 10, MplusKASSA).

Chosen per store by ``catalog.direction = "store_to_erp"``; the ``catalog``
flow (:mod:`bcapp.sync.catalog`) dispatches here, so the run, lock, log and
bindings are the same as for ERP → store. Needs a connector with
``Capability.CATALOG_TO_ERP`` (``upsert_category``, ``upsert_product``).

* Categories: the channel's BigCommerce tree, parents first, each through
  ``upsert_category``; bound (entity ``category``) so a rename updates the same
  ERP group. Unchanged categories (hash per binding) cost no ERP call.
* Products: BigCommerce products modified since the cursor
  (``date_modified:min``, read in modification order so the cursor never runs
  ahead), each mapped to a canonical :class:`~bcapp.connectors.base.Product`
  and sent with ``upsert_product``. An unchanged product costs nothing.
* Article numbers: the connector gives each SKU its ERP article number
  (``article_number``: Mplus wants numbers, so a letter SKU gets one from a
  range); each is remembered as a binding (entity ``article_number``: SKU ↔
  number), so the table's uniqueness guarantees no number is handed out twice
  and a SKU keeps its number forever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import partial

from bcapp.bigcommerce.store import ModifiedProduct, StoreCategory
from bcapp.connectors.base import Capability, Category, StoreLedConnector
from bcapp.errors import ConfigError, SkipRecord
from bcapp.mapping.rules import StoreRules
from bcapp.models import Binding
from bcapp.sync.categories import channel_tree_id
from bcapp.sync.context import SyncContext
from bcapp.sync.field_mapping import map_product
from bcapp.sync.records import Direction, Outcome, payload_hash
from bcapp.sync.runner import for_each

CATEGORY = "category"
PRODUCT = "product"
NUMBER = "article_number"
CURSOR = "catalog.store_products"
PAGE = 50
OUT = Direction.BC_TO_ERP


def store_to_erp(ctx: SyncContext, rules: StoreRules) -> None:
    """Categories, then products modified since the cursor: BigCommerce → ERP."""
    if not ctx.can(Capability.CATALOG_TO_ERP):
        raise ConfigError(
            f"The {ctx.connector.label} connection cannot receive the store's "
            "catalog. Set the catalog direction to 'ERP to store' in the catalog settings."
        )
    groups = export_categories(ctx)
    export_products(ctx, rules, groups)


# -- categories -------------------------------------------------------------------------------


def export_categories(ctx: SyncContext) -> dict[int, str]:
    """The tree's categories into the ERP; returns BigCommerce category id → ERP group id."""
    categories = ctx.store.categories(channel_tree_id(ctx))
    ctx.add_total(len(categories))
    bound = {int(b.bc_id): b for b in ctx.binder.all(CATEGORY).values()}
    groups = {bc_id: b.erp_id for bc_id, b in bound.items()}
    connector = ctx.store_led
    for category in _parents_first(categories):
        for_each(ctx, [category],
                 lambda c: _export_category(ctx, connector, c, bound, groups),
                 entity=CATEGORY, ids=lambda c: (c.category_id, None))  # fmt: skip
    return groups


def _parents_first(categories: list[StoreCategory]) -> list[StoreCategory]:
    by_id = {c.category_id: c for c in categories}
    done: set[int] = set()
    ordered: list[StoreCategory] = []

    def visit(category: StoreCategory, trail: frozenset[int]) -> None:
        cid = category.category_id
        if cid in done or cid in trail:
            return
        parent = by_id.get(category.parent_id)
        if parent is not None:
            visit(parent, trail | {cid})
        done.add(cid)
        ordered.append(category)

    for category in categories:
        visit(category, frozenset())
    return ordered


def _export_category(ctx: SyncContext, connector: StoreLedConnector, found: StoreCategory,
                     bound: dict[int, Binding], groups: dict[int, str]) -> None:  # fmt: skip
    bc_id = found.category_id
    binding = bound.get(bc_id)
    category = Category(
        erp_id=binding.erp_id if binding else "",
        name=found.name,
        parent_erp_id=groups.get(found.parent_id),
        sort_order=found.sort_order,
        description=found.description,
    )
    digest = payload_hash(replace(category, erp_id=""))
    if binding is not None and binding.sync_hash == digest:
        ctx.record(Outcome.UNCHANGED, CATEGORY, bc_id, binding.erp_id, direction=OUT)
        return
    if ctx.dry_run:
        ctx.record(Outcome.UPDATED if binding else Outcome.CREATED, CATEGORY, bc_id,
                   category.erp_id or None, f"Would send category {category.name}.",
                   request=category, direction=OUT)  # fmt: skip
        return
    erp_id = connector.upsert_category(category)
    bound[bc_id] = ctx.binder.rebind(CATEGORY, bc_id, erp_id, sync_hash=digest)
    groups[bc_id] = erp_id
    ctx.record(Outcome.UPDATED if binding else Outcome.CREATED, CATEGORY, bc_id, erp_id,
               f"Category {category.name} is group {erp_id} in the ERP.", request=category,
               direction=OUT)  # fmt: skip


# -- products ---------------------------------------------------------------------------------


def export_products(ctx: SyncContext, rules: StoreRules, groups: Mapping[int, str]) -> None:
    """Products modified since the cursor, oldest change first, page by page."""
    since = ctx.load_cursor(CURSOR)
    connector = ctx.store_led
    pages = ctx.store.products_modified_since(
        since, groups=groups, prices_include_vat=rules.catalog.price_includes_vat, page=PAGE
    )
    for page in pages:
        ctx.add_total(len(page))
        bound = ctx.binder.many_by_bc(PRODUCT, [m.bc_id for m in page])
        export = partial(_export_product, ctx, connector, bound=bound)
        for_each(ctx, page, export, entity=PRODUCT, ids=lambda m: (m.bc_id, None))
        ctx.commit(cursor=str(page[-1].modified or since or ""), cursor_name=CURSOR)


def _export_product(ctx: SyncContext, connector: StoreLedConnector, modified: ModifiedProduct,
                    *, bound: dict[str, Binding]) -> None:  # fmt: skip
    product, bc_id = modified.product, modified.bc_id
    if not product.sku and not product.variants:
        raise SkipRecord("The product has no SKU; the ERP needs one to keep it as an article.")
    binding = bound.get(str(bc_id))
    product = map_product(ctx, product, bc_id)
    digest = payload_hash(product)
    if binding is not None and binding.sync_hash == digest:
        ctx.record(Outcome.UNCHANGED, PRODUCT, bc_id, binding.erp_id, direction=OUT)
        return
    skus = [v.sku for v in product.variants] or [product.sku]
    if ctx.dry_run:
        ctx.record(Outcome.UPDATED if binding else Outcome.CREATED, PRODUCT, bc_id,
                   binding.erp_id if binding else None, f"Would send {', '.join(skus)}.",
                   request=product, direction=OUT)  # fmt: skip
        return
    numbers = {sku: article_number(ctx, connector, sku) for sku in skus}
    given: str | dict[str, str] = numbers if product.variants else numbers[product.sku]
    erp_id = connector.upsert_product(
        replace(product, erp_id=binding.erp_id if binding else ""), given
    )
    ctx.binder.rebind(PRODUCT, bc_id, erp_id, sync_hash=digest, data={"numbers": numbers})
    ctx.record(Outcome.UPDATED if binding else Outcome.CREATED, PRODUCT, bc_id, erp_id,
               f"Sent {', '.join(f'{s} as article {n}' for s, n in numbers.items())}.",
               request=product, direction=OUT)  # fmt: skip


def article_number(ctx: SyncContext, connector: StoreLedConnector, sku: str) -> str:
    """The SKU's article number: remembered, or given once by the connector and bound."""
    known = ctx.binder.by_bc(NUMBER, sku)
    if known is not None:
        return str(known.erp_id)
    number = connector.article_number(sku, lambda n: ctx.binder.by_erp(NUMBER, n) is not None)
    ctx.binder.bind(NUMBER, sku, number)
    return number
