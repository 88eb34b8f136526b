"""Point 9 of issue 21: the demo's first test order exports (its test orders use articles the
ERP sandbox has, with an unknown SKU as an option); CLI commands find the demo's state."""

from __future__ import annotations

import json
import os
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from bcapp.cli import build_cli
from bcapp.extensions import db
from bcapp.models import Connection, LogEntry, RunStatus, Store
from bcapp.sync.context import BC_TRANSPORT, ERP_TRANSPORT
from bcapp.sync.runner import run_flow
from tests.firsthour.test_cli import BARE


def test_the_demos_first_test_order_exports(app: Any, redis_url: str) -> None:
    from bcapp.connectors.afas.settings import SETTINGS_SCHEMA
    from bcapp.connectors.base import split_settings
    from bcapp.demo import DEMO_STORE, build_sandbox, erp_sandboxes, sandbox_hosts
    from bcapp.sandbox.bigcommerce.seed import NoErpProducts, test_order

    app.config["ERP_ALLOWED_HOSTS"] = sandbox_hosts(5000)  # as the demo's configuration has it
    afas_app, settings = erp_sandboxes(5000)["afas"]
    bc = build_sandbox(app_url="http://localhost:5000", client_id=app.config["BC_CLIENT_ID"],
                       client_secret=app.config["BC_CLIENT_SECRET"])  # fmt: skip
    shop = bc.stores[DEMO_STORE]
    shop.installed = True
    token = shop.issue_token(bc.client_id)
    app.extensions[BC_TRANSPORT] = bc.transport()
    app.extensions[ERP_TRANSPORT] = httpx.WSGITransport(app=afas_app)
    store = Store(store_hash=DEMO_STORE, access_token=token, settings={})
    db.session.add(store)
    db.session.flush()
    plain, secret = split_settings(SETTINGS_SCHEMA, settings)
    db.session.add(Connection(store_id=store.id, kind="afas", settings=plain, secrets=secret))
    db.session.commit()

    with pytest.raises(NoErpProducts):  # before the catalog sync the store has none
        test_order(shop)
    assert run_flow(store.id, "catalog").status == RunStatus.SUCCEEDED
    for _ in range(3):  # the first test orders all take the happy path
        order = test_order(shop)
        run = run_flow(store.id, "order_export", order_id=order["id"])
        assert run.status == RunStatus.SUCCEEDED and run.created >= 1, run.message
        assert run.failed == 0, run.message
    unknown = test_order(shop, unknown_sku=True)  # the option: a SKU the ERP lacks
    run = run_flow(store.id, "order_export", order_id=unknown["id"])
    logged = db.session.execute(db.select(LogEntry).filter_by(run_id=run.id)).scalars()
    assert run.failed == 1 and "SKU-" in " ".join(e.message for e in logged)


def test_cli_commands_find_the_running_demos_state(tmp_path: Any, monkeypatch: Any) -> None:
    import bcapp.cli as cli
    from bcapp.demo import write_state

    state = tmp_path / "demo.json"
    monkeypatch.setattr(cli, "demo_state_path", lambda: state)
    config = {"BCAPP_ENV": "demo", "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite",
              "INSTANCE_PATH": str(tmp_path), "BC_CLIENT_ID": "demo"}  # fmt: skip
    write_state(config, state)
    assert json.loads(state.read_text())["pid"] == os.getpid()
    runner = CliRunner()
    result = runner.invoke(build_cli(), ["db", "upgrade"], env=BARE)
    assert result.exit_code == 0, result.output
    result = runner.invoke(build_cli(), ["purge-logs"], env=BARE)
    assert result.exit_code == 0 and "purged 0 log entries" in result.output
    assert "Using the running demo's state" in result.output
    assert (tmp_path / "demo.sqlite").exists()


def test_demo_offers_accountview_and_exact_whose_sign_in_calls_the_app_back():
    from bcapp.demo import erp_sandboxes, sandbox_hosts

    sandboxes = erp_sandboxes(5000)
    assert {"afas", "mplus", "accountview", "exact"} <= set(sandboxes)
    assert "127.0.0.1:5004" in sandbox_hosts(5000) and "127.0.0.1:5005" in sandbox_hosts(5000)

    av_app, av = sandboxes["accountview"]
    callback = "http://localhost:5000/app/connect/accountview/callback"
    query = {"response_type": "code", "client_id": av["client_id"], "redirect_uri": callback,
             "state": "s"}  # fmt: skip
    with httpx.Client(transport=httpx.WSGITransport(app=av_app), base_url=av["base_url"]) as c:
        consent = c.get("/ams/authorize.aspx", params=query)
    assert consent.status_code == 302
    assert consent.headers["location"].startswith(callback + "?code=")

    exact_app, ex = sandboxes["exact"]
    assert ex["redirect_uri"] == "http://localhost:5000/app/connect/exact/callback"
    query = {"response_type": "code", "client_id": ex["client_id"],
             "redirect_uri": ex["redirect_uri"], "state": "s"}  # fmt: skip
    with httpx.Client(transport=httpx.WSGITransport(app=exact_app), base_url="http://x") as c:
        consent = c.get("/api/oauth2/auth", params=query)
    assert consent.status_code in (302, 303)
    assert consent.headers["location"].startswith(ex["redirect_uri"] + "?code=")
