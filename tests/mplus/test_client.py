"""The SOAP client against the sandbox: faults, transport errors, secrets kept out of logs."""

from __future__ import annotations

import logging

import httpx
import pytest

from bcapp.connectors.mplus.client import MplusClient, base_url, redact_url
from bcapp.errors import ConfigError, FatalSyncError, RetryableSyncError
from bcapp.sandbox.mplus import MplusSandbox

from .conftest import URL


def test_call_decodes_typed_values(client: MplusClient) -> None:
    answer = client.call("getApiVersion")
    assert answer["majorNumber"] == 1 and answer["inDebugMode"] is False


def test_wrong_secret_is_a_config_error_with_mplus_words(sandbox: MplusSandbox) -> None:
    bad = MplusClient(URL, "shop-ident", "wrong", transport=httpx.WSGITransport(app=sandbox))
    with pytest.raises(ConfigError) as err:
        bad.call("getApiVersion")
    assert "Invalid ident and/or secret" in str(err.value)


def test_server_fault_is_retryable(client: MplusClient, sandbox: MplusSandbox) -> None:
    sandbox.state.inject("server_fault", 1)
    with pytest.raises(RetryableSyncError, match="server error"):
        client.call("getApiVersion")
    assert client.call("getApiVersion")["majorNumber"] == 1  # only the next call failed


def test_503_is_retryable_with_retry_after(client: MplusClient, sandbox: MplusSandbox) -> None:
    sandbox.state.inject("http_503", 2, operation="getBranches")
    for _ in range(2):
        with pytest.raises(RetryableSyncError) as err:
            client.call("getBranches")
        assert err.value.status == 503 and err.value.retry_after == 1.0
    assert client.call("getBranches")["branches"]["branch"]


def test_latency_injection_stalls_the_call(sandbox: MplusSandbox) -> None:
    slept: list[float] = []
    sandbox.sleep = slept.append
    sandbox.state.inject("latency", 1, seconds=2.5)
    c = MplusClient(URL, "shop-ident", "s3cr3t-value", transport=httpx.WSGITransport(app=sandbox))
    assert c.call("getApiVersion")["majorNumber"] == 1
    assert slept == [2.5]


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout("timed out"), httpx.ConnectError("connection refused")]
)
def test_transport_failures_are_retryable_and_secret_free(exc: Exception) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc

    c = MplusClient(URL, "shop-ident", "s3cr3t-value", transport=httpx.MockTransport(fail))
    with pytest.raises(RetryableSyncError) as err:
        c.call("getApiVersion")
    assert "s3cr3t-value" not in str(err.value)
    assert err.value.__cause__ is None  # the httpx error (with the URL) is not chained


def test_html_502_from_a_proxy_is_retryable() -> None:
    c = MplusClient(
        URL,
        "i",
        "s",
        transport=httpx.MockTransport(
            lambda r: httpx.Response(502, text="<html>Bad gateway</html>")
        ),
    )
    with pytest.raises(RetryableSyncError):
        c.call("getApiVersion")


def test_non_numeric_article_number_is_refused(client: MplusClient, sandbox: MplusSandbox) -> None:
    with pytest.raises(FatalSyncError, match="Validation constraint violation"):
        client.call("getProducts", {"request": {"articleNumbers": ["MUG-RED"]}})
    assert sandbox.invalid_requests  # the schema caught it (xsd:long)
    sandbox.invalid_requests.clear()


def test_unknown_request_field_raises_before_sending(client: MplusClient) -> None:
    with pytest.raises(ValueError, match="articleNumbr"):
        client.call("getProducts", {"request": {"articleNumbr": [1]}})


def test_secret_never_reaches_the_log(
    client: MplusClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.call("getApiVersion")
    client.call("getBranches")
    assert "HTTP Request" in caplog.text  # httpx logged the request line ...
    assert "s3cr3t-value" not in caplog.text  # ... without the secret
    assert "shop-ident" not in caplog.text
    assert client.last_exchange is not None and "s3cr3t" not in client.last_exchange.url


def test_redact_url_masks_query_credentials() -> None:
    url = "https://api.mpluskassa.nl:1234/?ident=abc&secret=xyz&x=1"
    assert redact_url(url) == "https://api.mpluskassa.nl:1234/?ident=***&secret=***&x=1"


def test_base_url_from_port_or_override() -> None:
    assert base_url(34567) == "https://api.mpluskassa.nl:34567/"
    assert base_url(None, override="http://127.0.0.1:8089/x?y=1") == "http://127.0.0.1:8089/x"
    with pytest.raises(ConfigError, match="port"):
        base_url(None)


def test_letters_in_an_article_number_are_refused_without_schema_validation_too() -> None:
    sandbox = MplusSandbox(validate=False)
    state = sandbox.state
    c = MplusClient(URL, state.ident, state.secret, transport=httpx.WSGITransport(app=sandbox))
    with pytest.raises(FatalSyncError, match="Validation constraint violation"):
        c.call("getProducts", {"request": {"articleNumbers": ["MUG-RED"]}})
