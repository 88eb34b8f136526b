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
* Article numbers: an ERP that wants numeric article numbers (Mplus) gets one
  per SKU from :func:`bcapp.connectors.mplus.numbers.allocate_article_number`;
  each is remembered as a binding (entity ``article_number``: SKU ↔ number), so
  the table's uniqueness guarantees no number is handed out twice and a SKU
  keeps its number forever.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

from bcapp.bigcommerce import catalog_mapping as cm
from bcapp.bigcommerce.client import chunked
from bcapp.connectors.base import Capability, Category
from bcapp.errors import ConfigError, SkipRecord
from bcapp.extensions import db
from bcapp.mapping.rules import StoreRules
from bcapp.models import Binding
from bcapp.sync.categories import channel_tree_id
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Direction, Outcome, payload_hash
from bcapp.sync.runner import for_each

CATEGORY = "category"
PRODUCT = "product"
NUMBER = "article_number"
CURSOR = "catalog.store_products"
PAGE = 50
DEFAULT_RANGE = range(9_000_000, 10_000_000)
OUT = Direction.BC_TO_ERP


def store_to_erp(ctx: SyncContext, rules: StoreRules) -> None:
    """Categories, then products modified since the cursor: BigCommerce → ERP."""
    connector = ctx.connector
    if Capability.CATALOG_TO_ERP not in frozenset(getattr(connector, "capabilities", ())):
        raise ConfigError(
            f"The {getattr(connector, 'label', 'ERP')} connection cannot receive the store's "
            "catalog. Set the catalog direction to 'ERP to store' in the catalog settings."
        )
    groups = export_categories(ctx)
    export_products(ctx, rules, groups)


def bindings_by_bc(ctx: SyncContext, entity: str, bc_ids: Iterable[Any]) -> dict[str, Binding]:
    ids = sorted({str(i) for i in bc_ids})
    stmt = db.select(Binding).where(
        Binding.connection_id == ctx.binder.connection_id,
        Binding.entity == entity,
        Binding.bc_id.in_(ids),
    )
    return {b.bc_id: b for b in db.session.execute(stmt).scalars()}


# -- categories -------------------------------------------------------------------------------


def export_categories(ctx: SyncContext) -> dict[int, str]:
    """The tree's categories into the ERP; returns BigCommerce category id → ERP group id."""
    rows = list(ctx.bc.category_trees.categories([channel_tree_id(ctx)]))
    ctx.add_total(len(rows))
    bound = {int(b.bc_id): b for b in ctx.binder.all(CATEGORY).values()}
    groups = {bc_id: b.erp_id for bc_id, b in bound.items()}
    for row in _parents_first(rows):
        for_each(ctx, [row], lambda r: _export_category(ctx, r, bound, groups), entity=CATEGORY,
                 ids=lambda r: (r.get("category_id"), None))  # fmt: skip
    return groups


def _parents_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_id = {int(r["category_id"]): r for r in rows}
    done: set[int] = set()
    ordered: list[dict[str, Any]] = []

    def visit(row: dict[str, Any], trail: frozenset[int]) -> None:
        cid = int(row["category_id"])
        if cid in done or cid in trail:
            return
        parent = by_id.get(int(row.get("parent_id") or 0))
        if parent is not None:
            visit(parent, trail | {cid})
        done.add(cid)
        ordered.append(row)

    for row in rows:
        visit(row, frozenset())
    return ordered


def _export_category(ctx: SyncContext, row: dict[str, Any], bound: dict[int, Binding],
                     groups: dict[int, str]) -> None:  # fmt: skip
    bc_id = int(row["category_id"])
    binding = bound.get(bc_id)
    category = Category(
        erp_id=binding.erp_id if binding else "",
        name=str(row.get("name") or ""),
        parent_erp_id=groups.get(int(row.get("parent_id") or 0)),
        sort_order=int(row.get("sort_order") or 0),
        description=str(row.get("description") or ""),
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
    erp_id = ctx.connector.upsert_category(category)
    bound[bc_id] = ctx.binder.rebind(CATEGORY, bc_id, erp_id, sync_hash=digest)
    groups[bc_id] = erp_id
    ctx.record(Outcome.UPDATED if binding else Outcome.CREATED, CATEGORY, bc_id, erp_id,
               f"Category {category.name} is group {erp_id} in the ERP.", request=category,
               direction=OUT)  # fmt: skip


# -- products ---------------------------------------------------------------------------------


def export_products(ctx: SyncContext, rules: StoreRules, groups: Mapping[int, str]) -> None:
    """Products modified since the cursor, oldest change first, page by page."""
    since = ctx.load_cursor(CURSOR)
    filters: dict[str, Any] = {"sort": "date_modified", "direction": "asc"}
    if since:
        filters["date_modified:min"] = since
    rows = ctx.bc.products.iterate(filters, include="variants,images")
    for page in chunked(rows, PAGE):
        ctx.add_total(len(page))
        bound = bindings_by_bc(ctx, PRODUCT, [r["id"] for r in page])
        export = partial(_export_product, ctx, bound=bound, groups=groups, rules=rules)
        for_each(ctx, page, export, entity=PRODUCT, ids=lambda r: (r.get("id"), None))
        ctx.commit(cursor=str(page[-1].get("date_modified") or since or ""), cursor_name=CURSOR)


def _export_product(ctx: SyncContext, row: dict[str, Any], *, bound: dict[str, Binding],
                    groups: Mapping[int, str], rules: StoreRules) -> None:  # fmt: skip
    product = cm.product_from_bc(row, groups, prices_include_vat=rules.catalog.price_includes_vat)
    if not product.sku and not product.variants:
        raise SkipRecord("The product has no SKU; the ERP needs one to keep it as an article.")
    binding = bound.get(str(row["id"]))
    digest = payload_hash(product)
    if binding is not None and binding.sync_hash == digest:
        ctx.record(Outcome.UNCHANGED, PRODUCT, row["id"], binding.erp_id, direction=OUT)
        return
    skus = [v.sku for v in product.variants] or [product.sku]
    if ctx.dry_run:
        ctx.record(Outcome.UPDATED if binding else Outcome.CREATED, PRODUCT, row["id"],
                   binding.erp_id if binding else None, f"Would send {', '.join(skus)}.",
                   request=product, direction=OUT)  # fmt: skip
        return
    numbers = {sku: article_number(ctx, sku) for sku in skus}
    given: int | dict[str, int] = numbers if product.variants else numbers[product.sku]
    erp_id = ctx.connector.upsert_product(
        replace(product, erp_id=binding.erp_id if binding else ""), given
    )
    ctx.binder.rebind(PRODUCT, row["id"], erp_id, sync_hash=digest, data={"numbers": numbers})
    ctx.record(Outcome.UPDATED if binding else Outcome.CREATED, PRODUCT, row["id"], erp_id,
               f"Sent {', '.join(f'{s} as article {n}' for s, n in numbers.items())}.",
               request=product, direction=OUT)  # fmt: skip


def article_number(ctx: SyncContext, sku: str) -> int:
    """The SKU's article number: remembered, or allocated once and bound."""
    from bcapp.connectors.mplus.numbers import allocate_article_number

    known = ctx.binder.by_bc(NUMBER, sku)
    if known is not None:
        return int(known.erp_id)
    settings = getattr(ctx.connector, "settings", None)
    number_range = getattr(settings, "article_range", DEFAULT_RANGE)
    number = allocate_article_number(
        sku, lambda n: ctx.binder.by_erp(NUMBER, n) is not None, number_range
    )
    ctx.binder.bind(NUMBER, sku, number)
    return number
