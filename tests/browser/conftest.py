"""Browser fixtures: Debian's Chromium driven by Playwright, the app framed cross-origin.

The app is served on ``localhost`` and the control panel on ``127.0.0.1`` — two
different sites, as BigCommerce's control panel and a self-hosted app are —
and Chromium runs with third-party cookies blocked, so anything that relied on
a cookie inside the iframe would fail here as it fails for merchants.
Screenshots go to ``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, base_config

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A WSGI app served from a thread on ``host:port``."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self.server = make_server(host, port, app, threaded=True)
        self.url = f"http://{host}:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture
def live_app_config(tmp_path: Path, ports: tuple[int, int]) -> dict[str, Any]:
    app_port, panel_port = ports
    return base_config(
        tmp_path,
        APP_URL=f"http://localhost:{app_port}",
        FRAME_ANCESTORS=f"http://127.0.0.1:{panel_port}",
    )


@pytest.fixture
def live_app(live_app_config: dict[str, Any], ports: tuple[int, int]) -> Iterator[Any]:
    """The app on http://localhost:PORT with its tables created."""
    from bcapp import create_app
    from bcapp.extensions import db

    app = create_app(live_app_config)
    with app.app_context():
        db.create_all()
    server = LiveServer(app, "localhost", ports[0])
    app.live_url = server.url
    yield app
    server.stop()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def afas(live_app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The AFAS sandbox as the live app's ERP (reached through its transport)."""
    from bcapp.connectors import CONNECTORS
    from bcapp.connectors.afas.connector import AfasConnector
    from bcapp.sandbox.afas import AfasSandbox

    sandbox = AfasSandbox()
    monkeypatch.setitem(CONNECTORS, "afas", AfasConnector)
    live_app.extensions["bcapp.erp_transport"] = sandbox.transport()
    return sandbox


@pytest.fixture
def standin_panel(live_app: Any, ports: tuple[int, int]) -> Iterator[str]:
    """The control-panel stand-in on http://127.0.0.1:PORT framing the app."""
    from bcapp.sandbox.standin import create_control_panel

    panel = create_control_panel(
        app_url=live_app.live_url,
        client_id=live_app.config["BC_CLIENT_ID"],
        client_secret=live_app.config["BC_CLIENT_SECRET"],
        app=live_app,
        store_hash="abc123",
    )
    server = LiveServer(panel, "127.0.0.1", ports[1])
    yield server.url
    server.stop()


def _block_third_party_cookies(user_data_dir: Path) -> None:
    default = user_data_dir / "Default"
    default.mkdir(parents=True, exist_ok=True)
    prefs = {"profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True}}
    (default / "Preferences").write_text(json.dumps(prefs))


@pytest.fixture
def page(chromium_path: str, tmp_path: Path) -> Iterator[Any]:
    """A Playwright page in Chromium with third-party cookies blocked."""
    from playwright.sync_api import sync_playwright

    user_data = tmp_path / "chromium-profile"
    _block_third_party_cookies(user_data)
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(user_data),
            executable_path=chromium_path,
            headless=True,
            args=CHROMIUM_ARGS,
        )
        try:
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
