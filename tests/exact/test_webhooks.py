"""Webhook subscriptions through the client; deliveries verified by HashCode."""

from __future__ import annotations

import httpx
import pytest

from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.webhooks import TOPICS, InvalidHashCode, verify_hashcode
from bcapp.errors import FatalSyncError
from bcapp.sandbox.exact import ExactSandbox

CALLBACK = "https://bcapp.example/webhooks/exact"


def test_subscriptions_are_ensured_with_one_list_call_when_present(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    created = exact.ensure_subscriptions(TOPICS, CALLBACK)
    assert sorted(s.topic for s in created) == sorted(TOPICS)
    before = len(sandbox.api_calls())
    again = exact.ensure_subscriptions(TOPICS, CALLBACK)
    assert {s.id for s in again} == {s.id for s in created}
    assert len(sandbox.api_calls()) == before + 1

    exact.unsubscribe(created[0].id)
    assert len(exact.subscriptions()) == len(TOPICS) - 1


def test_exact_refuses_a_callback_outside_the_apps_domain(exact: ExactClient) -> None:
    with pytest.raises(FatalSyncError, match="https"):
        exact.subscribe("Items", "http://bcapp.example/webhooks/exact")
    with pytest.raises(FatalSyncError, match="domain"):
        exact.subscribe("Items", "https://elsewhere.example/hook")


def test_a_delivery_verifies_and_names_the_changed_record(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    exact.subscribe("Items", CALLBACK)
    item = sandbox.division().add_item("TEA-01")
    sandbox.division().touch_item("TEA-01", Description="Earl Grey")
    created, updated = sandbox.deliver_webhooks()
    event = verify_hashcode(updated.body, sandbox.app.webhook_secret)
    assert (event.topic, event.action, event.key) == ("Items", "Update", item)
    assert event.division == sandbox.current_division and event.client_id == sandbox.app.client_id
    assert event.endpoint.endswith(f"/logistics/Items(guid'{item}')")
    assert verify_hashcode(created.body, sandbox.app.webhook_secret).action == "Create"
    assert sandbox.deliver_webhooks() == []


def test_a_forged_hashcode_is_refused(sandbox: ExactSandbox, exact: ExactClient) -> None:
    exact.subscribe("Items", CALLBACK)
    sandbox.division().add_item("TEA-01")
    (delivery,) = sandbox.deliver_webhooks()
    with pytest.raises(InvalidHashCode, match="does not match"):
        verify_hashcode(delivery.body, "someone-elses-secret")


def test_a_tampered_body_is_refused(sandbox: ExactSandbox, exact: ExactClient) -> None:
    exact.subscribe("StockPositions", CALLBACK)
    sandbox.division().add_item("TEA-01", stock=5)
    (delivery,) = sandbox.deliver_webhooks()
    division = str(sandbox.current_division).encode()
    tampered = delivery.body.replace(division, b"7654321", 1)
    assert tampered != delivery.body
    with pytest.raises(InvalidHashCode):
        verify_hashcode(tampered, sandbox.app.webhook_secret)
    respaced = delivery.body.replace(b'"Action":', b'"Action": ')  # same JSON, other bytes
    with pytest.raises(InvalidHashCode):
        verify_hashcode(respaced, sandbox.app.webhook_secret)


@pytest.mark.parametrize("body", [b"", b"not json", b'{"Content":{"Topic":"Items"}}'])
def test_a_body_that_is_no_exact_callback_is_refused(body: bytes) -> None:
    with pytest.raises(InvalidHashCode):
        verify_hashcode(body, "secret")


def test_deliveries_are_posted_to_the_callback_through_a_transport(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    exact.subscribe("SalesOrders", CALLBACK)
    div = sandbox.division()
    div.add_item("MUG", stock=3)
    div.add_sales_order(div.add_account("Jansen"), "100800", [("MUG", 1)])
    received: list[bytes] = []

    def app(request: httpx.Request) -> httpx.Response:  # stands in for the intake route
        received.append(request.content)
        return httpx.Response(200)

    (delivery,) = sandbox.deliver_webhooks(httpx.MockTransport(app))
    assert (delivery.url, delivery.status) == (CALLBACK, 200)
    assert received == [delivery.body]
    assert verify_hashcode(received[0], sandbox.app.webhook_secret).topic == "SalesOrders"
