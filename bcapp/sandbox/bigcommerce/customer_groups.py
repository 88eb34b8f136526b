"""Customer groups v2: list (with a ``name`` filter), get, create, update, delete, count.

A group has a unique name; ``is_default`` marks the group new customers join (at most
one). Customers point at a group with ``customer_group_id`` (0: no group); v3 refuses
a customer write naming a group that does not exist, and deleting a group moves its
customers to no group. (The shared OpenAPI files do not include the v2 customer-groups
reference; the shapes follow BigCommerce's published v2 documentation.)
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.clock import rfc2822
from bcapp.sandbox.bigcommerce.errors import ApiError, not_found
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, v2_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

FIELDS = ("name", "is_default", "category_access", "discount_rules", "is_group_for_guests")


def add_group(store: SandboxStore, name: str, **fields: Any) -> dict[str, Any]:
    """Store a group (the control panel's "Add customer group"); returns it."""
    now = store.now()
    group_id = store.next_id("customer_group")
    group = {
        "id": group_id,
        "name": name,
        "is_default": False,
        "category_access": {"type": "all"},
        "discount_rules": [],
        "is_group_for_guests": False,
        "_created": now,
        "_mtime": now,
    }
    group.update({k: v for k, v in fields.items() if k in FIELDS})
    if group["is_default"]:
        for other in store.customer_groups.values():
            other["is_default"] = False
    store.customer_groups[group_id] = group
    return group


def render(group: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in group.items() if not k.startswith("_")}
    data["date_created"] = rfc2822(group["_created"])
    data["date_modified"] = rfc2822(group["_mtime"])
    return data


def _named(store: SandboxStore, name: str, own_id: int = 0) -> bool:
    return any(
        g["name"].casefold() == name.casefold() and g["id"] != own_id
        for g in store.customer_groups.values()
    )


def _body(call: Call, own_id: int = 0) -> dict[str, Any]:
    body = call.json_object()
    name = body.get("name")
    if not own_id or "name" in body:
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "The field 'name' is invalid.")
        if _named(call.store, name, own_id):
            raise ApiError(409, f"A customer group named '{name}' already exists.")
    return body


def _group(call: Call) -> dict[str, Any]:
    group = call.store.customer_groups.get(call.params["group_id"])
    if group is None:
        raise not_found("customer group")
    return group


def list_groups(call: Call) -> Reply:
    rows = list(call.store.customer_groups.values())
    name = call.query.get("name")
    if name is not None:
        rows = [g for g in rows if g["name"] == name]
    if "is_default" in call.query:
        wanted = call.query["is_default"].lower() == "true"
        rows = [g for g in rows if g["is_default"] == wanted]
    return v2_page(call, rows, render)


def count_groups(call: Call) -> Reply:
    return Reply(200, {"count": len(call.store.customer_groups)})


def get_group(call: Call) -> Reply:
    return Reply(200, render(_group(call)))


def post_group(call: Call) -> Reply:
    body = _body(call)
    fields = {k: v for k, v in body.items() if k != "name"}
    return Reply(201, render(add_group(call.store, body["name"].strip(), **fields)))


def put_group(call: Call) -> Reply:
    group = _group(call)
    body = _body(call, group["id"])
    if body.get("is_default"):
        for other in call.store.customer_groups.values():
            other["is_default"] = False
    group.update({k: body[k] for k in FIELDS if k in body})
    group["_mtime"] = call.store.now()
    return Reply(200, render(group))


def delete_group(call: Call) -> Reply:
    group = _group(call)
    del call.store.customer_groups[group["id"]]
    for customer in call.store.customers.values():
        if customer.get("customer_group_id") == group["id"]:
            customer["customer_group_id"] = 0
    return Reply(204)


def check_group_id(store: SandboxStore, value: Any, index: int) -> None:
    """v3 customers: ``customer_group_id`` must be 0 or an existing group."""
    if value in (None, 0):
        return
    if not isinstance(value, int) or isinstance(value, bool) or value not in store.customer_groups:
        raise ApiError(
            422,
            f"Customer group {value} does not exist.",
            {f"[{index}].customer_group_id": "does not exist"},
        )


ROUTES = [
    Route("GET", "/v2/customer_groups", list_groups),
    Route("POST", "/v2/customer_groups", post_group),
    Route("GET", "/v2/customer_groups/count", count_groups),
    Route("GET", "/v2/customer_groups/{group_id}", get_group),
    Route("PUT", "/v2/customer_groups/{group_id}", put_group),
    Route("DELETE", "/v2/customer_groups/{group_id}", delete_group),
]
