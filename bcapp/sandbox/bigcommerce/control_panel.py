"""The sandbox control panel (``/manage/``): install, open, uninstall, users, test orders.

It plays BigCommerce's side of the app lifecycle on another origin than the app:
*Install* issues a code and points the app's iframe at
``{APP_URL}/bigcommerce/auth?code&scope&context&account_uuid``; *Open* points it at
``{APP_URL}/bigcommerce/load?signed_payload_jwt=...``; *Uninstall* and *Remove user*
call the app's callbacks from the server, as BigCommerce does, and uninstall deletes
the app's hooks. Admin actions place a test order (a simulated checkout) and ship it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from bcapp.sandbox.bigcommerce.errors import ApiError
from bcapp.sandbox.bigcommerce.login import ACCOUNT_UUID, issue_code, signed_payload

if TYPE_CHECKING:
    from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox
    from bcapp.sandbox.bigcommerce.state import SandboxStore

SHIPPABLE = {3, 9, 11}


def install_url(sandbox: BigCommerceSandbox, store: SandboxStore, user_id: int) -> str:
    """Where Install sends the iframe: the app's auth callback with a fresh code."""
    query = {
        "code": issue_code(sandbox, store, user_id),
        "scope": sandbox.scope,
        "context": f"stores/{store.hash}",
        "account_uuid": ACCOUNT_UUID,
    }
    return f"{sandbox.app_url}/bigcommerce/auth?{urlencode(query)}"


def load_url(sandbox: BigCommerceSandbox, store: SandboxStore, user_id: int) -> str:
    """Where Open sends the iframe: the app's load callback with a signed JWT."""
    token = signed_payload(sandbox, store, user_id)
    return f"{sandbox.app_url}/bigcommerce/load?{urlencode({'signed_payload_jwt': token})}"


def _callback(sandbox: BigCommerceSandbox, store: SandboxStore, name: str, user_id: int) -> int:
    """Server-side GET of ``/bigcommerce/{name}``; the status is recorded (0: unreachable)."""
    url = f"{sandbox.app_url}/bigcommerce/{name}"
    params = {"signed_payload_jwt": signed_payload(sandbox, store, user_id)}
    try:
        with httpx.Client(transport=sandbox.app_transport, timeout=10) as client:
            status = client.get(url, params=params).status_code
    except httpx.HTTPError:
        status = 0
    sandbox.callbacks.append(
        {"store_hash": store.hash, "callback": name, "user_id": user_id, "status": status}
    )
    return status


def uninstall(sandbox: BigCommerceSandbox, store: SandboxStore, user_id: int | None = None) -> int:
    """Uninstall the app: tell it (server side), then delete its hooks and token."""
    from bcapp.sandbox.bigcommerce.hooks import delete_client_hooks

    status = _callback(sandbox, store, "uninstall", user_id or store.owner["id"])
    with sandbox.lock:
        store.emit("store/app/uninstalled", {"type": "app", "id": store.store_id})
        delete_client_hooks(store, sandbox.client_id)
        for token, client_id in list(store.tokens.items()):
            if client_id == sandbox.client_id:
                sandbox.revoke_token(token)
        store.installed = False
    return status


def remove_user(sandbox: BigCommerceSandbox, store: SandboxStore, user_id: int) -> int:
    """Remove a user's access to the app (server-side ``remove_user`` callback)."""
    return _callback(sandbox, store, "remove_user", user_id)


def store_page_context(
    sandbox: BigCommerceSandbox, store: SandboxStore, user_id: int, view: str
) -> dict[str, Any]:
    """What the store page shows, including the iframe target for ``view``."""
    src = ""
    if view == "install":
        src = install_url(sandbox, store, user_id)
    elif view == "load" or (view == "" and store.installed):
        src = load_url(sandbox, store, user_id) if store.installed else ""
    pending = sum(1 for d in store.deliveries if d.state == "pending")
    own_hooks = [h for h in store.hooks.values() if h["client_id"] == sandbox.client_id]
    return {
        "users": list(store.users.values()),
        "user_id": user_id,
        "src": src,
        "hooks": len(own_hooks),
        "pending": pending,
    }


def ship_everything(store: SandboxStore, order_id: int) -> list[int]:
    """Ship what is left of every shipping address of an order (admin action)."""
    from bcapp.sandbox.bigcommerce.orders import find_order
    from bcapp.sandbox.bigcommerce.shipments import create_shipment

    order = find_order(store, order_id)
    shipped = []
    for address in [a for a in store.order_addresses.values() if a["order_id"] == order_id]:
        items = [
            {"order_product_id": p["id"], "quantity": p["quantity"] - p["quantity_shipped"]}
            for p in store.order_products.values()
            if p["order_address_id"] == address["id"] and p["quantity"] > p["quantity_shipped"]
        ]
        if items:
            body = {
                "order_address_id": address["id"],
                "items": items,
                "tracking_number": f"3S{order_id:06d}{address['id']:04d}",
                "shipping_provider": "",
                "tracking_carrier": "postnl",
            }
            try:
                shipped.append(create_shipment(store, order, body)["id"])
            except ApiError:
                continue
    return shipped
