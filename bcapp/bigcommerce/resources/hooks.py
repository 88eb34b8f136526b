"""Webhooks v3: ``/hooks`` CRUD and ``/hooks/admin`` (only this token's hooks are visible)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from bcapp.bigcommerce.resources import Resource, as_record


class Hooks(Resource):
    """The raw API; :func:`bcapp.bigcommerce.webhooks.ensure_webhooks` builds on it."""

    def iterate(self, filters: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Hooks filtered by ``is_active``, ``scope`` or ``destination``."""
        return self.api.iter_v3("/hooks", filters)

    def get(self, hook_id: int) -> dict[str, Any]:
        return as_record(self.api.data("GET", f"/hooks/{hook_id}"))

    def create(
        self,
        scope: str,
        destination: str,
        *,
        headers: Mapping[str, str] | None = None,
        is_active: bool = True,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"scope": scope, "destination": destination, "is_active": is_active}
        if headers:
            body["headers"] = dict(headers)
        return as_record(self.api.data("POST", "/hooks", json=body))

    def update(self, hook_id: int, fields: Mapping[str, Any]) -> dict[str, Any]:
        return as_record(self.api.data("PUT", f"/hooks/{hook_id}", json=dict(fields)))

    def delete(self, hook_id: int) -> None:
        self.api.data("DELETE", f"/hooks/{hook_id}")

    def admin(self) -> dict[str, Any]:
        """Notification e-mails, every hook's status and any blocked domains."""
        return as_record(self.api.data("GET", "/hooks/admin"))

    def set_admin_emails(self, emails: Iterable[str]) -> None:
        self.api.v3("PUT", "/hooks/admin", json={"emails": list(emails)})
