"""The app inside a cross-origin iframe with third-party cookies blocked: load, save, reload."""

from __future__ import annotations

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def app_frame(page):
    page.wait_for_selector("iframe#app")
    frame = page.frame_locator("iframe#app")
    frame.locator("h1").wait_for()
    return frame


def test_third_party_cookies_really_are_blocked(page, standin_panel):
    """Guard: if this environment allowed cookies in the iframe, the next test would prove less."""
    page.goto(standin_panel)
    app_frame(page)
    inner = next(f for f in page.frames if "localhost" in f.url)
    stored = inner.evaluate(
        "() => { document.cookie = 'probe=1; SameSite=None; Secure; path=/';"
        " return document.cookie; }"
    )
    assert "probe=1" not in stored


def test_app_loads_saves_and_keeps_value_across_reload(page, standin_panel):
    page.goto(standin_panel)
    frame = app_frame(page)
    assert "ERP sync for abc123" in frame.locator("h1").inner_text()

    frame.get_by_label("E-mail for failure alerts").fill("ops@example.com")
    frame.get_by_label("Keep the activity log for (days)").fill("21")
    frame.locator("#form-general").get_by_role("button", name="Save").click()
    frame.get_by_text("Settings saved").wait_for()
    screenshot(page, "foundation-settings-saved")

    page.reload()
    frame = app_frame(page)
    assert frame.get_by_label("E-mail for failure alerts").input_value() == "ops@example.com"
    assert frame.get_by_label("Keep the activity log for (days)").input_value() == "21"


def test_invalid_value_is_explained_inline(page, standin_panel):
    page.goto(standin_panel)
    frame = app_frame(page)
    frame.get_by_label("Keep the activity log for (days)").fill("0")
    frame.locator("#form-general").get_by_role("button", name="Save").click()
    frame.get_by_text("Keep logs between 1 and 365 days.").wait_for()
