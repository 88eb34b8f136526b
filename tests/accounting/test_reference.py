"""The ERP reference is the merchant's template; exactly-once holds when the template changes."""

from __future__ import annotations

from typing import Any

from bcapp.extensions import db
from bcapp.mapping.rules import rules_for, with_section
from bcapp.mapping.validation import validate_section


def save_orders(world: Any, **values: Any) -> dict[str, str]:
    """Save the orders section the way the settings page does (validated, history kept)."""
    current = dict(world.store.settings.get("orders") or {})
    clean, errors = validate_section("orders", values, current=current)
    if not errors:
        world.store.settings = with_section(world.store.settings, "orders", clean)
        db.session.commit()
    return errors


def afas_orders(world: Any, reference: str) -> list[dict[str, Any]]:
    return [r for r in world.afas.tables.orders.values() if r["CustomerReference"] == reference]


def test_reference_template_is_what_afas_stores_and_finds_again(world):
    world.product("SKU-1")
    assert save_orders(world, reference_template="BC-{order_id}") == {}
    order_id = world.order("SKU-1")

    world.export(order_id)

    [erp] = afas_orders(world, f"BC-{order_id}")
    assert erp["fields"]["RfCs"] == f"BC-{order_id}"
    # the binding is lost (a crash between create and bind): found by the template, not re-sent
    for binding in world.bindings("order"):
        db.session.delete(binding)
    db.session.commit()
    world.set_status(order_id, 11)
    world.export(order_id)
    assert len(world.afas.tables.orders) == 1
    [binding] = world.bindings("order")
    assert binding.erp_id == erp["OrderNumber"]


def test_changing_the_template_never_duplicates_an_exported_order(world):
    world.product("SKU-1")
    old = world.order("SKU-1")
    world.export(old)  # exported as "<id>" under the default template
    for binding in world.bindings("order"):  # and the app lost its record of it
        db.session.delete(binding)
    db.session.commit()
    world.set_status(old, 11)

    assert save_orders(world, reference_template="WEB-{channel_id}-{order_id}") == {}
    assert rules_for(world.store).orders.reference_history == ("{order_id}",)
    world.export(old)
    new = world.order("SKU-1")
    world.export(new)

    assert [r["CustomerReference"] for r in world.afas.tables.orders.values()] == [
        str(old),
        f"WEB-1-{new}",
    ]
    assert {b.bc_id for b in world.bindings("order")} == {str(old), str(new)}


def test_template_is_checked_before_it_is_saved(world):
    assert "exactly once" in save_orders(world, reference_template="BC-")["reference_template"]
    assert (
        "{customer}"
        in save_orders(world, reference_template="{customer}-{order_id}")["reference_template"]
    )
    rules = rules_for({"orders": {"reference_template": "BC-{order_id}",
                                   "reference_history": ["{order_id}"]}})  # fmt: skip
    assert rules.orders.order_id_in("BC-17") == 17
    assert rules.orders.order_id_in("17") == 17  # an order exported before the change
    assert rules.orders.order_id_in("XY-17") is None
