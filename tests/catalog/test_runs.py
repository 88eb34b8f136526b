"""Runs: dry run, resume after a crash, one catalog run per store, categories in a tree."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bcapp.errors import RetryableSyncError
from bcapp.extensions import db, redis_ext
from bcapp.locks import RunLock
from bcapp.models import Binding, Cursor
from bcapp.sync import BC_TRANSPORT
from tests.catalog.conftest import World


def count(entity: str) -> int:
    return db.session.scalar(db.select(db.func.count(Binding.id)).filter_by(entity=entity))


def test_dry_run_shows_creates_and_writes_nothing(world: World) -> None:
    world.afas.add_article("MUG", "Mug", price="12.10", group="G1")
    world.afas.set_stock("MUG", "HQ", 3)

    run = world.run(dry_run=True)

    assert run.status == "succeeded" and run.dry_run, run.message
    assert world.writes() == [] and world.bc.products == {}
    assert count("product") == count("category") == 0
    assert db.session.execute(db.select(Cursor)).first() is None
    entry = next(e for e in world.entries(run) if e.entity == "product")
    assert entry.outcome == "created" and entry.details["dry_run"] is True
    assert entry.details["changes"]["name"] == {"from": None, "to": "Mug"}
    assert world.run().created == 2  # the real run still does it all


def test_dry_run_shows_field_differences_of_an_update(world: World) -> None:
    world.afas.add_article("MUG", "Mug", price="12.10")
    world.run()
    world.afas.touch_article("MUG", SalesPrice=24.2, Description="Big mug")
    world.calls.clear()

    run = world.run(dry_run=True)

    assert world.writes() == []
    entry = next(e for e in world.entries(run) if e.entity == "product")
    assert entry.outcome == "updated"
    assert entry.details["changes"]["price"] == {"from": 10, "to": 20}
    assert entry.details["changes"]["name"] == {"from": "Mug", "to": "Big mug"}
    assert world.product_by_sku("MUG")["name"] == "Mug"
    assert world.run().updated == 1  # not remembered as done


class LoseAnswers(httpx.BaseTransport):
    """Lets product creates through but loses the answer of the n-th one (a crash)."""

    def __init__(self, inner: Any, lose_at: int) -> None:
        self.inner, self.lose_at, self.creates = inner, lose_at, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.path.endswith("/catalog/products"):
            self.creates += 1
            if self.creates == self.lose_at:
                raise httpx.ReadTimeout("connection lost", request=request)
        return response


def test_a_run_killed_midway_resumes_without_duplicates(world: World) -> None:
    for i in range(8):
        world.afas.add_article(f"P{i}", f"Product {i}")
    inner = world.app.extensions[BC_TRANSPORT]
    world.app.extensions[BC_TRANSPORT] = LoseAnswers(inner, lose_at=5)

    with pytest.raises(RetryableSyncError):
        world.run()
    assert len(world.bc.products) == 8  # creates run 4 at a time; the others went through
    assert count("product") == 7  # all bound but the one whose answer was lost

    world.app.extensions[BC_TRANSPORT] = inner
    run = world.run()

    assert run.status == "succeeded", run.message
    skus = sorted(p["sku"] for p in world.bc.products.values())
    assert skus == [f"P{i}" for i in range(8)]  # each once
    assert count("product") == 8


def test_only_one_catalog_run_per_store(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    with RunLock(redis_ext.client, world.store.id, "catalog"), pytest.raises(RetryableSyncError):
        world.run("stock")  # stock shares the catalog lock: never beside bulk catalog writes
    assert world.run().status == "succeeded"


def groups_with_parents(world: World) -> None:
    world.afas.define_connector(
        "BCApp_Groups", [("Artikelgroep", "string"), ("Omschrijving", "string"),
                         ("Parent", "string")], "Profit_ArticleGroups",
    )  # fmt: skip
    connectors = {**world.connection.settings.get("connectors", {}),
                  "article_groups": {"connector": "BCApp_Groups",
                                     "fields": {"parent": "Parent"}}}  # fmt: skip
    world.connection.settings = {**world.connection.settings, "connectors": connectors}
    db.session.commit()


def test_category_tree_parents_first_and_moves_follow(world: World) -> None:
    groups_with_parents(world)
    for code, name, parent in [
        ("SUB", "Mugs", "TOP"),
        ("TOP", "Kitchen", ""),
        ("DEEP", "Espresso", "SUB"),
        ("GARDEN", "Garden", ""),
    ]:
        world.afas.add_group(code, name)
        world.afas.tables.groups[code]["Parent"] = parent

    world.run()

    def bc_of(code: str) -> dict[str, Any]:
        binding = world.binding("category", code)
        return world.bc.categories[int(binding.bc_id)]

    assert bc_of("SUB")["parent_id"] == bc_of("TOP")["id"]
    assert bc_of("DEEP")["parent_id"] == bc_of("SUB")["id"]
    creates = [c for c in world.writes() if c[1].endswith("/trees/categories")]
    assert len(creates) == 3  # one array per level

    world.afas.tables.groups["SUB"]["Parent"] = "GARDEN"
    world.afas.tables.groups["SUB"]["Omschrijving"] = "Pots"
    world.calls.clear()
    run = world.run()

    assert bc_of("SUB")["parent_id"] == bc_of("GARDEN")["id"]
    assert bc_of("SUB")["name"] == "Pots"
    assert bc_of("DEEP")["parent_id"] == bc_of("SUB")["id"]
    assert run.updated == 1 and len(world.writes()) == 1


def test_bcapp_resync_runs_a_full_catalog_sync(world: World) -> None:
    world.afas.add_article("MUG", "Mug")
    world.run()
    from bcapp.sandbox.bigcommerce.catalog import delete_product

    delete_product(world.bc, world.product_by_sku("MUG")["id"])
    world.settings("catalog", on_deleted_in_bc="recreate")

    result = world.app.test_cli_runner().invoke(args=["resync", "--store", world.bc.hash])

    assert result.exit_code == 0, result.output
    assert world.product_by_sku("MUG")  # re-verified and re-created: only a full run does that


def test_retry_syncs_a_failed_product_again(world: World) -> None:
    from bcapp.sync.runner import retry

    world.afas.add_article("LONG", "x" * 300)
    first = world.run()
    assert first.failed == 1
    world.afas.tables.articles["LONG"]["Description"] = "Fixed name"  # fixed, same stamp

    assert world.run().seen == 0  # a delta run does not see it again: it did not change
    run = retry(world.store.id, "product", erp_id="LONG")

    assert run is not None and run.status == "succeeded", run and run.message
    assert world.product_by_sku("LONG")["name"] == "Fixed name"
