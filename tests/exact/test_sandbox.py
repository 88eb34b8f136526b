"""The Exact sandbox seen with a bare HTTP client: the rules a real Exact enforces."""

from __future__ import annotations

import pytest

from bcapp.sandbox.exact import ExactSandbox
from bcapp.sandbox.exact.schema import load_meta
from tests.exact.conftest import START, error_text, raw_client

SELECT_MESSAGE = "Please add a $select or a $top=1 statement to the query string."
needs_meta = pytest.mark.skipif(
    load_meta() is None,
    reason="../shared/erp-specs/exact/meta-data.json is absent (a user's checkout): "
    "request bodies are validated against the built-in schema only",
)


def test_a_list_without_select_is_refused_with_exacts_words(sandbox: ExactSandbox) -> None:
    sandbox.division().seed_items(3)
    with raw_client(sandbox) as http:
        plain = http.get("logistics/ItemGroups")
        top_one = http.get("logistics/ItemGroups", params={"$top": "1"})
        sync = http.get("sync/Logistics/Items", params={"$filter": "Timestamp gt 0L"})
    assert plain.status_code == 400 and error_text(plain) == SELECT_MESSAGE
    assert top_one.status_code == 200 and len(top_one.json()["d"]["results"]) == 1
    assert sync.status_code == 400 and error_text(sync) == SELECT_MESSAGE


def test_crud_pages_hold_60_rows_and_sync_pages_1000(sandbox: ExactSandbox) -> None:
    sandbox.division().seed_items(1100, stock=None, groups=0)
    with raw_client(sandbox) as http:
        crud = http.get(
            "logistics/Items", params={"$select": "ID,Code", "$filter": "IsSalesItem eq true"}
        ).json()["d"]
        sync = http.get(
            "sync/Logistics/Items",
            params={"$select": "Code,Timestamp", "$filter": "Timestamp gt 0L"},
        ).json()["d"]
        rest = http.get(sync["__next"]).json()["d"]
    assert len(crud["results"]) == 60 and "$skiptoken=guid" in crud["__next"]
    assert len(sync["results"]) == 1000 and len(rest["results"]) == 100
    assert "__next" not in rest
    stamps = [int(r["Timestamp"]) for r in sync["results"] + rest["results"]]
    assert stamps == sorted(stamps) and len(set(stamps)) == 1100


def test_entities_with_a_sync_api_demand_a_filter(sandbox: ExactSandbox) -> None:
    sandbox.division().seed_items(2)
    with raw_client(sandbox) as http:
        crud = http.get("logistics/Items", params={"$select": "Code"})
        bulk = http.get("bulk/Logistics/Items", params={"$select": "Code"})
        filtered = http.get(
            "bulk/Logistics/Items", params={"$select": "Code", "$filter": "Code eq 'I00001'"}
        )
    assert crud.status_code == bulk.status_code == 400
    assert "Filtering is mandatory" in error_text(bulk)
    assert [r["Code"] for r in filtered.json()["d"]["results"]] == ["I00001"]


def test_a_guid_field_compared_with_a_string_is_refused(sandbox: ExactSandbox) -> None:
    item = sandbox.division().add_item("A1")
    with raw_client(sandbox) as http:
        wrong = http.get(
            "logistics/Items", params={"$select": "Code", "$filter": f"ID eq '{item}'"}
        )
        right = http.get(
            "logistics/Items", params={"$select": "Code", "$filter": f"ID eq guid'{item}'"}
        )
    assert wrong.status_code == 400
    assert "incompatible with operand types 'System.Guid' and 'System.String'" in error_text(wrong)
    assert right.json()["d"]["results"][0]["Code"] == "A1"


def test_answers_carry_daily_and_minutely_headers_with_resets_in_epoch_ms() -> None:
    sandbox = ExactSandbox(speed=0, start=START + 15)
    with raw_client(sandbox) as http:
        response = http.get("logistics/ItemGroups", params={"$select": "Code"})
    headers = response.headers
    assert headers["X-RateLimit-Limit"] == "5000" and headers["X-RateLimit-Remaining"] == "4999"
    assert headers["X-RateLimit-Minutely-Limit"] == "60"
    assert headers["X-RateLimit-Minutely-Remaining"] == "59"
    assert int(headers["X-RateLimit-Minutely-Reset"]) == (START + 60) * 1000
    assert int(headers["X-RateLimit-Reset"]) == (START - 9 * 3600 + 86400) * 1000


def test_an_exhausted_minute_answers_429_with_only_the_minutely_headers() -> None:
    sandbox = ExactSandbox(speed=0, start=START, per_minute=3)
    with raw_client(sandbox) as http:
        answers = [http.get("logistics/ItemGroups", params={"$select": "Code"}) for _ in range(4)]
        sandbox.advance(60)
        after = http.get("logistics/ItemGroups", params={"$select": "Code"})
    refused = answers[-1]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert refused.headers["X-RateLimit-Minutely-Remaining"] == "0"
    assert "X-RateLimit-Remaining" not in refused.headers
    assert error_text(refused) == "API rate limit exceeded."
    assert after.status_code == 200


def test_an_exhausted_day_answers_429_until_midnight() -> None:
    sandbox = ExactSandbox(speed=0, start=START, per_day=2)
    with raw_client(sandbox) as http:
        codes = [
            http.get("logistics/ItemGroups", params={"$select": "Code"}).status_code
            for _ in range(3)
        ]
    sandbox.advance(15 * 3600)  # past midnight UTC
    with raw_client(sandbox) as http:  # a new access token: the old one lived 600 s
        next_day = http.get("logistics/ItemGroups", params={"$select": "Code"})
    assert codes == [200, 200, 429] and next_day.status_code == 200


def test_ten_errors_within_an_hour_block_the_endpoint_for_an_hour(sandbox: ExactSandbox) -> None:
    with raw_client(sandbox) as http:
        for _ in range(10):
            assert (
                http.get("logistics/Items(guid'00000000-0000-0000-0000-000000000000')").status_code
                == 404
            )
        blocked = http.get("logistics/ItemGroups", params={"$select": "Code"})
        other = http.get("logistics/Items", params={"$select": "Code", "$filter": "Code eq 'x'"})
    sandbox.advance(3601)
    with raw_client(sandbox) as http:
        again = http.get("logistics/Items", params={"$select": "Code", "$filter": "Code eq 'x'"})
    assert blocked.status_code == 200  # another endpoint is not blocked
    assert other.status_code == 429 and "Too many errors" in error_text(other)
    assert again.status_code == 200


def test_not_found_and_unknown_endpoints_answer_in_exacts_error_shape(
    sandbox: ExactSandbox,
) -> None:
    with raw_client(sandbox) as http:
        missing = http.get("crm/Accounts(guid'00000000-0000-0000-0000-000000000001')")
        unknown = http.get("logistics/Nonsense", params={"$select": "ID"})
        no_token = http.get("crm/Accounts", params={"$select": "ID"}, headers={"Authorization": ""})
    assert missing.status_code == 404 and "Resource not found" in error_text(missing)
    assert unknown.status_code == 404 and error_text(unknown)
    assert no_token.status_code == 401 and error_text(no_token)


def test_writes_are_answered_as_stored_and_appear_in_the_sync_api(sandbox: ExactSandbox) -> None:
    with raw_client(sandbox) as http:
        created = http.post("crm/Accounts", json={"Name": "Bakkerij Jansen", "Code": "25"})
        account = created.json()["d"]
        changed = http.put(f"crm/Accounts(guid'{account['ID']}')", json={"City": "Leusden"})
        synced = http.get(
            "sync/CRM/Accounts", params={"$select": "ID,Code,City", "$filter": "Timestamp gt 0L"}
        ).json()["d"]["results"]
    assert created.status_code == 201 and account["Code"] == "                25"
    assert changed.status_code == 204 and not changed.content
    assert [(r["Code"], r["City"]) for r in synced] == [("                25", "Leusden")]


def test_bodies_with_unknown_read_only_or_mistyped_fields_are_refused(
    sandbox: ExactSandbox,
) -> None:
    with raw_client(sandbox) as http:
        unknown = http.post("crm/Accounts", json={"Name": "X", "Shoe size": 44})
        read_only = http.post("logistics/Items", json={"Code": "A", "Description": "A", "Stock": 5})
        wrong_type = http.post("crm/Accounts", json={"Name": "X", "Blocked": "yes"})
    assert unknown.status_code == read_only.status_code == wrong_type.status_code == 400
    assert "property 'Blocked' to type 'System.Boolean'" in error_text(wrong_type)
    assert "The property name 'Shoe size'" in error_text(unknown)
    assert "'Stock'" in error_text(read_only) and "read-only" in error_text(read_only)


@needs_meta
def test_bodies_are_validated_against_exacts_meta_data(sandbox: ExactSandbox) -> None:
    """Fields the built-in schema does not know are judged by meta-data.json."""
    account = sandbox.division().add_account("Jansen")
    item = sandbox.division().add_item("A1")
    line = {"Item": item, "Quantity": 1}
    with raw_client(sandbox) as http:
        known = http.post("crm/Accounts", json={"Name": "Y", "ChamberOfCommerce": "12345678"})
        wrong_type = http.post(
            "salesorder/SalesOrders",
            json={"OrderedBy": account, "SalesOrderLines": [{**line, "Quantity": "two"}]},
        )
        read_only = http.post(
            "salesorder/SalesOrders",
            json={"OrderedBy": account, "SalesOrderLines": [line], "OrderedByName": "x"},
        )
        immutable = http.put(
            "salesorder/SalesOrders(guid'00000000-0000-0000-0000-000000000000')",
            json={"OrderedBy": account},
        )
    assert known.status_code == 201
    assert wrong_type.status_code == 400
    assert "to type 'System.Double'" in error_text(wrong_type)
    assert read_only.status_code == 400 and "'OrderedByName'" in error_text(read_only)
    assert immutable.status_code == 400 and "'OrderedBy'" in error_text(immutable)


def test_me_names_the_current_division_and_divisions_lists_all(sandbox: ExactSandbox) -> None:
    with raw_client(sandbox) as http:
        me = http.get(
            "https://start.exactonline.nl/api/v1/current/Me",
            params={"$select": "CurrentDivision,FullName"},
        ).json()
        divisions = http.get("system/Divisions", params={"$select": "Code,Current"}).json()
    assert me["d"]["results"][0]["CurrentDivision"] == 1234567
    assert divisions["d"]["results"] == [
        {"Code": 1234567, "Current": True},
        {"Code": 7654321, "Current": False},
    ]


def test_a_deleted_item_shows_in_sync_deleted(sandbox: ExactSandbox) -> None:
    item = sandbox.division().add_item("GONE")
    sandbox.division().delete_item("GONE")
    with raw_client(sandbox) as http:
        rows = http.get(
            "sync/Deleted",
            params={
                "$select": "EntityKey,EntityType",
                "$filter": "Timestamp gt 0L and EntityType eq 9",
            },
        ).json()["d"]["results"]
    assert [(r["EntityKey"], r["EntityType"]) for r in rows] == [(item, 9)]
