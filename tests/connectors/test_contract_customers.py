"""The connector contract for listing the ERP's relations (``Capability.CUSTOMERS_FROM_ERP``).

What a merchant would notice if a connector broke these: a debtor that never reaches
the store (or reaches it twice per change), a change in the ERP that is lost, or the
store → ERP flow unable to recognise its own write (the point read it uses is wrong).
Handle members used here (README): ``seed_debtors``, ``touch_debtor``.
"""

from __future__ import annotations

from typing import Any

from bcapp.connectors.base import Capability, Customer, CustomerSource
from tests.connectors.test_contract import customer, needs


def drain(connector: Any, cursor: str | None) -> tuple[list[Customer], str | None]:
    records: list[Customer] = []
    for batch in connector.fetch_customers(cursor):
        records.extend(batch.records)
        cursor = batch.cursor or cursor
    return records, cursor


def full_name(record: Customer) -> str:
    return f"{record.first_name} {record.last_name} {record.company}"


def test_a_customer_source_satisfies_its_protocol(erp: tuple[Any, Any]) -> None:
    connector, _ = erp
    needs(connector, Capability.CUSTOMERS_FROM_ERP)
    assert isinstance(connector, CustomerSource)


def test_debtors_resume_from_the_saved_cursor_without_gap_or_repeat(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.CUSTOMERS_FROM_ERP)
    ids = handle.seed_debtors(2 * handle.page_size + 1)
    first = next(iter(connector.fetch_customers(None)))
    assert first.cursor, "a batch must carry the cursor to save"
    rest, cursor = drain(connector, first.cursor)
    seen = [c.erp_id for c in first.records] + [c.erp_id for c in rest]
    assert sorted(seen) == sorted(ids)
    assert all(c.email.endswith("@example.com") for c in (*first.records, *rest))
    assert drain(connector, cursor)[0] == []


def test_a_changed_debtor_comes_again_with_its_change(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.CUSTOMERS_FROM_ERP)
    ids = handle.seed_debtors(handle.page_size + 1)
    _, cursor = drain(connector, None)
    handle.touch_debtor(ids[1])
    again, _ = drain(connector, cursor)
    assert [c.erp_id for c in again] == [ids[1]]
    assert "changed" in full_name(again[0])


def test_one_debtor_is_read_by_its_number(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.CUSTOMERS_FROM_ERP)
    ids = handle.seed_debtors(2)
    handle.touch_debtor(ids[-1])
    record = connector.fetch_customer(ids[-1])
    assert record is not None and record.erp_id == ids[-1]
    assert "changed" in full_name(record)
    listed, _ = drain(connector, None)
    assert [c for c in listed if c.erp_id == ids[-1]] == [record]  # the same view both ways
    assert connector.fetch_customer("999999999") is None


def test_a_relation_the_store_created_is_listed_with_its_email(erp: tuple[Any, Any]) -> None:
    connector, _ = erp
    needs(connector, Capability.CUSTOMERS_FROM_ERP)
    needs(connector, Capability.CUSTOMERS)
    created = connector.upsert_customer(customer("lisa@example.com"))
    listed, _ = drain(connector, None)
    [record] = [c for c in listed if c.erp_id == created]
    assert record.email.lower() == "lisa@example.com"
    assert connector.fetch_customer(created) == record
