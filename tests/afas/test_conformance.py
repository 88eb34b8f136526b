"""Every request the AFAS client sends conforms to AFAS's own OpenAPI files.

UpdateConnector bodies validate (jsonschema) against the request schemas, with
``required`` relaxed only where AFAS's own examples omit a field (see
``bcapp.sandbox.afas.spec``); GetConnector paths and query parameters must be
ones the spec declares, operator codes among its enum. Skips when
``../shared/erp-specs/afas`` is absent (a user's checkout).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest

from bcapp.connectors.afas import AfasConnector
from bcapp.connectors.base import OrderLine, Shipment, ShipmentLine
from bcapp.sandbox.afas import AfasSandbox
from bcapp.sandbox.afas.spec import strict_schema
from tests.afas.conformance import SKIP_REASON, SPECS, check_get, check_update
from tests.afas.conftest import anna, connect
from tests.afas.test_writes import order

pytestmark = pytest.mark.skipif(SPECS is None, reason=SKIP_REASON)


def scenario(sandbox: AfasSandbox) -> AfasConnector:
    """Use every request the connector can make, on a sandbox with some data."""
    sandbox.seed(6, with_dimensions=2)
    sandbox.add_article("EBOOK", "E-book")
    sandbox.set_stock("A0001", "01", 5, dim1="S")
    sandbox.add_debtor("known@example.com")
    afas = connect(sandbox, page_size=3, orders={"shipping_item_code": "VZK"})
    afas.check()
    for fetch in (
        afas.fetch_products,
        afas.fetch_categories,
        afas.fetch_stock,
        afas.fetch_shipments,
        afas.fetch_credit_notes,
        afas.fetch_order_statuses,
    ):
        batches = list(fetch(None))
        if batches and batches[-1].cursor:
            list(fetch(batches[-1].cursor))
    person = afas.upsert_customer(anna())
    afas.upsert_customer(anna())  # update (PUT)
    afas.upsert_customer(anna("known@example.com"))
    afas.upsert_customer(anna("b2b@example.com", company="Jansen B.V."))
    afas.upsert_customer(anna("b2b@example.com", company="Jansen Holding B.V."))  # PUT
    lines = (
        OrderLine(
            sku="A0001-S",
            name="A",
            quantity=Decimal(1),
            price_ex_tax=Decimal(10),
            price_inc_tax=Decimal("12.10"),
        ),
        OrderLine(
            sku="A0004",
            name="B",
            quantity=Decimal(3),
            price_ex_tax=Decimal(1),
            price_inc_tax=Decimal("1.21"),
            discount=Decimal("0.5"),
        ),
        OrderLine(
            sku="EBOOK",
            name="E",
            quantity=Decimal(1),
            price_ex_tax=Decimal(5),
            price_inc_tax=Decimal("6.05"),
            is_digital=True,
        ),
    )
    the_order = replace(order("5005"), lines=lines)
    afas.create_order(the_order, person)
    afas.create_subscription(the_order, lines[2], person)
    afas.create_shipment(
        Shipment(
            erp_id="",
            order_reference="5005",
            tracking_number="3S1",
            lines=(ShipmentLine(sku="A0001-S", quantity=Decimal(1)),),
        )
    )
    return afas


@pytest.fixture(scope="module")
def exchanges() -> list[Any]:
    afas = scenario(AfasSandbox())
    return afas.client.exchanges


def test_scenario_exercised_every_write(exchanges: list[Any]) -> None:
    writes = {
        (e.method, urlsplit(e.url).path.rsplit("/", 1)[-1]) for e in exchanges if e.method != "GET"
    }
    assert writes == {
        ("POST", "KnSalesRelationPer"),
        ("PUT", "KnSalesRelationPer"),
        ("POST", "KnSalesRelationOrg"),
        ("PUT", "KnSalesRelationOrg"),
        ("POST", "FbSales"),
        ("POST", "FbSubscription"),
        ("POST", "FbDeliveryNote"),
    }


def test_update_bodies_validate_against_the_request_schemas(exchanges: list[Any]) -> None:
    for exchange in (e for e in exchanges if e.method in {"POST", "PUT"}):
        check_update(exchange.method, exchange.url, exchange.request_body)
        assert exchange.status in {200, 201}, exchange.response_body


def test_get_requests_use_spec_paths_and_parameters(exchanges: list[Any]) -> None:
    gets = [e for e in exchanges if e.method == "GET"]
    assert len(gets) > 20
    templates = [check_get(e.url) for e in gets]
    assert any(t.startswith("/connectors/Profit_") for t in templates), (
        "no standard Profit_* GetConnector was checked against its own path"
    )
    assert "/Metainfo/{Type}/{Endpoint}" in templates and "/MetaInfo" in templates


def test_the_schema_check_bites() -> None:
    """Guard: the relaxed schemas still refuse unknown fields, wrong types and gaps."""
    schema = strict_schema(SPECS, "FbSales", "POST")
    good = {
        "FbSales": {
            "Element": {
                "Fields": {"DbId": "1"},
                "Objects": [
                    {
                        "FbSalesLines": {
                            "Element": [
                                {"Fields": {"VaIt": "2", "ItCd": "X", "BiUn": "STK", "QuUn": 1}}
                            ]
                        }
                    }
                ],
            }
        }
    }
    jsonschema.validate(good, schema)
    for broken in (
        {"FbSales": {"Element": {"Fields": {"DbId": "1", "Bogus": 1}}}},
        {"FbSales": {"Element": {"Fields": {"DbId": "1", "Unit": "one"}}}},
        {"FbSales": {"Element": {"Fields": {"OrDa": "2026-01-01"}}}},
        {
            "FbSales": {
                "Element": {
                    "Fields": {"DbId": "1"},
                    "Objects": [
                        {
                            "FbSalesLines": {
                                "Element": [{"Fields": {"VaIt": "99", "ItCd": "X", "QuUn": 1}}]
                            }
                        }
                    ],
                }
            }
        },
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)
