"""Store stock → ERP (issue 10, MplusKASSA): when the store leads, the ERP follows its stock.

Flow ``stock_to_erp`` (group "stock", every 15 min like ``stock``). It does
nothing unless the store's ``catalog.direction`` is ``store_to_erp`` (and the
schedule only runs it then, ``when=store_leads``): a store whose ERP leads gets
its stock *from* the ERP (:mod:`bcapp.sync.stock`), and pushing it back would echo.
Needs ``Capability.STOCK_TO_ERP`` (``set_stock``).

* Reads every BigCommerce product with its variants (``sku``,
  ``inventory_level``, ``inventory_tracking`` only). A full read each run, not
  a ``date_modified`` delta: BigCommerce does not promise that an order taking
  stock bumps the product's ``date_modified``, and a missed sale is a wrong
  shelf count. The read is cheap (250 products a page); the writes are not.
* A product tracked by variant sends each variant's level; a product without
  options sends its own. Untracked products, and products with options tracked
  at product level (Mplus keeps stock per article), are skipped with the reason.
* SKU → ERP article: the ``article_number`` binding the store-led catalog made
  (:mod:`bcapp.sync.catalog_to_erp`), else the SKU itself when it is a number;
  otherwise the SKU is skipped (sync the catalog first).
* Only a changed quantity is written: the binding (entity ``stock_to_erp``,
  SKU ↔ article) keeps the hash of the last quantity pushed, so an unchanged
  level costs no ERP call. Every written or skipped SKU is logged with the
  quantity, the article and the previous push in ``details``.
* ``dry_run``: no ERP write, no binding; each change is logged as "would set".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from bcapp.bigcommerce.client import chunked
from bcapp.connectors.base import Capability
from bcapp.connectors.mplus.numbers import numeric_sku
from bcapp.errors import FatalSyncError, SkipRecord
from bcapp.mapping.rules import rules_for
from bcapp.models import Binding
from bcapp.sync.catalog_to_erp import NUMBER, bindings_by_bc
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Direction, Outcome, payload_hash
from bcapp.sync.registry import register_flow
from bcapp.sync.runner import for_each

ENTITY = "stock_to_erp"
PAGE = 250
FIELDS = "sku,inventory_level,inventory_tracking"
OUT = Direction.BC_TO_ERP


@dataclass(frozen=True)
class StoreLevel:
    """One SKU's stock as BigCommerce shows it, with where it came from (for the log)."""

    sku: str
    quantity: int
    product_id: int
    variant_id: int | None = None
    skip: str = ""  # why this SKU cannot be sent (untracked, ...), empty when it can


def levels_of(row: dict[str, Any]) -> Iterator[StoreLevel]:
    """The stock-carrying SKUs of one product row (``include=variants``)."""
    tracking = str(row.get("inventory_tracking") or "none")
    own = [v for v in row.get("variants") or [] if v.get("option_values")]
    pid = int(row["id"])
    if not own:
        sku = str(row.get("sku") or "")
        if sku:
            skip = "" if tracking != "none" else "BigCommerce does not track this product's stock."
            yield StoreLevel(sku, int(row.get("inventory_level") or 0), pid, skip=skip)
        return
    for variant in own:
        sku = str(variant.get("sku") or "")
        if not sku:
            continue
        skip = {
            "none": "BigCommerce does not track this product's stock.",
            "product": "BigCommerce tracks this product's stock on the product, not per "
            "variant; the ERP keeps stock per article. Track inventory by variant.",
        }.get(tracking, "")
        yield StoreLevel(sku, int(variant.get("inventory_level") or 0), pid,
                         int(variant["id"]), skip)  # fmt: skip


def store_leads(store: Any) -> bool:
    """Whether the store leads the catalog: only then is its stock pushed to the ERP."""
    return rules_for(store).catalog.direction == "store_to_erp"


@register_flow("stock_to_erp", requires={Capability.STOCK_TO_ERP}, queue="catalog",
               lock="catalog", group="stock", direction=OUT, every=15,
               when=store_leads)  # fmt: skip
def sync_stock_to_erp(ctx: SyncContext, **_options: Any) -> str | None:
    """Push BigCommerce stock levels to the ERP when the store leads (see the module docstring)."""
    direction = ctx.rules.catalog.direction
    if direction != "store_to_erp":
        return (f"The ERP leads the catalog (catalog direction {direction}): stock flows from the "
                "ERP to the store, nothing is sent to the ERP.")  # fmt: skip
    rows = ctx.bc.products.iterate({"include_fields": FIELDS}, include="variants")
    for page in chunked(rows, PAGE):
        levels = [lv for row in page for lv in levels_of(row)]
        ctx.add_total(len(levels))
        push_levels(ctx, levels)
        ctx.heartbeat()
    return None


def push_levels(ctx: SyncContext, levels: list[StoreLevel]) -> None:
    """Send the changed levels of one page (bindings read in two queries, not per SKU)."""
    skus = [lv.sku for lv in levels]
    numbers = bindings_by_bc(ctx, NUMBER, skus)
    pushed = bindings_by_bc(ctx, ENTITY, skus)
    push = partial(_push, ctx, numbers=numbers, pushed=pushed, branch=_branch(ctx))
    for_each(ctx, levels, push, entity=ENTITY, ids=lambda lv: (lv.sku, None))


def _branch(ctx: SyncContext) -> Any:
    """Where the ERP keeps the stock (Mplus: the order branch); part of the hash and the log."""
    return getattr(getattr(ctx.connector, "settings", None), "branch_number", None)


def article_for(sku: str, numbers: dict[str, Binding]) -> tuple[str, str]:
    """(ERP article number, how it was found) for ``sku``; SkipRecord when there is none."""
    bound = numbers.get(sku)
    if bound is not None:
        return bound.erp_id, "article-number binding (made by the catalog sync)"
    number = numeric_sku(sku)
    if number is not None:
        return str(number), "the SKU is the article number"
    raise SkipRecord(
        f"SKU {sku} has no ERP article number yet: the catalog sync has not sent it to the ERP. "
        "Run the catalog sync first."
    )


def _push(ctx: SyncContext, level: StoreLevel, *, numbers: dict[str, Binding],
          pushed: dict[str, Binding], branch: Any) -> None:  # fmt: skip
    details: dict[str, Any] = {
        "sku": level.sku, "quantity": level.quantity, "product_id": level.product_id,
        "variant_id": level.variant_id, "branch": branch,
    }  # fmt: skip
    if level.skip:
        ctx.record(Outcome.SKIPPED, ENTITY, level.sku, None, level.skip, details=details,
                   direction=OUT)  # fmt: skip
        return
    try:
        article, source = article_for(level.sku, numbers)
    except SkipRecord as exc:
        ctx.record(Outcome.SKIPPED, ENTITY, level.sku, None, exc.message, details=details,
                   direction=OUT)  # fmt: skip
        return
    binding = pushed.get(level.sku)
    previous = (binding.data or {}).get("quantity") if binding is not None else None
    details.update(article=article, article_from=source, previous=previous)
    digest = payload_hash({"quantity": level.quantity, "article": article, "branch": branch})
    if binding is not None and binding.sync_hash == digest:
        ctx.record(Outcome.UNCHANGED, ENTITY, level.sku, article,
                   f"Stock {level.quantity} was already sent to article {article}.",
                   details=details, direction=OUT)  # fmt: skip
        return
    why = ("first push" if previous is None
           else f"BigCommerce changed from {previous} to {level.quantity}")  # fmt: skip
    details["reason"] = why
    if ctx.dry_run:
        ctx.record(Outcome.UPDATED, ENTITY, level.sku, article,
                   f"Would set article {article} to {level.quantity} ({why}).",
                   details=details, direction=OUT)  # fmt: skip
        return
    try:
        ctx.connector.set_stock(level.sku, Decimal(level.quantity), erp_id=article)
    except (SkipRecord, FatalSyncError) as exc:  # logged here to keep the quantity in details
        outcome = Outcome.SKIPPED if isinstance(exc, SkipRecord) else Outcome.FAILED
        ctx.record(outcome, ENTITY, level.sku, article, exc.message,
                   details={**details, **exc.details}, direction=OUT)  # fmt: skip
        return
    ctx.binder.rebind(ENTITY, level.sku, article, sync_hash=digest,
                      data={"quantity": level.quantity})  # fmt: skip
    ctx.record(Outcome.UPDATED, ENTITY, level.sku, article,
               f"Article {article} set to {level.quantity} ({why}).",
               details=details, direction=OUT)  # fmt: skip
