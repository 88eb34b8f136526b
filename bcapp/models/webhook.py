"""Webhook deliveries, stored before anything acts on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bcapp.models.base import Model, utcnow


class WebhookEvent(Model):
    """One delivery; unique per store by webhook-id and by content (BigCommerce re-sends)."""

    __tablename__ = "webhook_events"
    __table_args__ = (
        UniqueConstraint("store_id", "webhook_id"),
        UniqueConstraint("store_id", "content_hash"),
        Index("ix_webhook_events_store_received", "store_id", "received_at"),
        # The tick's recovery looks for unfinished events every minute (bcapp.jobs.handoff).
        Index("ix_webhook_events_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    webhook_id: Mapped[str] = mapped_column(String(128))
    content_hash: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(128))
    resource_id: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="received")
    error: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
