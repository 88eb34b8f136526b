"""Logs: set up by the entry points, JSON lines carrying what they concern, never a secret."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import httpx
import pytest

from bcapp import create_app, logs
from bcapp.sandbox.bigcommerce.control_panel import install_url
from tests.conftest import CLIENT_SECRET, base_config
from tests.orders.conftest import WORLD_CONFIG, World, deliver, drain


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


@pytest.fixture
def json_lines() -> Any:
    """The root logger writing JSON lines to a buffer at DEBUG (as LOG_FORMAT=json would)."""
    buffer = io.StringIO()
    root = logging.getLogger()
    previous = root.level
    handler = logs.configure_logging(level="DEBUG", fmt="json", stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_create_app_leaves_logging_to_the_entry_points(tmp_path: Any) -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    create_app(base_config(tmp_path))
    assert root.handlers == before


def test_text_lines_name_the_context_and_json_lines_carry_it() -> None:
    record = logging.makeLogRecord({"msg": "order %s exported", "args": (7,), "levelno": 20,
                                    "levelname": "INFO", "name": "bcapp.sync"})  # fmt: skip
    with logs.bound(store_hash="abc123", run_id=42, flow="order_export"):
        logs.ContextFilter().filter(record)
    assert logs.context() == {}  # gone once the block ends
    text = logs.TextFormatter().format(record)
    assert text.endswith("order 7 exported [store_hash=abc123 run_id=42 flow=order_export]")
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "order 7 exported"
    assert (line["store_hash"], line["run_id"], line["flow"]) == ("abc123", 42, "order_export")
    assert "job_id" not in line


def test_a_sync_run_logs_json_lines_with_its_store_run_and_flow(
    world: World, json_lines: Any
) -> None:
    world.afas.add_article("A1", "Article A1", price="10")
    world.store.setup_pending = False
    run = world.run("catalog")
    logging.getLogger("bcapp.sync.test").info("inside nothing")
    lines = json_lines()
    inside = [x for x in lines if x.get("run_id") == run.id]
    assert inside, lines
    assert {x["store_hash"] for x in inside} == {world.store.store_hash}
    assert {x["flow"] for x in inside} == {"catalog"}
    assert "run_id" not in lines[-1]  # the context ends with the run


def test_webhook_intake_and_event_jobs_carry_webhook_and_job_ids(
    world: World, json_lines: Any
) -> None:
    world.run("webhooks")
    world.product("SKU-1")
    world.order("SKU-1")
    deliver(world)
    drain(world)
    lines = json_lines()
    in_jobs = [x for x in lines if x.get("job_id") and x.get("webhook_id")]
    assert in_jobs, "no line inside an event job carries its job and webhook ids"
    assert all(x["store_hash"] == world.store.store_hash for x in in_jobs if "store_hash" in x)


def test_no_secret_in_the_logs_of_an_install_a_sync_and_an_order(
    world: World, json_lines: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Everything logged at DEBUG while a store installs, syncs and exports an order."""
    caplog.set_level(logging.DEBUG)
    world.bc.app_url = world.app.config["APP_URL"]
    world.app.extensions["bcapp.login_transport"] = httpx.WSGITransport(app=world.bc.wsgi_app)
    client = world.app.test_client()
    url = httpx.URL(install_url(world.bc, world.bc_store, 1))
    assert client.get(url.path, query_string=url.query.decode()).status_code == 200
    world.run("webhooks")
    world.product("SKU-1")
    world.run("catalog")
    world.order("SKU-1")
    deliver(world)
    drain(world)
    assert world.erp_orders(), "the order was not exported: the test saw too little"

    captured = caplog.text + "\n".join(json.dumps(x) for x in json_lines())
    assert len(caplog.records) > 20
    secrets = {
        "client secret": CLIENT_SECRET,
        "access token": world.bc_store.access_token,
        "ERP token": world.afas.token,
        "hook secret": "hook-secret",
    }
    leaked = [name for name, value in secrets.items() if value and value in captured]
    assert leaked == []
