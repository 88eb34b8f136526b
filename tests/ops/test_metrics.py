"""``/metrics``: guarded by METRICS_TOKEN, counting what a sync and a webhook storm did."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bcapp.extensions import db
from bcapp.jobs.queues import queue
from bcapp.models import WebhookEvent
from bcapp.sync.context import BC_TRANSPORT, ERP_TRANSPORT
from tests.conftest import base_config
from tests.orders.conftest import WORLD_CONFIG, World, deliver, drain

TOKEN = "scrape-token-123"


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, METRICS_TOKEN=TOKEN, **WORLD_CONFIG)


class Counting(httpx.BaseTransport):
    """Counts the requests that cross a transport (what the metrics must agree with)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.count = inner, 0
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:  # an AFAS scan sends pages from several threads: += alone loses some
            self.count += 1
        return self.inner.handle_request(request)


def scrape(client: Any) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of ``/metrics``: (name, sorted labels) → value."""
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def delta(before: dict[Any, float], after: dict[Any, float]) -> Callable[..., float]:
    def of(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    return of


def test_metrics_need_the_token(app: Any, tmp_path: Any) -> None:
    client = app.test_client()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and b"bcapp_" not in wrong.data
    app.config["METRICS_TOKEN"] = ""
    assert client.get("/metrics", headers={"Authorization": "Bearer "}).status_code == 404


def test_scrape_after_a_sync_and_a_webhook_storm_counts_right(world: World) -> None:
    bc = Counting(world.app.extensions[BC_TRANSPORT])
    erp = Counting(world.app.extensions[ERP_TRANSPORT])
    world.app.extensions[BC_TRANSPORT], world.app.extensions[ERP_TRANSPORT] = bc, erp
    client = world.app.test_client()
    world.run("webhooks")
    for n in range(4):
        world.afas.add_article(f"A{n}", f"Article A{n}", price="10")
    before = scrape(client)
    bc.count = erp.count = 0

    run = world.run("catalog")
    for n in range(5):
        world.product(f"SKU-{n}")
        world.order(f"SKU-{n}")
    attempts = deliver(world)
    refused = client.post("/webhooks/bigcommerce", data=b"{}", headers={"webhook-id": "x"})
    assert refused.status_code in (400, 401)
    stored = db.session.query(WebhookEvent).count()
    queue("orders").enqueue("builtins.len", "waiting")  # one job left waiting for the scrape
    after_intake = scrape(client)
    queue("orders").empty()  # the events wait in the hand-off list, not in the queue yet
    drain(world)
    after = scrape(client)

    d = delta(before, after_intake)
    assert attempts >= 5 and stored >= 5
    assert d("bcapp_webhook_deliveries_total", outcome="stored") == stored
    assert d("bcapp_webhook_deliveries_total", outcome=f"refused_{refused.status_code}") == 1
    assert d("bcapp_webhook_intake_seconds_count") == attempts + 1
    assert d("bcapp_runs_total", flow="catalog", outcome="succeeded") == 1
    assert d("bcapp_records_total", flow="catalog", outcome="created") == run.created > 0
    assert after_intake[("bcapp_queue_depth", (("queue", "orders"),))] >= 1
    assert after_intake[("bcapp_queue_oldest_job_age_seconds", (("queue", "orders"),))] >= 0

    total = delta(before, after)
    bc_requests = sum(
        total("bcapp_bigcommerce_requests_total", outcome=o) for o in ("2xx", "4xx", "429", "5xx")
    )
    assert bc_requests == bc.count > 0
    afas_requests = sum(
        v - before.get(k, 0.0)
        for k, v in after.items()
        if k[0] == "bcapp_erp_requests_total" and ("connector", "afas") in k[1]
    )
    assert afas_requests == erp.count > 0
    exports = total("bcapp_runs_total", flow="order_export", outcome="succeeded")
    assert exports == 5
    assert after[("bcapp_bigcommerce_rate_budget_remaining", ())] >= 0
    operations = {dict(k[1])["operation"] for k in after if k[0] == "bcapp_erp_requests_total"}
    # bounded: no record or division ids (business-object codes like AccountView's AR1 are fine)
    assert not [op for op in operations if re.search(r"\d{3,}|[0-9a-f]{8}-", op)], operations


def test_processes_are_summed_in_multiprocess_mode(tmp_path: Any) -> None:
    """Two worker processes count; a third (the web) exposes the sum."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = textwrap.dedent("""
        from bcapp import metrics
        metrics.observe_run("catalog", "succeeded", 1.5, {"created": 3})
    """)
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, check=True)
    show = "from bcapp import metrics; import sys; sys.stdout.write(metrics.exposition().decode())"
    text = subprocess.run(
        [sys.executable, "-c", show], env=env, check=True, capture_output=True, text=True
    ).stdout
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("bcapp_runs_total", (("flow", "catalog"), ("outcome", "succeeded")))] == 2
    assert samples[("bcapp_records_total", (("flow", "catalog"), ("outcome", "created")))] == 6
