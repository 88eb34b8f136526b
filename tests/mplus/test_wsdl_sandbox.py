"""The shipped WSDL, the codec's conformance to it, the sandbox's SOAP behaviour, settings."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from lxml import etree

from bcapp.connectors.base import secret_fields
from bcapp.connectors.mplus import soap
from bcapp.connectors.mplus.settings import SETTINGS_SCHEMA, MplusSettings
from bcapp.connectors.mplus.wsdl import WSDL_PATH, index, xml_schema
from bcapp.errors import ConfigError
from bcapp.sandbox.mplus import MplusSandbox

SHARED = Path(
    os.environ.get("BCAPP_SHARED_DIR") or Path(__file__).resolve().parents[2] / "../shared"
)


def test_shipped_wsdl_is_the_vendor_file_unmodified() -> None:
    vendor = SHARED / "erp-specs/mplus/mplusqapi.wsdl"
    if not vendor.exists():
        pytest.skip(f"vendor reference {vendor} is absent (a user's checkout)")
    assert WSDL_PATH.read_bytes() == vendor.read_bytes()
    assert WSDL_PATH.with_name("mplusqapi.wsdl.NOTICE").read_text().count("MIT") >= 1


def test_index_covers_every_operation() -> None:
    idx = index()
    assert len(idx.operations) == 374
    assert idx.operation("getProducts").output == "GetProductsResponse"
    assert idx.operation("getApiVersion").output == "getApiVersionResponse"


def test_encoder_follows_schema_order_whatever_the_dict_order() -> None:
    body = {"request": {"syncMarkerLimit": 5, "syncMarker": 10, "articleNumbers": [3, 1]}}
    envelope = soap.request("getProducts", body)
    payload = soap.body_element(envelope)
    names = [etree.QName(e).localname for e in payload[0]]
    assert names == [
        "articleNumbers",
        "articleNumbers",
        "pluNumbers",
        "syncMarker",
        "syncMarkerLimit",
    ]
    assert xml_schema().validate(etree.fromstring(etree.tostring(payload)))


def test_decoder_types_and_lists() -> None:
    idx = index()
    answer = soap.envelope(
        "GetProductsResponse",
        {
            "productList": {
                "product": [
                    {
                        "productNumber": 5,
                        "articleList": {"article": [{"articleNumber": 7, "active": False}]},
                    }
                ]
            }
        },
    )
    decoded = soap.response("getProducts", answer)
    assert decoded == {
        "productList": {
            "product": [
                {
                    "productNumber": 5,
                    "articleList": {"article": [{"articleNumber": 7, "active": False}]},
                }
            ]
        }
    }
    assert idx.field_map("Article")["articleNumber"].type == "xsd:long"


def _post(
    sandbox: MplusSandbox,
    body: bytes,
    query: str = "ident=shop-ident&secret=s3cr3t-value",
    **headers: str,
) -> httpx.Response:
    with httpx.Client(transport=httpx.WSGITransport(app=sandbox)) as http:
        return http.post(f"http://mplus.test/?{query}", content=body, headers=headers)


def test_sandbox_dispatches_on_the_body_not_the_soapaction(sandbox: MplusSandbox) -> None:
    answer = _post(sandbox, soap.request("getApiVersion"), SOAPAction="getBranches")
    assert answer.status_code == 200
    assert isinstance(soap.response("getApiVersion", answer.content), dict)


def test_sandbox_faults_are_soap_faults(sandbox: MplusSandbox) -> None:
    bad_auth = _post(sandbox, soap.request("getApiVersion"), "ident=shop-ident&secret=x")
    fault = soap.fault_of(soap.body_element(bad_auth.content))
    assert bad_auth.status_code == 500 and fault and fault.kind == "Client.Authentication"
    junk = _post(sandbox, b"<notsoap/>")
    assert soap.fault_of(soap.body_element(junk.content)).kind == "Client"
    unsimulated = _post(sandbox, soap.request("updateTurnoverGroups", {}))
    assert "not simulated" in soap.fault_of(soap.body_element(unsimulated.content)).message


def test_sandbox_serves_the_wsdl(sandbox: MplusSandbox) -> None:
    with httpx.Client(transport=httpx.WSGITransport(app=sandbox)) as http:
        assert http.get("http://mplus.test/?wsdl").content == WSDL_PATH.read_bytes()


def test_settings_schema_marks_the_secret_and_says_images_are_not_sent() -> None:
    assert secret_fields(SETTINGS_SCHEMA) == {"secret"}
    assert "images are not sent" in SETTINGS_SCHEMA["description"].lower()
    # the settings form shows field descriptions: the sentence sits on the update checkbox too
    update = SETTINGS_SCHEMA["properties"]["update_existing_articles"]["description"]
    assert "images are never sent" in update.lower()
    assert SETTINGS_SCHEMA["properties"]["employee_number"]["default"] == 999999


def test_settings_validation_speaks_to_the_merchant() -> None:
    with pytest.raises(ConfigError, match="secret"):
        MplusSettings.from_mapping({"port": 1, "ident": "x"})
    with pytest.raises(ConfigError, match="range"):
        MplusSettings.from_mapping(
            {"ident": "x", "secret": "y", "article_number_min": 10, "article_number_max": 5}
        )
    s = MplusSettings.from_mapping(
        {"ident": "x", "secret": "y", "port": "8080", "stock_branches": ["2", 3]}
    )
    assert (s.port, s.branches, s.employee_number) == (8080, (2, 3), 999999)
