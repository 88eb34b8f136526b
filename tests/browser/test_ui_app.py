"""The app in a real browser, framed cross-origin like the control panel frames it:
wizard with a live AFAS check, settings saved inline by htmx, the log and a moving progress bar.

Runs against the AFAS sandbox (``bcapp.sandbox.afas``) through the app's ERP transport.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def app_frame(page: Any) -> Any:
    page.set_viewport_size({"width": 1280, "height": 1600})  # taller screenshots
    page.wait_for_selector("iframe#app")
    frame = page.frame_locator("iframe#app")
    frame.locator("h1").wait_for()
    return frame


def choose_erp(frame: Any, kind: str) -> None:
    """Pick the ERP and wait until htmx has swapped its fields in: what is typed into
    the old fields before the swap lands is replaced with empty ones (CI saw this)."""
    old = frame.locator("#erp-fields > *").first.element_handle()
    frame.get_by_label("Your ERP", exact=True).select_option(kind)
    old.wait_for_element_state("hidden")  # detached counts as hidden


def db_do(app: Any, fn: Any) -> Any:
    from bcapp.extensions import db

    with app.app_context():
        result = fn(db)
        db.session.commit()
        return result


def connect(frame: Any, sandbox: Any, token: str) -> None:
    frame.get_by_label("Environment number").fill(sandbox.environment)
    frame.get_by_label("Environment type", exact=True).select_option("test")
    frame.get_by_label("App connector token").fill(token)
    frame.locator("summary", has_text="Advanced").first.wait_for()


def test_wizard_checks_credentials_live_and_walks_to_the_dashboard(
    page, standin_panel, afas, live_app
):
    page.goto(standin_panel)
    frame = app_frame(page)
    frame.get_by_text("Set up: connect your ERP").wait_for()
    choose_erp(frame, "afas")

    # the sandbox is reached through base_url; a wrong token gets AFAS's refusal
    frame.locator("#erp-base_url").fill(afas.base_url)
    connect(frame, afas, "not-the-token")
    frame.get_by_role("button", name="Test connection").click()
    frame.get_by_text("AFAS refused the token").wait_for()
    screenshot(page, "ui-wizard-bad-credentials")

    frame.get_by_label("App connector token").fill(afas.token)
    frame.get_by_role("button", name="Test connection").click()
    frame.get_by_text("Connected.").wait_for()
    frame.get_by_role("button", name="Continue").click()

    frame.get_by_role("heading", name="Flows").wait_for()
    frame.get_by_label("Refunds", exact=True).check()
    frame.get_by_role("button", name="Save and continue").click()

    frame.get_by_role("heading", name="Orders", exact=True).wait_for()
    frame.get_by_label("Customer in the ERP", exact=True).select_option("default_debtor")
    frame.get_by_role("button", name="Save and continue").click()
    frame.get_by_text("Enter the ERP debtor number").wait_for()  # inline validation, 422
    screenshot(page, "ui-wizard-validation")
    frame.get_by_label("Default debtor number", exact=True).fill("10001")
    frame.get_by_role("button", name="Save and continue").click()

    frame.get_by_role("heading", name="Catalog & stock").wait_for()
    frame.get_by_role("button", name="Save and continue").click()
    frame.get_by_role("heading", name="Mappings", exact=True).wait_for()
    frame.get_by_label("BigCommerce payment method 1", exact=True).fill("PayPal")
    frame.get_by_label("AFAS payment method (PaTp) 1", exact=True).fill("PP")
    frame.get_by_role("button", name="Save and continue").click()
    frame.get_by_role("heading", name="General settings").wait_for()
    frame.get_by_role("button", name="Save and continue").click()
    frame.get_by_role("heading", name="Preview and start").wait_for()
    frame.get_by_role("button", name="Start syncing").click()

    frame.get_by_role("heading", name="Catalog preview (dry run)").wait_for()
    screenshot(page, "ui-dashboard-after-setup")

    from bcapp.mapping.rules import rules_for
    from bcapp.models import Connection, Store

    def saved(db: Any) -> Any:
        store = db.session.execute(db.select(Store)).scalar_one()
        conn = db.session.execute(db.select(Connection)).scalar_one()
        return rules_for(store), conn.secrets

    rules, secrets = db_do(live_app, saved)
    assert rules.enabled("refunds") and rules.orders.default_debtor == "10001"
    assert rules.mappings.payment_code("PayPal") == "PP"
    assert secrets["token"] == afas.token


def test_settings_sections_save_inline_and_the_secret_stays_hidden(
    page, standin_panel, afas, live_app
):
    from bcapp.models import Connection, Store

    def seed(db: Any) -> None:
        store = db.session.execute(db.select(Store)).scalar_one()
        db.session.add(Connection(store_id=store.id, kind="afas",
                                  settings={"environment": "12345", "base_url": afas.base_url},
                                  secrets={"token": afas.token}))  # fmt: skip

    db_do(live_app, seed)
    page.goto(standin_panel)
    frame = app_frame(page)
    frame.get_by_role("link", name="Settings", exact=True).click()
    frame.get_by_role("heading", name="ERP connection").wait_for()
    token_input = frame.get_by_label("App connector token")
    assert token_input.input_value() == ""
    assert "saved" in token_input.get_attribute("placeholder")
    assert afas.token not in frame.locator("body").inner_html()
    frame.get_by_role("button", name="Test connection").click()  # uses the saved token
    frame.get_by_text("Connected.").wait_for()

    frame.get_by_role("link", name="Stock", exact=True).click()
    frame.get_by_label("Safety buffer", exact=True).fill("3")
    frame.locator("#form-stock").get_by_role("button", name="Save").click()
    frame.get_by_text("Settings saved").wait_for()
    frame.get_by_label("Safety buffer", exact=True).fill("-4")
    frame.locator("#form-stock").get_by_role("button", name="Save").click()
    frame.get_by_text("Enter a whole number of 0 or more.").wait_for()
    screenshot(page, "ui-settings-stock-inline-error")

    from bcapp.mapping.rules import rules_for

    buffer = db_do(live_app, lambda db: rules_for(db.session.execute(
        db.select(Store)).scalar_one()).stock.buffer)  # fmt: skip
    assert buffer == 3


def test_the_log_fills_and_the_progress_bar_moves(page, standin_panel, afas, live_app):
    from bcapp.models import Connection, LogEntry, RunStatus, Store, SyncRun

    def seed(db: Any) -> int:
        store = db.session.execute(db.select(Store)).scalar_one()
        store.settings = {"setup": {"completed": True}}
        db.session.add(Connection(store_id=store.id, kind="afas", settings={}, secrets={}))
        run = SyncRun(store_id=store.id, flow="catalog", status=RunStatus.RUNNING, total=40,
                      seen=4)  # fmt: skip
        db.session.add(run)
        db.session.flush()
        return run.id

    run_id = db_do(live_app, seed)
    page.goto(standin_panel)
    frame = app_frame(page)
    bar = frame.locator('[data-flow="catalog"]')
    assert bar.get_attribute("aria-valuenow") == "10"

    def progress(db: Any) -> None:
        run = db.session.get(SyncRun, run_id)
        run.seen = 30
        failure = LogEntry(store_id=run.store_id, run_id=run.id, direction="erp_to_bc",
                           entity="product", erp_id="A0042", bc_id="17", outcome="failed",
                           message="BigCommerce: The product name is a duplicate")  # fmt: skip
        db.session.add(failure)

    db_do(live_app, progress)
    frame.locator('[data-flow="catalog"][aria-valuenow="75"]').wait_for(timeout=8000)
    screenshot(page, "ui-dashboard-progress")

    frame.get_by_role("link", name="Activity log", exact=True).click()
    frame.get_by_text("The product name is a duplicate").wait_for()
    frame.get_by_label("Outcome", exact=True).select_option("failed")  # htmx swaps the table
    frame.get_by_text("A0042").wait_for()
    frame.locator(".htmx-request").first.wait_for(state="detached")
    frame.locator("#log a").first.click()
    frame.get_by_text("What went wrong").wait_for()
    assert frame.get_by_role("button", name="Retry").is_visible()
    assert frame.get_by_role("button", name="Replay").count() == 0  # nothing stored to replay
    screenshot(page, "ui-log-detail")


def test_pages_fit_a_narrow_screen_and_keyboard_focus_is_visible(
    page, standin_panel, afas, live_app
):
    from bcapp.models import Connection, Store

    def seed(db: Any) -> None:
        store = db.session.execute(db.select(Store)).scalar_one()
        db.session.add(Connection(store_id=store.id, kind="afas", settings={}, secrets={}))

    db_do(live_app, seed)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(standin_panel)
    page.wait_for_selector("iframe#app")
    frame = page.frame_locator("iframe#app")
    frame.locator("h1").wait_for()
    inner = next(f for f in page.frames if "localhost" in f.url)
    for link in ("Dashboard", "Activity log", "Settings"):
        frame.get_by_role("link", name=link, exact=True).click()
        frame.locator("h1").wait_for()
        inner = next(f for f in page.frames if "localhost" in f.url)
        inner.wait_for_load_state()
        overflow = inner.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{link} scrolls sideways by {overflow}px on a phone"
    screenshot(page, "ui-settings-phone")

    inner.focus("#kind")
    outline = inner.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_choosing_another_erp_swaps_its_form_in_place(page, standin_panel, afas):
    page.goto(standin_panel)
    frame = app_frame(page)
    frame.get_by_label("Your ERP", exact=True).select_option("mplus")
    frame.get_by_label("API ident").wait_for()
    assert frame.get_by_label("API secret").get_attribute("type") == "password"
    assert frame.locator("#erp-environment").count() == 0
    frame.get_by_role("button", name="Test connection").click()
    frame.get_by_text("This is required.").first.wait_for()  # checked before calling Mplus
    frame.get_by_label("Your ERP", exact=True).select_option("afas")
    frame.get_by_label("Environment number").wait_for()
