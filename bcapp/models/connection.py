"""The store's ERP connection: which connector, its settings, its encrypted secrets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bcapp.crypto import EncryptedJSON
from bcapp.models.base import Model, Timestamps
from bcapp.models.store import Store


class Connection(Timestamps, Model):
    """One ERP per store; secrets (schema ``writeOnly`` fields) live only in ``secrets``."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    secrets: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON())
    enabled: Mapped[bool] = mapped_column(default=True)
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_message: Mapped[str] = mapped_column(Text, default="")

    store: Mapped[Store] = relationship()

    def connector_settings(self) -> dict[str, Any]:
        """Plain settings merged with decrypted secrets, as a connector takes them."""
        return {**(self.settings or {}), **(self.secrets or {})}
