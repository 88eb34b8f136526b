"""The merchant's field mapping through the AccountView sandbox: the sales order's second
comment from a checkout form field, a line description cut to AccountView's 40 characters,
and a debtor field from a template; AccountView's dictionary gives the fields and lengths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.connectors.accountview.writable import writable_fields
from bcapp.extensions import db
from bcapp.mapping import versions
from bcapp.mapping.fields import build
from bcapp.models import RunStatus
from tests.accountview.world import AccountViewWorld, accountview_world
from tests.conftest import base_config
from tests.orders.conftest import WORLD_CONFIG


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


@pytest.fixture
def world(app: Any, redis_url: str) -> Iterator[AccountViewWorld]:
    with accountview_world(app, redis_url) as w:
        yield w


def test_mapped_fields_reach_the_accountview_sales_order_and_debtor(world: AccountViewWorld):
    world.product("MOK-01", 12.5)
    with world.bc.lock:
        world.bc_store.products[world.products["MOK-01"]]["name"] = "A very long mug name " * 4
    templates = {
        "order": {"COMMENT2": '{{ form["PO number"] | default("no PO") }}'},
        "order_line": {"ART_DESC1": "{{ line.name | truncate(40) }}"},
        "customer": {"COC_CODE": "{{ form.KvK | default('WEB') }}"},
    }
    writable = {r: {f.name: f for f in writable_fields(r)} for r in templates}
    assert writable["order"]["COMMENT2"].length == 40 and "COMMENT1" not in writable["order"]
    versions.save(world.store.id, build("accountview", templates, writable), "merchant@x")
    db.session.commit()
    order_id = world.order(
        "MOK-01", billing={"form_fields": [{"name": "PO number", "value": "PO-77"}]}
    )

    run = world.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    [header] = world.av.orders_with_reference(str(order_id))
    assert header["COMMENT2"] == "PO-77"
    [line] = world.av.order_lines(header["ORD_NR"])
    assert line["ART_DESC1"] == ("A very long mug name " * 2)[:40]
    [debtor] = world.av.debtors_with_email("jan@example.com")
    assert debtor["COC_CODE"] == "WEB"
