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
  (:mod:`bcapp.sync.catalog_to_erp`), else the SKU itself when the connector
  says it is one (``sku_article``); otherwise the SKU is skipped (sync the
  catalog first).
* Only a changed quantity is written: the binding (entity ``stock_to_erp``,
  SKU ↔ article) keeps the hash of the last quantity pushed (with the article
  and the connector's ``stock_location``), so an unchanged level costs no ERP
  call. Every written or skipped SKU is logged with the quantity, the article,
  the location and the previous push in ``details``.
* ``dry_run``: no ERP write, no binding; each change is logged as "would set".
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from bcapp.bigcommerce.store import StoreLevel
from bcapp.connectors.base import Capability, StoreLedConnector
from bcapp.errors import FatalSyncError, SkipRecord
from bcapp.mapping.rules import rules_for
from bcapp.models import Binding, Store
from bcapp.sync.catalog_to_erp import NUMBER
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Direction, Outcome, payload_hash
from bcapp.sync.registry import register_flow
from bcapp.sync.runner import for_each

ENTITY = "stock_to_erp"
PAGE = 250
OUT = Direction.BC_TO_ERP


def store_leads(store: Store) -> bool:
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
    for levels in ctx.store.stock_levels(page=PAGE):
        ctx.add_total(len(levels))
        push_levels(ctx, levels)
        ctx.heartbeat()
    return None


def push_levels(ctx: SyncContext, levels: list[StoreLevel]) -> None:
    """Send the changed levels of one page (bindings read in two queries, not per SKU)."""
    skus = [lv.sku for lv in levels]
    numbers = ctx.binder.many_by_bc(NUMBER, skus)
    pushed = ctx.binder.many_by_bc(ENTITY, skus)
    push = partial(_push, ctx, ctx.store_led, numbers=numbers, pushed=pushed)
    for_each(ctx, levels, push, entity=ENTITY, ids=lambda lv: (lv.sku, None))


def article_for(connector: StoreLedConnector, sku: str,
                numbers: dict[str, Binding]) -> tuple[str, str]:  # fmt: skip
    """(ERP article number, how it was found) for ``sku``; SkipRecord when there is none."""
    bound = numbers.get(sku)
    if bound is not None:
        return bound.erp_id, "article-number binding (made by the catalog sync)"
    number = connector.sku_article(sku)
    if number is not None:
        return number, "the SKU is the article number"
    raise SkipRecord(
        f"SKU {sku} has no ERP article number yet: the catalog sync has not sent it to the ERP. "
        "Run the catalog sync first."
    )


def _push(ctx: SyncContext, connector: StoreLedConnector, level: StoreLevel, *,
          numbers: dict[str, Binding], pushed: dict[str, Binding]) -> None:  # fmt: skip
    location = connector.stock_location
    details: dict[str, Any] = {
        "sku": level.sku, "quantity": level.quantity, "product_id": level.product_id,
        "variant_id": level.variant_id, "location": location,
    }  # fmt: skip
    if level.skip:
        ctx.record(Outcome.SKIPPED, ENTITY, level.sku, None, level.skip, details=details,
                   direction=OUT)  # fmt: skip
        return
    try:
        article, source = article_for(connector, level.sku, numbers)
    except SkipRecord as exc:
        ctx.record(Outcome.SKIPPED, ENTITY, level.sku, None, exc.message, details=details,
                   direction=OUT)  # fmt: skip
        return
    binding = pushed.get(level.sku)
    previous = (binding.data or {}).get("quantity") if binding is not None else None
    details.update(article=article, article_from=source, previous=previous)
    digest = payload_hash({"quantity": level.quantity, "article": article, "location": location})
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
        connector.set_stock(level.sku, Decimal(level.quantity), erp_id=article)
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
