"""Customers kept up to date in AFAS: address webhooks and new delivery addresses at order time."""

from __future__ import annotations

import httpx
import pytest

from bcapp.sandbox.bigcommerce.customers import create_customer
from bcapp.sync.context import BC_TRANSPORT
from tests.orders.conftest import deliver, drain

HOME = {"first_name": "Anna", "last_name": "Müller", "address1": "Hauptstraße 5",
        "city": "Berlin", "postal_code": "10115", "country_code": "DE"}  # fmt: skip
SHOP = {"first_name": "Anna", "last_name": "Müller", "street_1": "Marktplatz 9",
        "city": "Potsdam", "zip": "14467", "country_iso2": "DE", "country": "Germany"}  # fmt: skip


@pytest.fixture
def hooked(world):
    world.run("webhooks")  # subscribes the address scopes too
    return world


def bc(world, method: str, path: str, **kw):
    client = httpx.Client(transport=world.app.extensions[BC_TRANSPORT])
    url = f"https://api.bigcommerce.com/stores/{world.store.store_hash}/v3/{path}"
    r = client.request(method, url, headers={"X-Auth-Token": world.store.access_token}, **kw)
    assert r.status_code < 300, r.text
    return r


def sync(world) -> None:
    deliver(world)
    drain(world)


def relation(world) -> dict:
    [found] = world.afas.debtors_with_email("anna@example.com")
    return found


def test_address_webhooks_update_the_afas_relation(hooked):
    w = hooked
    item = {"first_name": "Anna", "last_name": "Müller", "email": "anna@example.com",
            "addresses": [HOME]}  # fmt: skip
    with w.bc.lock:
        customer_id = create_customer(w.bc_store, item)["id"]
    sync(w)
    assert relation(w)["Address"]["Rs"] == "Berlin"
    scopes = {h["scope"] for h in w.bc_store.hooks.values()}
    assert {"store/customer/address/created", "store/customer/address/updated",
            "store/customer/address/deleted"} <= scopes  # fmt: skip

    w.bc.clock.advance(1)
    [home] = bc(w, "GET", f"customers/addresses?customer_id:in={customer_id}").json()["data"]
    bc(w, "PUT", "customers/addresses", json=[{"id": home["id"], "city": "Hamburg",
                                                "postal_code": "20095"}])  # fmt: skip
    sync(w)
    assert relation(w)["Address"]["Rs"] == "Hamburg"  # the relation's own address follows

    w.bc.clock.advance(1)
    shop = {"customer_id": customer_id, **HOME, "address1": "Marktplatz 9", "city": "Potsdam"}
    bc(w, "POST", "customers/addresses", json=[shop])
    sync(w)
    [added] = relation(w)["DeliveryAddresses"]  # a linked delivery address (contact AFL)
    assert (added["Ad"], added["HmNr"], added["Rs"]) == ("Marktplatz", 9, "Potsdam")

    w.bc.clock.advance(1)
    bc(w, "PUT", "customers/addresses", json=[{"id": home["id"], "phone": "+4930"}])
    sync(w)
    assert len(relation(w)["DeliveryAddresses"]) == 1  # not added a second time


def test_a_new_delivery_address_of_an_order_joins_the_existing_relation(world):
    world.product("SKU-1")
    first = world.order("SKU-1", billing={"email": "anna@example.com"})
    world.export(first)
    assert relation(world)["DeliveryAddresses"] == []  # shipped to the billing address

    second = world.order("SKU-1", billing={"email": "anna@example.com"},
                         shipping_addresses=[{**SHOP, "email": "anna@example.com"}])  # fmt: skip
    world.export(second)
    third = world.order("SKU-1", billing={"email": "anna@example.com"},
                        shipping_addresses=[{**SHOP, "email": "anna@example.com"}])  # fmt: skip
    world.export(third)

    [added] = relation(world)["DeliveryAddresses"]
    assert (added["Ad"], added["Rs"], added["CoId"]) == ("Marktplatz", "Potsdam", "DE")
    assert relation(world)["Address"]["Rs"] == "Amsterdam"  # its own address left alone
    assert len(world.afas.debtors_with_email("anna@example.com")) == 1
    assert len(world.erp_orders()) == 3


def test_switched_off_no_delivery_address_is_added(world):
    world.product("SKU-1")
    world.settings("customers", delivery_addresses=False)
    world.export(world.order("SKU-1"))
    world.export(world.order("SKU-1", shipping_addresses=[{**SHOP, "email": "jan@example.com"}]))
    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert debtor["DeliveryAddresses"] == []


def name_delivery_addresses_connector(world) -> None:
    """The merchant imported the BCApp_DeliveryAddresses GetConnector and named it."""
    from bcapp.extensions import db
    from bcapp.models import Connection

    connection = db.session.execute(db.select(Connection)).scalar_one()
    connectors = {"delivery_addresses": {"connector": "BCApp_DeliveryAddresses"}}
    connection.settings = {**connection.settings, "connectors": connectors}
    db.session.commit()


def test_an_address_deleted_in_the_store_is_blocked_in_afas(hooked):
    w = hooked
    name_delivery_addresses_connector(w)
    item = {"first_name": "Anna", "last_name": "Müller", "email": "anna@example.com",
            "addresses": [HOME]}  # fmt: skip
    with w.bc.lock:
        customer_id = create_customer(w.bc_store, item)["id"]
    sync(w)
    w.bc.clock.advance(1)
    shop = {"customer_id": customer_id, **HOME, "address1": "Marktplatz 9", "city": "Potsdam"}
    [added] = bc(w, "POST", "customers/addresses", json=[shop]).json()["data"]
    sync(w)
    [linked] = relation(w)["DeliveryAddresses"]
    assert (linked["Rs"], linked["Blocked"]) == ("Potsdam", False)

    w.bc.clock.advance(1)
    bc(w, "DELETE", f"customers/addresses?id:in={added['id']}")
    sync(w)

    # AFAS deletes no contact through its UpdateConnectors: the delivery-address contact
    # is blocked (KnContact Bl), so no order can be sent there any more.
    [linked] = relation(w)["DeliveryAddresses"]
    assert (linked["Rs"], linked["Blocked"]) == ("Potsdam", True)
    [put] = [r for r in w.afas.requests if r["path"] == "connectors/KnContact"]
    assert put["method"] == "PUT"
    assert put["body"] == {"KnContact": {"Element": {"Fields": {"CdId": linked["ContactId"],
                                                                 "Bl": True}}}}  # fmt: skip
    assert relation(w)["Address"]["Rs"] == "Berlin"  # its own address stays

    # Shipping there again later links a fresh delivery address, and the order points at it.
    w.product("SKU-1")
    order = w.order("SKU-1", customer_id=customer_id,
                    billing={"email": "anna@example.com", "first_name": "Anna",
                             "last_name": "Müller", "street_1": "Hauptstraße 5",
                             "city": "Berlin", "zip": "10115", "country_iso2": "DE"},
                    shipping_addresses=[{**SHOP, "email": "anna@example.com"}])  # fmt: skip
    w.export(order)
    old, new = relation(w)["DeliveryAddresses"]
    assert (old["Blocked"], new["Blocked"], new["Rs"]) == (True, False, "Potsdam")
    assert w.erp_orders(order)[0]["fields"]["DlAd"] == new["AddressId"]


def test_an_order_only_address_is_not_blocked_by_a_customer_update(hooked):
    """A delivery address seen only on an order was never in the address book: kept."""
    w = hooked
    name_delivery_addresses_connector(w)
    w.product("SKU-1")
    item = {"first_name": "Anna", "last_name": "Müller", "email": "anna@example.com",
            "addresses": [HOME]}  # fmt: skip
    with w.bc.lock:
        customer_id = create_customer(w.bc_store, item)["id"]
    sync(w)
    order = w.order("SKU-1", customer_id=customer_id,
                    billing={"email": "anna@example.com", "first_name": "Anna",
                             "last_name": "Müller", "street_1": "Hauptstraße 5",
                             "city": "Berlin", "zip": "10115", "country_iso2": "DE"},
                    shipping_addresses=[{**SHOP, "email": "anna@example.com"}])  # fmt: skip
    w.export(order)
    [linked] = relation(w)["DeliveryAddresses"]
    [erp] = w.erp_orders(order)
    assert erp["fields"]["DlAd"] == linked["AddressId"]  # the order points at it

    w.bc.clock.advance(1)
    bc(w, "PUT", "customers", json=[{"id": customer_id, "phone": "+4930123"}])
    sync(w)
    assert w.log("customer")[-1].message == "Updated anna@example.com."
    assert [a["Blocked"] for a in relation(w)["DeliveryAddresses"]] == [False]
