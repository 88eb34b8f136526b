"""Issue 21 in Chromium, framed cross-origin: mapping rows added and removed in place, the
activity log using the full width and wrapping only between words, readable dashboard cards."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_ui_app import app_frame, db_do

pytestmark = pytest.mark.browser


@pytest.fixture
def connected(live_app: Any, afas: Any) -> None:
    from bcapp.models import Connection, Store

    def seed(db: Any) -> None:
        store = db.session.execute(db.select(Store)).scalar_one()
        store.settings = {"setup": {"completed": True}}
        db.session.add(Connection(store_id=store.id, kind="afas",
                                  settings={"environment": "12345", "base_url": afas.base_url},
                                  secrets={"token": afas.token}))  # fmt: skip

    db_do(live_app, seed)


def test_mapping_rows_are_added_and_removed_in_place(page, standin_panel, live_app, connected):
    page.goto(standin_panel)
    frame = app_frame(page)
    frame.get_by_role("link", name="Settings", exact=True).click()
    frame.get_by_role("link", name="Mappings", exact=True).click()
    payment = frame.locator('fieldset[data-table="payment"]')
    payment.locator("tbody tr").first.wait_for()
    assert payment.locator("tbody tr").count() == 1
    payment.get_by_role("button", name="Add a row").click()
    payment.get_by_role("button", name="Add a row").click()
    assert payment.locator("tbody tr").count() == 3
    frame.get_by_label("BigCommerce payment method 1", exact=True).fill("Cash on Delivery")
    frame.get_by_label("AFAS payment method (PaTp) 1", exact=True).fill("REM")
    frame.get_by_label("BigCommerce payment method 2", exact=True).fill("Credit Card")
    frame.get_by_label("AFAS payment method (PaTp) 2", exact=True).fill("")  # left empty: an error
    frame.get_by_label("Remove row 3 of payment methods").click()
    assert payment.locator("tbody tr").count() == 2
    assert frame.locator("#dl-payment-to option").count() == 4  # AFAS's payment methods
    frame.locator("#form-mappings").get_by_role("button", name="Save").click()
    frame.get_by_text("Choose the ERP code for “Credit Card”.").wait_for()
    cell = frame.get_by_label("AFAS payment method (PaTp) 2", exact=True)
    assert cell.get_attribute("aria-invalid") == "true"
    assert (
        frame.get_by_label("AFAS payment method (PaTp) 1", exact=True).get_attribute("aria-invalid")
        is None
    )  # the good row is not marked
    screenshot(page, "first-hour-mapping-cell-error")
    frame.get_by_label("Remove row 2 of payment methods").click()
    frame.locator("#form-mappings").get_by_role("button", name="Save").click()
    frame.get_by_text("Settings saved").wait_for()

    from bcapp.mapping.rules import rules_for
    from bcapp.models import Store

    payment_map = db_do(live_app, lambda db: rules_for(db.session.execute(
        db.select(Store)).scalar_one()).mappings.payment)  # fmt: skip
    assert payment_map == {"Cash on Delivery": "REM"}


def test_the_log_uses_the_full_width_and_wraps_between_words(
    page, standin_panel, live_app, connected
):
    from bcapp.models import LogEntry, Store, SyncRun

    def seed(db: Any) -> None:
        store = db.session.execute(db.select(Store)).scalar_one()
        db.session.add(SyncRun(store_id=store.id, flow="webhooks", status="succeeded",
                               message="created webhook 1 for store/order/created; created "
                               "webhook 2 for store/order/updated; created webhook 3"))  # fmt: skip
        for entity, bc_id, erp_id, message in (
            ("customer", "1:annemarie.vandenberg-oosterhout@example.com", "60000001",
             "Created debtor 60000001 for annemarie.vandenberg-oosterhout@example.com."),
            ("stock", "77", "60000001-XL-ANTRACIET",
             "Stock set to 22: on hand 25 − reserved 3 = 22"),
            ("order", "108", "600012", "Order 108 is in status 12: not exported."),
        ):  # fmt: skip
            db.session.add(LogEntry(store_id=store.id, direction="bc_to_erp", entity=entity,
                                    bc_id=bc_id, erp_id=erp_id, outcome="created",
                                    message=message))  # fmt: skip

    db_do(live_app, seed)
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(standin_panel)
    frame = app_frame(page)
    frame.get_by_role("link", name="Activity log", exact=True).click()
    frame.locator("#log table").wait_for()
    inner = next(f for f in page.frames if "localhost" in f.url)
    widths = inner.evaluate(
        """() => ({table: document.querySelector('#log table').getBoundingClientRect().width,
                   main: document.querySelector('main').clientWidth})"""
    )
    assert widths["table"] >= 0.9 * (widths["main"] - 48), widths  # the page's full width
    broken = inner.evaluate(
        """() => {
          // a word is broken when its characters sit on more than one line box (a hyphen may
          // end a line: it is a break between the words of a compound, as in print)
          const out = [];
          for (const cell of document.querySelectorAll('#log td')) {
            const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
              const text = node.textContent;
              const re = /[^\\s-]+/g; let m;
              while ((m = re.exec(text))) {
                const range = document.createRange();
                range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (tops.size > 1) out.push(m[0]);
              }
            }
          }
          return out;
        }"""
    )
    assert broken == [], f"words broken across lines: {broken}"
    body = frame.locator("#log").inner_text()
    assert "annemarie.vandenberg-oosterhout@example.com" in body and "1:annemarie" not in body
    assert "SKU 60000001-XL-ANTRACIET" in body
    screenshot(page, "first-hour-activity-log")

    frame.get_by_role("link", name="Dashboard", exact=True).click()
    card = frame.locator("section.card", has_text="Webhooks")
    card.wait_for()
    dd = card.locator("dd").first.bounding_box()
    assert dd is not None and dd["width"] > 250  # the text is not crushed into a column
    screenshot(page, "first-hour-dashboard")
