"""BigCommerce customers → AFAS relations: created/updated webhooks, per-field update rules."""

from __future__ import annotations

import pytest

from bcapp.sandbox.bigcommerce.customers import create_customer
from tests.orders.conftest import deliver, drain


@pytest.fixture
def hooked(world):
    world.run("webhooks")
    return world


def new_customer(w, **fields):
    item = {"first_name": "Anna", "last_name": "Müller", "email": "anna@example.com",
            "phone": "+49301234", **fields}  # fmt: skip
    with w.bc.lock:
        return create_customer(w.bc_store, item)["id"]


def update_customer(w, customer_id, **fields):
    from bcapp.sync.context import BC_TRANSPORT

    client = __import__("httpx").Client(transport=w.app.extensions[BC_TRANSPORT])
    r = client.put(f"https://api.bigcommerce.com/stores/{w.store.store_hash}/v3/customers",
                   json=[{"id": customer_id, **fields}],
                   headers={"X-Auth-Token": w.store.access_token})  # fmt: skip
    assert r.status_code == 200, r.text


def relation_writes(w, method):
    return [r for r in w.afas.requests
            if r["method"] == method and "KnSalesRelation" in r["path"]]  # fmt: skip


def test_customer_created_in_store_becomes_an_erp_relation(hooked):
    w = hooked
    new_customer(w, company="Müller GmbH")
    deliver(w)
    drain(w)
    [relation] = w.afas.debtors_with_email("anna@example.com")
    assert relation["kind"] == "organisation"
    [binding] = w.bindings("customer")
    assert binding.bc_id == "1:anna@example.com"


def test_update_follows_field_rules_and_skips_no_change(hooked):
    w = hooked
    customer_id = new_customer(w)
    deliver(w)
    drain(w)
    # Only the name may be overwritten (not a settings-page section yet: set directly).
    w.store.settings = {**w.store.settings, "customers": {"update_fields": []}}
    from bcapp.extensions import db

    db.session.commit()
    update_customer(w, customer_id, last_name="Schmidt", phone="+49999")
    deliver(w)
    drain(w)

    [relation] = w.afas.debtors_with_email("anna@example.com")
    assert relation["DebtorName"] == "Anna Schmidt"
    [put] = relation_writes(w, "PUT")
    assert "+49999" not in str(put["body"])

    w.bc.clock.advance(1)  # a later event (same-second events with equal content are one)
    update_customer(w, customer_id, phone="+49888")  # a field that is not updated
    deliver(w)
    drain(w)
    assert len(relation_writes(w, "PUT")) == 1
    assert w.log("customer", "unchanged")


def test_customer_matched_by_email_is_not_created_twice(hooked):
    w = hooked
    w.afas.add_debtor("anna@example.com", "Anna (from the ERP)")
    new_customer(w)
    deliver(w)
    drain(w)
    assert len(w.afas.debtors_with_email("anna@example.com")) == 1
    assert relation_writes(w, "POST") == []


def test_default_debtor_mode_sends_no_customers(hooked):
    w = hooked
    w.settings("orders", customer_mode="default_debtor", default_debtor="99999")
    new_customer(w)
    deliver(w)
    drain(w)
    assert w.afas.debtors_with_email("anna@example.com") == []


def test_customers_of_storefronts_not_exported_stay_out_of_the_erp(hooked):
    w = hooked
    outlet = w.bc_store.add_storefront("Outlet")
    w.settings("orders", channels=[outlet])
    new_customer(w)  # registered on the first storefront
    new_customer(w, email="olga@example.com", origin_channel_id=outlet)
    deliver(w)
    drain(w)
    assert w.afas.debtors_with_email("anna@example.com") == []
    assert len(w.afas.debtors_with_email("olga@example.com")) == 1
