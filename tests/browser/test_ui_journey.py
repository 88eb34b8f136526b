"""The whole journey in a browser: install from the sandbox control panel, the setup wizard
against the AFAS sandbox (nothing syncs meanwhile), the first-sync preview, Start syncing, the
catalog synced by a worker, the first test order exported, an order AFAS refuses, and Retry
from the activity log.

The BigCommerce sandbox (API, login service and control panel) is served on 127.0.0.1 and the
app on localhost, so the panel frames the app across origins; a BackgroundWorker runs the jobs.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, screenshot
from tests.conftest import CLIENT_ID, base_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STORE = "journey1"
CLIENT_SECRET = "journey-client-secret-at-least-32-bytes-long"


@pytest.fixture
def live_app_config(tmp_path: Path, ports: tuple[int, int], redis_url: str) -> dict[str, Any]:
    app_port, panel_port = ports
    panel = f"http://127.0.0.1:{panel_port}"
    return base_config(
        tmp_path,
        APP_URL=f"http://localhost:{app_port}",
        BC_CLIENT_SECRET=CLIENT_SECRET,
        BC_LOGIN_URL=panel,
        BC_API_URL=panel,
        BC_ADMIN_URL=f"{panel}/manage/store/{{hash}}",
        FRAME_ANCESTORS=panel,
        REDIS_URL=redis_url,
        RQ_QUEUE_PREFIX=f"journey-{uuid.uuid4().hex[:8]}-",
    )


@pytest.fixture
def world(live_app: Any, ports: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> Any:
    """BigCommerce sandbox served on the panel port, AFAS sandbox as the ERP, a worker."""
    from bcapp.connectors import CONNECTORS
    from bcapp.connectors.afas.connector import AfasConnector
    from bcapp.demo import build_sandbox
    from bcapp.jobs.worker import BackgroundWorker
    from bcapp.sandbox.afas import AfasSandbox

    bc = build_sandbox(
        app_url=live_app.live_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
        store_hash=STORE, seed=False,
    )  # fmt: skip
    server = LiveServer(bc.wsgi_app, "127.0.0.1", ports[1])
    afas = AfasSandbox()
    afas.seed(4)
    monkeypatch.setitem(CONNECTORS, "afas", AfasConnector)
    live_app.extensions["bcapp.erp_transport"] = afas.transport()
    worker = BackgroundWorker(live_app, poll=0.3, tick_every=0).start()
    yield type("World", (), {"bc": bc, "afas": afas, "panel": server.url})
    worker.stop()
    server.stop()


def wait_for_run(page: Any, frame: Any, flow: str, seconds: float = 40) -> None:
    """Wait until the dashboard's card of ``flow`` says succeeded (it polls by itself)."""
    card = frame.locator(f'article[data-card="{flow}"]')
    try:
        card.locator(".badge--succeeded").wait_for(timeout=seconds * 1000)
    except Exception:
        screenshot(page, f"journey-{flow}-stuck")
        text = frame.locator("#runs").inner_text()
        raise AssertionError(f"{flow} did not succeed; the dashboard says: {text}") from None


def wait_in_log(
    frame: Any, locator: Any, message: str, seconds: float = 30, count: int = 1
) -> None:
    """Re-apply the log's filters until ``locator`` shows up ``count`` times (the worker runs
    meanwhile)."""
    deadline = time.monotonic() + seconds
    while locator.count() < count:
        assert time.monotonic() < deadline, message
        time.sleep(1)
        frame.get_by_role("button", name="Filter").click()
        frame.locator(".htmx-request").first.wait_for(state="detached")
    frame.locator(".htmx-request").first.wait_for(state="detached")  # no swap under our click


def app_frame(page: Any) -> Any:
    page.wait_for_selector("iframe#app")
    frame = page.frame_locator("iframe#app")
    frame.locator("h1").wait_for(timeout=15000)
    return frame


def test_install_set_up_sync_fail_and_retry(page, world, live_app):
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(f"{world.panel}/manage/store/{STORE}")
    page.locator("#install").click()
    frame = app_frame(page)

    # wizard: the ERP step tests the credentials when it saves them
    frame.get_by_text("Set up: connect your ERP").wait_for()
    frame.locator("#erp-base_url").fill(world.afas.base_url)
    frame.get_by_label("Environment number").fill(world.afas.environment)
    frame.get_by_label("Environment type", exact=True).select_option("test")
    frame.get_by_label("App connector token").fill("not-the-token")
    frame.get_by_role("button", name="Save and continue").click()
    frame.get_by_text("Not saved: the connection test failed.").wait_for()
    frame.get_by_role("button", name="Save anyway").wait_for()
    screenshot(page, "journey-wizard-refused")
    frame.get_by_label("App connector token").fill(world.afas.token)
    frame.get_by_role("button", name="Save and continue").click()
    for heading in ("Flows", "Orders", "Catalog & stock", "Mappings", "General settings"):
        frame.get_by_role("heading", name=heading, exact=True).wait_for()
        if heading == "Orders":  # the demo store's own status label and storefronts
            success = frame.get_by_label("After a successful export, set the order to")
            chosen = success.locator("option:checked").inner_text()
            assert chosen == "Downloaded (Awaiting Shipment)"
            frame.get_by_label("Outlet").wait_for()  # storefronts by name, not typed ids
            screenshot(page, "journey-wizard-orders")
        if heading == "Mappings":  # the store's values and AFAS's codes to pick from
            assert frame.locator("#dl-payment-to option").count() == 4
            assert frame.locator("#dl-shipping-from option[value='Flat Rate']").count() == 1
            screenshot(page, "journey-wizard-mappings")
        frame.get_by_role("button", name="Save and continue").click()

    # the last step: a preview of the first sync, and nothing has run for real yet
    frame.get_by_role("heading", name="Preview and start").wait_for()
    preview = frame.locator("#catalog-preview tr", has_text="Products")
    preview.wait_for(timeout=30000)  # the catalog dry run, run by the worker
    assert "4" in preview.inner_text()  # four AFAS articles would become products
    screenshot(page, "journey-preview-and-start")
    assert world.bc.stores[STORE].products == {}  # a preview writes nothing
    assert world.afas.tables.orders == {}
    frame.get_by_role("button", name="Start syncing").click()
    frame.get_by_text("Syncing started").wait_for()

    # the first runs start at once; the catalog is synced by the worker
    card = frame.locator('article[data-card="catalog"]')
    wait_for_run(page, frame, "catalog")
    assert "7 created" in card.inner_text() and "failed" not in card.inner_text()
    screenshot(page, "journey-catalog-synced")
    assert len(world.bc.stores[STORE].products) == 4

    # a price change in AFAS, previewed by a dry run before anything is written
    world.afas.touch_article("A0001", SalesPrice=99.95)
    frame.get_by_role("button", name="Preview catalog changes").click()
    preview = frame.locator("#dry-run tr", has_text="99.95")
    try:
        preview.first.wait_for(timeout=30000)
    except Exception:
        raise AssertionError(frame.locator("#dry-run").inner_text()) from None
    assert "Price" in preview.first.inner_text()
    screenshot(page, "journey-dry-run")
    product = next(p for p in world.bc.stores[STORE].products.values() if p["sku"] == "A0001")
    assert str(product["price"]) != "99.95"  # a dry run writes nothing

    # webhooks registered from the dashboard (the schedule would do it too)
    frame.get_by_role("button", name="Check webhooks now").click()
    wait_for_run(page, frame, "webhooks")

    # the first test order: the happy path, exported by webhook
    page.locator("#place-order").click()
    page.locator("#deliver").click()
    frame = app_frame(page)
    frame.get_by_role("link", name="Activity log", exact=True).click()
    first = frame.locator("#log tr", has=frame.locator(".badge--created")).filter(
        has_text="Order #"
    )
    wait_in_log(frame, first, "the first test order was never exported")
    assert "Exported as ERP order" in first.first.inner_text()
    screenshot(page, "journey-first-order-exported")
    assert len(world.afas.tables.orders) == 1

    # an order AFAS refuses, delivered by webhook, then retried from the log
    world.afas.reject_next_write("Debiteur 10001 is geblokkeerd.")
    page.locator("#place-order").click()
    page.locator("#deliver").click()
    frame = app_frame(page)
    frame.get_by_role("link", name="Activity log", exact=True).click()
    wait_in_log(frame, frame.get_by_text("geblokkeerd"), "the refused order never reached the log")
    screenshot(page, "journey-order-refused")
    frame.locator("tr", has_text="geblokkeerd").locator("a").first.click()
    frame.get_by_role("button", name="Retry").click()
    frame.get_by_text("Retry queued as run #").wait_for()

    frame.get_by_role("link", name="Activity log", exact=True).click()
    frame.get_by_label("Outcome", exact=True).select_option("created")
    exported = frame.locator("#log tr", has=frame.locator(".badge--created")).locator(
        "a", has_text="lineage"
    )
    wait_in_log(frame, exported, "the retried order was never exported", count=2)
    exported.first.click()
    frame.get_by_role("heading", name="Linked ERP records").wait_for()
    screenshot(page, "journey-lineage")
    assert "600000" in frame.locator("body").inner_text()  # the AFAS sales order number
