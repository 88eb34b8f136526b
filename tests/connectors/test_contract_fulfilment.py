"""The connector contract for fulfilment: shipments, credit notes and order statuses.

What a merchant would notice if a connector broke these: a delivery note that
never reaches the store (or reaches it twice), a tracking number lost on the
way, a credit invoice refunded twice or with the wrong amount, a status change
after export that is never followed, or a store shipment that becomes two ERP
delivery notes after a crash. Cases skip when the connector lacks the capability.
Handle members used here (README): ``seed_shipment``, ``seed_credit_note``,
``set_order_status``, ``delivery_notes``.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from bcapp.connectors.base import Capability, CreditNote, Order, Shipment, ShipmentLine
from bcapp.errors import SkipRecord
from tests.connectors.test_contract import customer, customer_ref, needs

_refs = itertools.count(700001)


def exported(connector: Any, handle: Any) -> tuple[Order, str]:
    """An order in the ERP, as the orders flow leaves it: (order, ERP order id)."""
    order = handle.make_order(str(next(_refs)), customer())
    total = sum((ln.price_inc_tax * ln.quantity for ln in order.lines), Decimal(0))
    order = replace(order, total_inc_tax=total)
    return order, connector.create_order(order, customer_ref(connector, handle))


def drain(fetch: Any, cursor: str | None) -> tuple[list[Any], str | None]:
    records: list[Any] = []
    for batch in fetch(cursor):
        records.extend(batch.records)
        cursor = batch.cursor or cursor
    return records, cursor


def test_ready_delivery_note_arrives_once_with_lines_and_tracking(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.SHIPMENTS_FROM_ERP)
    order, erp_order = exported(connector, handle)
    note = handle.seed_shipment(order, erp_order, tracking="3SABC1234567")
    records, cursor = drain(connector.fetch_shipments, None)
    [shipment] = [s for s in records if s.erp_id == note]
    assert isinstance(shipment, Shipment)
    assert shipment.order_reference == order.reference
    assert shipment.tracking_number == "3SABC1234567"
    assert sorted((ln.sku, ln.quantity) for ln in shipment.lines) == sorted(
        (ln.sku, ln.quantity) for ln in order.lines
    )
    assert drain(connector.fetch_shipments, cursor)[0] == []
    again = connector.fetch_shipment(note)  # the log's Retry: one record, no paging
    assert again is not None and again.erp_id == note
    assert again.tracking_number == "3SABC1234567"
    assert connector.fetch_shipment("999999999") is None


def test_store_shipment_becomes_one_delivery_note_even_when_sent_twice(
    erp: tuple[Any, Any],
) -> None:
    connector, handle = erp
    needs(connector, Capability.SHIPMENTS_TO_ERP)
    order, erp_order = exported(connector, handle)
    line = order.lines[0]
    shipment = Shipment(erp_id="", order_reference=order.reference, bc_id=42,
                        lines=(ShipmentLine(sku=line.sku, quantity=Decimal(1)),),
                        tracking_number="1Z999", carrier="ups", erp_order_id=erp_order)  # fmt: skip
    first = connector.create_shipment(shipment)
    second = connector.create_shipment(shipment)  # a crash before our binding
    assert first and first == second
    assert handle.delivery_notes(order.reference) == 1


def test_shipment_for_an_order_the_erp_lacks_is_skipped(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.SHIPMENTS_TO_ERP)
    order = handle.make_order(str(next(_refs)), customer())
    shipment = Shipment(
        erp_id="",
        order_reference=order.reference,
        bc_id=43,
        lines=(ShipmentLine(sku=order.lines[0].sku, quantity=Decimal(1)),),
    )
    with pytest.raises(SkipRecord) as caught:
        connector.create_shipment(shipment)
    assert order.reference in caught.value.message


def test_credit_note_arrives_once_with_positive_amounts(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.CREDIT_NOTES)
    order, erp_order = exported(connector, handle)
    number = handle.seed_credit_note(order, erp_order)
    records, cursor = drain(connector.fetch_credit_notes, None)
    [note] = [n for n in records if n.erp_id == number]
    assert isinstance(note, CreditNote)
    assert note.order_reference == order.reference
    line = order.lines[0]
    assert [(ln.sku, ln.quantity, ln.amount) for ln in note.lines] == [
        (line.sku, Decimal(1), line.price_inc_tax)
    ]
    assert note.total == line.price_inc_tax
    assert drain(connector.fetch_credit_notes, cursor)[0] == []
    again = connector.fetch_credit_note(number)  # the log's Retry: one record, no paging
    assert again == note
    assert connector.fetch_credit_note("999999999") is None


def test_status_changes_after_export_are_reported_each_time(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.ORDER_STATUS)
    order, erp_order = exported(connector, handle)
    _, cursor = drain(connector.fetch_order_statuses, None)
    status = handle.set_order_status(erp_order, 1)
    changes, cursor = drain(connector.fetch_order_statuses, cursor)
    mine = [c for c in changes if c.order_reference == order.reference]
    assert [(c.erp_order_id, c.status) for c in mine] == [(erp_order, status)]
    assert mine[0].total in (None, order.total_inc_tax)  # None: this ERP cannot say
    later = handle.set_order_status(erp_order, 2)
    changes, _ = drain(connector.fetch_order_statuses, cursor)
    assert [c.status for c in changes if c.order_reference == order.reference] == [later]
