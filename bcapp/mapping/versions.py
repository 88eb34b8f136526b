"""Saving, listing, comparing and rolling back a store's field-mapping versions.

Versions are append-only (:class:`~bcapp.models.MappingVersion`): a save is a new
row numbered one past the store's newest, a roll back saves an old version's
content again (so the history says who went back, and when). The current version
is the newest one for the store's ERP kind; a store that never saved one uses the
built-in mappings (``FieldMappings()``, version None), which is today's behaviour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bcapp.extensions import db
from bcapp.mapping.fields import FieldMappings
from bcapp.models import MappingVersion


def current(store_id: int, erp_kind: str) -> FieldMappings:
    """The store's newest mappings for ``erp_kind`` (built-in ones when there are none)."""
    row = db.session.scalars(
        select(MappingVersion)
        .where(MappingVersion.store_id == store_id, MappingVersion.erp_kind == erp_kind)
        .order_by(MappingVersion.number.desc())
        .limit(1)
    ).first()
    return typed(row) if row is not None else FieldMappings(erp_kind=erp_kind)


def typed(row: MappingVersion) -> FieldMappings:
    return FieldMappings.from_json(row.number, row.erp_kind, row.rules, row.tables)


def get(store_id: int, number: int) -> MappingVersion | None:
    return db.session.scalars(
        select(MappingVersion).where(
            MappingVersion.store_id == store_id, MappingVersion.number == number
        )
    ).first()


def history(store_id: int, limit: int = 50) -> list[MappingVersion]:
    """The store's versions, newest first."""
    return list(
        db.session.scalars(
            select(MappingVersion)
            .where(MappingVersion.store_id == store_id)
            .order_by(MappingVersion.number.desc())
            .limit(limit)
        )
    )


def save(store_id: int, mappings: FieldMappings, author: str, note: str = "") -> MappingVersion:
    """Add ``mappings`` as the store's newest version (the caller commits)."""
    newest = db.session.scalar(
        select(func.max(MappingVersion.number)).where(MappingVersion.store_id == store_id)
    )
    row = MappingVersion(
        store_id=store_id,
        number=(newest or 0) + 1,
        erp_kind=mappings.erp_kind,
        rules=mappings.rules_json(),
        tables={k: dict(v) for k, v in mappings.tables.items()},
        author=author,
        note=note,
    )
    db.session.add(row)
    db.session.flush()
    return row


def roll_back(store_id: int, number: int, author: str) -> MappingVersion | None:
    """Save version ``number``'s content again as the newest (None: no such version)."""
    old = get(store_id, number)
    if old is None:
        return None
    return save(store_id, typed(old), author, note=f"Rolled back to version {number}")


@dataclass(frozen=True)
class Change:
    """One difference between two versions: a template added, removed or changed."""

    record: str
    field: str
    before: str | None
    after: str | None


def compare(older: MappingVersion | None, newer: MappingVersion) -> list[Change]:
    """What changed from ``older`` to ``newer`` (templates and lookup tables)."""
    before = _flat(older) if older is not None else {}
    after = _flat(newer)
    return [
        Change(record, name, before.get((record, name)), after.get((record, name)))
        for record, name in sorted(before.keys() | after.keys())
        if before.get((record, name)) != after.get((record, name))
    ]


def _flat(row: MappingVersion) -> dict[tuple[str, str], str]:
    out: dict[tuple[str, str], str] = {}
    for record, entries in (row.rules or {}).items():
        for name, spec in (entries or {}).items():
            out[(record, name)] = str((spec or {}).get("template", ""))
    for table, rows in (row.tables or {}).items():
        out[("table", table)] = ", ".join(f"{k} → {v}" for k, v in sorted(rows.items()))
    return out


def as_json(row: MappingVersion) -> dict[str, Any]:
    return {"number": row.number, "erp_kind": row.erp_kind, "rules": row.rules,
            "tables": row.tables, "author": row.author, "note": row.note,
            "created_at": row.created_at.isoformat() if row.created_at else None}  # fmt: skip
