"""ERP article groups → the channel's BigCommerce category tree, parents first, in arrays.

Article groups are a small table, so every catalog run reads all of them
(no cursor) and writes only what changed: each category's binding keeps a hash
of (name, parent ERP id, sort order, description), so a rename or a move
updates that one category and an unchanged tree costs no write at all.

Creates go level by level (roots, then their children, ...) because a child
needs its parent's BigCommerce id; each level is one array request (up to 50).
Unbound groups are first matched to categories the tree already has, by name
under the same parent, so a first sync against a filled store never duplicates
them. A full run re-reads the tree and re-creates bound categories that were
deleted in BigCommerce.
"""

from __future__ import annotations

from collections.abc import Iterable

from bcapp.bigcommerce.store import CategoryWrite, StoreCategory, WriteResult
from bcapp.connectors.base import Category
from bcapp.errors import ConfigError
from bcapp.extensions import db
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.records import Outcome

ENTITY = "category"


class CategoryIndex:
    """ERP group id → BigCommerce category id, for product payloads."""

    def __init__(self, mapping: dict[str, int] | None = None) -> None:
        self.mapping = dict(mapping or {})

    def __call__(self, erp_ids: Iterable[str]) -> list[int]:
        return [self.mapping[e] for e in erp_ids if e in self.mapping]

    @classmethod
    def from_bindings(cls, ctx: SyncContext) -> CategoryIndex:
        return cls({erp: int(b.bc_id) for erp, b in ctx.binder.all(ENTITY).items()})


def sync_categories(ctx: SyncContext) -> CategoryIndex:
    """Bring the tree in line with the ERP's groups; returns the id index for products."""
    categories = [c for batch in ctx.connector.fetch_categories(None) for c in batch.records]
    ctx.add_total(len(categories))
    bindings = ctx.binder.all(ENTITY)
    index = CategoryIndex({erp: int(b.bc_id) for erp, b in bindings.items()})
    if not categories:
        return index
    tree_id = channel_tree_id(ctx)
    existing = _existing(ctx, tree_id) if _needs_tree(ctx, categories, bindings) else None
    if existing is not None:
        _drop_deleted(ctx, bindings, existing, index)
    for level in _levels(categories):
        _sync_level(ctx, level, bindings, index, tree_id, existing)
        ctx.commit()
    return index


def channel_tree_id(ctx: SyncContext) -> int:
    """The category tree of the first storefront the catalog sells on (one tree per channel)."""
    channel = ctx.rules.catalog.channels[0]
    tree_id = ctx.store.category_tree_id(channel)
    if tree_id is None:
        raise ConfigError(
            f"Storefront {channel} has no category tree in BigCommerce: check the storefronts "
            "in the catalog settings (the first one's tree receives the categories)."
        )
    return tree_id


def _needs_tree(ctx: SyncContext, categories: list[Category], bindings: dict[str, Binding]) -> bool:
    return ctx.full or any(c.erp_id not in bindings for c in categories)


def _existing(ctx: SyncContext, tree_id: int) -> dict[int, StoreCategory]:
    return {c.category_id: c for c in ctx.store.categories(tree_id)}


def _drop_deleted(ctx: SyncContext, bindings: dict[str, Binding],
                  existing: dict[int, StoreCategory], index: CategoryIndex) -> None:  # fmt: skip
    for erp_id, binding in list(bindings.items()):
        if int(binding.bc_id) not in existing:
            ctx.note(
                f"Category {binding.bc_id} (ERP group {erp_id}) was deleted in BigCommerce; "
                "re-creating it.",
                entity=ENTITY,
            )
            if not ctx.dry_run:
                db.session.delete(binding)
                db.session.flush()
            del bindings[erp_id]
            index.mapping.pop(erp_id, None)


def _levels(categories: list[Category]) -> list[list[Category]]:
    """Parents before children; a group whose parent is unknown (or a cycle) counts as a root."""
    by_id = {c.erp_id: c for c in categories}
    depth: dict[str, int] = {}

    def level_of(cat: Category, trail: frozenset[str] = frozenset()) -> int:
        if cat.erp_id in depth:
            return depth[cat.erp_id]
        parent = by_id.get(cat.parent_erp_id or "")
        result = (
            0
            if parent is None or parent.erp_id in trail
            else level_of(parent, trail | {cat.erp_id}) + 1
        )
        depth[cat.erp_id] = result
        return result

    levels: dict[int, list[Category]] = {}
    for cat in categories:
        levels.setdefault(level_of(cat), []).append(cat)
    return [levels[k] for k in sorted(levels)]


Writes = list[tuple[Category, CategoryWrite]]


def _sync_level(
    ctx: SyncContext, level: list[Category], bindings: dict[str, Binding], index: CategoryIndex,
    tree_id: int, existing: dict[int, StoreCategory] | None,
) -> None:  # fmt: skip
    creates: Writes = []
    updates: Writes = []
    for cat in level:
        write = ctx.store.category_write(cat, index.mapping.get(cat.parent_erp_id or ""), tree_id)
        binding = bindings.get(cat.erp_id)
        if binding is None and existing is not None:
            binding = _match(ctx, cat, write, existing, bindings, index)
        if binding is None:
            creates.append((cat, write))
        elif binding.sync_hash == write.digest:
            ctx.record(Outcome.UNCHANGED, ENTITY, binding.bc_id, cat.erp_id)
        else:
            updates.append((cat, write.as_update(int(binding.bc_id))))
    if ctx.dry_run:
        for cat, write in creates + updates:
            before = None if write.category_id is None else {"category_id": write.category_id}
            ctx.preview(ENTITY, before, write.request, bc_id=write.category_id, erp_id=cat.erp_id)
        return
    _create(ctx, creates, bindings, index)
    _update(ctx, updates, bindings)


def _match(ctx: SyncContext, cat: Category, write: CategoryWrite,
           existing: dict[int, StoreCategory], bindings: dict[str, Binding],
           index: CategoryIndex) -> Binding | None:  # fmt: skip
    """An unbound group takes the tree's unbound category of the same name under the same parent."""
    taken = {int(b.bc_id) for b in bindings.values()}
    for bc_id, found in existing.items():
        if bc_id not in taken and found.name == write.name and found.parent_id == write.parent_id:
            binding = ctx.binder.bind(ENTITY, bc_id, cat.erp_id)  # no hash: gets written once
            bindings[cat.erp_id] = binding
            index.mapping[cat.erp_id] = bc_id
            return binding
    return None


def _create(ctx: SyncContext, creates: Writes, bindings: dict[str, Binding],
            index: CategoryIndex) -> None:  # fmt: skip
    """Create, bind and log; one refused name fails alone, its siblings go on."""
    writes = dict(creates)
    for result in ctx.store.create_categories(creates):
        for written in result.items:
            cat = written.key
            if written.error is not None:
                ctx.record(Outcome.FAILED, ENTITY, None, cat.erp_id, written.error.message,
                           request=written.request)  # fmt: skip
                continue
            bc_id = written.bc_id
            assert bc_id is not None
            bindings[cat.erp_id] = ctx.binder.bind(ENTITY, bc_id, cat.erp_id,
                                                   sync_hash=writes[cat].digest)  # fmt: skip
            index.mapping[cat.erp_id] = bc_id
            ctx.record(Outcome.CREATED, ENTITY, bc_id, cat.erp_id, f"Created category {cat.name}.",
                       request=written.request)  # fmt: skip


def _update(ctx: SyncContext, updates: Writes, bindings: dict[str, Binding]) -> None:
    """Update and log; the refusals of a request first, then what it changed."""
    writes = dict(updates)
    for result in ctx.store.update_categories(updates):
        _log_refused(ctx, result, writes)
        for written in result.done:
            cat, write = written.key, writes[written.key]
            ctx.binder.touch(bindings[cat.erp_id], write.digest)
            ctx.record(Outcome.UPDATED, ENTITY, write.category_id, cat.erp_id,
                       f"Updated category {cat.name}.", request=written.request)  # fmt: skip


def _log_refused(
    ctx: SyncContext, result: WriteResult[Category], writes: dict[Category, CategoryWrite]
) -> None:
    for written in result.failed:
        assert written.error is not None
        ctx.record(Outcome.FAILED, ENTITY, writes[written.key].category_id, written.key.erp_id,
                   written.error.message, request=written.request)  # fmt: skip
