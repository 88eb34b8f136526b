"""Issue 22 point 4: a new AFAS relation is classified by the customer's BigCommerce group.

The mappings' classification table names the AFAS sales relation type (``VaTp``) per
customer group id (``0``: no group, ``*``: the others). The AFAS sandbox validates every
relation body against AFAS's own spec, which lists the environment's relation types.
"""

from __future__ import annotations

import pytest

from bcapp.sandbox.afas.spec import load_specs
from bcapp.sandbox.bigcommerce.customer_groups import add_group
from bcapp.sandbox.bigcommerce.customers import create_customer

needs_spec = pytest.mark.skipif(
    load_specs() is None, reason="AFAS's OpenAPI files (../shared) are absent: no VaTp values"
)


def customer_in_group(world, group_name: str | None, email: str = "jan@example.com") -> int:
    with world.bc.lock:
        group = add_group(world.bc_store, group_name)["id"] if group_name else 0
        item = {"first_name": "Jan", "last_name": "de Vries", "email": email,
                "customer_group_id": group}  # fmt: skip
        return int(create_customer(world.bc_store, item)["id"])


def relation_fields(world, email: str = "jan@example.com") -> dict:
    [debtor] = world.afas.debtors_with_email(email)
    return debtor["fields"]


@needs_spec
def test_an_order_of_a_wholesale_customer_creates_a_gold_relation(world):
    world.product("SKU-1")
    customer_id = customer_in_group(world, "Groothandel")
    group = world.bc_store.customers[customer_id]["customer_group_id"]
    world.settings("mappings", classification={str(group): "003", "*": "001"})

    world.export(world.order("SKU-1", customer_id=customer_id))

    assert relation_fields(world)["VaTp"] == "003"  # AFAS accepted it: the spec lists 003


@needs_spec
def test_guests_and_other_groups_get_the_default_row(world):
    world.product("SKU-1")
    world.settings("mappings", classification={"999": "003", "*": "002"})

    world.export(world.order("SKU-1"))  # a guest: no customer group

    assert relation_fields(world)["VaTp"] == "002"


def test_without_a_table_the_relation_has_no_classification(world):
    world.product("SKU-1")
    customer_id = customer_in_group(world, "Groothandel")

    world.export(world.order("SKU-1", customer_id=customer_id))

    assert "VaTp" not in relation_fields(world)


@needs_spec
def test_a_group_change_reclassifies_only_when_the_update_rules_say_so(world):
    retail = customer_in_group(world, None, email="piet@example.com")
    with world.bc.lock:
        vip = add_group(world.bc_store, "VIP")["id"]
    world.settings("mappings", classification={"0": "001", str(vip): "003"})
    world.run("customer_export", customer_id=retail)
    assert relation_fields(world, "piet@example.com")["VaTp"] == "001"

    world.bc_store.customers[retail]["customer_group_id"] = vip
    world.run("customer_export", customer_id=retail)
    assert relation_fields(world, "piet@example.com")["VaTp"] == "001"  # default rules: kept

    world.settings("customers", update_fields=["phone", "addresses", "classification"])
    world.run("customer_export", customer_id=retail)
    assert relation_fields(world, "piet@example.com")["VaTp"] == "003"


def test_a_customer_group_id_is_checked_on_the_settings_page(world):
    from bcapp.mapping.validation import validate_section

    _, errors = validate_section("mappings", {"classification": {"Wholesale": "003"}}, current={})
    assert "customer group id" in str(errors)


@needs_spec
def test_a_code_afas_does_not_know_is_refused_and_logged(world):
    world.product("SKU-1")
    world.settings("mappings", classification={"*": "GOLD"})
    order_id = world.order("SKU-1")

    world.export(order_id)

    assert world.afas.debtors_with_email("jan@example.com") == []
    assert not world.erp_orders(order_id)
    [failed] = world.log("order", "failed")
    assert "VaTp" in failed.message


@needs_spec
def test_an_organisation_is_classified_too(world):
    world.product("SKU-1")
    world.settings("mappings", classification={"*": "002"})

    world.export(world.order("SKU-1", billing={"company": "Bakkerij de Vries BV"}))

    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert debtor["kind"] == "organisation" and debtor["fields"]["VaTp"] == "002"
