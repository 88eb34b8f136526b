"""What the merchant sees: the order's lineage page lists its shipments, refunds and statuses."""

from __future__ import annotations

from typing import Any

from bcapp.extensions import db
from bcapp.models import StoreUser
from tests.fulfilment.conftest import exported
from tests.orders.conftest import World
from tests.web.conftest import Session, open_app


def test_lineage_page_follows_the_order_to_shipments_refunds_and_statuses(
    world: World, client: Any
) -> None:
    db.session.add(StoreUser(store_id=world.store.id, bc_user_id=1, is_owner=True,
                             email="o@x.test"))  # fmt: skip
    db.session.commit()
    order_id, number = exported(world, ("CAP", 2), payment_method="Bank Deposit")
    other, _ = exported(world, ("MUG", 1))
    world.settings("mappings", order_status={"Geleverd": 10})
    slip = world.afas.add_packing_slip(number, [("CAP", 1)], tracking="3STRACK")
    credit = world.afas.add_credit_invoice(str(order_id), [("CAP", 1, "10.00")])
    world.afas.add_credit_invoice(str(other), [("MUG", 1, "10.00")])
    world.afas.set_order_status(number, "Geleverd")
    for flow in ("shipments", "refunds", "order_status"):
        assert world.run(flow).failed == 0

    session = Session(client, open_app(client, world.store.store_hash))
    page = session.get(f"/app/lineage/order/{order_id}").text
    assert number in page and slip in page and credit in page
    assert "by hand" in page  # the bank deposit must be paid back by the merchant
    assert "Completed" in page  # the mapped ERP status
    assert f"lineage/order/{other}" not in page and "MUG" not in page
