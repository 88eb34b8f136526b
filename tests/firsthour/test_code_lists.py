"""The lists the mapping pickers offer (issue 21, point 6), at the connector and sandbox level:
ERP connectors list their codes (ChoiceSource), the BigCommerce sandbox serves the store's
payment methods, shipping zones and tax classes as BigCommerce's specs describe them."""

from __future__ import annotations

import httpx
import pytest

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.connectors.afas.connector import AfasConnector
from bcapp.connectors.base import Choice, ChoiceSource
from bcapp.connectors.mplus import MplusConnector
from bcapp.sandbox.afas import AfasSandbox
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.mplus.demo import DEMO_SETTINGS, demo_sandbox
from tests.bigcommerce.openapi_check import ValidatingTransport, spec_index


def test_afas_lists_payment_methods_vat_codes_and_delivery_types() -> None:
    sandbox = AfasSandbox()
    connector = AfasConnector(sandbox.settings(), transport=sandbox.transport())
    assert isinstance(connector, ChoiceSource)
    assert Choice("IDL", "iDEAL") in connector.choices("payment")
    vat = connector.choices("tax")
    assert Choice("1", "BTW hoog verkoop (21%)") in vat
    assert all(c.code != "9" for c in vat)  # a blocked VAT code is not offered
    assert [c.code for c in connector.choices("shipping")] == ["1", "2", "3"]  # DtId: integers
    assert connector.choices("order_status") == []


def test_afas_without_the_getconnector_keeps_free_entry() -> None:
    sandbox = AfasSandbox()
    sandbox.connectors.pop("BCApp_PaymentMethods")
    connector = AfasConnector(sandbox.settings(), transport=sandbox.transport())
    assert connector.choices("payment") == []


def test_mplus_lists_payment_methods_vat_groups_and_delivery_methods() -> None:
    settings = {**DEMO_SETTINGS, "port": 443, "base_url": "https://api.mpluskassa.nl:443/"}
    connector = MplusConnector(settings, transport=httpx.WSGITransport(app=demo_sandbox()))
    assert isinstance(connector, ChoiceSource)
    assert Choice("IDEAL", "iDEAL") in connector.choices("payment")
    assert Choice("2", "21%") in connector.choices("tax")  # 2100 hundredths of a percent
    assert Choice("POSTNL", "PostNL") in connector.choices("shipping")


def test_mplus_that_refuses_lists_nothing() -> None:
    settings = {
        "ident": "wrong",
        "secret": "x",
        "port": 443,
        "base_url": "https://api.mpluskassa.nl:443/",
    }
    connector = MplusConnector(settings, transport=httpx.WSGITransport(app=demo_sandbox()))
    assert connector.choices("payment") == []


@pytest.fixture
def checked_client() -> BigCommerceClient:
    sandbox = BigCommerceSandbox(clock=SandboxClock(speed=0))
    store = sandbox.create_store("lists1")
    transport = ValidatingTransport(sandbox.transport(), spec_index(), check_responses="raise")
    budget = LocalBudget(store.hash, clock=sandbox.clock.now, sleep=sandbox.clock.advance)
    return BigCommerceClient(store.hash, store.access_token, transport=transport, budget=budget)


def test_the_bigcommerce_sandbox_serves_store_settings_as_the_specs_say(checked_client) -> None:
    methods = checked_client.v2("GET", "/payments/methods")
    assert {"code": "cod", "name": "Cash on Delivery", "test_mode": True} in methods
    classes = checked_client.v2("GET", "/tax_classes")
    assert [c["name"] for c in classes] == ["Non-Taxable Products", "Shipping", "Gift Wrapping"]
    zones = checked_client.v2("GET", "/shipping/zones")
    names = [
        m["name"]
        for zone in zones
        for m in checked_client.v2("GET", f"/shipping/zones/{zone['id']}/methods")
    ]
    assert "Flat Rate" in names and "Free Shipping" in names
    assert checked_client.v2("GET", f"/shipping/zones/{zones[0]['id']}")["name"] == "Netherlands"
