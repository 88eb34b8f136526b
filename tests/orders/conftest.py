"""A store wired to the BigCommerce sandbox and the AFAS sandbox, both through httpx transports.

``world`` gives a test the app, both simulators and helpers to place orders and
run flows exactly as a worker would (``run_flow``), so what is checked is the
order that ends up in the AFAS sandbox's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.connectors.afas.settings import SETTINGS_SCHEMA
from bcapp.connectors.base import split_settings
from bcapp.extensions import db
from bcapp.models import Binding, Connection, LogEntry, Store, WebhookEvent
from bcapp.sandbox.afas import AfasSandbox
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.bigcommerce.catalog import create_product
from bcapp.sandbox.bigcommerce.checkout import create_order
from bcapp.sync.context import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT
from bcapp.sync.registry import load_flows
from bcapp.sync.runner import run_flow
from tests.conftest import CLIENT_ID, CLIENT_SECRET, base_config, clear_redis

STORE_HASH = "ord3rs"
WORLD_CONFIG = {
    "ORDER_LOCK_TTL": 5,
    "ORDER_LOCK_WAIT": 5,
    "BC_API_URL": "https://api.bigcommerce.com",
    "APP_URL": "https://app.example.com",
    "EVENT_RETRY_INTERVALS": [1, 1, 1, 1, 1, 1, 1, 1],
}
BILLING = {
    "first_name": "Jan", "last_name": "de Vries", "street_1": "Keizersgracht 12",
    "city": "Amsterdam", "zip": "1015 CX", "country": "Netherlands", "country_iso2": "NL",
    "email": "jan@example.com", "phone": "+31201234567",
}  # fmt: skip


@dataclass
class World:
    """The app and both simulators, plus shortcuts the tests share."""

    app: Any
    bc: BigCommerceSandbox
    bc_store: Any
    afas: AfasSandbox
    store: Store
    skus: dict[str, int]

    def product(self, sku: str, price: float = 10.0, *, digital: bool = False) -> int:
        """A product in BigCommerce and an article with the same code in AFAS."""
        body = {"name": f"Product {sku}", "type": "digital" if digital else "physical",
                "weight": 1, "price": price, "sku": sku}  # fmt: skip
        with self.bc.lock:
            product = create_product(self.bc_store, body)
        self.afas.add_article(sku, f"Article {sku}", price=str(price))
        self.skus[sku] = product["id"]
        return product["id"]

    def order(self, *skus: str, **spec: Any) -> int:
        """Place a storefront order (fires store/order/created like a checkout)."""
        lines = spec.pop("lines", None) or [
            {"product_id": self.skus[s], "quantity": 1} for s in skus
        ]
        body = {"lines": lines, "billing_address": {**BILLING, **spec.pop("billing", {})}, **spec}
        with self.bc.lock:
            return create_order(self.bc_store, body)["id"]

    def bc_order(self, order_id: int) -> dict[str, Any]:
        return self.bc_store.orders[order_id]

    def set_status(self, order_id: int, status_id: int) -> None:
        from bcapp.sandbox.bigcommerce.orders import set_status

        with self.bc.lock:
            set_status(self.bc_store, self.bc_store.orders[order_id], status_id)

    def run(self, flow: str, **options: Any) -> Any:
        return run_flow(self.store.id, flow, **options)

    def export(self, order_id: int, **options: Any) -> Any:
        return self.run("order_export", order_id=order_id, **options)

    def erp_orders(self, order_id: int | None = None) -> list[dict[str, Any]]:
        rows = list(self.afas.tables.orders.values())
        if order_id is None:
            return rows
        return [r for r in rows if r.get("CustomerReference") == str(order_id)]

    def bindings(self, entity: str) -> list[Binding]:
        return list(db.session.execute(db.select(Binding).filter_by(entity=entity)).scalars())

    def log(self, entity: str = "order", outcome: str | None = None) -> list[LogEntry]:
        stmt = db.select(LogEntry).filter_by(store_id=self.store.id, entity=entity)
        if outcome:
            stmt = stmt.filter_by(outcome=outcome)
        return list(db.session.execute(stmt.order_by(LogEntry.id)).scalars())

    def settings(self, section: str, **values: Any) -> None:
        from bcapp.mapping.rules import with_section

        self.store.settings = with_section(self.store.settings, section, values)
        db.session.commit()

    def events(self) -> list[WebhookEvent]:
        return list(db.session.execute(db.select(WebhookEvent).order_by(WebhookEvent.id)).scalars())


@pytest.fixture
def queue_prefix() -> str:
    return f"test-orders-{uuid.uuid4().hex[:8]}-"


@pytest.fixture
def app_config(tmp_path: Any, queue_prefix: str) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


def build_world(app: Any, *, clock: SandboxClock | None = None) -> World:
    """Both simulators, a store that installed the app and an AFAS connection."""
    load_flows()
    bc = BigCommerceSandbox(CLIENT_ID, CLIENT_SECRET, clock=clock or SandboxClock(speed=0))
    bc_store = bc.create_store(STORE_HASH)
    afas = AfasSandbox()
    app.extensions[BC_TRANSPORT] = bc.transport()
    app.extensions[ERP_TRANSPORT] = afas.transport()
    # The budget runs on the sandbox's clock: a short 429 wait advances it instead of sleeping.
    app.extensions[BC_BUDGET] = LocalBudget(STORE_HASH, clock=bc.clock.now, sleep=bc.clock.advance)
    store = Store(store_hash=STORE_HASH, access_token=bc_store.access_token, settings={},
                  webhook_secret="hook-secret")  # fmt: skip
    db.session.add(store)
    db.session.flush()
    plain, secret = split_settings(SETTINGS_SCHEMA, afas.settings())
    db.session.add(Connection(store_id=store.id, kind="afas", settings=plain, secrets=secret))
    db.session.commit()
    return World(app, bc, bc_store, afas, store, {})


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[World]:
    w = build_world(app)
    clear_redis(app)
    yield w
    clear_redis(app)


def drain(world: World, *, rounds: int = 20) -> int:
    """Run every queued job in this process, as an orders worker would: first the event ids
    the intake handed over (``WEBHOOK_HANDOFF=list``) become jobs, and scheduled retries are
    due at once. Returns jobs run."""
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from bcapp.jobs.queues import queue
    from bcapp.jobs.worker import AppSimpleWorker, dispatch_pending

    ran = 0
    for _ in range(rounds):
        dispatch_pending(world.app)
        q = queue("orders")
        scheduled = ScheduledJobRegistry(queue=q)
        for jid in scheduled.get_job_ids():
            scheduled.remove(jid)
            q.enqueue_job(Job.fetch(jid, connection=q.connection))
        if not q.count:
            return ran
        ran += q.count
        AppSimpleWorker([q], connection=q.connection).work(burst=True)
    return ran


def deliver(world: World, transport: Any = None) -> int:
    """BigCommerce posts every due webhook delivery to our intake (in-process WSGI)."""
    import httpx

    return world.bc.deliver_webhooks(transport or httpx.WSGITransport(app=world.app))
