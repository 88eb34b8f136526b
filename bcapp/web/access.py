"""Who may change what: the store owner decides for the store's other users.

BigCommerce's load payload names the store owner (``owner`` beside ``user``;
:mod:`bcapp.web.lifecycle` keeps it on ``StoreUser.is_owner``). The owner may
always change everything. Other users of the store may either change settings
and credentials too (the default, as before), or only view the dashboard and
the activity log: the owner's choice, stored in ``Store.settings["access"]``.

Views that change anything (settings, credentials, the wizard, Run now,
Retry, ...) carry :func:`edit_required`; templates ask :func:`can_edit` to
hide the buttons a viewer cannot use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import g, render_template

F = TypeVar("F", bound=Callable[..., Any])

ACCESS_KEY = "access"


def others_may_edit(store: Any) -> bool:
    """The owner's choice: may the store's other users change settings and credentials?"""
    access = (store.settings or {}).get(ACCESS_KEY) or {}
    return bool(access.get("others_may_edit", True))


def can_edit(user: Any = None, store: Any = None) -> bool:
    """Whether ``user`` (default: the signed-in one) may change this store's settings."""
    user = user if user is not None else g.get("user")
    store = store if store is not None else g.get("store")
    if user is None or store is None:
        return False
    return bool(user.is_owner) or others_may_edit(store)


def is_owner() -> bool:
    user = g.get("user")
    return bool(user is not None and user.is_owner)


def view_only_page() -> Any:
    """The 403 answer for a user who may only view (inside the app's layout)."""
    owner = getattr(g.get("store"), "owner_email", "") or "the store owner"
    return (
        render_template(
            "error.html",
            code=403,
            title="You can view, but not change, this store's sync",
            message=(
                f"The store owner ({owner}) lets other users view the dashboard and the "
                "activity log only. Ask them to make the change, or to allow other users to "
                "change settings under General settings."
            ),
        ),
        403,
    )


def edit_required(view: F) -> F:
    """Allow the view only to users who may change settings (use after store_required)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not can_edit():
            return view_only_page()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def owner_required(view: F) -> F:
    """Allow the view only to the store owner (who decides what the others may do)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_owner():
            return view_only_page()
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
