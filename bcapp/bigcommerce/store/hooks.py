"""The webhook side of the store facade: what hooks the store has, and making them right."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.store.records import Hook
from bcapp.bigcommerce.webhooks import WebhookChange, ensure_webhooks


def hook_from_bc(raw: Mapping[str, Any]) -> Hook:
    stamp = raw.get("updated_at")
    return Hook(
        hook_id=int(raw["id"]),
        scope=str(raw.get("scope") or ""),
        destination=str(raw.get("destination") or ""),
        is_active=bool(raw.get("is_active")),
        updated_at=datetime.fromtimestamp(int(stamp), tz=UTC) if stamp else None,
    )


class HookSide:
    """Webhook subscriptions (a side of the store facade)."""

    client: BigCommerceClient

    def hooks(self) -> list[Hook]:
        """Every hook the app's token can see (ours and other deployments' of the app)."""
        return [hook_from_bc(raw) for raw in self.client.hooks.iterate()]

    def ensure_webhooks(
        self, destination: str, scopes: Iterable[str], headers: Mapping[str, str]
    ) -> list[WebhookChange]:
        """Create, re-activate or repair our hooks so each scope has one active (idempotent)."""
        return ensure_webhooks(self.client, destination, scopes, headers)
