"""Issue 19 in Chromium, framed cross-origin: the merchant edits a field mapping, previews it
on the store's last real order (BigCommerce sandbox), saves it, and that order is exported to
the AFAS sandbox with it."""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.sandbox.afas.spec import load_specs
from tests.browser.conftest import screenshot
from tests.browser.test_ui_app import app_frame, db_do

pytestmark = [
    pytest.mark.browser,
    # the AFAS fields the merchant edits (Fref with its length) come from AFAS's OpenAPI files
    pytest.mark.skipif(
        load_specs() is None, reason="AFAS OpenAPI files not found (../shared/erp-specs/afas)"
    ),
]
STORE_HASH = "abc123"  # the stand-in panel's store


@pytest.fixture
def shop(live_app: Any, afas: Any, standin_panel: str) -> Any:
    """The panel's store on the BigCommerce sandbox, connected to AFAS, with one order."""
    from bcapp.bigcommerce.ratelimit import LocalBudget
    from bcapp.models import Connection, Store
    from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
    from bcapp.sandbox.bigcommerce.catalog import create_product
    from bcapp.sandbox.bigcommerce.checkout import create_order
    from bcapp.sync.context import BC_BUDGET, BC_TRANSPORT
    from bcapp.sync.registry import load_flows

    load_flows()
    bc = BigCommerceSandbox(live_app.config["BC_CLIENT_ID"], live_app.config["BC_CLIENT_SECRET"],
                            clock=SandboxClock(speed=0))  # fmt: skip
    bc_store = bc.create_store(STORE_HASH)
    live_app.extensions[BC_TRANSPORT] = bc.transport()
    live_app.extensions[BC_BUDGET] = LocalBudget(STORE_HASH, clock=bc.clock.now,
                                                 sleep=bc.clock.advance)  # fmt: skip
    with bc.lock:
        product = create_product(bc_store, {"name": "Mug", "type": "physical", "weight": 1,
                                            "price": 12.5, "sku": "MUG-1"})  # fmt: skip
        order = create_order(bc_store, {
            "lines": [{"product_id": product["id"], "quantity": 1}],
            "customer_message": "Leave at the door",
            "billing_address": {"first_name": "Jan", "last_name": "de Vries",
                                "street_1": "Keizersgracht 12", "city": "Amsterdam",
                                "zip": "1015 CX", "country": "Netherlands", "country_iso2": "NL",
                                "email": "jan@example.com",
                                "form_fields": [{"name": "PO number", "value": "PO-4711"}]},
        })  # fmt: skip
    afas.add_article("MUG-1", "Mug", price="12.5")

    def seed(db: Any) -> None:
        store = db.session.execute(db.select(Store)).scalar_one()
        store.access_token = bc_store.access_token
        store.settings = {"setup": {"completed": True}}
        db.session.add(Connection(store_id=store.id, kind="afas",
                                  settings={"environment": "12345", "base_url": afas.base_url},
                                  secrets={"token": afas.token}))  # fmt: skip

    db_do(live_app, seed)
    return order["id"]


def test_edit_preview_on_a_real_order_save_and_export_with_it(page, standin_panel, live_app,
                                                               afas, shop):  # fmt: skip
    order_id = shop
    page.goto(standin_panel)
    frame = app_frame(page)
    frame.get_by_role("link", name="Settings", exact=True).click()
    frame.get_by_role("link", name="Field mapping", exact=True).click()
    frame.locator("#erp-fields").wait_for()
    row = frame.locator('tr[data-field="Fref"]')
    assert "≤ 32" in row.inner_text()  # AFAS's own length for the invoice reference
    frame.get_by_label("Template for Fref", exact=True).fill('{{ form["PO number"] }}')
    frame.get_by_label("Template for Re", exact=True).fill("{{ order.customer_message | upper }}")
    frame.get_by_role("button", name="Preview").click()  # on the last order: ours
    frame.locator("#preview-values").wait_for()
    values = frame.locator("#preview-values").inner_text()
    assert "PO-4711" in values and "LEAVE AT THE DOOR" in values
    request = frame.locator("#preview-request").inner_text()
    assert '"Fref": "PO-4711"' in request and f'"RfCs": "{order_id}"' in request
    screenshot(page, "field-mapper-preview")
    frame.get_by_role("button", name="Save as a new version").click()
    frame.get_by_text("Saved as version 1.").wait_for()
    assert frame.get_by_label("Template for Fref", exact=True).input_value() == (
        '{{ form["PO number"] }}'
    )

    from bcapp.models import Store
    from bcapp.sync.runner import run_flow

    def export(db: Any) -> Any:
        store = db.session.execute(db.select(Store)).scalar_one()
        return run_flow(store.id, "order_export", order_id=order_id).status

    assert db_do(live_app, export) == "succeeded"
    [erp] = [o for o in afas.tables.orders.values() if o["CustomerReference"] == str(order_id)]
    assert erp["fields"]["Fref"] == "PO-4711" and erp["fields"]["Re"] == "LEAVE AT THE DOOR"
