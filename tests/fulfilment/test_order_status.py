"""ERP order status → BigCommerce status through the merchant's table, via both sandboxes."""

from __future__ import annotations

from decimal import Decimal

from bcapp.models import RunStatus
from tests.fulfilment.conftest import exported
from tests.orders.conftest import World


def test_mapped_status_moves_the_order_and_unassigned_leaves_it(world: World) -> None:
    order_id, number = exported(world, ("CAP", 1))
    assert world.bc_order(order_id)["status_id"] == 9  # the export's success write-back
    world.settings("mappings", order_status={"Geleverd": 10, "In behandeling": None})
    world.afas.set_order_status(number, "In behandeling")
    run = world.run("order_status")
    assert run.status == RunStatus.SUCCEEDED, run.message
    assert world.bc_order(order_id)["status_id"] == 9
    world.afas.set_order_status(number, "Geleverd")
    world.run("order_status")
    assert world.bc_order(order_id)["status_id"] == 10  # Completed
    [entry] = world.log("order", "updated")
    assert entry.bc_id == str(order_id) and "Completed" in entry.message


def test_a_status_is_followed_once_so_manual_moves_stay(world: World) -> None:
    order_id, number = exported(world, ("CAP", 1))
    world.settings("mappings", order_status={"Geleverd": 10})
    world.afas.set_order_status(number, "Geleverd")
    world.run("order_status")
    world.set_status(order_id, 5)  # the merchant cancels by hand in BigCommerce
    world.afas.set_order_status(number, "Geleverd")  # touched again in AFAS, same status
    world.run("order_status")
    assert world.bc_order(order_id)["status_id"] == 5


def test_mapping_onto_an_export_status_is_refused(world: World) -> None:
    order_id, number = exported(world, ("CAP", 1))
    world.settings("mappings", order_status={"Open": 11})
    world.afas.set_order_status(number, "Open")
    run = world.run("order_status")
    assert run.skipped == 1
    assert world.bc_order(order_id)["status_id"] == 9
    [entry] = world.log("order", "skipped")
    assert "export status" in entry.message


def test_orders_not_exported_by_the_app_are_not_touched(world: World) -> None:
    world.product("CAP")
    world.afas.add_debtor("x@example.com", number="30001")
    world.afas.tables.orders["999"] = {
        "OrderNumber": "999", "Status": "Geleverd", "DebtorId": "30001",
        "CustomerReference": "77", "TotalAmount": 5.0, "ModifiedDate": world.afas.clock.stamp(),
    }  # fmt: skip
    world.settings("mappings", order_status={"Geleverd": 10})
    run = world.run("order_status")
    assert run.seen == 0 and world.log("order") == []


def test_amount_changed_in_the_erp_is_reported_not_pushed(world: World) -> None:
    order_id, number = exported(world, ("CAP", 2))
    world.settings("mappings", order_status={"Geleverd": 10})
    world.run("order_status")  # first look: the ERP total after export
    paid = world.bc_order(order_id)["total_inc_tax"]
    world.afas.tables.orders[number]["TotalAmount"] = 10.0  # a line removed in AFAS
    world.afas.set_order_status(number, "Geleverd")
    world.run("order_status")
    [report] = world.log("order", "skipped")
    assert "total changed after export" in report.message
    assert Decimal(report.details["erp_total_now"]) == 10
    assert world.bc_order(order_id)["total_inc_tax"] == paid
    assert world.bc_order(order_id)["status_id"] == 10  # the status still follows
    world.afas.set_order_status(number, "Geleverd")
    world.run("order_status")
    assert len(world.log("order", "skipped")) == 1  # reported once
