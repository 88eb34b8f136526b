"""BigCommerce's refusals become bcapp's error tree, with BigCommerce's words kept verbatim."""

from __future__ import annotations

import httpx
import pytest

from bcapp.bigcommerce import errors as bce
from bcapp.errors import (
    ConfigError,
    FatalSyncError,
    ReauthorizationRequired,
    RetryableSyncError,
)

TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"


def test_revoked_token_raises_reauthorization_required(bc, make_client):
    @bc.route("GET", "/v3/catalog/products/(\\d+)")
    def _(request, match):
        return httpx.Response(401, json={"status": 401, "title": "Unauthorized", "type": TYPE})

    client = make_client()
    with pytest.raises(ReauthorizationRequired) as caught:
        client.products.get(7)
    assert isinstance(caught.value, ConfigError)
    assert isinstance(caught.value, bce.ApiError)
    assert caught.value.message == "Unauthorized"
    assert caught.value.status == 401
    assert len(bc.requests) == 1  # never retried


def test_missing_scope_403_also_asks_for_reauthorization(bc, make_client):
    @bc.route("GET", "/v2/orders/(\\d+)")
    def _(request, match):
        return httpx.Response(
            403,
            json=[
                {"status": 403, "message": "You don't have a required scope to access the endpoint"}
            ],
        )

    with pytest.raises(ReauthorizationRequired, match="required scope"):
        make_client().orders.get(100)


def test_422_keeps_title_and_field_errors_verbatim(bc, make_client):
    body = {
        "status": 422,
        "title": "JSON data is missing or invalid",
        "type": TYPE,
        "errors": {"price": "error.path.missing", "name": "The field 'name' cannot be empty."},
    }

    @bc.route("POST", "/v3/catalog/products")
    def _(request, match):
        return httpx.Response(422, json=body)

    with pytest.raises(bce.Unprocessable) as caught:
        make_client().products.create({"name": "Mug", "type": "physical", "weight": 1, "price": 5})
    error = caught.value
    assert isinstance(error, FatalSyncError) and not isinstance(error, RetryableSyncError)
    assert error.message.startswith("JSON data is missing or invalid")
    assert "The field 'name' cannot be empty." in error.message
    assert error.details["errors"] == body["errors"]
    assert error.details["path"] == "/stores/abc123/v3/catalog/products"
    assert error.remote == "bigcommerce" and error.status == 422
    assert len(bc.requests) == 1


@pytest.mark.parametrize(
    ("status", "cls"),
    [(404, bce.NotFound), (409, bce.Conflict), (413, bce.PayloadTooLarge), (400, bce.BadRequest)],
)
def test_fatal_statuses(bc, make_client, status, cls):
    title = f"BigCommerce says {status}"

    @bc.route("PUT", "/v3/catalog/products/(\\d+)")
    def _(request, match):
        return httpx.Response(status, json={"status": status, "title": title, "type": TYPE})

    with pytest.raises(cls) as caught:
        make_client().products.update(5, {"price": 3})
    assert isinstance(caught.value, FatalSyncError)
    assert caught.value.message == title
    assert len(bc.requests) == 1


def test_v2_list_of_messages_is_joined_verbatim(bc, make_client):
    @bc.route("POST", "/v2/orders/(\\d+)/shipments")
    def _(request, match):
        return httpx.Response(
            400,
            json=[
                {"status": 400, "message": "The field 'order_address_id' is invalid."},
                {"status": 400, "message": "Quantity exceeds the remaining quantity to ship."},
            ],
        )

    with pytest.raises(bce.BadRequest) as caught:
        make_client().orders.create_shipment(
            100, {"order_address_id": 9, "items": [{"order_product_id": 1, "quantity": 5}]}
        )
    assert caught.value.message == (
        "The field 'order_address_id' is invalid.; Quantity exceeds the remaining quantity to ship."
    )
    assert caught.value.details["messages"][1] == "Quantity exceeds the remaining quantity to ship."


def test_write_5xx_is_retryable_and_not_resent(bc, make_client):
    @bc.route("POST", "/v3/catalog/products")
    def _(request, match):
        return httpx.Response(
            502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}
        )

    with pytest.raises(RetryableSyncError) as caught:
        make_client().products.create({"name": "A", "type": "physical", "weight": 1, "price": 5})
    assert caught.value.status == 502
    assert "Bad gateway" in caught.value.message
    assert len(bc.requests) == 1  # a write is retried by the job queue, not here


def test_read_5xx_is_retried_then_succeeds(bc, make_client, clock):
    answers = iter([500, 503, 200])

    @bc.route("GET", "/v2/store")
    def _(request, match):
        status = next(answers)
        if status != 200:
            return httpx.Response(
                status, json=[{"status": status, "message": "Internal Server Error"}]
            )
        return httpx.Response(200, json={"id": "abc123", "name": "Shop"})

    assert make_client().store.info()["name"] == "Shop"
    assert len(bc.requests) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_timeout_becomes_retryable(clock, specs):
    from bcapp.bigcommerce.client import BigCommerceClient
    from bcapp.bigcommerce.ratelimit import LocalBudget
    from tests.bigcommerce.openapi_check import ValidatingTransport

    calls = []

    def handler(request):
        calls.append(request)
        raise httpx.ReadTimeout("timed out", request=request)

    transport = ValidatingTransport(httpx.MockTransport(handler), specs)
    budget = LocalBudget("abc123", clock=clock, sleep=clock.sleep)
    client = BigCommerceClient("abc123", "t", transport=transport, budget=budget, max_retries=1)
    with pytest.raises(RetryableSyncError, match="did not answer in time"):
        client.products.get(1)
    assert len(calls) == 2  # a read is tried once more
    with pytest.raises(RetryableSyncError):
        client.products.create({"name": "A", "type": "physical", "weight": 1, "price": 5})
    assert len(calls) == 3  # a write is not


def test_status_table_is_one_table():
    assert bce.class_for_status(401) is bce.TokenRejected
    assert bce.class_for_status(418) is bce.RequestRefused
    assert bce.class_for_status(504) is bce.Unavailable
    assert bce.class_for_status(408) is bce.Unavailable
    assert bce.class_for_status(429) is bce.RateLimited


def test_payment_actions_wrapped_error_keeps_bigcommerces_sentence(bc, make_client):
    body = {"data": [{"status": 422, "title": "The refund amount exceeds the amount paid.",
                      "errors": {"items": "at most 10.00 can be refunded"}}]}  # fmt: skip

    @bc.route("POST", "/v3/orders/(\\d+)/payment_actions/refund_quotes")
    def _(request, match):
        return httpx.Response(422, json=body)

    with pytest.raises(bce.Unprocessable) as caught:
        make_client().refunds.quote(100, [{"item_type": "PRODUCT", "item_id": 1, "quantity": 1}])
    assert caught.value.message == (
        "The refund amount exceeds the amount paid. (items: at most 10.00 can be refunded)"
    )
    assert caught.value.details["body"] == body  # the answer as BigCommerce sent it
