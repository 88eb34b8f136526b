"""Control-panel routes for one store: the page, lifecycle buttons and admin actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Flask, abort, redirect, request

from bcapp.sandbox.bigcommerce import panel_pages
from bcapp.sandbox.bigcommerce.control_panel import (
    SHIPPABLE,
    remove_user,
    ship_everything,
    store_page_context,
    uninstall,
)

if TYPE_CHECKING:
    from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox
    from bcapp.sandbox.bigcommerce.state import SandboxStore


def register(panel: Flask, sandbox: BigCommerceSandbox, page: Callable[..., str]) -> None:
    """Add the store routes to ``panel``."""

    def store_or_404(store_hash: str) -> SandboxStore:
        store = sandbox.stores.get(store_hash)
        if store is None:
            abort(404)
        return store

    def user_arg(store: SandboxStore) -> int:
        user_id = request.args.get("user", type=int) or store.owner["id"]
        return user_id if user_id in store.users else store.owner["id"]

    def back(store: SandboxStore, message: str = "", view: str = "") -> Any:
        args = {"user": user_arg(store), "view": view, "msg": message}
        query = urlencode({k: v for k, v in args.items() if v})
        return redirect(f"{request.script_root}/manage/store/{store.hash}?{query}", 303)

    @panel.post("/manage/stores")
    def create_store() -> Any:
        store_hash = request.form.get("store_hash", "").strip().lower()
        if not store_hash.isalnum() or store_hash in sandbox.stores:
            abort(400)
        store = sandbox.create_store(
            store_hash, plan=request.form.get("plan", "standard"), installed=False
        )
        if request.form.get("seed"):
            sandbox.seed(store)
        return redirect(f"{request.script_root}/manage/store/{store.hash}", 303)

    @panel.get("/manage/store/<store_hash>")
    def store_page(store_hash: str) -> Any:
        store = store_or_404(store_hash)
        context = store_page_context(sandbox, store, user_arg(store), request.args.get("view", ""))
        flashes = (request.args["msg"],) if request.args.get("msg") else ()
        return page(
            f"Store {store.hash}", panel_pages.STORE, store=store, flashes=flashes, **context
        )

    @panel.post("/manage/store/<store_hash>/uninstall")
    def uninstall_app(store_hash: str) -> Any:
        store = store_or_404(store_hash)
        status = uninstall(sandbox, store, user_arg(store))
        return back(store, f"Uninstalled (the app answered {status or 'nothing'}).")

    @panel.post("/manage/store/<store_hash>/remove-user")
    def remove(store_hash: str) -> Any:
        store = store_or_404(store_hash)
        status = remove_user(sandbox, store, user_arg(store))
        return back(store, f"User removed (the app answered {status or 'nothing'}).")

    @panel.post("/manage/store/<store_hash>/orders")
    def place_order(store_hash: str) -> Any:
        from bcapp.sandbox.bigcommerce.seed import NoErpProducts, test_order

        store = store_or_404(store_hash)
        unknown = bool(request.form.get("unknown_sku"))
        try:
            with sandbox.lock:
                order = test_order(store, unknown_sku=unknown)
        except NoErpProducts as exc:
            return back(store, str(exc), view="load")
        what = " (with a SKU your ERP does not know)" if unknown else ""
        return back(store, f"Order {order['id']} placed{what}.", view="load")

    @panel.get("/manage/store/<store_hash>/orders")
    def orders(store_hash: str) -> Any:
        from bcapp.sandbox.bigcommerce.orders import render_order

        store = store_or_404(store_hash)
        rows = [
            render_order(store, o)
            for o in sorted(store.orders.values(), key=lambda o: -o["id"])
            if not o["is_deleted"]
        ]
        return page("Orders", panel_pages.ORDERS, store=store, orders=rows, shippable=SHIPPABLE)

    @panel.post("/manage/store/<store_hash>/orders/<int:order_id>/ship")
    def ship(store_hash: str, order_id: int) -> Any:
        store = store_or_404(store_hash)
        with sandbox.lock:
            shipped = ship_everything(store, order_id)
        return redirect(
            f"{request.script_root}/manage/store/{store.hash}/orders?shipped={len(shipped)}", 303
        )

    @panel.get("/manage/store/<store_hash>/products")
    def products(store_hash: str) -> Any:
        from bcapp.sandbox.bigcommerce.catalog import render_product

        store = store_or_404(store_hash)
        rows = [render_product(store, p, {"variants"}) for p in store.products.values()]
        return page("Products", panel_pages.PRODUCTS, store=store, products=rows)

    @panel.post("/manage/store/<store_hash>/deliver")
    def deliver(store_hash: str) -> Any:
        store = store_or_404(store_hash)
        attempted = sandbox.deliver_webhooks(sandbox.app_transport)
        return back(store, f"{attempted} webhook deliveries attempted.", view="load")
