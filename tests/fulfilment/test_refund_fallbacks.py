"""When BigCommerce cannot pay a refund back, and the log's Retry/Replay of credit notes.

The sandbox refunds every provider it offers; a provider that declines (a card
issuer, an expired payment) is simulated here by a transport in front of the
sandbox that answers the provider refund the way BigCommerce reports a refusal.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from bcapp.sync.context import BC_TRANSPORT
from bcapp.sync.runner import replay, retry
from tests.fulfilment.conftest import exported
from tests.orders.conftest import World

REFUSAL = {"data": [{"status": 422, "title": "The card issuer declined the refund."}]}


class Declining(httpx.BaseTransport):
    """The sandbox, except that provider refunds are declined (and, optionally, no methods)."""

    def __init__(self, inner: httpx.BaseTransport, *, no_methods: bool = False) -> None:
        self.inner, self.no_methods = inner, no_methods

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path.endswith("/payment_actions/refunds"):
            payments = json.loads(request.content).get("payments") or []
            if any(not p.get("offline") for p in payments):
                return httpx.Response(422, json=REFUSAL, request=request)
        response = self.inner.handle_request(request)
        if self.no_methods and path.endswith("/refund_quotes"):
            response.read()
            body = response.json()
            body["data"]["refund_methods"] = []
            return httpx.Response(201, json=body, request=request)
        return response


def decline(world: World, **kw: Any) -> None:
    world.app.extensions[BC_TRANSPORT] = Declining(world.bc.transport(), **kw)


def test_provider_refusal_is_recorded_offline_and_the_merchant_told(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 2))
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    decline(world)
    run = world.run("refunds")
    assert run.created == 1, run.message
    [refund] = world.bc_store.refunds.values()
    assert refund["payments"][0]["offline"] is True
    assert world.bc_order(order_id)["status_id"] == 14  # Partially Refunded
    [entry] = world.log("credit_note", "created")
    assert "declined the refund" in entry.message and "by hand" in entry.message


def test_no_refund_method_at_all_moves_the_status_only(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 2), shipping_cost=0)
    note = world.afas.add_credit_invoice(str(order_id), [("CAP", 2, "20.00")])
    decline(world, no_methods=True)
    world.run("refunds")
    assert world.bc_store.refunds == {}
    assert world.bc_order(order_id)["status_id"] == 4  # Refunded: the whole order was credited
    [entry] = world.log("credit_note", "created")
    assert entry.erp_id == note and "by hand" in entry.message
    assert world.run("refunds", full=True).unchanged == 1  # and never again


def test_status_only_credits_add_up_to_refunded(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 2), shipping_cost=0)
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    decline(world, no_methods=True)
    world.run("refunds")
    assert world.bc_order(order_id)["status_id"] == 14
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    world.run("refunds")
    assert world.bc_order(order_id)["status_id"] == 4


def test_retry_and_replay_a_skipped_credit_note(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 1), shipping_cost=0)
    note = world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00"), ("FEE", 1, "5")])
    world.run("refunds")
    [skipped] = world.log("credit_note", "skipped")
    assert skipped.bc_id == str(order_id)  # the lineage page finds it with the order
    # the merchant corrects the credit invoice in AFAS: Retry reads it again
    world.afas.tables.credit_invoices[note]["lines"].pop()
    run = retry(world.store.id, "credit_note", erp_id=note)
    assert run.created == 1, run.message
    assert world.bc_order(order_id)["status_id"] == 4
    # Replay of the stored (old) request finds it bound: nothing is refunded twice
    again = replay(skipped.id)
    assert again.unchanged == 1 and len(world.bc_store.refunds) == 1


def test_dry_run_refunds_nothing(world: World) -> None:
    order_id, _ = exported(world, ("CAP", 1))
    world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    run = world.run("refunds", dry_run=True)
    assert run.created == 1 and world.bc_store.refunds == {}
    assert world.bindings("credit_note") == []
    assert world.run("refunds").created == 1  # the cursor did not move
