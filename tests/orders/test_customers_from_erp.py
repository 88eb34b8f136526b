"""AFAS debtors → BigCommerce accounts through the customers_from_erp flow (and no echo)."""

from __future__ import annotations

from bcapp.models import RunStatus
from bcapp.sync.runner import retry
from tests.orders.conftest import deliver, drain


def accounts(w, email):
    return [c for c in w.bc_store.customers.values() if c["email"] == email]


def test_the_flow_is_off_until_the_merchant_switches_it_on(world):
    world.afas.add_debtor("kees@example.com", "Kees Klein")
    run = world.run("customers_from_erp")
    assert run.status == RunStatus.SUCCEEDED and "switched off" in run.message
    assert accounts(world, "kees@example.com") == []


def test_a_profit_debtor_becomes_a_store_account_once(world):
    world.run("webhooks")
    world.settings("flows", customers_from_erp=True)
    number = world.afas.add_debtor("kees@example.com", "Kees Klein")
    world.afas.add_debtor("", "Zonder Mail")

    run = world.run("customers_from_erp")

    assert run.status == RunStatus.SUCCEEDED, run.message
    [account] = accounts(world, "kees@example.com")
    assert (account["first_name"], account["last_name"]) == ("Kees", "Klein")
    assert "no e-mail address" in world.log("debtor", "skipped")[0].message
    deliver(world)
    drain(world)
    assert [r for r in world.afas.requests if "KnSalesRelation" in r["path"]] == []

    world.afas.touch_debtor(number, TelNr="06-12345678")
    world.run("customers_from_erp")
    assert account["phone"] == "06-12345678"
    assert len(accounts(world, "kees@example.com")) == 1

    world.afas.touch_debtor(number, Email="kees@klein.nl")  # a new address in the ERP
    world.run("customers_from_erp")
    assert account["email"] == "kees@klein.nl" and len(world.bc_store.customers) == 1
    [binding] = world.bindings("customer")
    assert binding.bc_id == "1:kees@klein.nl" and binding.erp_id == number


def test_a_dry_run_writes_nothing_and_retry_reads_the_debtor_again(world):
    world.settings("flows", customers_from_erp=True)
    number = world.afas.add_debtor("kees@example.com", "Kees Klein")
    preview = world.run("customers_from_erp", dry_run=True)
    assert preview.status == RunStatus.SUCCEEDED and preview.created == 1
    assert accounts(world, "kees@example.com") == [] and world.bindings("customer") == []

    again = retry(world.store.id, "debtor", erp_id=number)
    assert again.status == RunStatus.SUCCEEDED, again.message
    assert len(accounts(world, "kees@example.com")) == 1
