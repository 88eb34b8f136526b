"""One Exact store for flow tests: a BigCommerce sandbox store and an Exact sandbox, wired in.

The flows run exactly as a worker runs them (``run_flow``): the app builds the
connector from the connection row, hands it ``ConnectionCredentials`` (tokens
encrypted in the row, refreshed under the Redis lock) and the division's call
budget lives in Redis under the test's key prefix. Both sandboxes run on frozen
clocks; the Exact connector is registered here with the Exact sandbox's clock
(:func:`clocked`), so its budget "sleeps" by moving that clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.connectors import CONNECTORS, registry
from bcapp.connectors.base import split_settings
from bcapp.connectors.exact import ExactConnector
from bcapp.connectors.exact.settings import SETTINGS_SCHEMA
from bcapp.extensions import db
from bcapp.models import Binding, Connection, LogEntry, Store, SyncRun, WebhookEvent
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.bigcommerce.catalog import create_product
from bcapp.sandbox.bigcommerce.checkout import create_order
from bcapp.sandbox.exact import ExactSandbox
from bcapp.sandbox.exact.seed import Division
from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT
from bcapp.sync.registry import load_flows
from bcapp.sync.runner import run_flow
from tests.conftest import CLIENT_ID, CLIENT_SECRET
from tests.connectors.factory_exact import START, settings, tokens

#: The domain of the sandbox app's redirect URL: Exact sends webhooks only there.
APP_URL = "https://bcapp.example"
BILLING = {
    "first_name": "Jan", "last_name": "de Vries", "street_1": "Keizersgracht 12",
    "city": "Amsterdam", "zip": "1015 CX", "country": "Netherlands", "country_iso2": "NL",
    "email": "jan@example.com", "phone": "+31201234567",
}  # fmt: skip


def clocked(sandbox: ExactSandbox, **fixed: Any) -> type[ExactConnector]:
    """ExactConnector on the sandbox's clock (and any other fixed keyword arguments)."""

    class ClockedExact(ExactConnector):
        def __init__(self, values: Mapping[str, Any], **kwargs: Any) -> None:
            kwargs.setdefault("clock", sandbox.clock.now)
            kwargs.setdefault("sleep", sandbox.advance)
            for name, value in fixed.items():
                kwargs.setdefault(name, value)
            super().__init__(values, **kwargs)

    return ClockedExact


@dataclass
class ExactWorld:
    """The app, both simulators and the shortcuts the tests share."""

    app: Any
    store: Store
    exact: ExactSandbox
    bc: BigCommerceSandbox
    bc_store: Any
    skus: dict[str, int] = field(default_factory=dict)

    @property
    def div(self) -> Division:
        return self.exact.division()

    @property
    def connection(self) -> Connection:
        return db.session.execute(
            db.select(Connection).filter_by(store_id=self.store.id)
        ).scalar_one()

    def product(self, sku: str, price: float = 10.0, *, stock: Any = 10) -> int:
        """An item in Exact and the same SKU in BigCommerce (what an order needs)."""
        self.div.add_item(sku, f"Item {sku}", price=str(price), stock=stock)
        body = {"name": f"Product {sku}", "type": "physical", "weight": 1, "price": price,
                "sku": sku}  # fmt: skip
        with self.bc.lock:
            self.skus[sku] = create_product(self.bc_store, body)["id"]
        return self.skus[sku]

    def order(self, *lines: tuple[str, int], **spec: Any) -> int:
        """A storefront order in an export status (Awaiting Fulfillment)."""
        body = {
            "lines": [{"product_id": self.skus[s], "quantity": q} for s, q in lines],
            "billing_address": {**BILLING, **spec.pop("billing", {})},
            **spec,
        }
        with self.bc.lock:
            return int(create_order(self.bc_store, body)["id"])

    def run(self, flow: str, **options: Any) -> SyncRun:
        run = run_flow(self.store.id, flow, **options)
        assert run is not None, f"{flow} did not run"
        return run

    def export(self, order_id: int) -> SyncRun:
        return self.run("order_export", order_id=order_id)

    def exact_orders(self, order_id: int) -> list[dict[str, Any]]:
        return self.div.find("SalesOrders", YourRef=str(order_id))

    def bc_order(self, order_id: int) -> dict[str, Any]:
        return dict(self.bc_store.orders[order_id])

    def log(self, entity: str = "order", outcome: str | None = None) -> list[LogEntry]:
        stmt = db.select(LogEntry).filter_by(store_id=self.store.id, entity=entity)
        if outcome:
            stmt = stmt.filter_by(outcome=outcome)
        return list(db.session.execute(stmt.order_by(LogEntry.id)).scalars())

    def bindings(self, entity: str) -> dict[str, str]:
        rows = db.session.execute(db.select(Binding).filter_by(entity=entity)).scalars()
        return {b.bc_id: b.erp_id for b in rows}

    def events(self) -> list[WebhookEvent]:
        stmt = db.select(WebhookEvent).filter_by(store_id=self.store.id)
        return list(db.session.execute(stmt.order_by(WebhookEvent.id)).scalars())


@contextmanager
def exact_world(
    app: Any,
    *,
    exact: ExactSandbox | None = None,
    store_settings: Mapping[str, Any] | None = None,
    connector_settings: Mapping[str, Any] | None = None,
    store_hash: str = "exactw1",
) -> Iterator[ExactWorld]:
    """Wire an Exact sandbox and a fresh BigCommerce sandbox store into ``app``."""
    load_flows()
    sandbox = exact or ExactSandbox(speed=0, start=START)
    bc = BigCommerceSandbox(CLIENT_ID, CLIENT_SECRET, clock=SandboxClock(speed=0))
    bc_store = bc.create_store(store_hash)
    app.config["APP_URL"] = APP_URL
    app.extensions[ERP_TRANSPORT] = sandbox.transport()
    app.extensions[BC_TRANSPORT] = bc.transport()
    app.extensions[BC_BUDGET] = LocalBudget(store_hash, clock=bc.clock.now, sleep=bc.clock.advance)
    previous = registry().get("exact")
    CONNECTORS["exact"] = clocked(sandbox)
    store = Store(store_hash=store_hash, access_token=bc_store.access_token,
                  settings=dict(store_settings or {}),
                  webhook_secret=secrets.token_urlsafe(16))  # fmt: skip
    db.session.add(store)
    db.session.flush()
    values = {**settings(sandbox, **(connector_settings or {})), **tokens(sandbox)}
    plain, secret = split_settings(SETTINGS_SCHEMA, values)
    db.session.add(Connection(store_id=store.id, kind="exact", settings=plain, secrets=secret))
    db.session.commit()
    try:
        yield ExactWorld(app, store, sandbox, bc, bc_store)
    finally:
        if previous is not None:
            CONNECTORS["exact"] = previous
