"""The merchant's field mapping through the Exact Online sandbox (which validates every body
against Exact's meta-data when ../shared is there): the order's payment reference from a
checkout form field, a line description cut to 60 characters, an account field; and the
fields offered are fields Exact's meta-data lists as writable, with the same types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.connectors.exact.writable import FIELDS, writable_fields
from bcapp.extensions import db
from bcapp.mapping import versions
from bcapp.mapping.fields import build
from bcapp.models import RunStatus
from bcapp.sandbox.exact.schema import shared_dir
from tests.exact.world import ExactWorld, exact_world

ENTITIES = {"order": "SalesOrders", "order_line": "SalesOrderLines", "customer": "Accounts"}


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[ExactWorld]:
    with exact_world(app) as w:
        yield w


def test_offered_fields_are_writable_in_exacts_meta_data() -> None:
    root = shared_dir()
    if root is None:
        pytest.skip("../shared/erp-specs/exact/meta-data.json is absent (a user's checkout)")
    meta = json.loads((root / "erp-specs" / "exact" / "meta-data.json").read_text("utf-8"))
    for record, entity in ENTITIES.items():
        props = {p["name"]: p for p in meta[entity]["properties"]}
        for name, edm, _, _ in FIELDS[record]:
            assert props[name]["supportedMethods"]["post"], f"{entity}.{name} is not writable"
            assert props[name]["type"] == f"Edm.{edm}", f"{entity}.{name} type"


def test_mapped_fields_reach_the_exact_sales_order_and_account(world: ExactWorld) -> None:
    world.product("MUG", 12.5)
    with world.bc.lock:
        world.bc_store.products[world.skus["MUG"]]["name"] = "An exceptionally long mug name " * 3
    templates = {
        "order": {"PaymentReference": '{{ form["PO number"] }}'},
        "order_line": {"Description": "{{ line.name | truncate(60) }}"},
        "customer": {"ChamberOfCommerce": "{{ form.KvK | default('unknown') }}"},
    }
    writable = {r: {f.name: f for f in writable_fields(r)} for r in templates}
    versions.save(world.store.id, build("exact", templates, writable), "merchant@x")
    db.session.commit()
    order_id = world.order(
        ("MUG", 1), billing={"form_fields": [{"name": "PO number", "value": "PO-9"}]}
    )

    run = world.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    [erp] = world.exact_orders(order_id)
    assert erp["PaymentReference"] == "PO-9"
    [line] = world.div.children("SalesOrderLines", "OrderID", erp["OrderID"])
    assert line["Description"] == ("An exceptionally long mug name " * 2)[:60]
    account = world.div.get("Accounts", erp["OrderedBy"])
    assert account is not None and account["ChamberOfCommerce"] == "unknown"
