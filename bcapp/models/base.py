"""The models' base class and column helpers.

``Model`` is Flask-SQLAlchemy's ``db.Model`` at run time; for the type checker it
is the declarative base it is built on (``db.Model`` is made dynamically, so mypy
cannot see through it), so every column and query of a model is typed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime
from sqlalchemy.orm import Mapped, mapped_column

from bcapp.extensions import Base, db

if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    return datetime.now(UTC)


class Timestamps:
    """created_at / updated_at, timezone-aware on every backend."""

    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
