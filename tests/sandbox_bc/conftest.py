"""Fixtures: a frozen-clock sandbox, one store, and an httpx client mounted on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock, SandboxStore

CLIENT_ID = "sandbox-test-client"
CLIENT_SECRET = "sandbox-test-secret-long-enough-for-hs256"


@pytest.fixture
def sb() -> BigCommerceSandbox:
    return BigCommerceSandbox(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        clock=SandboxClock(speed=0),
        app_url="https://app.example.com",
    )


@pytest.fixture
def store(sb: BigCommerceSandbox) -> SandboxStore:
    return sb.create_store("abc123", plan="standard")


@pytest.fixture
def api(sb: BigCommerceSandbox, store: SandboxStore) -> Iterator[httpx.Client]:
    """A client for ``/stores/abc123`` carrying the store's token."""
    with httpx.Client(
        transport=httpx.WSGITransport(app=sb.wsgi_app),
        base_url="https://api.bigcommerce.com/stores/abc123",
        headers={"X-Auth-Token": store.access_token},
    ) as client:
        yield client


def product_body(name: str = "Shirt", sku: str = "SH-1", **extra: object) -> dict:
    return {"name": name, "type": "physical", "weight": 1, "price": 19.95, "sku": sku, **extra}
