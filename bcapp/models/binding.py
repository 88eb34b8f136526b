"""Which BigCommerce record is which ERP record (after OCA connector's Binder).

Unique on both id pairs per entity: a second ERP order for one BigCommerce
order, or two products for one article, is a constraint violation, not luck.
``sync_hash`` is the hash of the last payload written, so an unchanged record
costs no write.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bcapp.models.base import Model, utcnow


class Binding(Model):
    __tablename__ = "bindings"
    __table_args__ = (
        UniqueConstraint("connection_id", "entity", "bc_id"),
        UniqueConstraint("connection_id", "entity", "erp_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    entity: Mapped[str] = mapped_column(String(32))
    bc_id: Mapped[str] = mapped_column(String(255))  # SKUs are up to 255 characters
    erp_id: Mapped[str] = mapped_column(String(255))
    sync_hash: Mapped[str | None] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Small per-binding facts a flow needs again (variant ids by SKU, numeric article numbers).
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
