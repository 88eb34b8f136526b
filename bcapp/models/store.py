"""A BigCommerce store that installed the app, and the users who may open it."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bcapp.crypto import EncryptedText
from bcapp.models.base import Model, Timestamps, utcnow


class StoreStatus(enum.StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"  # BigCommerce refused our token: jobs paused
    UNINSTALLED = "uninstalled"


class Store(Timestamps, Model):
    """One installation; a reinstall reuses the row so the merchant's settings survive."""

    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_token: Mapped[str | None] = mapped_column(EncryptedText())
    scope: Mapped[str] = mapped_column(String(2000), default="")
    account_uuid: Mapped[str] = mapped_column(String(64), default="")
    owner_bc_user_id: Mapped[int | None] = mapped_column(BigInteger)
    owner_email: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(20), default=StoreStatus.ACTIVE)
    status_reason: Mapped[str] = mapped_column(String(1000), default="")
    #: Merchant flow settings and mappings (non-secret); kept across reinstalls.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Sent in each webhook's custom headers; names the store at intake.
    webhook_secret: Mapped[str | None] = mapped_column(EncryptedText())
    installed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=utcnow)
    uninstalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: True from the first install (and again after an uninstall) until the merchant
    #: confirms the setup's last step ("Start syncing"): meanwhile no schedule, webhook-driven
    #: export or status write-back runs (see :mod:`bcapp.onboarding`).
    setup_pending: Mapped[bool] = mapped_column(default=False, server_default=false())

    users: Mapped[list[StoreUser]] = relationship(
        back_populates="store", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_installed(self) -> bool:
        return self.status != StoreStatus.UNINSTALLED and self.access_token is not None

    @property
    def syncing_enabled(self) -> bool:
        """Whether the merchant confirmed the setup (the onboarding gate is open)."""
        return not self.setup_pending


def new_session_key() -> str:
    """A fresh random value for a new user row (its session tokens carry it)."""
    return secrets.token_hex(16)


class StoreUser(Model):
    """A control-panel user allowed into the app for one store."""

    __tablename__ = "store_users"
    __table_args__ = (UniqueConstraint("store_id", "bc_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    bc_user_id: Mapped[int] = mapped_column(BigInteger)
    email: Mapped[str] = mapped_column(String(255), default="")
    is_owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Session tokens name the user by id *and* this key: a removed user's token never opens
    #: the app as the row that reuses the id (SQLite reuses ids), nor after a reinstall.
    session_key: Mapped[str] = mapped_column(String(32), default=new_session_key)

    store: Mapped[Store] = relationship(back_populates="users")
