"""Prometheus metrics: what an operator watches, counted where it happens.

Every metric is declared here, with bounded labels only: flows, outcomes,
connector kinds, ERP operations (the vendor's resource or SOAP operation names,
never an id) and queue names. No store, order or customer id is ever a label:
a hundred stores would make a hundred series per metric.

Processes: gunicorn runs several web processes and RQ forks a child per job,
so each counts on its own. With ``PROMETHEUS_MULTIPROC_DIR`` set (before the
processes start) prometheus_client writes every value to files in that
directory and :func:`exposition` sums them across processes; without it each
process exposes its own counts (the demo, tests). Queue depth and oldest-job age
are not counted but read from Redis when ``/metrics`` is scraped
(:class:`QueueCollector`, registered by the web layer).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST
#: The environment variable prometheus_client itself reads (declared in Settings too).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
FAST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
RUN_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

WEBHOOK_DELIVERIES = Counter(
    "bcapp_webhook_deliveries_total",
    "Webhook deliveries at the intake, by outcome (stored, duplicate, refused_<status>)",
    ["outcome"],
)
WEBHOOK_INTAKE_SECONDS = Histogram(
    "bcapp_webhook_intake_seconds", "Time the intake took to answer a delivery",
    buckets=FAST_BUCKETS,
)  # fmt: skip
RUNS = Counter("bcapp_runs_total", "Sync runs finished, by flow and outcome", ["flow", "outcome"])
RUN_SECONDS = Histogram(
    "bcapp_run_duration_seconds", "Duration of sync runs, by flow and outcome",
    ["flow", "outcome"], buckets=RUN_BUCKETS,
)  # fmt: skip
RECORDS = Counter(
    "bcapp_records_total",
    "Records handled by sync runs, by flow and outcome (created, updated, unchanged, ...)",
    ["flow", "outcome"],
)
ERP_REQUESTS = Counter(
    "bcapp_erp_requests_total",
    "Requests to an ERP, by connector, operation and outcome (2xx, 4xx, 5xx, error)",
    ["connector", "operation", "outcome"],
)
ERP_SECONDS = Histogram(
    "bcapp_erp_request_seconds", "Latency of ERP requests, by connector and operation",
    ["connector", "operation"], buckets=FAST_BUCKETS,
)  # fmt: skip
BC_REQUESTS = Counter(
    "bcapp_bigcommerce_requests_total",
    "Requests to the BigCommerce API, by outcome (2xx, 4xx, 429, 5xx, error)",
    ["outcome"],
)
BC_THROTTLED = Counter("bcapp_bigcommerce_429_total", "BigCommerce answers 429 Too Many Requests")
BC_BUDGET_REMAINING = Gauge(
    "bcapp_bigcommerce_rate_budget_remaining",
    "Requests left in the current BigCommerce rate window, as last seen (lowest live process)",
    multiprocess_mode="livemin",
)
ALERTS_SENT = Counter(
    "bcapp_alerts_sent_total", "Failure digests sent, by channel (email, webhook)", ["channel"]
)

_ID_LIKE = re.compile(r"\d|^[0-9a-f-]{16,}$", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def status_outcome(status: int | None) -> str:
    """A status code as a bounded outcome label: "2xx", "4xx", "429", "5xx" or "error"."""
    if status is None:
        return "error"
    if status == 429:
        return "429"
    return f"{status // 100}xx"


def operation_of(method: str, path: str) -> str:
    """A bounded name for a REST request: its method and last resource name, ids dropped.

    ``/connectors/Profit_Salesorders?skip=0`` → ``GET Profit_Salesorders``;
    ``/api/v1/123/salesorder/SalesOrders(guid'…')`` → ``POST SalesOrders``.
    """
    resource = "-"
    for segment in reversed(path.split("?", 1)[0].split("/")):
        word = _WORD.match(segment.split("(", 1)[0])
        if word and not _ID_LIKE.search(word.group()):
            resource = word.group()[:48]
            break
    return f"{method.upper()} {resource}"


def observe_erp(connector: str, operation: str, status: int | None, seconds: float) -> None:
    """Count one ERP request (``status`` None: it never got an answer)."""
    ERP_REQUESTS.labels(connector, operation, status_outcome(status)).inc()
    ERP_SECONDS.labels(connector, operation).observe(seconds)


def observe_bigcommerce(status: int | None, remaining: int | None) -> None:
    """Count one BigCommerce request and the quota its answer says is left."""
    BC_REQUESTS.labels(status_outcome(status)).inc()
    if status == 429:
        BC_THROTTLED.inc()
    if remaining is not None:
        BC_BUDGET_REMAINING.set(remaining)


def observe_run(flow: str, outcome: str, seconds: float | None, records: dict[str, int]) -> None:
    """Count a finished run, its duration and the records it handled by outcome."""
    RUNS.labels(flow, outcome).inc()
    if seconds is not None:
        RUN_SECONDS.labels(flow, outcome).observe(max(seconds, 0.0))
    for name, count in records.items():
        if count:
            RECORDS.labels(flow, name).inc(count)


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


class QueueCollector(Collector):
    """Queue depth and the age of the oldest waiting job per queue, read at scrape time.

    ``read`` returns ``(queue, depth, oldest_age_seconds)`` per queue; it runs on
    every scrape, so a stale figure is never exposed. A Redis that does not answer
    leaves both metrics out of that scrape (the absence is what alerts then see).
    """

    def __init__(self, read: Callable[[], Iterable[tuple[str, int, float]]]) -> None:
        self.read = read

    def collect(self) -> Iterator[Any]:
        depth = GaugeMetricFamily(
            "bcapp_queue_depth", "Jobs waiting in each queue", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "bcapp_queue_oldest_job_age_seconds",
            "Seconds the oldest waiting job of each queue has waited",
            labels=["queue"],
        )
        try:
            rows = list(self.read())
        except Exception:  # Redis down: no queue figures this scrape, /metrics still answers
            return
        for name, count, age in rows:
            depth.add_metric([name], count)
            oldest.add_metric([name], age)
        yield depth
        yield oldest


def multiprocess_dir() -> str:
    """The directory of multiprocess mode, or "" when each process counts alone."""
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or ""


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """Every metric in the text format: summed across processes in multiprocess mode."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry(auto_describe=True)
        registry.register(_Default())
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)


class _Default(Collector):
    """This process's own metrics (the default registry) inside a per-scrape registry."""

    def collect(self) -> Iterator[Any]:
        yield from REGISTRY.collect()


def mark_process_dead(pid: int) -> None:
    """Drop a dead process's live gauges (gunicorn's ``child_exit``, the worker pool's reaper)."""
    if multiprocess_dir() and pid:
        multiprocess.mark_process_dead(pid)
