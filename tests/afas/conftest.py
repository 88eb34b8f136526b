"""AFAS fixtures: a fresh sandbox and a connector mounted on it (small pages)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bcapp.connectors.afas import AfasConnector
from bcapp.connectors.base import Address, Customer
from bcapp.sandbox.afas import AfasSandbox
from tests.afas.conformance import SPECS, check_exchange

#: Connectors built by this test (their exchanges are checked against the spec afterwards).
_BUILT: list[AfasConnector] = []


@pytest.fixture
def sandbox() -> AfasSandbox:
    return AfasSandbox()


def connect(sandbox: AfasSandbox, page_size: int = 4, **settings: Any) -> AfasConnector:
    connector = AfasConnector(
        sandbox.settings(**settings),
        transport=sandbox.transport(),
        page_size=page_size,
        record=True,
    )
    _BUILT.append(connector)
    return connector


@pytest.fixture(autouse=True)
def every_request_conforms() -> Iterator[None]:
    """Every request an AFAS test sends through a connector conforms to AFAS's spec."""
    _BUILT.clear()
    yield
    built, _BUILT[:] = list(_BUILT), []
    if SPECS is None:
        return
    for connector in built:
        for exchange in connector.client.exchanges:
            check_exchange(exchange)


@pytest.fixture
def afas(sandbox: AfasSandbox) -> Iterator[AfasConnector]:
    connector = connect(sandbox)
    yield connector
    connector.close()


def anna(email: str = "anna@example.com", company: str = "") -> Customer:
    address = Address(
        first_name="Anna",
        last_name="de Vries",
        company=company,
        street="Speelkamp 105 b",
        postal_code="3833 LC",
        city="Leusden",
        country_code="NL",
        email=email,
    )
    return Customer(
        email=email,
        first_name="Anna",
        last_name="de Vries",
        company=company,
        phone="0612345678",
        addresses=(address,),
        bc_id=7,
    )
