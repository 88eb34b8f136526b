"""Synced products onto the merchant's storefronts (BigCommerce channels).

On a multi-storefront store a product is sold only on the channels it is assigned
to; a category alone is not enough. The catalog settings name the storefronts
(``catalog.channels``, default the first storefront, 1). After each ERP → store
product run, every synced product whose binding does not yet record those
storefronts is assigned to them, in requests of up to 250 rows, and the binding
records them: a run killed midway or a refused request is simply picked up again
by the next run, and a merchant who adds a storefront gets every synced product
on it at the next run.

A product the app created (its binding starts with ``channels: []``) is sold on
exactly the chosen storefronts: BigCommerce puts a product created by the API on
the first storefront, so that assignment is taken off when the first storefront
is not chosen. A product the app found and adopted keeps the storefronts the
merchant gave it; the chosen ones are only added.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bcapp.bigcommerce.client import chunked
from bcapp.errors import ConfigError, FatalSyncError
from bcapp.models import Binding
from bcapp.sync.product_matching import ENTITY
from bcapp.sync.records import Outcome

if TYPE_CHECKING:
    from bcapp.sync.context import SyncContext

#: The storefront BigCommerce assigns a product to when the API creates it.
FIRST_STOREFRONT = 1
#: Assignment rows per PUT (the client splits further at BigCommerce's own limit).
ROWS_PER_REQUEST = 250


def assign_storefronts(ctx: SyncContext, channels: Sequence[int]) -> int:
    """Put every synced product on ``channels``; returns how many products were assigned."""
    wanted = sorted(set(channels))
    todo = [b for b in ctx.binder.all(ENTITY).values() if _recorded(b) != wanted]
    if not todo:
        return 0
    missing = set(wanted) - {int(c["id"]) for c in ctx.bc.store.channels()}
    if missing:  # checked once, rather than every product refused one by one
        raise ConfigError(
            f"Storefront(s) {_names(sorted(missing))} do not exist in BigCommerce: check the "
            "storefronts in the catalog settings."
        )
    if ctx.dry_run:
        ctx.note(f"Would put {len(todo)} product(s) on storefront(s) {_names(wanted)}.")
        return len(todo)
    done = 0
    for batch in chunked(todo, max(1, ROWS_PER_REQUEST // len(wanted))):
        try:
            _assign(ctx, batch, wanted)
        except FatalSyncError:
            if len(batch) == 1:
                raise
            for binding in batch:  # one refused product (deleted in BigCommerce?) fails alone
                try:
                    _assign(ctx, [binding], wanted)
                except FatalSyncError as exc:
                    ctx.record(Outcome.FAILED, ENTITY, binding.bc_id, binding.erp_id,
                               f"Not put on storefront(s) {_names(wanted)}: {exc}")  # fmt: skip
                    ctx.commit()
                    continue
                done += 1
            continue
        done += len(batch)
    ctx.note(f"Put {done} product(s) on storefront(s) {_names(wanted)}.")
    return done


def _assign(ctx: SyncContext, batch: Sequence[Binding], wanted: list[int]) -> None:
    """Assign, take new products off the first storefront when it is not chosen, record."""
    ids = [int(b.bc_id) for b in batch]
    ctx.bc.channel_assignments.assign(
        [{"product_id": pid, "channel_id": channel} for pid in ids for channel in wanted]
    )
    created = [int(b.bc_id) for b in batch if _recorded(b) == []]
    if created and FIRST_STOREFRONT not in wanted:
        ctx.bc.channel_assignments.unassign(created, [FIRST_STOREFRONT])
    for binding in batch:
        ctx.binder.touch(binding, data={"channels": wanted})
    ctx.commit()


def _recorded(binding: Binding) -> list[int] | None:
    """The storefronts the binding records: None before this module knew the product,
    [] for a product the app created and has not assigned yet."""
    value = (binding.data or {}).get("channels")
    return None if value is None else sorted(int(c) for c in value)


def _names(channels: Sequence[int]) -> str:
    return ", ".join(str(c) for c in channels)
