"""Keep a store's webhook subscriptions the way the app needs them.

BigCommerce silently deactivates a hook after about 48 h of failed deliveries or
90 days without events, and a hook created with an old destination (the app
moved) or old headers (the per-store secret rotated) keeps firing at the wrong
place. :func:`ensure_webhooks` compares what the store has with what we want and
fixes only the difference, so install and the watchdog can call it as often as
they like: a second call changes nothing.

Which hooks are *ours*? The API shows only hooks created with our app's token,
but several deployments of one app (staging and production) share it. A hook is
ours when it points at our destination or carries one of our custom header
names; anything else is left alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bcapp.bigcommerce.client import BigCommerceClient

Action = Literal["created", "reactivated", "updated", "deleted"]

#: The custom header each of a store's hooks carries: ``{store hash}.{store secret}``.
HOOK_HEADER = "X-Bcapp-Hook"


def hook_header_value(store_hash: str, secret: str) -> str:
    """The custom-header value a store's hooks carry (the intake checks it per delivery)."""
    return f"{store_hash}.{secret}"


@dataclass(frozen=True)
class WebhookChange:
    """One change :func:`ensure_webhooks` made (for the activity log)."""

    action: Action
    scope: str
    hook_id: int | None
    fields: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        what = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.action} webhook {self.hook_id} for {self.scope}{what}"


def _headers(hook: Mapping[str, Any]) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (hook.get("headers") or {}).items()}


def ownership(destination: str, headers: Mapping[str, str]) -> Callable[[Mapping[str, Any]], bool]:
    """The default test for "this hook is ours" (see the module docstring)."""
    names = {name.lower() for name in headers}

    def owns(hook: Mapping[str, Any]) -> bool:
        return hook.get("destination") == destination or bool(names & set(_headers(hook)))

    return owns


def ensure_webhooks(
    client: BigCommerceClient,
    destination: str,
    scopes: Iterable[str],
    headers: Mapping[str, str] | None = None,
    *,
    owns: Callable[[Mapping[str, Any]], bool] | None = None,
) -> list[WebhookChange]:
    """Make every scope in ``scopes`` have exactly one active hook of ours, as specified.

    Creates missing hooks, re-activates deactivated ones, fixes a wrong destination
    or headers, and deletes our duplicates for a scope. Hooks that are not ours,
    and our hooks for scopes not asked for, are left alone.

    Returns:
        The changes made, in order; empty when everything was already right.
    """
    wanted_headers = dict(headers or {})
    owns = owns or ownership(destination, wanted_headers)
    ours_by_scope: dict[str, list[dict[str, Any]]] = {}
    for hook in client.hooks.iterate():
        if owns(hook):
            ours_by_scope.setdefault(hook["scope"], []).append(hook)
    changes: list[WebhookChange] = []
    for scope in dict.fromkeys(scopes):
        hooks = _best_first(ours_by_scope.get(scope, []), destination)
        if not hooks:
            created = client.hooks.create(scope, destination, headers=wanted_headers)
            changes.append(WebhookChange("created", scope, created.get("id")))
            continue
        change = _repair(client, hooks[0], destination, wanted_headers)
        if change:
            changes.append(change)
        for duplicate in hooks[1:]:
            client.hooks.delete(duplicate["id"])
            changes.append(WebhookChange("deleted", scope, duplicate["id"], ("duplicate",)))
    return changes


def _best_first(hooks: list[dict[str, Any]], destination: str) -> list[dict[str, Any]]:
    """The hook to keep first: right destination, then active, then oldest."""
    return sorted(
        hooks,
        key=lambda h: (h.get("destination") != destination, not h.get("is_active"), h.get("id", 0)),
    )


def _repair(
    client: BigCommerceClient, hook: Mapping[str, Any], destination: str, headers: dict[str, str]
) -> WebhookChange | None:
    fix: dict[str, Any] = {}
    if hook.get("destination") != destination:
        fix["destination"] = destination
    if _headers(hook) != {k.lower(): v for k, v in headers.items()}:
        fix["headers"] = headers
    if not hook.get("is_active"):
        fix["is_active"] = True
    if not fix:
        return None
    client.hooks.update(hook["id"], fix)
    action: Action = "reactivated" if "is_active" in fix else "updated"
    return WebhookChange(action, hook["scope"], hook["id"], tuple(sorted(fix)))
