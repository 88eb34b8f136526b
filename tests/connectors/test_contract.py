"""The connector contract: every registered ERP passes these against its sandbox.

What a merchant would notice if a connector broke them: a wrong token that
looks like a sync error, products skipped or duplicated between runs, an
order exported twice, a customer created twice, a refused order retried
forever, or an outage that loses the order instead of retrying it.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bcapp.connectors.base import Address, Capability, Connector, Customer
from bcapp.errors import ConfigError, FatalSyncError, RetryableSyncError

_refs = itertools.count(900001)


def needs(connector: Any, capability: Capability) -> None:
    if capability not in connector.capabilities:
        pytest.skip(f"{connector.kind} lacks {capability.value}")


def customer(email: str = "anna@example.com", company: str = "") -> Customer:
    address = Address(
        first_name="Anna",
        last_name="de Vries",
        street="Speelkamp 105",
        postal_code="3833 LC",
        city="Leusden",
        country_code="NL",
        email=email,
    )
    return Customer(
        email=email,
        first_name="Anna",
        last_name="de Vries",
        company=company,
        addresses=(address,),
        bc_id=7,
    )


def fetch_all(connector: Any, cursor: str | None) -> tuple[list[Any], str | None]:
    records: list[Any] = []
    for batch in connector.fetch_products(cursor):
        records.extend(batch.records)
        cursor = batch.cursor or cursor
    return records, cursor


def customer_ref(connector: Any, handle: Any) -> str:
    if Capability.CUSTOMERS in connector.capabilities:
        return connector.upsert_customer(customer())
    return handle.customer_ref()


# -- shape and credentials ---------------------------------------------------------------


def test_connector_satisfies_the_protocol(erp: tuple[Any, Any]) -> None:
    connector, _ = erp
    assert isinstance(connector, Connector)
    assert connector.kind and connector.label
    assert connector.settings_schema.get("type") == "object"


def test_good_credentials_pass_check(erp: tuple[Any, Any]) -> None:
    connector, _ = erp
    connector.check()


def test_bad_credentials_raise_config_error(erp_bad_credentials: tuple[Any, Any]) -> None:
    connector, _ = erp_bad_credentials
    with pytest.raises(ConfigError) as info:
        connector.check()
    assert len(info.value.message) > 20  # a sentence for the merchant, not a code


# -- change polling ----------------------------------------------------------------------


def test_fetch_resumes_from_saved_cursor_without_gap_or_repeat(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.PRODUCTS)
    ids = handle.seed_products(3 * handle.page_size + 1)
    first = next(iter(connector.fetch_products(None)))
    assert first.cursor, "a batch must carry the cursor to save"
    rest, _ = fetch_all(connector, first.cursor)
    seen = [p.erp_id for p in first.records] + [p.erp_id for p in rest]
    assert sorted(seen) == sorted(ids)


def test_nothing_new_after_catching_up(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.PRODUCTS)
    handle.seed_products(handle.page_size + 1)
    _, cursor = fetch_all(connector, None)
    again, _ = fetch_all(connector, cursor)
    assert again == []


def test_changed_product_comes_again_after_cursor(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.PRODUCTS)
    ids = handle.seed_products(handle.page_size + 1)
    _, cursor = fetch_all(connector, None)
    handle.touch_product(ids[0])
    again, _ = fetch_all(connector, cursor)
    assert [p.erp_id for p in again] == [ids[0]]


def test_record_changing_during_paging_is_neither_lost_nor_repeated(
    erp: tuple[Any, Any],
) -> None:
    connector, handle = erp
    needs(connector, Capability.PRODUCTS)
    ids = handle.seed_products(3 * handle.page_size)
    records: list[Any] = []
    touched: list[str] = []
    for batch in connector.fetch_products(None):
        records.extend(batch.records)
        if not touched:  # mid-run: change one delivered and one not yet delivered record
            delivered = {p.erp_id for p in records}
            touched = [batch.records[0].erp_id, next(i for i in ids if i not in delivered)]
            for erp_id in touched:
                handle.touch_product(erp_id)
    assert sorted({p.erp_id for p in records}) == sorted(ids), "a record was lost"
    assert len(records) == len(set(records)), "the same version was delivered twice"
    latest = {p.erp_id: p for p in records}
    for erp_id in touched:
        assert "changed" in latest[erp_id].name, "the change itself was not delivered"


def test_one_product_is_read_by_its_id_for_a_retry(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.PRODUCTS)
    ids = handle.seed_products(2 * handle.page_size + 1)
    handle.touch_product(ids[-1])
    product = connector.fetch_product(ids[-1])
    assert product is not None and product.erp_id == ids[-1]
    assert "changed" in product.name  # the current state, not a cached page
    assert connector.fetch_product("NO-SUCH-ARTICLE-424242") is None


# -- orders and customers ----------------------------------------------------------------


def test_customer_upsert_by_email_is_idempotent(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.CUSTOMERS)
    first = connector.upsert_customer(customer("jan@example.com"))
    second = connector.upsert_customer(customer("jan@example.com"))
    assert first == second
    assert connector.find_customer("jan@example.com") == first
    assert handle.customer_count("jan@example.com") == 1
    assert connector.find_customer("nobody@example.com") is None


def test_upsert_after_a_search_creates_once(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.CUSTOMERS)
    assert connector.find_customer("piet@example.com") is None
    created = connector.upsert_customer(customer("piet@example.com"), searched=True)
    assert connector.find_customer("piet@example.com") == created
    assert handle.customer_count("piet@example.com") == 1


def test_order_instructions_are_taken_and_a_searched_create_is_once(
    erp: tuple[Any, Any],
) -> None:
    connector, handle = erp
    needs(connector, Capability.ORDERS)
    ref = str(next(_refs))
    assert connector.find_order(ref) is None
    order = handle.make_order(ref, customer())
    todo = handle.instructions(order)  # what this ERP's sandbox accepts as mapped codes
    created = connector.create_order(order, customer_ref(connector, handle), todo, searched=True)
    assert created and connector.find_order(ref) == created
    assert handle.order_count(ref) == 1
    assert isinstance(connector.shipping_article, str)


def test_same_order_twice_makes_one_erp_order(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.ORDERS)
    ref = str(next(_refs))
    order = handle.make_order(ref, customer())
    debtor = customer_ref(connector, handle)
    first = connector.create_order(order, debtor)
    second = connector.create_order(order, debtor)
    assert first and first == second
    assert handle.order_count(ref) == 1


def test_find_order_recovers_an_order_created_before_a_crash(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.ORDERS)
    ref = str(next(_refs))
    created = connector.create_order(
        handle.make_order(ref, customer()), customer_ref(connector, handle)
    )
    assert connector.find_order(ref) == created
    assert connector.find_order(str(next(_refs))) is None


# -- errors ------------------------------------------------------------------------------


def test_erp_validation_error_is_fatal_and_carries_the_erps_words(erp: tuple[Any, Any]) -> None:
    connector, handle = erp
    needs(connector, Capability.ORDERS)
    debtor = customer_ref(connector, handle)
    order = handle.make_order(str(next(_refs)), customer())
    handle.reject_next_write("Field 'Payment method' has an invalid value: 'XYZ'.")
    with pytest.raises(FatalSyncError) as info:
        connector.create_order(order, debtor)
    assert "Field 'Payment method' has an invalid value: 'XYZ'." in info.value.message


@pytest.mark.parametrize("fault", [500, 503, "timeout"])
def test_outage_is_retryable(erp: tuple[Any, Any], fault: int | str) -> None:
    connector, handle = erp
    needs(connector, Capability.PRODUCTS)
    handle.seed_products(1)
    handle.fail_next(fault)
    with pytest.raises(RetryableSyncError):
        fetch_all(connector, None)
    records, _ = fetch_all(connector, None)  # and the next run works
    assert records
