"""The store leads (catalog.direction = store_to_erp): BigCommerce → Mplus sandbox, same flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.mapping.rules import with_section
from bcapp.models import Binding, Store
from bcapp.sandbox.bigcommerce import catalog as bc_catalog
from bcapp.sandbox.bigcommerce import taxonomy
from bcapp.sandbox.mplus import MplusSandbox, MplusState
from bcapp.sync.runner import run_flow
from tests.mplus.world import mplus_world

STORE_HASH = "lead01"
CREDENTIALS = {"ident": "lead-ident", "secret": "lead-secret"}


@pytest.fixture
def shop(app: Any, redis_url: str) -> Iterator[tuple[Store, MplusSandbox, Any]]:
    with mplus_world(
        app, redis_url, MplusSandbox(MplusState(**CREDENTIALS)), store_hash=STORE_HASH,
        credentials=CREDENTIALS,
        settings=with_section({}, "catalog", {"direction": "store_to_erp"}),
    ) as world:  # fmt: skip
        yield world.store, world.mplus, world.bc_store


def seed(bc_store: Any) -> dict[str, Any]:
    kitchen = taxonomy.create_category(bc_store, {"name": "Kitchen", "parent_id": 0})
    mugs = taxonomy.create_category(bc_store, {"name": "Mugs", "parent_id": kitchen["id"]})
    mug = bc_catalog.create_product(bc_store, {
        "name": "Mug", "type": "physical", "weight": 0.4, "price": 12.5, "sku": "MUG-RED",
        "categories": [mugs["id"]], "gtin": "8712345678906",
    })  # fmt: skip
    shirt = bc_catalog.create_product(bc_store, {
        "name": "Shirt", "type": "physical", "weight": 0.2, "price": 20, "sku": "SHIRT",
        "variants": [
            {"sku": "SHIRT-S", "option_values": [{"option_display_name": "Size", "label": "S"}]},
            {"sku": "4711", "option_values": [{"option_display_name": "Size", "label": "M"}]},
        ],
    })  # fmt: skip
    return {"kitchen": kitchen, "mugs": mugs, "mug": mug, "shirt": shirt}


def binding(entity: str, **ids: str) -> Binding | None:
    return db.session.execute(
        db.select(Binding).filter_by(entity=entity, **ids)
    ).scalar_one_or_none()


def test_store_catalog_reaches_mplus_with_numeric_article_numbers(shop: Any) -> None:
    store, mplus, bc_store = shop
    made = seed(bc_store)

    run = run_flow(store.id, "catalog")

    assert run is not None and run.status == "succeeded", run and run.message
    assert (run.created, run.failed) == (4, 0)  # 2 categories + 2 products
    state = mplus.state
    names = {g["name"] for g in state.groups.values()}
    assert {"Kitchen", "Mugs"} <= names
    mugs_group = binding("category", bc_id=str(made["mugs"]["id"]))
    kitchen_group = binding("category", bc_id=str(made["kitchen"]["id"]))
    assert int(state.groups[int(mugs_group.erp_id)]["parent"]) == int(kitchen_group.erp_id)
    numbers = {
        b.bc_id: int(b.erp_id)
        for b in db.session.execute(db.select(Binding).filter_by(entity="article_number")).scalars()
    }
    assert numbers["4711"] == 4711  # a numeric SKU keeps its number
    assert 9_000_000 <= numbers["MUG-RED"] <= 9_999_999  # a letter SKU gets one from the range
    assert set(numbers) == {"MUG-RED", "SHIRT-S", "4711"}
    assert set(numbers.values()) <= set(state.article_index)

    calls = len(state.calls)
    again = run_flow(store.id, "catalog")
    assert again.status == "succeeded" and again.unchanged == 4 and again.created == 0
    writes = [c for c in state.calls[calls:] if not c.startswith("get")]
    assert writes == []  # unchanged: nothing sent


def test_a_changed_product_updates_the_same_mplus_product(shop: Any) -> None:
    store, mplus, bc_store = shop
    made = seed(bc_store)
    run_flow(store.id, "catalog")
    mug_binding = binding("product", bc_id=str(made["mug"]["id"]))
    products_before = len(mplus.state.products)

    bc_catalog.update_product(bc_store, made["mug"], {"price": 14.0})
    bc_store.sandbox.clock.advance(5)
    bc_catalog.touch(bc_store, made["mug"])
    run = run_flow(store.id, "catalog")

    assert run.status == "succeeded" and run.updated == 1, run.message
    assert len(mplus.state.products) == products_before
    assert binding("product", bc_id=str(made["mug"]["id"])).erp_id == mug_binding.erp_id


def test_afas_cannot_take_the_store_catalog(world: Any) -> None:
    world.settings("catalog", direction="store_to_erp")
    run = world.run()
    assert run.status == "failed" and "cannot receive the store's catalog" in run.message
