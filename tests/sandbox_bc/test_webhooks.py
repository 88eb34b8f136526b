"""Webhooks: /hooks API, payloads, Standard Webhooks signatures, retries, blocklisting."""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from werkzeug.wrappers import Request, Response

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxStore
from bcapp.sandbox.bigcommerce.webhooks import RETRY_DELAYS
from tests.sandbox_bc.conftest import CLIENT_SECRET, product_body

DEST = "https://app.example.com/webhooks/bigcommerce"


@dataclass
class Receiver:
    """A WSGI endpoint that records deliveries and answers ``status`` after ``delay`` s."""

    status: int = 200
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        self.received.append({"headers": dict(request.headers), "body": request.get_data()})
        if self.delay:
            time.sleep(self.delay)
        return Response(status=self.status)(environ, start_response)

    def transport(self) -> httpx.WSGITransport:
        return httpx.WSGITransport(app=self)


def hook(api: httpx.Client, scope: str = "store/product/*", **extra: Any) -> httpx.Response:
    return api.post(
        "/v3/hooks", json={"scope": scope, "destination": DEST, "is_active": True, **extra}
    )


def test_hook_crud_uniqueness_and_https(api: httpx.Client) -> None:
    created = hook(api, headers={"X-Store-Secret": "s3cret"})
    assert created.status_code == 200
    data = created.json()["data"]
    assert data["headers"] == {"X-Store-Secret": "s3cret"} and "events_history_enabled" not in data
    assert hook(api).status_code == 422  # same scope + destination
    plain = api.post(
        "/v3/hooks", json={"scope": "store/order/*", "destination": "http://app.example.com/x"}
    )
    assert plain.status_code == 422
    for n in range(9):
        api.post(
            "/v3/hooks",
            json={"scope": "store/order/created", "destination": f"https://a{n}.example.com/"},
        )
    tenth = api.post(
        "/v3/hooks", json={"scope": "store/order/created", "destination": "https://z.example.com/"}
    )
    eleventh = api.post(
        "/v3/hooks", json={"scope": "store/order/created", "destination": "https://y.example.com/"}
    )
    assert (tenth.status_code, eleventh.status_code) == (200, 422)
    url = f"/v3/hooks/{data['id']}"
    assert api.put(url, json={"is_active": False}).json()["data"]["is_active"] is False
    assert api.get("/v3/hooks", params={"is_active": "false"}).json()["data"][0]["id"] == data["id"]
    assert api.delete(url).status_code == 200 and api.get(url).status_code == 404


def test_hooks_are_visible_only_to_their_client(
    sb: BigCommerceSandbox, store: SandboxStore, api: httpx.Client
) -> None:
    hook(api)
    sb.register_client("other-app", "other-secret")
    other_token = store.issue_token("other-app")
    assert api.get("/v3/hooks", headers={"X-Auth-Token": other_token}).json()["data"] == []
    assert hook(api, headers=None).status_code == 422
    assert (
        api.post(
            "/v3/hooks",
            headers={"X-Auth-Token": other_token},
            json={"scope": "store/product/*", "destination": DEST},
        ).status_code
        == 200
    )


def test_delivery_is_signed_and_shaped_like_bigcommerce(
    sb: BigCommerceSandbox, store: SandboxStore, api: httpx.Client
) -> None:
    hook(api, headers={"X-Store-Secret": "s3cret"})
    product = api.post("/v3/catalog/products", json=product_body()).json()["data"]
    receiver = Receiver()
    assert sb.deliver_webhooks(receiver.transport()) == 1
    assert sb.deliver_webhooks(receiver.transport()) == 0
    sent = receiver.received[0]
    assert sent["headers"]["X-Store-Secret"] == "s3cret"
    verified = Webhook(base64.b64encode(CLIENT_SECRET.encode()).decode()).verify(
        sent["body"], sent["headers"]
    )
    assert verified["scope"] == "store/product/created"
    assert verified["data"] == {"type": "product", "id": product["id"]}
    assert verified["store_id"] == store.store_id and verified["producer"] == "stores/abc123"
    assert set(verified) == {"scope", "store_id", "data", "hash", "created_at", "producer"}
    forged = dict(sent["headers"], **{"webhook-signature": "v1,AAAA"})
    with pytest.raises(Exception):  # noqa: B017 - any verification error
        Webhook(base64.b64encode(CLIENT_SECRET.encode()).decode()).verify(sent["body"], forged)


def test_scopes_match_exactly_or_by_wildcard(
    sb: BigCommerceSandbox, api: httpx.Client, store: SandboxStore
) -> None:
    hook(api, scope="store/sku/updated")
    api.post("/v3/catalog/products", json=product_body())
    assert store.deliveries == []
    hook(api, scope="store/product/*")
    api.put("/v3/catalog/products/1", json={"price": 2})
    assert [d.scope for d in store.deliveries] == ["store/product/updated"]


def test_failures_retry_on_schedule_then_deactivate(
    sb: BigCommerceSandbox, store: SandboxStore, api: httpx.Client
) -> None:
    hook_id = hook(api).json()["data"]["id"]
    api.post("/v3/catalog/products", json=product_body())
    receiver = Receiver(status=500)
    assert sb.deliver_webhooks(receiver.transport()) == 1
    for delay in RETRY_DELAYS:
        sb.clock.advance(delay - 1)
        assert sb.deliver_webhooks(receiver.transport()) == 0
        sb.clock.advance(1)
        assert sb.deliver_webhooks(receiver.transport()) == 1
    assert len(receiver.received) == 12
    ids = {r["headers"]["Webhook-Id"] for r in receiver.received}
    assert len(ids) == 1  # one message, retried
    delivery = store.deliveries[0]
    assert delivery.state == "failed"
    elapsed = delivery.attempts[-1]["at"] - delivery.attempts[0]["at"]
    assert 47 * 3600 < elapsed < 49 * 3600
    assert api.get(f"/v3/hooks/{hook_id}").json()["data"]["is_active"] is False
    admin = api.get("/v3/hooks/admin").json()["data"]
    assert admin["hooks_list"][0]["status"] == "deactivated"
    assert store.notices[0]["kind"] == "hook_deactivated"
    api.post("/v3/catalog/products", json=product_body("Two", "T2"))
    assert len(store.deliveries) == 1  # inactive hooks get nothing
    api.put(f"/v3/hooks/{hook_id}", json={"is_active": True})
    assert api.get("/v3/hooks/admin").json()["data"]["hooks_list"][0]["status"] == "active"


def test_recovery_stops_retries(
    sb: BigCommerceSandbox, store: SandboxStore, api: httpx.Client
) -> None:
    hook(api)
    api.post("/v3/catalog/products", json=product_body())
    failing, ok = Receiver(status=503), Receiver()
    sb.deliver_webhooks(failing.transport())
    sb.clock.advance(60)
    assert sb.deliver_webhooks(ok.transport()) == 1
    sb.clock.advance(86400 * 3)
    assert sb.deliver_webhooks(ok.transport()) == 0
    assert store.deliveries[0].state == "delivered"


def test_slow_answers_count_as_failures(
    sb: BigCommerceSandbox, store: SandboxStore, api: httpx.Client
) -> None:
    sb.webhook_timeout = 0.05
    hook(api)
    api.post("/v3/catalog/products", json=product_body())
    sb.deliver_webhooks(Receiver(delay=0.1).transport())
    assert store.deliveries[0].state == "pending"
    assert "timeout" in store.deliveries[0].attempts[0]["outcome"]


def test_domain_blocklisted_below_90_percent(
    sb: BigCommerceSandbox, store: SandboxStore, api: httpx.Client
) -> None:
    hook(api, scope="store/product/created")
    store.rate.quota = 10_000
    for n in range(100):
        api.post("/v3/catalog/products", json=product_body(f"P{n}", f"S{n}"))
    receiver = Receiver(status=500)
    assert sb.deliver_webhooks(receiver.transport()) == 100
    blocked = api.get("/v3/hooks/admin").json()["data"]["blocked_domains"]
    assert blocked[0]["destination"] == "app.example.com" and blocked[0]["time_left"] == 180
    sb.clock.advance(60)  # the first retries are due, but the domain is blocked
    assert sb.deliver_webhooks(Receiver().transport()) == 0
    sb.clock.advance(121)
    assert sb.deliver_webhooks(Receiver().transport()) == 100


def test_fewer_than_100_requests_never_blocklist(sb: BigCommerceSandbox, api: httpx.Client) -> None:
    hook(api, scope="store/product/created")
    for n in range(99):
        api.post("/v3/catalog/products", json=product_body(f"P{n}", f"S{n}"))
    sb.deliver_webhooks(Receiver(status=500).transport())
    assert api.get("/v3/hooks/admin").json()["data"]["blocked_domains"] == []


def test_admin_emails(api: httpx.Client) -> None:
    assert api.put("/v3/hooks/admin", json={"emails": ["ops@example.com"]}).status_code == 204
    assert api.get("/v3/hooks/admin").json()["data"]["emails"] == ["ops@example.com"]
    assert api.put("/v3/hooks/admin", json={"emails": ["nope"]}).status_code == 422


def test_payload_hash_is_stable_for_same_data(store: SandboxStore) -> None:
    store.emit("store/order/updated", {"type": "order", "id": 5})
    store.emit("store/order/updated", {"type": "order", "id": 5})
    assert store.events[0]["hash"] == store.events[1]["hash"]
    assert json.loads(json.dumps(store.events[0]))["store_id"] == store.store_id
