"""The whole journey in a browser: install from the sandbox control panel, the setup wizard
against the AFAS sandbox, a catalog sync run by a worker, an order export that AFAS refuses,
and Retry from the activity log.

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
    card = frame.locator(f'article[aria-label="{flow}"]')
    try:
        card.locator(".badge--succeeded").wait_for(timeout=seconds * 1000)
    except Exception:
        screenshot(page, f"journey-{flow}-stuck")
        text = frame.locator("#runs").inner_text()
        raise AssertionError(f"{flow} did not succeed; the dashboard says: {text}") from None


def wait_in_log(frame: Any, locator: Any, message: str, seconds: float = 30) -> None:
    """Re-apply the log's filters until ``locator`` shows up (the worker runs meanwhile)."""
    deadline = time.monotonic() + seconds
    while not locator.count():
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

    # wizard: ERP with a live check, then the defaults of every step
    frame.get_by_text("Set up: connect your ERP").wait_for()
    frame.locator("#erp-base_url").fill(world.afas.base_url)
    frame.get_by_label("Environment number").fill(world.afas.environment)
    frame.get_by_label("Environment type", exact=True).select_option("test")
    frame.get_by_label("App connector token").fill(world.afas.token)
    frame.get_by_role("button", name="Test connection").click()
    frame.get_by_text("Connected.").wait_for()
    frame.get_by_role("button", name="Continue").click()
    for heading in ("Flows", "Orders", "Catalog & stock", "Mappings"):
        frame.get_by_role("heading", name=heading, exact=True).wait_for()
        if heading == "Orders":  # the demo store's own status label and storefronts
            success = frame.get_by_label("After a successful export, set the order to")
            chosen = success.locator("option:checked").inner_text()
            assert chosen == "Downloaded (Awaiting Shipment)"
            screenshot(page, "journey-wizard-orders")
            frame.get_by_text("Your channels: 1 Default storefront, 2 Outlet.").wait_for()
        frame.get_by_role("button", name="Save and continue").click()
    frame.get_by_role("heading", name="General settings").wait_for()
    frame.get_by_role("button", name="Finish").click()
    frame.get_by_role("heading", name="Catalog preview (dry run)").wait_for()

    # a catalog sync, started from the dashboard and run by the worker
    frame.get_by_role("button", name="Run catalog now").click()
    card = frame.locator('article[aria-label="catalog"]')
    wait_for_run(page, frame, "catalog")
    assert (
        "7 created" in card.inner_text() and "0 failed" in card.inner_text()
    )  # 3 groups, 4 articles
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
    assert "price" in preview.first.inner_text()
    screenshot(page, "journey-dry-run")
    product = next(p for p in world.bc.stores[STORE].products.values() if p["sku"] == "A0001")
    assert str(product["price"]) != "99.95"  # a dry run writes nothing

    # webhooks registered from the dashboard (the schedule would do it too)
    frame.get_by_role("button", name="Check webhooks now").click()
    wait_for_run(page, frame, "webhooks")

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
    wait_in_log(frame, exported, "the retried order was never exported")
    exported.first.click()
    frame.get_by_role("heading", name="Linked ERP records").wait_for()
    screenshot(page, "journey-lineage")
    assert "600000" in frame.locator("body").inner_text()  # the AFAS sales order number
