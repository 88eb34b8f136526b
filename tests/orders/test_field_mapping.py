"""The merchant's field mapping, end to end through the BigCommerce and AFAS sandboxes.

What the merchant notices: a checkout form field lands in the order's invoice
reference, the order comment in the remark with their wording, a long product
name is cut to fit the line description, the customer gets their template's
invoice text; AFAS's own spec validation (the sandbox's) accepts all of it. A
template that fails fails only its order, naming the field, the template and
the value; every log entry names the mapping version used.
"""

from __future__ import annotations

from typing import Any

import pytest

from bcapp.connectors import make_connector
from bcapp.extensions import db
from bcapp.mapping import versions
from bcapp.mapping.fields import build
from bcapp.models import RunStatus
from bcapp.sandbox.afas.spec import load_specs

#: Field types and lengths come from AFAS's OpenAPI files (../shared/erp-specs/afas); a checkout
#: without them has the sandbox's built-in field names only.
needs_afas_spec = pytest.mark.skipif(
    load_specs() is None, reason="AFAS OpenAPI files not found (../shared/erp-specs/afas)"
)


def save_mapping(world: Any, templates: dict[str, dict[str, str]], **tables: Any) -> int:
    """Save templates as the store's next version, typed by the connector's own field list."""
    connector = make_connector("afas", world.afas.settings(), transport=world.afas.transport())
    writable = {r: {f.name: f for f in connector.writable_fields(r)} for r in templates}
    row = versions.save(world.store.id, build("afas", templates, writable, tables), "merchant@x")
    db.session.commit()
    return row.number


def test_mapped_fields_reach_afas_and_pass_its_spec_validation(world):
    world.product("SKU-1", 12.5)
    with world.bc.lock:  # a long product name, as merchants have them
        world.bc_store.products[world.skus["SKU-1"]]["name"] = "Extra long " * 10
    version = save_mapping(
        world,
        {
            "order": {
                "Fref": '{{ form["PO number"] | default("none") }}',
                "Re": "{{ order.customer_message | upper }} (web order {{ order.reference }})",
            },
            "order_line": {"Ds": '{{ line.name | truncate(20, "...") }}'},
            "customer": {"InTx": "{{ customer.email | lookup('texts') }}"},
        },
        texts={"jan@example.com": "Invoice per e-mail"},
    )
    order_id = world.order(
        "SKU-1",
        customer_message="Leave at the door",
        billing={"form_fields": [{"name": "PO number", "value": "PO-4711"}]},
    )

    run = world.export(order_id)

    assert run.status == RunStatus.SUCCEEDED, run.message
    [erp] = world.erp_orders(order_id)  # the sandbox validated the body against AFAS's spec
    assert erp["fields"]["Fref"] == "PO-4711"
    assert erp["fields"]["Re"] == f"LEAVE AT THE DOOR (web order {order_id})"
    assert erp["CustomerReference"] == str(order_id)  # the reference orders are found by
    [line] = erp["lines"]
    assert line["Ds"] == "Extra long Extra ..."
    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert debtor["fields"]["InTx"] == "Invoice per e-mail"
    entries = world.log("order") + world.log("customer")
    assert entries and {e.mapping_version for e in entries} == {version}


def test_no_saved_mapping_sends_what_it_always_sent(world):
    world.product("SKU-1", 12.5)
    order_id = world.order("SKU-1", customer_message="Ring twice")

    world.export(order_id)

    [erp] = world.erp_orders(order_id)
    assert erp["fields"]["Re"] == "Ring twice"
    assert "Fref" not in erp["fields"]
    assert erp["lines"][0]["Ds"] == "Product SKU-1"
    assert {e.mapping_version for e in world.log("order")} == {None}


@needs_afas_spec
def test_a_failing_template_fails_only_its_order_and_names_field_template_and_value(world):
    world.product("SKU-1")
    save_mapping(world, {"order": {"Fref": "{{ order.customer_message }}"}})  # 32 characters
    long_one = world.order("SKU-1", customer_message="Please deliver after 18:00 on weekdays only")
    short_one = world.order("SKU-1", customer_message="After 18:00")

    world.export(long_one)
    world.export(short_one)

    assert world.erp_orders(long_one) == []
    assert world.erp_orders(short_one)[0]["fields"]["Fref"] == "After 18:00"
    [failed] = world.log("order", "failed")
    assert failed.bc_id == str(long_one)
    assert "Fref" in failed.message and "{{ order.customer_message }}" in failed.message
    assert "Please deliver after 18:00" in failed.message
    assert failed.details["mapping"]["field"] == "Fref"
    assert world.bc_order(long_one)["status_id"] != 9  # not marked exported


def test_rolled_back_mapping_is_what_the_next_export_uses(world):
    world.product("SKU-1")
    first = save_mapping(world, {"order": {"Fref": "first {{ order.reference }}"}})
    save_mapping(world, {"order": {"Fref": "second {{ order.reference }}"}})
    rolled = versions.roll_back(world.store.id, first, "owner@x")
    db.session.commit()
    order_id = world.order("SKU-1")

    world.export(order_id)

    assert world.erp_orders(order_id)[0]["fields"]["Fref"] == f"first {order_id}"
    assert {e.mapping_version for e in world.log("order")} == {rolled.number}
    changes = versions.compare(versions.get(world.store.id, 2), rolled)
    assert [(c.record, c.field, c.before, c.after) for c in changes] == [
        ("order", "Fref", "second {{ order.reference }}", "first {{ order.reference }}")
    ]


def test_replay_uses_the_current_or_the_original_mapping_version(world):
    from bcapp.sync.runner import replay

    world.product("SKU-1")
    original = save_mapping(world, {"order": {"Fref": "v1 {{ order.reference }}"}})
    order_id = world.order("SKU-1")
    world.export(order_id)
    [created] = world.log("order", "created")
    assert created.mapping_version == original
    save_mapping(world, {"order": {"Fref": "v2 {{ order.reference }}"}})

    def lose_the_erp_order() -> None:  # the merchant deleted it in AFAS: send it again
        world.afas.tables.orders.clear()
        for binding in world.bindings("order"):
            db.session.delete(binding)
        db.session.commit()
        world.set_status(order_id, 11)

    lose_the_erp_order()
    replay(created.id, mapping="original")
    assert world.erp_orders(order_id)[0]["fields"]["Fref"] == f"v1 {order_id}"

    lose_the_erp_order()
    replay(created.id)
    assert world.erp_orders(order_id)[0]["fields"]["Fref"] == f"v2 {order_id}"
    assert world.log("order", "created")[-1].mapping_version == 2


def test_an_account_form_field_reaches_the_relation_through_the_customer_flow(world):
    from bcapp.sandbox.bigcommerce.customers import create_customer

    with world.bc.lock:
        customer = create_customer(world.bc_store, {
            "first_name": "Anna", "last_name": "Müller", "email": "anna@example.com",
        })  # fmt: skip
        customer["_form_fields"] = [{"name": "Preferred language", "value": "German"}]
    save_mapping(world, {"customer": {
        "LgId": '{{ form["Preferred language"] | lookup("languages", "NL") }}',
    }}, languages={"German": "DE", "English": "EN"})  # fmt: skip

    run = world.run("customer_export", customer_id=customer["id"])

    assert run.status == RunStatus.SUCCEEDED, run.message
    [debtor] = world.afas.debtors_with_email("anna@example.com")
    assert debtor["fields"]["LgId"] == "DE"


def test_a_template_that_gives_nothing_leaves_the_field_out(world):
    world.product("SKU-1")
    save_mapping(world, {"order": {"Re": "{{ form['Gift note'] }}"}})  # no such form field
    order_id = world.order("SKU-1", customer_message="Ring twice")

    world.export(order_id)

    assert "Re" not in world.erp_orders(order_id)[0]["fields"]  # not the comment, not ""
