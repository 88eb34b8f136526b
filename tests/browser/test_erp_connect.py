"""Connect AccountView in Chromium, the app framed cross-origin as BigCommerce frames it.

The vendor's sign-in cannot be framed, so "Connect AccountView" opens a new window: the
AccountView sandbox's authorize page (served on its own port, as in the demo), which
sends the window back to the app's callback; that page hands over to the app's window,
which shows the company picker, and closes itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, free_port, screenshot
from tests.browser.test_ui_app import app_frame, choose_erp, db_do
from tests.conftest import base_config

pytestmark = pytest.mark.browser

AV_PORT = free_port()


@pytest.fixture
def live_app_config(tmp_path: Path, ports: tuple[int, int]) -> dict[str, Any]:
    app_port, panel_port = ports
    return base_config(
        tmp_path,
        APP_URL=f"http://localhost:{app_port}",
        FRAME_ANCESTORS=f"http://127.0.0.1:{panel_port}",
        ERP_ALLOWED_HOSTS=f"127.0.0.1:{AV_PORT}",
    )


@pytest.fixture
def accountview(live_app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from bcapp.connectors import CONNECTORS
    from bcapp.connectors.accountview.connector import AccountViewConnector
    from bcapp.sandbox.accountview import AccountViewSandbox

    sandbox = AccountViewSandbox(
        companies=(("SHOP", "Webshop BV"), ("HOLD", "Holding BV")),
        base_url=f"http://127.0.0.1:{AV_PORT}",
        redirect_uris=(f"{live_app.live_url}/app/connect/accountview/callback",),
    )
    monkeypatch.setitem(CONNECTORS, "accountview", AccountViewConnector)
    live_app.extensions["bcapp.erp_transport"] = sandbox.transport()
    server = LiveServer(sandbox.wsgi_app, "127.0.0.1", AV_PORT)
    yield sandbox
    server.stop()


def test_connect_accountview_in_a_new_window_then_pick_the_company(
    page, standin_panel, live_app, accountview
):
    page.goto(standin_panel)
    frame = app_frame(page)
    choose_erp(frame, "accountview")
    frame.get_by_label("Client ID").fill(accountview.oauth.client_id)
    frame.get_by_label("Client secret").fill(accountview.oauth.client_secret)
    frame.get_by_label("AccountView.net address").fill(accountview.base_url)
    frame.get_by_role("button", name="Save and continue").click()

    connect = frame.get_by_role("link", name="Connect AccountView")
    connect.wait_for()
    with page.context.expect_page() as opened:
        connect.click()
    popup = opened.value
    popup.wait_for_load_state()
    assert "/app/connect/accountview/" in popup.url or "authorize" in popup.url

    frame.get_by_role("heading", name="Choose the AccountView company").wait_for()
    popup.wait_for_event("close", timeout=10_000)  # the sign-in window closed itself
    screenshot(page, "connect-accountview-picker")
    frame.get_by_label("Holding BV (HOLD)").check()
    frame.get_by_role("button", name="Use this company").click()
    frame.get_by_role("heading", name="Flows").wait_for()

    def saved(db: Any) -> Any:
        from bcapp.models import Connection

        row = db.session.execute(db.select(Connection)).scalar_one()
        return row.settings.get("company_name"), bool(row.secrets.get("refresh_token"))

    assert db_do(live_app, saved) == ("Holding BV (HOLD)", True)
