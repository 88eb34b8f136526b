"""Cursors, runs and the activity log: what happened, when, and how far a flow got."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bcapp.models.base import Model, utcnow


class Cursor(Model):
    """A flow's opaque position in the ERP (saved only after its batch is committed)."""

    __tablename__ = "cursors"
    __table_args__ = (UniqueConstraint("connection_id", "flow"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class SyncRun(Model):
    """One run of one flow for one store, with counts the dashboard turns into a bar."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_store_flow", "store_id", "flow", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    flow: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.QUEUED)
    trigger: Mapped[str] = mapped_column(String(16), default="manual")
    dry_run: Mapped[bool] = mapped_column(default=False)
    full: Mapped[bool] = mapped_column(default=False)
    job_id: Mapped[str | None] = mapped_column(String(128))
    total: Mapped[int | None] = mapped_column()
    seen: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LogEntry(Model):
    """One record's outcome: what came from where, what we sent, what the other side said."""

    __tablename__ = "log_entries"
    __table_args__ = (
        Index("ix_log_entries_store_created", "store_id", "created_at"),
        Index("ix_log_entries_store_entity_bc", "store_id", "entity", "bc_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"))
    flow: Mapped[str] = mapped_column(String(64), default="")
    direction: Mapped[str] = mapped_column(String(16))  # "erp_to_bc" | "bc_to_erp" | "app"
    entity: Mapped[str] = mapped_column(String(32))
    bc_id: Mapped[str | None] = mapped_column(String(255))
    erp_id: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(16))  # created/updated/unchanged/skipped/failed/...
    message: Mapped[str] = mapped_column(Text, default="")
    request: Mapped[Any | None] = mapped_column(JSON)
    response: Mapped[Any | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: The field-mapping version (``MappingVersion.number``) the record was mapped with;
    #: None: the built-in mappings (no saved version) or a flow that maps nothing.
    mapping_version: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
