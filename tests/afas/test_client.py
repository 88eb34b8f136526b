"""The wire protocol: token header, URLs, filter encoding, errors, redacted exchanges."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from bcapp.connectors.afas.client import (
    AfasClient,
    Filter,
    Op,
    base_url,
    encode_filters,
    token_header,
)
from bcapp.errors import ConfigError, FatalSyncError, RetryableSyncError
from bcapp.sandbox.afas import AfasSandbox
from tests.afas.conftest import anna, connect


def test_token_header_wraps_the_data_in_afas_token_xml() -> None:
    header = token_header("ABC123")
    scheme, payload = header.split(" ")
    assert scheme == "AfasToken"
    assert base64.b64decode(payload).decode() == (
        "<token><version>1</version><data>ABC123</data></token>"
    )
    full = "<token><version>1</version><data>XYZ</data></token>"
    assert base64.b64decode(token_header(full).split(" ")[1]).decode() == full


@pytest.mark.parametrize(
    ("kind", "host"),
    [
        ("production", "rest"),
        ("test", "resttest"),
        ("acceptance", "restaccept"),
    ],
)
def test_base_url_per_environment_type(kind: str, host: str) -> None:
    assert base_url("12345", kind) == f"https://12345.{host}.afas.online/ProfitRestServices"


def test_base_url_refuses_nonsense_environment() -> None:
    with pytest.raises(ConfigError, match="digits"):
        base_url("12345.rest.afas.online", "production")
    assert base_url("1", "test", "http://demo:8091/ProfitRestServices/") == (
        "http://demo:8091/ProfitRestServices"
    )


def test_filter_sets_are_or_ed_with_semicolons_and_and_ed_with_commas() -> None:
    params = encode_filters(
        [
            [Filter("ModifiedDate", Op.GT, "2026-01-01T08:00:00Z")],
            [
                Filter("ModifiedDate", Op.EQ, "2026-01-01T08:00:00Z"),
                Filter("ItemCode", Op.GT, "A1"),
            ],
        ]
    )
    assert params == {
        "filterfieldids": "ModifiedDate;ModifiedDate,ItemCode",
        "filtervalues": "2026-01-01T08:00:00Z;2026-01-01T08:00:00Z,A1",
        "operatortypes": "4;1,4",
    }


def test_filter_values_with_separators_are_refused() -> None:
    with pytest.raises(FatalSyncError, match="cannot contain"):
        encode_filters([[Filter("Email", Op.EQ, "a,b@example.com")]])


def test_bad_token_is_a_config_error_in_merchant_words(sandbox: AfasSandbox) -> None:
    connector = connect(sandbox, token="wrong")
    with pytest.raises(ConfigError) as info:
        connector.check()
    assert "AFAS refused the token" in info.value.message
    assert "environment number" in info.value.message


def test_profit_error_body_is_fatal_and_verbatim(sandbox: AfasSandbox) -> None:
    client = connect(sandbox).client
    with pytest.raises(FatalSyncError) as info:
        client.get_rows("Profit_Debtor", filters=[[Filter("NoSuchField", Op.EQ, "x")]])
    assert info.value.message == (
        "Filter field 'NoSuchField' does not exist in GetConnector 'Profit_Debtor'."
    )
    assert info.value.status == 500 and info.value.remote == "afas"
    assert info.value.details["body"]["profitLogReference"]


def test_plain_500_and_503_are_retryable_with_retry_after(sandbox: AfasSandbox) -> None:
    client = connect(sandbox).client
    sandbox.fail_next(500)
    with pytest.raises(RetryableSyncError):
        client.metainfo()
    sandbox.fail_next(503)
    with pytest.raises(RetryableSyncError) as info:
        client.metainfo()
    assert info.value.retry_after == 30
    assert "maintenance" in info.value.message


def test_timeout_and_unreachable_are_retryable(sandbox: AfasSandbox) -> None:
    client = connect(sandbox).client
    sandbox.fail_next("timeout")
    with pytest.raises(RetryableSyncError, match="did not answer in time"):
        client.metainfo()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    down = AfasClient.connect(
        "https://1.resttest.afas.online/ProfitRestServices",
        "t",
        transport=httpx.MockTransport(refuse),
    )
    with pytest.raises(RetryableSyncError, match="could not be reached"):
        down.metainfo()
    assert down.last_exchange is not None and "refused" in down.last_exchange.error


def test_exchanges_never_contain_the_token(sandbox: AfasSandbox) -> None:
    connector = connect(sandbox)
    connector.check()
    connector.upsert_customer(anna())
    header = connector.client.client.headers["Authorization"]
    dumped = json.dumps([e.as_dict() for e in connector.client.exchanges])
    assert connector.client.exchanges
    assert sandbox.token not in dumped and header.split(" ")[1] not in dumped
    exchange = connector.last_exchange
    assert exchange.request_headers["authorization"] == "***"
    assert exchange.method == "POST" and exchange.status == 201
    assert exchange.response_body == {"results": {"KnSalesRelationPer": {"DbId": "10001"}}}
    assert exchange.request_body["KnSalesRelationPer"]["Element"]["Fields"]["CuId"] == "EUR"


def test_forbidden_is_a_config_error_about_ip_restrictions() -> None:
    def forbid(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403)

    client = AfasClient.connect(
        "https://1.rest.afas.online/ProfitRestServices", "t", transport=httpx.MockTransport(forbid)
    )
    with pytest.raises(ConfigError, match="IP restriction"):
        client.metainfo()


def test_last_exchange_helper_gives_flows_a_loggable_dict(sandbox: AfasSandbox) -> None:
    from bcapp.connectors.base import last_exchange

    connector = connect(sandbox)
    assert last_exchange(connector) is None
    connector.find_customer("nobody@example.com")
    logged = last_exchange(connector)
    assert logged is not None and logged["status"] == 200
    assert logged["request_headers"]["authorization"] == "***"
    assert "filterfieldids=Email" in logged["url"]


def test_faults_hit_the_next_n_requests_then_stop(sandbox: AfasSandbox) -> None:
    client = connect(sandbox).client
    sandbox.fail_next(503, times=2)
    for _ in range(2):
        with pytest.raises(RetryableSyncError):
            client.metainfo()
    assert client.metainfo()["getConnectors"]
