"""One AccountView store for flow tests: a BigCommerce sandbox store and an AccountView
sandbox, wired into the app exactly as a worker sees them.

The AccountView tokens sit in the connection's encrypted secrets (as after the connect
wizard) and the connector reaches them through the app's ConnectionCredentials (Redis
lock, durable writes). The AccountView sandbox's clock is set to the real time, so the
issued access token is fresh for the connector (which uses the real clock).
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import redis

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.connectors.accountview.settings import SETTINGS_SCHEMA
from bcapp.connectors.base import split_settings
from bcapp.extensions import db
from bcapp.mapping.rules import with_section
from bcapp.models import Binding, Connection, LogEntry, Store
from bcapp.sandbox.accountview import AccountViewSandbox
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.bigcommerce.catalog import create_product
from bcapp.sandbox.bigcommerce.checkout import create_order
from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT
from bcapp.sync.registry import load_flows
from bcapp.sync.runner import run_flow
from tests.conftest import CLIENT_ID, CLIENT_SECRET
from tests.connectors.factory_accountview import TOKEN_KEYS, settings

BILLING = {
    "first_name": "Jan",
    "last_name": "de Vries",
    "street_1": "Keizersgracht 12",
    "city": "Amsterdam",
    "zip": "1015 CX",
    "country": "Netherlands",
    "country_iso2": "NL",
    "email": "jan@example.com",
    "phone": "+31201234567",
}
FLOW_MODULES = {
    "catalog": "catalog",
    "order_export": "orders",
    "customer_export": "customers",
    "customers_from_erp": "customers_to_store",
    "webhooks": "webhooks",
}


def ensure_flows() -> None:
    """Register the flows even after another suite restored an older registry."""
    from bcapp.sync import registry

    load_flows()
    for name, module in FLOW_MODULES.items():
        if name not in registry.FLOWS:
            importlib.reload(importlib.import_module(f"bcapp.sync.{module}"))


@dataclass
class AccountViewWorld:
    """The app and both sandboxes, plus the shortcuts the tests share."""

    app: Any
    store: Store
    av: AccountViewSandbox
    bc: BigCommerceSandbox
    bc_store: Any
    products: dict[str, int] = field(default_factory=dict)

    # -- driving --------------------------------------------------------------------------

    def run(self, flow: str, **options: Any) -> Any:
        run = run_flow(self.store.id, flow, **options)
        assert run is not None, f"{flow} did not run"
        return run

    def export(self, order_id: int) -> Any:
        return self.run("order_export", order_id=order_id)

    def settings(self, section: str, **values: Any) -> None:
        self.store.settings = with_section(self.store.settings, section, values)
        db.session.commit()

    def connector_settings(self, **values: Any) -> None:
        connection = self.connection
        connection.settings = {**connection.settings, **values}
        db.session.commit()

    @property
    def connection(self) -> Connection:
        stmt = db.select(Connection).filter_by(store_id=self.store.id)
        return db.session.execute(stmt).scalar_one()

    def product(self, sku: str, price: float = 10.0, **article: Any) -> int:
        """A BigCommerce product and an AccountView article with the same code."""
        body = {
            "name": f"Product {sku}",
            "type": "physical",
            "weight": 1,
            "price": price,
            "sku": sku,
        }
        with self.bc.lock:
            made = create_product(self.bc_store, body)
        self.av.add_article(sku, f"Article {sku}", price=str(price), **article)
        self.products[sku] = made["id"]
        return int(made["id"])

    def order(self, *skus: str, **spec: Any) -> int:
        """A storefront order in an export status (Awaiting Fulfillment)."""
        lines = [{"product_id": self.products[s], "quantity": 1} for s in skus]
        body = {"lines": lines, "billing_address": {**BILLING, **spec.pop("billing", {})}, **spec}
        with self.bc.lock:
            return int(create_order(self.bc_store, body)["id"])

    # -- looking --------------------------------------------------------------------------

    def log(self, entity: str, outcome: str | None = None) -> list[LogEntry]:
        stmt = db.select(LogEntry).filter_by(store_id=self.store.id, entity=entity)
        if outcome:
            stmt = stmt.filter_by(outcome=outcome)
        return list(db.session.execute(stmt.order_by(LogEntry.id)).scalars())

    def bindings(self, entity: str) -> list[Binding]:
        stmt = db.select(Binding).filter_by(entity=entity).order_by(Binding.id)
        return list(db.session.execute(stmt).scalars())

    def av_writes(self, business_object: str | None = None) -> list[dict[str, Any]]:
        """The writes AccountView received (of one business object)."""
        return [
            r
            for r in self.av.requests
            if r["method"] == "POST"
            and r["path"].lower() == "accountviewdata"
            and (
                business_object is None
                or (r["body"] or {}).get("BusinessObject") == business_object
            )
        ]

    def bc_customers(self, email: str) -> list[dict[str, Any]]:
        return [c for c in self.bc_store.customers.values() if c["email"].lower() == email.lower()]


@contextmanager
def accountview_world(
    app: Any,
    redis_url: str,
    *,
    store_hash: str = "avshop",
    settings_: Mapping[str, Any] | None = None,
    connector: Mapping[str, Any] | None = None,
    bc_clock: SandboxClock | None = None,
) -> Iterator[AccountViewWorld]:
    """Wire a fresh AccountView sandbox and BigCommerce store into ``app``; clean up after."""
    ensure_flows()
    av = AccountViewSandbox()
    av.clock.now = datetime.now().replace(microsecond=0)
    bc = BigCommerceSandbox(CLIENT_ID, CLIENT_SECRET, clock=bc_clock or SandboxClock(speed=0))
    bc_store = bc.create_store(store_hash)
    # A store id of its own: run and order locks live in the Redis db every suite shares.
    store = Store(
        id=secrets.randbelow(10**9) + 10**6,
        store_hash=store_hash,
        access_token=bc_store.access_token,
        settings=dict(settings_ or {}),
        webhook_secret="hook-secret",
    )
    db.session.add(store)
    db.session.flush()
    tokens = av.issue_tokens()
    plain, secret = split_settings(SETTINGS_SCHEMA, settings(av, page_size=50, **(connector or {})))
    secret.update({k: tokens[k] for k in TOKEN_KEYS})
    db.session.add(
        Connection(store_id=store.id, kind="accountview", settings=plain, secrets=secret)
    )
    db.session.commit()
    app.extensions[ERP_TRANSPORT] = av.transport()
    app.extensions[BC_TRANSPORT] = bc.transport()
    app.extensions[BC_BUDGET] = LocalBudget(store_hash, clock=bc.clock.now, sleep=bc.clock.advance)
    yield AccountViewWorld(app, store, av, bc, bc_store)
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(f"bcapp:lock:*store-{store.id}:*"):
        client.delete(key)
