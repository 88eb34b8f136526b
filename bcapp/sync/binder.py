"""Which BigCommerce record is which ERP record, for one connection (after OCA's Binder).

A flow asks the binder before it writes (``by_erp``/``by_bc``), binds after a
create (``bind``), skips writes that change nothing (``unchanged`` with
:func:`payload_hash`) and records the new hash after an update (``touch``)::

    binding = ctx.binder.by_erp("product", product.erp_id)
    digest = payload_hash(payload)
    if binding and ctx.binder.unchanged(binding, digest):
        ctx.record(Outcome.UNCHANGED, "product", binding.bc_id, product.erp_id)
        return
    ...
    ctx.binder.bind("product", bc_id, product.erp_id, sync_hash=digest)

Ids are stored as strings (BigCommerce ids are ints, ERP ids often are not).
The table is unique on (entity, bc_id) and (entity, erp_id) per connection, so
two workers binding the same record can never create a duplicate: the loser's
``INSERT ... ON CONFLICT DO NOTHING`` inserts nothing, and ``bind`` either finds
the same pair ("already bound", returned as is) or raises
:class:`RetryableSyncError` so the job retries against the now-committed state.
In a dry run the binder reads but never writes (it returns unsaved bindings),
so flows need no extra branches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import or_, update
from sqlalchemy.dialects import postgresql, sqlite

from bcapp.errors import RetryableSyncError
from bcapp.extensions import db
from bcapp.models import Binding
from bcapp.models.base import utcnow
from bcapp.sync.records import payload_hash, to_jsonable

__all__ = ["Binder", "payload_hash"]

#: The INSERT ... ON CONFLICT builders of the databases bcapp runs on.
INSERTS: dict[str, Callable[[type[Binding]], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}
#: Ids per ``IN (...)`` query: well under every database's parameter limit.
MANY_CHUNK = 500


def _id(value: Any) -> str:
    return str(value)


class Ref(NamedTuple):
    """A binding's identity and last written hash, without the ORM object.

    For a phase that holds thousands of bindings while their requests are in flight
    (stock: 2,000 levels per adjustment, two adjustments in the pipe): an ORM binding
    with its state costs ten times this.
    """

    id: int
    bc_id: str
    erp_id: str
    sync_hash: str | None


def savepoint() -> Any:
    """``db.session.begin_nested()`` that is a real SAVEPOINT on SQLite too.

    The stdlib sqlite3 driver opens a transaction only before a write, so a
    SAVEPOINT issued first would run in autocommit mode and its RELEASE would
    commit for good; a later rollback could then not undo it. Beginning the
    transaction explicitly first keeps the savepoint nested.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN")
    return db.session.begin_nested()


class Binder:
    """Bindings of one connection; every method is scoped to it."""

    def __init__(self, connection_id: int, *, dry_run: bool = False) -> None:
        self.connection_id = connection_id
        self.dry_run = dry_run

    # -- reading ------------------------------------------------------------------------------

    def _query(self, entity: str, **filters: Any) -> Binding | None:
        stmt = db.select(Binding).filter_by(
            connection_id=self.connection_id, entity=entity, **filters
        )
        return db.session.execute(stmt).scalar_one_or_none()

    def by_bc(self, entity: str, bc_id: Any) -> Binding | None:
        """The binding of a BigCommerce record, or None."""
        return self._query(entity, bc_id=_id(bc_id))

    def by_erp(self, entity: str, erp_id: Any) -> Binding | None:
        """The binding of an ERP record, or None."""
        return self._query(entity, erp_id=_id(erp_id))

    def get(self, entity: str, *, bc_id: Any = None, erp_id: Any = None) -> Binding | None:
        """By whichever id is given (bc_id first)."""
        if bc_id is not None:
            return self.by_bc(entity, bc_id)
        if erp_id is not None:
            return self.by_erp(entity, erp_id)
        raise ValueError("get() needs bc_id or erp_id")

    def erp_id_for(self, entity: str, bc_id: Any) -> str | None:
        binding = self.by_bc(entity, bc_id)
        return binding.erp_id if binding else None

    def bc_id_for(self, entity: str, erp_id: Any) -> str | None:
        binding = self.by_erp(entity, erp_id)
        return binding.bc_id if binding else None

    def many_by_bc(self, entity: str, bc_ids: Iterable[Any]) -> dict[str, Binding]:
        """Bindings of these BigCommerce ids keyed by bc_id (one query per 500 ids)."""
        return {b.bc_id: b for b in self._many(entity, Binding.bc_id, bc_ids)}

    def many_by_erp(self, entity: str, erp_ids: Iterable[Any]) -> dict[str, Binding]:
        """Bindings of these ERP ids keyed by erp_id (one query per 500 ids)."""
        return {b.erp_id: b for b in self._many(entity, Binding.erp_id, erp_ids)}

    def refs_by_erp(self, entity: str, erp_ids: Iterable[Any]) -> dict[str, Ref]:
        """:class:`Ref` of these ERP ids keyed by erp_id (one query per 500 ids)."""
        columns = (Binding.id, Binding.bc_id, Binding.erp_id, Binding.sync_hash)
        out: dict[str, Ref] = {}
        for where in self._chunks(entity, Binding.erp_id, erp_ids):
            rows = db.session.execute(db.select(*columns).where(*where))
            out.update((row.erp_id, Ref(*row)) for row in rows)
        return out

    def erp_ids_for(self, entity: str, bc_ids: Iterable[Any]) -> dict[str, str]:
        """bc_id → erp_id for those of ``bc_ids`` that are bound."""
        return {bc: b.erp_id for bc, b in self.many_by_bc(entity, bc_ids).items()}

    def _many(self, entity: str, column: Any, ids: Iterable[Any]) -> Iterator[Binding]:
        for where in self._chunks(entity, column, ids):
            yield from db.session.execute(db.select(Binding).where(*where)).scalars()

    def _chunks(self, entity: str, column: Any, ids: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
        """The WHERE clauses of ``column IN ids``, :data:`MANY_CHUNK` ids per query."""
        wanted = sorted({_id(i) for i in ids})
        for start in range(0, len(wanted), MANY_CHUNK):
            yield (
                Binding.connection_id == self.connection_id,
                Binding.entity == entity,
                column.in_(wanted[start : start + MANY_CHUNK]),
            )

    def all(self, entity: str) -> dict[str, Binding]:
        """Every binding of ``entity`` keyed by erp_id: one query instead of one per record."""
        stmt = db.select(Binding).filter_by(connection_id=self.connection_id, entity=entity)
        return {b.erp_id: b for b in db.session.execute(stmt).scalars()}

    def pages(self, entity: str, size: int = 1000) -> Iterator[list[Binding]]:
        """Every binding of ``entity`` in pages of ``size``, by id: memory stays one page
        (100,000 products' bindings at once held hundreds of megabytes)."""
        last = 0
        while True:
            stmt = (
                db.select(Binding)
                .filter_by(connection_id=self.connection_id, entity=entity)
                .where(Binding.id > last)
                .order_by(Binding.id)
                .limit(size)
            )
            page = list(db.session.execute(stmt).scalars())
            if not page:
                return
            last = page[-1].id
            yield page

    @staticmethod
    def unchanged(binding: Binding | None, sync_hash: str) -> bool:
        """True when the last payload written for ``binding`` hashed to ``sync_hash``."""
        return binding is not None and binding.sync_hash == sync_hash

    payload_hash = staticmethod(payload_hash)

    # -- writing ------------------------------------------------------------------------------

    def bind(
        self,
        entity: str,
        bc_id: Any,
        erp_id: Any,
        *,
        sync_hash: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Binding:
        """Bind a BigCommerce record to an ERP record; idempotent for the same pair.

        Raises:
            RetryableSyncError: either id is already bound to a different record
                (a concurrent worker won, or the data needs a ``rebind``).
        """
        bc, erp = _id(bc_id), _id(erp_id)
        data = to_jsonable(data) if data is not None else None
        existing = self._either(entity, bc, erp)
        if existing is not None:
            return self._already_bound(existing, entity, bc, erp, sync_hash, data)
        values = {
            "connection_id": self.connection_id, "entity": entity, "bc_id": bc, "erp_id": erp,
            "sync_hash": sync_hash, "data": data, "synced_at": utcnow(),
        }  # fmt: skip
        if self.dry_run:
            return Binding(**values)
        binding = self._insert(values)
        if binding is None:  # another worker bound one of the ids since we looked
            winner = self._either(entity, bc, erp)
            if winner is not None and (winner.bc_id, winner.erp_id) == (bc, erp):
                return self.touch(winner, sync_hash, data)
            raise self._conflict(entity, bc, erp, winner)
        return binding

    def _either(self, entity: str, bc: str, erp: str) -> Binding | None:
        """The binding holding ``bc`` (preferred) or ``erp``, in one query."""
        stmt = db.select(Binding).where(
            Binding.connection_id == self.connection_id,
            Binding.entity == entity,
            or_(Binding.bc_id == bc, Binding.erp_id == erp),
        )
        found = list(db.session.execute(stmt).scalars())
        return next((b for b in found if b.bc_id == bc), found[0] if found else None)

    @staticmethod
    def _insert(values: dict[str, Any]) -> Binding | None:
        """INSERT ... ON CONFLICT DO NOTHING RETURNING: the new binding, or None on a collision.

        One round trip, and a collision leaves the transaction usable (no savepoint needed).
        """
        dialect = db.session.get_bind().dialect.name
        if dialect not in INSERTS:  # pragma: no cover - bcapp runs on SQLite and PostgreSQL
            raise NotImplementedError(f"Binder.bind does not support {dialect}")
        stmt = INSERTS[dialect](Binding).values(**values).on_conflict_do_nothing()
        return db.session.execute(stmt.returning(Binding)).scalar_one_or_none()

    def _already_bound(
        self, existing: Binding, entity: str, bc: str, erp: str, sync_hash: str | None,
        data: dict[str, Any] | None,
    ) -> Binding:  # fmt: skip
        if (existing.bc_id, existing.erp_id) != (bc, erp):
            raise self._conflict(entity, bc, erp, existing)
        return self.touch(existing, sync_hash, data)

    @staticmethod
    def _conflict(entity: str, bc: str, erp: str, other: Binding | None) -> RetryableSyncError:
        held = f" (held by BigCommerce {other.bc_id} ↔ ERP {other.erp_id})" if other else ""
        return RetryableSyncError(
            f"{entity} BigCommerce {bc} ↔ ERP {erp} collides with an existing binding{held}.",
            retry_after=5,
            details={"entity": entity, "bc_id": bc, "erp_id": erp},
        )

    def rebind(
        self,
        entity: str,
        bc_id: Any,
        erp_id: Any,
        *,
        sync_hash: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> Binding:
        """Point ``erp_id`` at a new ``bc_id`` (or the reverse), dropping the stale pair.

        For a record re-created on one side (a product deleted in BigCommerce and
        created again gets a new id): the old bindings of both ids go, one new stays.
        """
        bc, erp = _id(bc_id), _id(erp_id)
        keep = self.by_erp(entity, erp) or self.by_bc(entity, bc)
        other = self.by_bc(entity, bc)
        if self.dry_run:
            return Binding(connection_id=self.connection_id, entity=entity, bc_id=bc, erp_id=erp,
                           sync_hash=sync_hash, data=data)  # fmt: skip
        if other is not None and other is not keep:
            db.session.delete(other)
            db.session.flush()
        if keep is None:
            return self.bind(entity, bc, erp, sync_hash=sync_hash, data=data)
        keep.bc_id, keep.erp_id = bc, erp
        return self.touch(keep, sync_hash, data)

    def touch(
        self, binding: Binding, sync_hash: str | None = None, data: dict[str, Any] | None = None
    ) -> Binding:
        """Record a successful write: new hash (when given), merged data, synced now."""
        if self.dry_run:
            return binding
        if sync_hash is not None:
            binding.sync_hash = sync_hash
        if data is not None:
            binding.data = {**(binding.data or {}), **to_jsonable(data)}
        binding.synced_at = utcnow()
        db.session.flush()
        return binding

    def set_hashes(self, written: Sequence[tuple[Ref, str]]) -> None:
        """Record successful writes of :class:`Ref` bindings: new hashes, synced now, in one
        UPDATE by id (no ORM object loaded; the caller commits)."""
        if self.dry_run or not written:
            return
        now = utcnow()
        db.session.execute(
            update(Binding),
            [{"id": ref.id, "sync_hash": digest, "synced_at": now} for ref, digest in written],
        )

    def unbind(self, entity: str, *, bc_id: Any = None, erp_id: Any = None) -> bool:
        """Forget a binding (the record was deleted on one side); True if there was one."""
        binding = self.get(entity, bc_id=bc_id, erp_id=erp_id)
        if binding is None:
            return False
        if not self.dry_run:
            db.session.delete(binding)
            db.session.flush()
        return True
