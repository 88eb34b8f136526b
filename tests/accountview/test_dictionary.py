"""The sandbox validates writes against AccountView's data dictionary.

With ``../shared/erp-specs/accountview`` present, tables the vendor describes use the
vendor's full dictionary and the product's compact rule set must agree with it;
without it (a user's checkout) every table uses the compact set. The validation
tests run in both modes where both are available.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bcapp.connectors.accountview.dictionary import BUILTIN, parse_fields
from bcapp.sandbox.accountview import AccountViewSandbox, spec
from tests.accountview.conftest import NO_VENDOR_REASON, VENDOR, needs_vendor


def _sandbox(mode: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AccountViewSandbox]:
    """A sandbox validating with the vendor's dictionary, or with the built-in rules only."""
    if mode == "vendor" and VENDOR is None:
        pytest.skip(NO_VENDOR_REASON)
    if mode == "builtin":
        monkeypatch.setattr(spec, "shared_dir", lambda: None)
    spec.load_vendor.cache_clear()
    spec._current.cache_clear()
    yield AccountViewSandbox()
    spec.load_vendor.cache_clear()
    spec._current.cache_clear()


@pytest.fixture(params=["vendor", "builtin"])
def shop(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AccountViewSandbox]:
    yield from _sandbox(request.param, monkeypatch)


@pytest.fixture
def vendor_shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[AccountViewSandbox]:
    yield from _sandbox("vendor", monkeypatch)


@pytest.fixture
def builtin_shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[AccountViewSandbox]:
    yield from _sandbox("builtin", monkeypatch)


def post(
    sandbox: AccountViewSandbox, table: str, fields: list[tuple[str, str, Any]], bo: str = "AR1"
) -> dict:
    """Write one row of ``(name, FieldType, value)`` and return AccountView's answer."""
    body = {
        "BusinessObject": bo,
        "Table": {
            "Definition": {
                "Name": table,
                "Fields": [{"Name": "RowId", "FieldType": "C"}]
                + [{"Name": n, "FieldType": t} for n, t, _ in fields],
            }
        },
        "TableData": {"Data": {"Rows": [{"Values": ["1", *(v for _, _, v in fields)]}]}},
    }
    token = sandbox.issue_tokens()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Company": sandbox.company_id}
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url + "/") as raw:
        answer = raw.post("AccountViewData", json=body, headers=headers)
    assert answer.status_code == 200  # refusals of data come with HTTP 200 too
    return answer.json()


VALID = [("ACCT_NAME", "C", "Bakkerij Jansen"), ("SRC_CODE", "C", "JANSEN")]


def test_a_valid_debtor_is_accepted(shop: AccountViewSandbox) -> None:
    assert post(shop, "CONTACT", VALID)["CONTACT"][0]["SUB_NR"] == "10001"


def test_mandatory_fields_are_required(shop: AccountViewSandbox) -> None:
    answer = post(shop, "CONTACT", [("SRC_CODE", "C", "JANSEN")])
    assert answer["ErrorType"] == "AccountViewError"
    assert (
        "Field 'ACCT_NAME'" in answer["ErrorMessage"] and "is mandatory" in answer["ErrorMessage"]
    )
    assert shop.rows("CONTACT") == []


def test_unknown_fields_are_refused(shop: AccountViewSandbox) -> None:
    answer = post(shop, "CONTACT", [*VALID, ("NO_SUCH_FIELD", "C", "x")])
    assert answer["ErrorMessage"] == "Field 'NO_SUCH_FIELD' does not exist in table CONTACT."


def test_lengths_are_enforced(shop: AccountViewSandbox) -> None:
    answer = post(shop, "CONTACT", [("ACCT_NAME", "C", "x" * 41), ("SRC_CODE", "C", "X")])
    assert (
        answer["ErrorMessage"] == "Field 'ACCT_NAME' of table CONTACT: longer than 40 characters."
    )


def test_declared_types_must_match_the_dictionary(shop: AccountViewSandbox) -> None:
    answer = post(shop, "CONTACT", [("ACCT_NAME", "N", "Jansen"), ("SRC_CODE", "C", "J")])
    assert answer["ErrorMessage"] == "Field 'ACCT_NAME' of table CONTACT is of type C, not N."


def test_values_must_fit_their_type(shop: AccountViewSandbox) -> None:
    answer = post(shop, "CONTACT", [*VALID, ("REC_BLK", "L", "perhaps")])
    assert "Field 'REC_BLK' of table CONTACT: not a logical" in answer["ErrorMessage"]
    answer = post(shop, "CONTACT", [*VALID, ("INP_DATE", "T", "yesterday")])
    assert "Field 'INP_DATE' of table CONTACT: not a date" in answer["ErrorMessage"]


def test_a_whole_journal_page_is_checked_against_dj_page_and_dj_line(
    shop: AccountViewSandbox,
) -> None:
    answer = post(shop, "DJ_PAGE", [("DJ_CODE", "C", "VK"), ("SUB_NR", "C", "")], bo="DJ2")
    assert "Field 'HDR_DESC'" in answer["ErrorMessage"]


@needs_vendor
def test_builtin_rules_agree_with_the_vendor_dictionary() -> None:
    assert VENDOR is not None
    vendor = parse_fields(row for rows in VENDOR.values() for row in rows)
    compared = 0
    for table, fields in BUILTIN.items():
        if table not in vendor:
            continue  # no vendor dictionary: the compact set is the only source (README)
        for name, mine in fields.items():
            theirs = vendor[table].get(name)
            assert theirs is not None, f"{table}.{name} is not in the vendor's dictionary"
            assert (mine.type, mine.length, mine.mandatory) == (
                theirs.type,
                theirs.length,
                theirs.mandatory,
            ), f"{table}.{name}"
            compared += 1
    assert compared > 50


def test_vendor_tables_use_the_vendor_dictionary(vendor_shop: AccountViewSandbox) -> None:
    shop = vendor_shop
    assert shop.dictionary.source["CONTACT"] == "vendor"
    assert shop.dictionary.source["ARTICLE"] == "builtin"  # no dictionary was ever published
    assert "WWW_URL" not in BUILTIN["CONTACT"]
    assert post(shop, "CONTACT", [*VALID, ("WWW_URL", "C", "https://jansen.nl")])["CONTACT"]
    answer = post(shop, "CONTACT", [("SRC_CODE", "C", "J")])
    assert (
        "Field 'ACCT_NAME' (Bedrijfsnaam) of table CONTACT is mandatory." in answer["ErrorMessage"]
    )


def test_without_the_vendor_files_every_table_uses_the_builtin_rules(
    builtin_shop: AccountViewSandbox,
) -> None:
    shop = builtin_shop
    assert set(shop.dictionary.source.values()) == {"builtin"}
    answer = post(shop, "CONTACT", [*VALID, ("WWW_URL", "C", "https://jansen.nl")])
    assert answer["ErrorMessage"] == "Field 'WWW_URL' does not exist in table CONTACT."


def test_fld_serves_the_vendors_rows(vendor_shop: AccountViewSandbox) -> None:
    assert VENDOR is not None
    rows = [r for r in vendor_shop.dictionary.dct_rows() if r["DBF_NAME"] == "CONTACT"]
    assert sorted(r["FIELD_NAME"] for r in rows) == sorted(
        r["FIELD_NAME"] for r in VENDOR["CONTACT"]
    )
