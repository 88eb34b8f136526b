"""Reads: the sync cursor, grouped invoice lines, deletions, bulk and point reads."""

from __future__ import annotations

import httpx
import pytest

from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.mapping import INVOICE_FIELDS, ITEM_FIELDS
from bcapp.connectors.exact.reader import (
    DELETED_ITEMS,
    SYNC_INVOICES,
    SYNC_ITEMS,
    read_bulk,
    read_deleted,
    read_sync,
)
from bcapp.errors import RetryableSyncError
from bcapp.sandbox.exact import ExactSandbox


def codes(pages: list) -> list[str]:  # type: ignore[type-arg]
    return [row["Code"] for page in pages for row in page.rows]


def test_sync_pages_hold_1000_rows_and_resume_with_no_gap_and_no_repeat(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    seeded = sandbox.division().seed_items(2345, stock=None)
    pages = list(read_sync(exact, SYNC_ITEMS, ITEM_FIELDS))
    assert [len(p.rows) for p in pages] == [1000, 1000, 345]
    assert sorted(codes(pages)) == seeded
    assert [p.cursor for p in pages] == sorted(p.cursor for p in pages)

    resumed = list(read_sync(exact, SYNC_ITEMS, ITEM_FIELDS, pages[0].cursor))
    assert codes(resumed) == codes(pages)[1000:]
    assert list(read_sync(exact, SYNC_ITEMS, ITEM_FIELDS, pages[-1].cursor)) == []
    params = [r["params"] for r in sandbox.api_calls() if r["path"] == SYNC_ITEMS]
    assert params[0]["$filter"] == "Timestamp gt 0L" and "Timestamp" in params[0]["$select"]


def test_a_record_changing_mid_run_comes_again_with_its_new_data(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    seeded = div.seed_items(2100, stock=None)
    reader = read_sync(exact, SYNC_ITEMS, ITEM_FIELDS)
    first = next(reader)
    delivered, waiting = first.rows[5]["Code"], "I02050"
    div.touch_item(delivered, Description="changed early")
    div.touch_item(waiting, Description="changed late")
    rest = list(reader)
    rows = [r for page in [first, *rest] for r in page.rows]
    assert {r["Code"] for r in rows} == set(seeded)  # no gap
    assert len(rows) == 2101  # only the record changed after delivery comes twice
    by_code = {r["Code"]: r for r in rows}  # the last version wins
    assert by_code[delivered]["Description"] == "changed early"
    assert by_code[waiting]["Description"] == "changed late"
    assert list(read_sync(exact, SYNC_ITEMS, ITEM_FIELDS, rest[-1].cursor)) == []


def test_invoice_lines_of_one_invoice_never_straddle_a_page(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    items = [f"P{n}" for n in range(7)]
    for code in items:
        div.add_item(code, price="5.00", stock=100)
    account = div.add_account("Jansen", "jansen@example.nl")
    div.add_sales_order(account, "1001", [(code, 1) for code in items])
    for _ in range(150):  # 1,050 lines: the first page of 1,000 ends inside an invoice
        div.add_credit_invoice("1001", [(code, 1, "5.00") for code in items])
    pages = list(read_sync(exact, SYNC_INVOICES, INVOICE_FIELDS, group_by="InvoiceID"))
    assert [len(p.rows) for p in pages] == [994, 56]
    for page in pages:
        per_invoice: dict[str, int] = {}
        for row in page.rows:
            per_invoice[row["InvoiceID"]] = per_invoice.get(row["InvoiceID"], 0) + 1
        assert set(per_invoice.values()) == {7}
    resumed = list(read_sync(exact, SYNC_INVOICES, INVOICE_FIELDS, pages[0].cursor))
    assert sum(len(p.rows) for p in resumed) == 56


def test_deleted_items_arrive_through_sync_deleted(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    first = div.add_item("OLD1")
    div.add_account("Not an item")
    div.delete_item("OLD1")
    (page,) = read_deleted(exact, DELETED_ITEMS)
    assert [r["EntityKey"] for r in page.rows] == [first]
    second = div.add_item("OLD2")
    div.delete_item("OLD2")
    (later,) = read_deleted(exact, DELETED_ITEMS, page.cursor)
    assert [r["EntityKey"] for r in later.rows] == [second]


def test_a_filtered_bulk_read_pages_by_1000(sandbox: ExactSandbox, exact: ExactClient) -> None:
    div = sandbox.division()
    div.seed_items(1500, stock=None)
    for n in range(1, 101):
        div.touch_item(f"I{n:05d}", IsWebshopItem=0)
    pages = list(
        read_bulk(exact, "bulk/Logistics/Items", ["ID", "Code"], where="IsWebshopItem eq 1")
    )
    assert [len(p) for p in pages] == [1000, 400]


def test_crud_lists_follow_next_links_60_rows_at_a_time(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    div = sandbox.division()
    for n in range(130):
        div.add_account(f"Klant {n}", f"k{n}@example.nl")
    rows = exact.find("crm/Accounts", select=["ID", "Name"], filter="Status eq 'C'")
    assert len(rows) == 130
    assert len([r for r in sandbox.api_calls() if r["path"].startswith("crm/Accounts")]) == 3


def test_a_point_read_by_id_and_a_miss_that_costs_no_error(
    sandbox: ExactSandbox, exact: ExactClient
) -> None:
    item = sandbox.division().add_item("A1", "Anchor")
    found = exact.get_by_id("logistics/Items", "ID", item.upper(), select=["ID", "Description"])
    assert found is not None and found["Description"] == "Anchor"
    missing = "00000000-0000-0000-0000-00000000abcd"
    assert exact.get_by_id("logistics/Items", "ID", missing, select=["ID"]) is None
    assert {r["status"] for r in sandbox.api_calls()} == {200}
    assert exact.budget.snapshot().endpoint_errors == {}


@pytest.mark.parametrize("fault", [500, 503, "timeout"])
def test_exact_failing_for_a_moment_is_retryable_and_the_next_call_works(
    sandbox: ExactSandbox, exact: ExactClient, fault: int | str
) -> None:
    sandbox.division().add_item("A1")
    sandbox.fail_next(fault)
    with pytest.raises(RetryableSyncError):
        list(read_sync(exact, SYNC_ITEMS, ITEM_FIELDS))
    assert [p.rows[0]["Code"] for p in read_sync(exact, SYNC_ITEMS, ITEM_FIELDS)] == ["A1"]


def test_a_next_link_to_another_host_is_not_followed() -> None:
    """The bearer token must never travel to a host other than the merchant's Exact site."""
    asked: list[str] = []

    def exact(request: httpx.Request) -> httpx.Response:  # a misbehaving Exact
        asked.append(request.url.host)
        body = {"d": {"results": [{"Code": "A"}], "__next": "https://evil.example/api/v1/1/x"}}
        return httpx.Response(200, json=body)

    client = ExactClient.connect("nl", None, division=1, transport=httpx.MockTransport(exact))  # type: ignore[arg-type]
    pages = client.pages("logistics/ItemGroups", select=["Code"])
    assert next(pages).rows == [{"Code": "A"}]
    with pytest.raises(RetryableSyncError, match="another host"):
        next(pages)
    assert asked == ["start.exactonline.nl"]
