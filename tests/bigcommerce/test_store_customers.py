"""The store facade's customer side against the sandbox: lookups, groups, batched writes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.bigcommerce.store import BigCommerceStore, CustomerWrite
from bcapp.canonical import Address
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock, SandboxStore
from bcapp.sandbox.bigcommerce.customer_groups import add_group
from bcapp.sandbox.bigcommerce.customers import create_customer


class Recording(httpx.BaseTransport):
    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.sent = inner, []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path, request.content))
        return self.inner.handle_request(request)


@pytest.fixture
def world() -> Iterator[tuple[BigCommerceStore, SandboxStore, Recording]]:
    sb = BigCommerceSandbox(clock=SandboxClock(speed=0))
    shop = sb.create_store("cust01", plan="unlimited")
    wire = Recording(sb.transport())
    budget = LocalBudget("cust01", clock=sb.clock.now, sleep=sb.clock.advance)
    client = BigCommerceClient("cust01", shop.access_token, transport=wire, budget=budget)
    yield BigCommerceStore(client), shop, wire
    client.close()


def address(street: str) -> Address:
    return Address(street=street, postal_code="1012 LG", city="Amsterdam", country_code="NL")


def test_writes_go_ten_per_request_and_never_carry_a_password(world: Any) -> None:
    store, shop, wire = world
    writes = [
        (
            i,
            CustomerWrite(
                f"c{i}@example.com",
                first_name="C",
                last_name=str(i),
                addresses=(address(f"Damrak {i}"),),
            ),
        )
        for i in range(23)
    ]
    results = list(store.write_customers(writes))
    assert [len(r.done) for r in results] == [10, 10, 3]
    ids = [w.bc_id for r in results for w in r.done]
    assert len(set(ids)) == 23 and all(shop.customers[i]["email"] for i in ids)
    posts = [s for s in wire.sent if s[0] == "POST" and s[1].endswith("/v3/customers")]
    assert len(posts) == 3
    assert all(b"authentication" not in body and b"password" not in body for *_, body in wire.sent)


def test_an_update_sends_only_its_fields_and_adds_addresses(world: Any) -> None:
    store, shop, _wire = world
    group = add_group(shop, "Wholesale")["id"]
    made = create_customer(
        shop, {"first_name": "Els", "last_name": "Bol", "phone": "06-1", "email": "els@example.com"}
    )
    made["_password"] = "hers"
    [account] = store.customers_by_email(["ELS@example.com"])["els@example.com"]
    assert account.signs_in_on(1) and account.group_id == 0
    assert [(g.group_id, g.name) for g in store.customer_groups()] == [(group, "Wholesale")]

    [result] = list(
        store.write_customers(
            [
                (
                    "els",
                    CustomerWrite(
                        "els@example.com",
                        account.bc_id,
                        company="Bakkerij Bol",
                        group_id=group,
                        addresses=(address("Markt 3"),),
                    ),
                )
            ]
        )
    )

    assert result.done and not result.failed
    again = store.customers_by_id([account.bc_id])[account.bc_id]
    assert again.customer.company == "Bakkerij Bol" and again.customer.phone == "06-1"
    assert again.group_id == group and made["_password"] == "hers"
    assert [a.street for a in again.customer.addresses] == ["Markt 3"]


def test_a_refused_item_is_named_and_the_rest_of_its_batch_goes_through(world: Any) -> None:
    store, shop, _wire = world
    writes = [
        ("ok", CustomerWrite("ok@example.com", first_name="O", last_name="K")),
        ("bad", CustomerWrite("bad@example.com", first_name="B", last_name="D", group_id=999)),
    ]
    items = [w for r in store.write_customers(writes) for w in r.items]
    assert [(w.key, w.ok) for w in items] == [("ok", True), ("bad", False)]
    assert "Customer group 999 does not exist" in items[1].error.message
    assert [c["email"] for c in shop.customers.values()] == ["ok@example.com"]
