"""Key rotation: re-encrypt every encrypted column with the first key of ENCRYPTION_KEYS."""

from __future__ import annotations

from sqlalchemy import Table, Text, select, type_coerce, update

from bcapp.crypto import EncryptedJSON, EncryptedText, vault
from bcapp.extensions import db


def encrypted_columns() -> list[tuple[Table, str]]:
    """Every (table, column) whose type encrypts at rest."""
    return [
        (table, column.name)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText | EncryptedJSON)
    ]


def rotate_all() -> dict[str, int]:
    """Rotate the raw Fernet tokens in place (never decoded into Python values)."""
    v = vault()
    counts: dict[str, int] = {}
    for table, name in encrypted_columns():
        pk = next(iter(table.primary_key.columns))
        raw = type_coerce(table.c[name], Text)
        rows = db.session.execute(select(pk, raw).where(table.c[name].is_not(None))).all()
        for row_id, token in rows:
            new = type_coerce(v.rotate(token), Text)
            db.session.execute(update(table).where(pk == row_id).values({name: new}))
        counts[f"{table.name}.{name}"] = len(rows)
    db.session.commit()
    return counts
