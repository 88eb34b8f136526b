"""The store facade's fulfilment and refund sides against the sandbox: typed in, typed out."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.bigcommerce.store import (
    BigCommerceStore,
    RefundItem,
    RefundKind,
    RefundPayment,
    RefundRequest,
    ShipmentItem,
    shipment_requests,
)
from bcapp.bigcommerce.store.fulfilment import shipment_body
from bcapp.bigcommerce.store.records import OrderItem
from bcapp.canonical import Shipment
from bcapp.errors import FatalSyncError
from tests.orders.conftest import STORE_HASH, World


@pytest.fixture
def store(world: World) -> Iterator[BigCommerceStore]:
    budget = LocalBudget(STORE_HASH, clock=world.bc.clock.now, sleep=world.bc.clock.advance)
    client = BigCommerceClient(STORE_HASH, world.bc_store.access_token,
                               transport=world.bc.transport(), budget=budget)  # fmt: skip
    yield BigCommerceStore(client)
    client.close()


def _order(world: World, **spec: object) -> int:
    world.product("CAP")
    world.product("MUG")
    lines = [{"product_id": world.skus["CAP"], "quantity": 2},
             {"product_id": world.skus["MUG"], "quantity": 1}]  # fmt: skip
    return world.order(lines=lines, **spec)


def test_items_and_a_shipment_round_trip(world: World, store: BigCommerceStore) -> None:
    order_id = _order(world)
    items = store.order_items(order_id)
    assert [(i.sku, i.left_to_ship, i.left_to_refund) for i in items] == [("CAP", 2, 2),
                                                                         ("MUG", 1, 1)]  # fmt: skip
    cap = items[0]
    assert cap.address_id and cap.price_inc_tax == Decimal("10")
    shipment = Shipment(erp_id="PS1", order_reference=str(order_id), lines=(),
                        tracking_number=" 3SABC ", carrier="PostNL")  # fmt: skip
    [request] = shipment_requests(shipment, [(cap, 1)], note="Delivery note PS1")
    made = store.create_shipment(order_id, request)

    [found] = store.shipments(order_id)
    assert (found.bc_id, found.address_id, found.note) == (made, cap.address_id, request.note)
    assert (found.tracking_number, found.carrier) == ("3SABC", "postnl")
    assert found.items == (ShipmentItem(cap.bc_line_id, 1),)
    assert store.shipment(order_id, made) == found and store.shipment(order_id, made + 1) is None
    canonical = found.as_shipment(store.order_items(order_id))
    assert [(ln.sku, ln.quantity) for ln in canonical.lines] == [("CAP", Decimal(1))]
    assert canonical.bc_id == made and canonical.order_reference == str(order_id)
    assert store.order_items(order_id)[0].left_to_ship == 1


def test_one_request_per_address_and_known_providers() -> None:
    home = OrderItem(bc_line_id=1, sku="CAP", quantity=1, address_id=10)
    office = OrderItem(bc_line_id=2, sku="MUG", quantity=1, address_id=11)
    shipment = Shipment(erp_id="PS2", order_reference="1", lines=(), tracking_number="1Z" * 40,
                        carrier="U.P.S.")  # fmt: skip
    requests = shipment_requests(shipment, [(home, 1), (office, 1)], note="n")
    assert [(r.address_id, r.items) for r in requests] == [
        (10, (ShipmentItem(1, 1),)),
        (11, (ShipmentItem(2, 1),)),
    ]
    body = shipment_body(requests[0])
    assert body["shipping_provider"] == "ups" and "tracking_carrier" not in body
    assert len(body["tracking_number"]) == 50 and body["comments"] == "n"
    digital = OrderItem(bc_line_id=3, sku="EBOOK", quantity=1)
    with pytest.raises(ValueError, match="no shipping address"):
        shipment_requests(shipment, [(digital, 1)], note="n")


def test_quote_refund_and_list(world: World, store: BigCommerceStore) -> None:
    order_id = _order(world, customer_id=7)
    cap = store.order_items(order_id)[0]
    items = [RefundItem(RefundKind.PRODUCT, cap.bc_line_id, quantity=1)]
    quote = store.refund_quote(order_id, items)
    assert quote.total == Decimal("10.0")
    assert [(m.provider_id, m.offline, m.store_credit) for m in quote.methods] == [
        ("stripe", False, False),
        ("custom", True, False),
        ("storecredit", False, True),
    ]
    payment = RefundPayment("stripe", quote.total)
    refund = store.create_refund(order_id, RefundRequest(tuple(items), (payment,), reason="R1"))
    assert (refund.reason, refund.total, refund.payments) == ("R1", Decimal("10.0"), (payment,))
    assert store.refunds(order_id) == [refund]
    head = store.order_head(order_id)
    assert head is not None and head.refunded_amount == Decimal("10")


def test_refusal_carries_bigcommerces_sentence(world: World, store: BigCommerceStore) -> None:
    order_id = _order(world)
    too_much = [RefundItem(RefundKind.ORDER, order_id, amount=Decimal("999.999"), reason="x")]
    with pytest.raises(FatalSyncError) as caught:
        store.refund_quote(order_id, too_much)
    assert caught.value.message.startswith("The refund amount exceeds the amount paid")
