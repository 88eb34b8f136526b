"""The shared HTTP layer every REST connector stands on: status table, exchanges, redaction."""

from __future__ import annotations

from typing import ClassVar

import httpx
import pytest

from bcapp.connectors.http import MAX_LOGGED_BODY, HttpApi, make_client, redact
from bcapp.errors import ConfigError, FatalSyncError, RetryableSyncError


class ShopErp(HttpApi):
    remote: ClassVar[str] = "shoperp"
    remote_label: ClassVar[str] = "ShopERP"


def api(handler, **kwargs) -> ShopErp:  # type: ignore[no-untyped-def]
    client = make_client(
        "https://erp.example/api/",
        transport=httpx.MockTransport(handler),
        headers={"Authorization": "Bearer s3cret-token"},
    )
    return ShopErp(client=client, secrets=("s3cret-token",), **kwargs)


def answer(status: int, **kwargs):  # type: ignore[no-untyped-def]
    return lambda request: httpx.Response(status, **kwargs)


def test_validation_error_is_fatal_with_the_erps_words() -> None:
    erp = api(answer(422, json={"message": "Field 'vat' must be NL123456789B01"}))
    with pytest.raises(FatalSyncError) as info:
        erp.request("POST", "orders", json_body={"vat": "x"})
    assert info.value.message == "Field 'vat' must be NL123456789B01"
    assert (info.value.status, info.value.remote) == (422, "shoperp")


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_throttling_and_5xx_are_retryable_with_retry_after(status: int) -> None:
    erp = api(answer(status, headers={"Retry-After": "12"}, text="busy"))
    with pytest.raises(RetryableSyncError) as info:
        erp.request("GET", "items")
    assert info.value.retry_after == 12.0 and info.value.status == status


@pytest.mark.parametrize(
    ("status", "words"), [(401, "refused our credentials"), (403, "denied access")]
)
def test_auth_failures_are_config_errors_in_a_merchants_sentence(status: int, words: str) -> None:
    erp = api(answer(status, json={"message": "token expired"}))
    with pytest.raises(ConfigError) as info:
        erp.request("GET", "items")
    assert words in info.value.message and "ShopERP says: token expired" in info.value.message


@pytest.mark.parametrize(
    "exc", [httpx.ReadTimeout, httpx.ConnectTimeout, httpx.ConnectError, httpx.RemoteProtocolError]
)
def test_transport_failures_are_retryable(exc: type[httpx.TransportError]) -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise exc("boom", request=request)

    erp = api(fail)
    with pytest.raises(RetryableSyncError):
        erp.request("GET", "items")
    assert erp.last_exchange is not None and "boom" in erp.last_exchange.error


def test_exchange_records_what_was_sent_and_said_without_secrets() -> None:
    erp = api(answer(201, json={"id": 7, "echo": "s3cret-token", "password": "pw"}), record=True)
    erp.request(
        "POST",
        "customers",
        params={"q": "a"},
        json_body={"email": "a@example.com", "api_key": "k-123456", "note": "s3cret-token"},
    )
    exchange = erp.last_exchange
    assert exchange is not None and erp.exchanges == [exchange]
    logged = exchange.as_dict()
    assert logged["url"] == "https://erp.example/api/customers?q=a"
    assert logged["request_headers"]["authorization"] == "***"
    assert logged["request_body"] == {"email": "a@example.com", "api_key": "***", "note": "***"}
    assert logged["response_body"] == {"id": 7, "echo": "***", "password": "***"}
    assert logged["status"] == 201 and logged["elapsed_ms"] >= 0
    assert "s3cret-token" not in str(logged)


def test_huge_bodies_are_cut_in_the_log() -> None:
    erp = api(answer(200, text="x" * (MAX_LOGGED_BODY * 2)))
    erp.request("GET", "dump")
    assert len(erp.last_exchange.response_body) == MAX_LOGGED_BODY  # type: ignore[union-attr]


def test_redact_masks_keys_at_any_depth_and_short_values_stay() -> None:
    data = {"a": [{"Token": "x"}, "abc"], "b": {"secret": 1}, "c": "key=LONGSECRET"}
    assert redact(data, secrets=("LONGSECRET", "ab")) == {
        "a": [{"Token": "***"}, "abc"],
        "b": {"secret": "***"},
        "c": "key=***",
    }
