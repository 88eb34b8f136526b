"""The demo wiring: the app points at the sandbox, and the sandbox at the app."""

from __future__ import annotations

from bcapp.demo import DEMO_STORE, build_sandbox, demo_config


def test_app_uses_the_sandbox_as_bigcommerce_on_another_origin() -> None:
    config = demo_config(5000)
    assert config["APP_URL"] == "http://localhost:5000"
    assert config["BC_LOGIN_URL"] == config["BC_API_URL"] == "http://127.0.0.1:5001"
    assert "http://127.0.0.1:5001" in config["FRAME_ANCESTORS"].split()
    assert len(config["BC_CLIENT_SECRET"]) >= 32


def test_demo_sandbox_waits_for_an_install() -> None:
    sandbox = build_sandbox(
        app_url="http://localhost:5000", client_id="cid", client_secret="s" * 32
    )
    store = sandbox.stores[DEMO_STORE]
    assert not store.installed and not store.tokens
    assert store.products and store.orders  # seeded, so the app has something to sync
    assert sandbox.allow_http_hooks and sandbox.app_url == "http://localhost:5000"
