"""The store's ERP connection: which connector, its settings, its encrypted secrets.

A store has one *current* connection: the row whose ``store_id`` is the store
(unique). Bindings and cursors hang off the connection row, so an ERP switch
must not reuse it: the old ERP's article numbers and sync markers mean nothing
to the new one. Switching *parks* the old row instead (``store_id`` NULL,
``parked_store_id`` the store, secrets cleared) and starts or re-activates the
row of the new ERP. Everything that looks a store's connection up by
``store_id`` (the runner, the schedule, the log's lineage) therefore sees only
the current ERP's bindings and cursors, and switching back resumes where the
parked row stopped.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bcapp.crypto import EncryptedJSON
from bcapp.models.base import Model, Timestamps
from bcapp.models.store import Store


class Connection(Timestamps, Model):
    """One ERP per store; secrets (schema ``writeOnly`` fields) live only in ``secrets``."""

    __tablename__ = "connections"
    __table_args__ = (UniqueConstraint("parked_store_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The store whose current ERP this is; None while parked (see the module docstring).
    store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), unique=True
    )
    #: The store that switched away from this ERP; None for the current connection.
    parked_store_id: Mapped[int | None] = mapped_column(
        ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())
    enabled: Mapped[bool] = mapped_column(default=True)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_message: Mapped[str] = mapped_column(Text, default="")
    #: When the ERP refused these credentials (a connection test or a run); flows pause
    #: until a test passes. None: not refused.
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refused_message: Mapped[str] = mapped_column(Text, default="")

    store: Mapped[Store] = relationship(foreign_keys=[store_id])

    def connector_settings(self) -> dict[str, Any]:
        """Plain settings merged with decrypted secrets, as a connector takes them."""
        return {**(self.settings or {}), **(self.secrets or {})}
