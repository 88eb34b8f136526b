"""Synced products onto the merchant's storefronts (BigCommerce channels).

On a multi-storefront store a product is sold only on the channels it is assigned
to; a category alone is not enough. The catalog settings name the storefronts
(``catalog.channels``, default the first storefront, 1). After each ERP → store
product run, every synced product whose binding does not yet record those
storefronts is assigned to them, in requests of up to 250 rows (several in flight
through the store's pipeline, each answer settled and committed in the run's thread),
and the binding records them: a run killed midway or a refused request is simply picked up again
by the next run, and a merchant who adds a storefront gets every synced product
on it at the next run.

A product the app created (its binding starts with ``channels: []``) is sold on
exactly the chosen storefronts: BigCommerce puts a product created by the API on
the first storefront, so the store facade takes that assignment off when the
first storefront is not chosen. A product the app found and adopted keeps the storefronts the
merchant gave it; the chosen ones are only added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from bcapp.bigcommerce.store import Assignment, BigCommerceStore, WriteResult
from bcapp.errors import ConfigError, SyncError
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.product_items import ENTITY
from bcapp.sync.records import Outcome

#: Bindings read per page (each page's assignments go out before the next is read): one
#: request's worth, so what waits in the pipeline is what is in flight (pages of 1,000 held
#: 6 MB more at the peak).
PAGE = 250


def assign_storefronts(ctx: SyncContext, channels: Sequence[int]) -> int:
    """Put every synced product on ``channels``; returns how many products were assigned.

    The bindings are read a page at a time, so a catalog of 100,000 products never has
    all of them in memory at once.
    """
    wanted = sorted(set(channels))
    store = ctx.store
    done, failed, checked, would = 0, None, False, 0
    with store.pipeline() as pipe:  # several requests in flight, settled here as they come back
        for page in ctx.binder.pages(ENTITY, PAGE):
            todo = [b for b in page if _recorded(b) != wanted]
            if not todo:
                continue
            if not checked:
                _check_channels(ctx, wanted)
                checked = True
            if ctx.dry_run:
                would += len(todo)
                continue
            products = [(b, Assignment(int(b.bc_id), created=_recorded(b) == [])) for b in todo]
            for piece in store.assignment_pieces(products, wanted):
                answered = pipe.submit(len(piece), _assigner(store, piece, wanted))
                done, failed = _settle(ctx, answered, wanted, done, failed)
                if failed is not None:
                    break  # send no more; what is in flight is still settled
            if failed is not None:
                break
        done, failed = _settle(ctx, pipe.drain(), wanted, done, failed)
    if failed is not None:
        raise failed
    if ctx.dry_run:
        if would:
            ctx.note(f"Would put {would} product(s) on storefront(s) {_names(wanted)}.")
        return would
    if checked:
        ctx.note(f"Put {done} product(s) on storefront(s) {_names(wanted)}.")
    return done


def _check_channels(ctx: SyncContext, wanted: list[int]) -> None:
    missing = set(wanted) - ctx.store.channel_ids()
    if missing:  # checked once, rather than every product refused one by one
        raise ConfigError(
            f"Storefront(s) {_names(sorted(missing))} do not exist in BigCommerce: check the "
            "storefronts in the catalog settings."
        )


Results = list[WriteResult[Binding]]


def _assigner(
    store: BigCommerceStore, piece: list[tuple[Binding, Assignment]], wanted: list[int]
) -> Callable[[], Results]:
    """One piece's request (and its product-by-product retry), for a pipeline thread."""
    return lambda: list(store.assign_channels(piece, wanted))


def _settle(
    ctx: SyncContext, answered: Iterable[tuple[int, Results | SyncError]], wanted: list[int],
    done: int, failed: SyncError | None,
) -> tuple[int, SyncError | None]:  # fmt: skip
    """Record answered pieces, each committed; the first request that failed outright is kept."""
    for _size, results in answered:
        if isinstance(results, SyncError):
            failed = failed or results
            continue
        for result in results:
            for written in result.items:
                binding = written.key
                if written.error is not None:  # one refused product (deleted in BigCommerce?)
                    ctx.record(Outcome.FAILED, ENTITY, binding.bc_id, binding.erp_id,
                               f"Not put on storefront(s) {_names(wanted)}: "
                               f"{written.error}")  # fmt: skip
                    continue
                ctx.binder.touch(binding, data={"channels": wanted})
                done += 1
        ctx.commit()  # each request's outcome is durable: a stopped run picks up the rest
    return done, failed


def _recorded(binding: Binding) -> list[int] | None:
    """The storefronts the binding records: None before this module knew the product,
    [] for a product the app created and has not assigned yet."""
    value = (binding.data or {}).get("channels")
    return None if value is None else sorted(int(c) for c in value)


def _names(channels: Sequence[int]) -> str:
    return ", ".join(str(c) for c in channels)
