"""The settings pages show the store's own status labels and channel names (BigCommerce
sandbox behind the app's BigCommerce transport), and still work when it cannot be read."""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sync.context import BC_TRANSPORT
from tests.web.conftest import Session


@pytest.fixture
def bc(app: Any, store: Any) -> Any:
    sandbox = BigCommerceSandbox(clock=SandboxClock(speed=0))
    bc_store = sandbox.create_store(store.store_hash)
    store.access_token = bc_store.access_token
    db.session.commit()
    app.extensions[BC_TRANSPORT] = sandbox.transport()
    return bc_store


def test_renamed_statuses_and_storefront_names_are_shown(bc: Any, session: Session) -> None:
    bc.status_labels[9] = "Downloaded"
    bc.add_storefront("Outlet")

    orders = session.get("/app/settings/orders").text
    assert "Downloaded (Awaiting Shipment)" in orders
    # storefronts are picked by name (checkboxes), not typed as channel ids
    assert 'name="channels" value="2"' in orders and "> Outlet</label>" in orders
    assert "built-in names" not in orders
    assert "Downloaded (Awaiting Shipment)" in session.get("/app/settings/mappings").text
    assert "> Outlet</label>" in session.get("/app/settings/catalog").text


def test_labels_are_read_once_per_few_minutes(bc: Any, session: Session) -> None:
    session.get("/app/settings/orders")
    bc.status_labels[9] = "Downloaded"
    assert "Downloaded (Awaiting Shipment)" not in session.get("/app/settings/orders").text


def test_an_unreadable_store_falls_back_to_the_built_in_labels(bc: Any, session: Session) -> None:
    bc.fail_next(5, status=500)

    r = session.get("/app/settings/orders")

    assert r.status_code == 200
    assert "Awaiting Shipment" in r.text and "built-in names" in r.text


def test_a_storefront_the_store_lacks_is_refused_at_the_form(bc: Any, session: Session) -> None:
    outlet = bc.add_storefront("Outlet")

    r = session.htmx_post("/app/settings/catalog", {"channels": f"1, {outlet}, 9"})

    assert r.status_code == 422
    refusal = "Your store has no storefront 9. Your channels: 1 Default storefront, 2 Outlet."
    assert refusal in r.text
    assert session.htmx_post("/app/settings/catalog", {"channels": f"{outlet}"}).status_code == 200


def test_a_rejected_token_falls_back_too(bc: Any, session: Session, store: Any) -> None:
    store.access_token = "revoked"
    db.session.commit()

    r = session.get("/app/settings/orders")

    assert r.status_code == 200 and "built-in names" in r.text


def test_a_refused_storefront_field_is_shown_again_with_the_posted_text(
    bc: Any, session: Session
) -> None:
    """A refused form hands back the posted text ("" or "1, 9"): the checkboxes still render."""
    bc.add_storefront("Outlet")

    empty = session.post("/app/settings/catalog", {"channels": ""})
    typed = session.post("/app/settings/catalog", {"channels": "1, 9"})

    assert empty.status_code == 422 and 'name="channels" value="2"' in empty.text
    assert typed.status_code == 422
    assert 'name="channels" value="1" checked' in typed.text
    assert 'name="channels" value="2" checked' not in typed.text
