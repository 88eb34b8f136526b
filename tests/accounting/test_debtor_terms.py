"""New AFAS debtors get the payment condition and ledger account the settings name; each
order gets the payment terms of its payment method."""

from __future__ import annotations

from bcapp.extensions import db
from bcapp.models import Connection


def afas_options(world, **orders) -> None:
    connection = db.session.execute(db.select(Connection)).scalar_one()
    merged = {**(connection.settings.get("orders") or {}), **orders}
    connection.settings = {**connection.settings, "orders": merged}
    db.session.commit()


def test_new_debtor_gets_payment_condition_and_ledger_account(world):
    world.product("SKU-1")
    afas_options(world, debtor_payment_condition="14", debtor_ledger_account="1300")
    world.export(world.order("SKU-1"))
    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert (debtor["fields"]["PaCd"], debtor["fields"]["ColA"]) == ("14", "1300")


def test_payment_terms_per_payment_method_on_the_afas_order(world):
    world.product("SKU-1")
    method = world.bc_order(world.order("SKU-1"))["payment_method"]
    world.settings("mappings", payment_terms={method: "0"})
    order_id = world.order("SKU-1")

    world.export(order_id)

    [erp] = world.erp_orders(order_id)
    assert erp["fields"]["PaCd"] == "0"
