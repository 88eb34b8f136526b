"""BigCommerce → MplusKASSA order export through the real orders flow (both sandboxes over WSGI).

What a merchant of an Mplus shop notices: a paid store order appears once in
Mplus (booked on the web employee, on the customer's relation, with the right
article numbers, including the number the catalog flow gave a letter SKU), an
order Mplus cannot take lands in the log naming the SKU to fix, and a
customer is never booked on a relation whose e-mail only resembles theirs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from bcapp.connectors.mplus.settings import WEB_EMPLOYEE
from bcapp.extensions import db
from bcapp.mapping.rules import with_section
from bcapp.models import Binding, LogEntry, RunStatus, Store
from bcapp.sandbox.bigcommerce import BigCommerceSandbox
from bcapp.sandbox.bigcommerce.catalog import create_product
from bcapp.sandbox.bigcommerce.checkout import create_order
from bcapp.sandbox.mplus import MplusSandbox, MplusState
from bcapp.sync.registry import load_flows
from bcapp.sync.runner import run_flow
from tests.mplus.world import mplus_world

STORE_HASH = "mplusord"
CREDENTIALS = {"ident": "order-ident", "secret": "order-secret"}
BILLING = {
    "first_name": "Jan", "last_name": "de Vries", "street_1": "Keizersgracht 12",
    "city": "Amsterdam", "zip": "1015 CX", "country": "Netherlands", "country_iso2": "NL",
    "email": "jan@example.com", "phone": "+31201234567",
}  # fmt: skip


def ensure_flows() -> None:
    """Register the order and catalog flows even after another suite restored an older registry."""
    from bcapp.sync import registry

    load_flows()
    for name, module in (("order_export", "orders"), ("catalog", "catalog")):
        if name not in registry.FLOWS:
            importlib.reload(importlib.import_module(f"bcapp.sync.{module}"))


@dataclass
class Shop:
    """A store wired to both sandboxes, plus the shortcuts the tests share."""

    store: Store
    bc: BigCommerceSandbox
    bc_store: Any
    mplus: MplusSandbox
    products: dict[str, int]

    @property
    def state(self) -> MplusState:
        return self.mplus.state

    def product(self, sku: str, price: float = 10.0, *, article: int | None = None) -> int:
        """A BigCommerce product; ``article``: Mplus already has that article number."""
        body = {"name": f"Product {sku}", "type": "physical", "weight": 1, "price": price,
                "sku": sku}  # fmt: skip
        with self.bc.lock:
            made = create_product(self.bc_store, body)
        if article is not None:
            cents = round(price * 100)
            self.state.add_product(
                [{"articleNumber": article, "description": f"Article {sku}", "priceIncl": cents}]
            )
        self.products[sku] = made["id"]
        return made["id"]

    def order(self, *skus: str, **spec: Any) -> int:
        """A storefront order in an export status (Awaiting Fulfillment)."""
        lines = [{"product_id": self.products[s], "quantity": 1} for s in skus]
        body = {"lines": lines, "billing_address": {**BILLING, **spec.pop("billing", {})}, **spec}
        with self.bc.lock:
            return create_order(self.bc_store, body)["id"]

    def run(self, flow: str, **options: Any) -> Any:
        run = run_flow(self.store.id, flow, **options)
        assert run is not None, f"{flow} did not run"
        return run

    def export(self, order_id: int) -> Any:
        return self.run("order_export", order_id=order_id)

    def mplus_orders(self, order_id: int) -> list[dict[str, Any]]:
        return [o for o in self.state.orders.values() if o.get("extOrderId") == str(order_id)]

    def log(self, entity: str = "order", outcome: str | None = None) -> list[LogEntry]:
        stmt = db.select(LogEntry).filter_by(store_id=self.store.id, entity=entity)
        if outcome:
            stmt = stmt.filter_by(outcome=outcome)
        return list(db.session.execute(stmt.order_by(LogEntry.id)).scalars())

    def bindings(self, entity: str) -> dict[str, str]:
        rows = db.session.execute(db.select(Binding).filter_by(entity=entity)).scalars()
        return {b.bc_id: b.erp_id for b in rows}


@pytest.fixture
def shop(app: Any, redis_url: str) -> Iterator[Shop]:
    ensure_flows()
    with mplus_world(
        app, redis_url, MplusSandbox(MplusState(**CREDENTIALS), sleep=lambda s: None),
        store_hash=STORE_HASH, credentials=CREDENTIALS,
        settings=with_section({}, "catalog", {"direction": "store_to_erp"}),
    ) as world:  # fmt: skip
        yield Shop(world.store, world.bc, world.bc_store, world.mplus, {})


def test_numeric_sku_order_reaches_mplus_once_on_the_web_employee(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    order_id = shop.order("1001")

    run = shop.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    [order] = shop.mplus_orders(order_id)
    assert [line["articleNumber"] for line in order["lineList"]["line"]] == [1001]
    assert order["employeeNumber"] == WEB_EMPLOYEE
    [relation] = [r for r in shop.state.relations.values() if r.get("email") == "jan@example.com"]
    assert order["relationNumber"] == relation["relationNumber"]
    assert shop.bindings("order") == {str(order_id): order["orderId"]}
    assert shop.bc_store.orders[order_id]["status_id"] == 9  # Awaiting Shipment

    again = shop.export(order_id)
    reconcile = shop.run("orders")
    assert again.status == reconcile.status == RunStatus.SUCCEEDED
    assert len(shop.mplus_orders(order_id)) == 1
    assert len(shop.state.relations) == 1


def test_order_mplus_already_has_is_bound_not_created_again(shop: Shop) -> None:
    """A worker that died between Mplus's createOrder and our binding: findOrder recovers it."""
    shop.product("1001", article=1001)
    order_id = shop.order("1001")
    shop.export(order_id)
    db.session.execute(db.delete(Binding).filter_by(entity="order"))
    db.session.commit()
    with shop.bc.lock:  # it died before the status write-back, too
        shop.bc_store.orders[order_id]["status_id"] = 11

    run = shop.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    [order] = shop.mplus_orders(order_id)
    assert shop.bindings("order") == {str(order_id): order["orderId"]}
    assert "Found in the ERP" in shop.log()[-1].message


def test_letter_sku_order_uses_the_number_the_catalog_flow_bound(shop: Shop) -> None:
    shop.product("MUG-RED", 12.5)
    catalog = shop.run("catalog")  # the store leads: the product goes to Mplus with a number
    assert catalog.status == RunStatus.SUCCEEDED, catalog.message
    number = int(shop.bindings("article_number")["MUG-RED"])
    assert number in shop.state.article_index
    order_id = shop.order("MUG-RED")

    run = shop.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    [order] = shop.mplus_orders(order_id)
    assert [line["articleNumber"] for line in order["lineList"]["line"]] == [number]


def test_unknown_sku_is_an_import_error_naming_it(shop: Shop) -> None:
    shop.product("1001", article=1001)
    shop.product("LAMP-X")  # never sent to Mplus: no article number bound
    order_id = shop.order("1001", "LAMP-X")

    shop.export(order_id)

    assert shop.mplus_orders(order_id) == []
    [failed] = shop.log(outcome="failed")
    assert "LAMP-X" in failed.message and failed.bc_id == str(order_id)
    assert shop.bc_store.orders[order_id]["status_id"] == 12  # the merchant's error status
    assert "order" not in {e.entity for e in shop.log(outcome="created")}


def test_relation_is_matched_by_exact_email_never_partially(shop: Shop) -> None:
    shop.product("1001", article=1001)
    marjan = shop.state.add_relation(name="Marjan Bakker", email="marjan@example.com")
    anna = shop.state.add_relation(name="Anna de Vries", email="anna@example.com")
    jans = shop.order("1001")  # jan@example.com is inside marjan@example.com
    annas = shop.order("1001", billing={"email": "Anna@Example.com", "first_name": "Anna"})

    for order_id in (jans, annas):
        assert shop.export(order_id).status == RunStatus.SUCCEEDED

    [jan] = [r for r in shop.state.relations.values() if r.get("email") == "jan@example.com"]
    assert jan["relationNumber"] not in (marjan, anna)
    assert shop.mplus_orders(jans)[0]["relationNumber"] == jan["relationNumber"]
    assert shop.mplus_orders(annas)[0]["relationNumber"] == anna
    assert len(shop.state.relations) == 3


def test_numeric_sku_mplus_lacks_is_an_import_error_in_mplus_words(shop: Shop) -> None:
    shop.product("5555")  # numeric, so it is its own article number; Mplus has no such article
    order_id = shop.order("5555")

    shop.export(order_id)

    assert shop.mplus_orders(order_id) == []
    [failed] = shop.log(outcome="failed")
    assert "Article 5555 not found" in failed.message
    assert shop.bc_store.orders[order_id]["status_id"] == 12
