"""The sandbox's control panel as a Flask app: the store list and each store's pages.

The pages' actions (install, load, orders, shipments ...) live in
:mod:`~bcapp.sandbox.bigcommerce.panel_actions`; what they call on BigCommerce's
behalf (the app's callbacks) in :mod:`~bcapp.sandbox.bigcommerce.control_panel`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, redirect, render_template_string, request

from bcapp.sandbox.bigcommerce import panel_actions, panel_pages

if TYPE_CHECKING:
    from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox


def create_panel(sandbox: BigCommerceSandbox) -> Flask:
    """The control panel as a Flask app, mounted at ``/manage`` by the sandbox."""
    panel = Flask("bcapp_sandbox_panel")
    panel.config["sandbox"] = sandbox
    _register(panel, sandbox)
    return panel


def _page(title: str, template: str, store: Any = None, flashes: tuple = (), **context: Any) -> str:
    root = request.script_root
    body = render_template_string(template, root=root, store=store, **context)
    return render_template_string(
        panel_pages.LAYOUT, title=title, body=body, root=root, store=store, flashes=flashes
    )


def _register(panel: Flask, sandbox: BigCommerceSandbox) -> None:
    @panel.get("/")
    @panel.get("/manage/")
    def index() -> Any:
        if request.path == "/":
            return redirect(f"{request.script_root}/manage/")
        stores = sorted(sandbox.stores.values(), key=lambda s: s.hash)
        return _page("Stores", panel_pages.INDEX, stores=stores)

    panel_actions.register(panel, sandbox, _page)
