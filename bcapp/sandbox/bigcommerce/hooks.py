"""Webhooks v3 API: ``/hooks`` CRUD and ``/hooks/admin``.

Hooks are visible only to the client that created them; one per store + client +
scope + destination, at most 10 per store + client + scope. Destinations must be
HTTPS (the demo allows http via ``BigCommerceSandbox.allow_http_hooks``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bcapp.sandbox.bigcommerce.errors import not_found, unprocessable
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, one, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore
from bcapp.sandbox.bigcommerce.webhooks import domain_of

MAX_PER_SCOPE = 10
HEADER_VALUE_MAX, HEADER_NAME_MAX, HEADERS_MAX = 8192, 64, 64


def render_hook(hook: dict[str, Any]) -> dict[str, Any]:
    """A hook as the API shows it."""
    return {k: v for k, v in hook.items() if not k.startswith("_")}


def delete_client_hooks(store: SandboxStore, client_id: str) -> int:
    """Uninstall: drop every hook of ``client_id`` (and its pending deliveries)."""
    doomed = [i for i, h in store.hooks.items() if h["client_id"] == client_id]
    for hook_id in doomed:
        del store.hooks[hook_id]
    store.deliveries = [
        d for d in store.deliveries if d.hook_id not in doomed or d.state != "pending"
    ]
    return len(doomed)


def _own(call: Call) -> list[dict[str, Any]]:
    return [
        h
        for h in sorted(call.store.hooks.values(), key=lambda h: h["id"])
        if h["client_id"] == call.client_id
    ]


def _find(call: Call) -> dict[str, Any]:
    hook = call.store.hooks.get(call.params["hook_id"])
    if hook is None or hook["client_id"] != call.client_id:
        raise not_found("webhook")
    return hook


def _check(call: Call, body: dict[str, Any], hook_id: int = 0) -> None:
    scope, destination = body.get("scope"), body.get("destination")
    if not isinstance(scope, str) or not scope.startswith("store/"):
        raise unprocessable("The scope is invalid.", scope="a store/... scope is required")
    parts = urlsplit(destination if isinstance(destination, str) else "")
    allowed = {"https"} | ({"http"} if call.store.sandbox.allow_http_hooks else set())
    if parts.scheme not in allowed or not parts.hostname:
        raise unprocessable("The destination must be an HTTPS URL.", destination="must be https")
    headers = body.get("headers") or {}
    if (
        not isinstance(headers, dict)
        or len(headers) > HEADERS_MAX
        or any(
            len(str(k)) > HEADER_NAME_MAX or len(str(v)) > HEADER_VALUE_MAX
            for k, v in headers.items()
        )
    ):
        raise unprocessable("The headers are invalid.", headers="invalid")
    others = [h for h in _own(call) if h["id"] != hook_id and h["scope"] == scope]
    if any(h["destination"] == destination for h in others):
        raise unprocessable(
            "A webhook with this scope and destination already exists.", destination="duplicate"
        )
    if len(others) >= MAX_PER_SCOPE:
        raise unprocessable(f"At most {MAX_PER_SCOPE} webhooks per scope.", scope="too many")


def list_hooks(call: Call) -> Reply:
    hooks = _own(call)
    if "is_active" in call.query:
        hooks = [h for h in hooks if str(h["is_active"]).lower() == call.query["is_active"].lower()]
    for name in ("scope", "destination"):
        if name in call.query:
            hooks = [h for h in hooks if h[name] == call.query[name]]
    return v3_page(call, [render_hook(h) for h in hooks])


def create_hook(call: Call) -> Reply:
    body = call.json_object()
    _check(call, body)
    now = int(call.store.now())
    hook_id = call.store.next_id("hook")
    hook = {
        "id": hook_id,
        "client_id": call.client_id,
        "store_hash": call.store.hash,
        "scope": body["scope"],
        "destination": body["destination"],
        "headers": body.get("headers") or None,
        "is_active": bool(body.get("is_active", True)),
        "created_at": now,
        "updated_at": now,
    }
    call.store.hooks[hook_id] = hook
    return one(render_hook(hook))


def get_hook(call: Call) -> Reply:
    return one(render_hook(_find(call)))


def update_hook(call: Call) -> Reply:
    hook = _find(call)
    body = call.json_object()
    _check(call, {**hook, **body}, hook["id"])
    for key in ("scope", "destination", "headers", "is_active"):
        if key in body:
            hook[key] = body[key]
    if body.get("is_active"):
        hook["_deactivated"] = False
    hook["updated_at"] = int(call.store.now())
    return one(render_hook(hook))


def delete_hook(call: Call) -> Reply:
    hook = _find(call)
    del call.store.hooks[hook["id"]]
    return one(render_hook(hook))


def _status(hook: dict[str, Any]) -> str:
    if hook["is_active"]:
        return "active"
    return "deactivated" if hook.get("_deactivated") else "inactive"


def get_admin(call: Call) -> Reply:
    sandbox, now = call.store.sandbox, call.store.now()
    hooks = [{**render_hook(h), "status": _status(h)} for h in _own(call)]
    if "is_active" in call.query:
        hooks = [h for h in hooks if str(h["is_active"]).lower() == call.query["is_active"].lower()]
    own_domains = {domain_of(h["destination"]) for h in _own(call)}
    blocked = [
        {"destination": domain, "time_left": int(block["until"] - now), "reasons": block["reasons"]}
        for (client, domain), block in sandbox.blocked_domains.items()
        if client == call.client_id and block["until"] > now and domain in own_domains
    ]
    data = {
        "emails": list(call.store.admin_emails),
        "hooks_list": hooks,
        "blocked_domains": blocked,
    }
    return Reply(200, {"data": data, "meta": {}})


def put_admin(call: Call) -> Reply:
    emails = call.json_object().get("emails")
    if not isinstance(emails, list) or not all(isinstance(e, str) and "@" in e for e in emails):
        raise unprocessable("emails must be a list of e-mail addresses.", emails="invalid")
    call.store.admin_emails = list(emails)
    return Reply(204)


ROUTES = [
    Route("GET", "/v3/hooks", list_hooks),
    Route("POST", "/v3/hooks", create_hook),
    Route("GET", "/v3/hooks/admin", get_admin),
    Route("PUT", "/v3/hooks/admin", put_admin),
    Route("GET", "/v3/hooks/{hook_id}", get_hook),
    Route("PUT", "/v3/hooks/{hook_id}", update_hook),
    Route("DELETE", "/v3/hooks/{hook_id}", delete_hook),
]
