"""The drift report finds each planted difference through the sandboxes, and nothing on a clean
pair; it writes nothing to either side."""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus
from bcapp.sandbox.bigcommerce.catalog import create_product
from tests.conftest import base_config
from tests.orders.conftest import WORLD_CONFIG, World


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    return base_config(tmp_path, **WORLD_CONFIG)


@pytest.fixture
def synced(world: World) -> World:
    """Three articles with stock, synced into the store; orders exported; grace off."""
    for n in range(3):
        world.afas.add_article(f"A{n}", f"Article A{n}", price="12.10")
        world.afas.set_stock(f"A{n}", "MAG1", 5)
    world.settings("drift", order_grace_minutes=0)
    assert world.run("catalog").status == RunStatus.SUCCEEDED
    world.skus.update({p["sku"]: pid for pid, p in world.bc_store.products.items()})
    return world


def drift(world: World) -> tuple[Any, dict[str, list[LogEntry]]]:
    run = world.run("drift")
    assert run.status == RunStatus.SUCCEEDED, run.message
    entries = db.session.execute(
        db.select(LogEntry).filter_by(run_id=run.id, outcome="drift").order_by(LogEntry.id)
    ).scalars()
    found: dict[str, list[LogEntry]] = {}
    for entry in entries:
        found.setdefault(entry.details["kind"], []).append(entry)
    return run, found


def _snapshot(world: World) -> Any:
    return (
        {k: dict(v) for k, v in world.afas.tables.articles.items()},
        len(world.afas.tables.orders),
        {k: dict(v) for k, v in world.bc_store.products.items()},
    )


def test_a_clean_pair_shows_no_difference(synced: World) -> None:
    order_id = synced.order("A0")
    assert synced.export(order_id).status == RunStatus.SUCCEEDED
    synced.afas.set_stock("A0", "MAG1", 4)  # the ERP booked the sale too
    before = _snapshot(synced)
    run, found = drift(synced)
    assert found == {}
    assert run.message == "No differences: the store and the ERP agree."
    assert _snapshot(synced) == before  # read-only


def test_each_planted_difference_is_found_once(synced: World) -> None:
    w = synced
    w.afas.add_article("ONLY-ERP", "Only in the ERP", price="5")
    with w.bc.lock:
        create_product(w.bc_store, {"name": "Only here", "type": "physical", "weight": 1,
                                    "price": 3, "sku": "ONLY-STORE"})  # fmt: skip
    w.afas.touch_article("A1", SalesPrice=20.0)
    w.afas.set_stock("A2", "MAG1", 9)
    waiting = w.order("A0")  # in an export status, never exported
    exported = w.order("A0")
    assert w.export(exported).status == RunStatus.SUCCEEDED
    with w.bc.lock:
        w.bc_store.orders[exported]["is_deleted"] = True
    w.afas.set_stock("A0", "MAG1", 3)  # the two sales are booked in the ERP too

    run, found = drift(w)

    assert sorted(found) == ["only_in_erp", "only_in_store", "order_not_in_erp", "price",
                             "stock", "store_order_missing"]  # fmt: skip
    assert all(len(v) == 1 for v in found.values()), {k: len(v) for k, v in found.items()}
    assert found["only_in_erp"][0].details["sku"] == "ONLY-ERP"
    assert found["only_in_store"][0].details["sku"] == "ONLY-STORE"
    price = found["price"][0]
    assert price.details["sku"] == "A1" and price.erp_id and price.bc_id
    # 12.10 and 20 excluding 21 % VAT
    assert (price.details["store"], price.details["erp"]) == ("14.64", "24.20")
    stock = found["stock"][0]
    assert (stock.details["store"], stock.details["erp"]) == (5, 9)
    assert found["order_not_in_erp"][0].bc_id == str(waiting)
    assert found["order_not_in_erp"][0].entity == "order"
    assert found["store_order_missing"][0].bc_id == str(exported)
    assert run.message.startswith("6 differences:")


def test_tolerances_are_the_merchants(synced: World) -> None:
    synced.afas.touch_article("A1", SalesPrice=12.15)  # 14.70 incl. VAT: 6 cents off
    synced.afas.set_stock("A2", "MAG1", 6)
    synced.settings("drift", price_tolerance="0.10", stock_tolerance=1, order_grace_minutes=0)
    assert drift(synced)[1] == {}
    synced.settings("drift", price_tolerance="0.01", stock_tolerance=0, order_grace_minutes=0)
    assert sorted(drift(synced)[1]) == ["price", "stock"]


@pytest.fixture
def owner(client: Any, synced: World) -> Any:
    from bcapp.models import StoreUser
    from tests.web.conftest import Session, open_app

    db.session.add(StoreUser(store_id=synced.store.id, bc_user_id=1, is_owner=True,
                             email="o@x.test"))  # fmt: skip
    db.session.commit()
    return Session(client, open_app(client, synced.store.store_hash))


def test_the_page_shows_the_report_links_each_record_fixes_and_exports_csv(
    synced: World, owner: Any
) -> None:
    from rq import SimpleWorker

    from bcapp.jobs.queues import queue
    from tests.orders.conftest import drain

    w = synced
    assert "No report yet" in owner.get("/app/drift").text
    assert owner.post("/app/dashboard/run/drift").status_code == 200  # Run now is offered
    queue("catalog").empty()
    w.afas.touch_article("A1", SalesPrice=20.0)
    waiting = w.order("A0")
    w.afas.set_stock("A0", "MAG1", 4)
    drift(w)

    assert "Open the drift report" in owner.get("/app/dashboard/runs").text  # the card links it
    page = owner.get("/app/drift").text
    assert "Price differs</a>: <strong>1</strong>" in page
    assert "Order waiting, not in the ERP</a>: <strong>1</strong>" in page
    assert f"/lineage/order/{waiting}" in page and "Export this order" in page
    assert "Re-sync this product" in page
    only_prices = owner.get("/app/drift", query_string={"kind": "price"}).text
    assert "Re-sync this product" in only_prices and "Export this order" not in only_prices

    csv_text = owner.get("/app/drift/report.csv").text
    lines = csv_text.strip().splitlines()
    assert lines[0] == "kind,sku,bc_id,erp_id,store,erp,message"
    assert sorted(line.split(",")[0] for line in lines[1:]) == ["order_not_in_erp", "price"]

    order_entry = db.session.execute(
        db.select(LogEntry).filter_by(outcome="drift", entity="order")
    ).scalar_one()
    price_entry = db.session.execute(
        db.select(LogEntry).filter_by(outcome="drift", entity="product")
    ).scalar_one()
    assert owner.post(f"/app/activity/{order_entry.id}/retry").status_code == 202
    assert owner.post(f"/app/activity/{price_entry.id}/retry").status_code == 202
    drain(w)
    catalog = queue("catalog")
    SimpleWorker([catalog], connection=catalog.connection).work(burst=True)
    assert w.erp_orders(waiting), "the fix did not export the order"
    product = w.bc_store.products[w.skus["A1"]]
    assert float(product["price"]) == 20.0
    assert drift(w)[1] == {}


def test_a_bound_customer_whose_details_differ_is_reported_without_the_values(
    synced: World,
) -> None:
    synced.settings("flows", customers_from_erp=True)
    number = synced.afas.add_debtor("kees@example.com", "Kees Klein")
    assert synced.run("customers_from_erp").status == RunStatus.SUCCEEDED
    assert drift(synced)[1] == {}
    [account] = [c for c in synced.bc_store.customers.values() if c["email"] == "kees@example.com"]
    with synced.bc.lock:
        account["last_name"] = "Groot"  # changed in the store only

    found = drift(synced)[1]

    [entry] = found["customer"]
    assert entry.erp_id == number and entry.bc_id == str(account["id"])
    assert entry.details["fields"] == ["last_name"]
    assert "Groot" not in entry.message and "Klein" not in entry.message


def test_the_merchant_sets_the_tolerances_on_the_page(synced: World, owner: Any) -> None:
    synced.afas.touch_article("A1", SalesPrice=12.15)  # 6 cents off including VAT
    assert sorted(drift(synced)[1]) == ["price"]
    refused = owner.post("/app/drift/tolerances", {"price_tolerance": "lots",
                                                    "stock_tolerance": "-1",
                                                    "order_grace_minutes": "60"})  # fmt: skip
    assert refused.status_code == 422
    assert "The price tolerance must be a number." in refused.text
    assert "The stock tolerance must be between 0 and 100000." in refused.text
    saved = owner.post("/app/drift/tolerances", {"price_tolerance": "0,10",
                                                  "stock_tolerance": "0",
                                                  "order_grace_minutes": "0"})  # fmt: skip
    assert saved.status_code == 303
    db.session.refresh(synced.store)
    assert synced.store.settings["drift"]["price_tolerance"] == "0.10"
    assert drift(synced)[1] == {}
    assert 'value="0.10"' in owner.get("/app/drift").text
