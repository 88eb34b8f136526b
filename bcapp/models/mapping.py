"""The merchant's field mappings, one row per saved version (never updated in place).

A version holds, for one store and one ERP kind, every template the merchant set
(``store_product``: BigCommerce's product fields filled from the ERP's article):
``rules`` is ``{record type: {ERP field: template}}`` (record types are
:data:`RECORD_TYPES`) and ``tables`` the merchant's lookup tables (``{name:
{key: value}}``). Saving writes a new version with its author and time, so the
history is the table itself: comparing two versions is a diff of two rows and a
roll back saves an old version's content again as the newest. Each activity-log
entry names the version its record was mapped with (``LogEntry.mapping_version``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bcapp.models.base import Model, utcnow

#: The records a mapping can fill, in the order the settings page shows them.
RECORD_TYPES = (
    "order", "order_line", "customer", "address", "product", "variant", "store_product",
)  # fmt: skip


class MappingVersion(Model):
    """One saved state of a store's field mappings for one ERP kind."""

    __tablename__ = "mapping_versions"
    __table_args__ = (UniqueConstraint("store_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    #: 1, 2, 3 ... per store: what the merchant and the log call the version.
    number: Mapped[int] = mapped_column(Integer)
    erp_kind: Mapped[str] = mapped_column(String(32))
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tables: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    author: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
