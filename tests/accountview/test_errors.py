"""Errors through the one status table: AccountView's words kept, retryable vs fatal vs config."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.client import AccountViewClient
from bcapp.connectors.accountview.envelopes import Document
from bcapp.errors import FatalSyncError, RetryableSyncError
from bcapp.sandbox.accountview import AccountViewSandbox

DEBTOR = Document("CONTACT", {"ACCT_NAME": "Bakkerij Jansen", "SRC_CODE": "JANSEN"})


def write_debtor(client: AccountViewClient) -> dict:
    return client.write(facts.DEBTORS, [DEBTOR], book_date=date(2026, 1, 2))


def test_an_error_body_on_http_200_is_a_fatal_error_with_accountviews_words(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.reject_next_write("Debiteur 10001 is geblokkeerd voor orders.")
    with pytest.raises(FatalSyncError) as info:
        write_debtor(client)
    error = info.value
    assert str(error) == "Debiteur 10001 is geblokkeerd voor orders."
    assert (error.status, error.remote) == (200, "accountview")
    assert error.details["body"]["ErrorMessage"] == "Debiteur 10001 is geblokkeerd voor orders."
    assert client.last_exchange is not None and client.last_exchange.status == 200
    assert write_debtor(client)["CONTACT"][0]["ACCT_NAME"] == "Bakkerij Jansen"  # next one works


def test_a_rejected_write_waits_for_a_write(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.reject_next_write("Nee.")
    assert list(client.iter_rows("AK1", "ARTICLE")) == []  # reads pass
    with pytest.raises(FatalSyncError, match=r"^Nee\.$"):
        write_debtor(client)


def test_a_rejection_waits_for_a_write_that_gets_through(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.expire_access_tokens()  # the write's first attempt is a 401, then a refresh
    sandbox.reject_next_write("Nee.")
    with pytest.raises(FatalSyncError, match=r"^Nee\.$"):
        write_debtor(client)
    assert [e.status for e in client.exchanges] == [401, 200]


def test_a_dictionary_refusal_is_fatal_and_names_the_field(client: AccountViewClient) -> None:
    too_long = Document("CONTACT", {"ACCT_NAME": "x" * 41, "SRC_CODE": "X"})
    with pytest.raises(FatalSyncError, match=r"ACCT_NAME.*longer than 40 characters"):
        client.write(facts.DEBTORS, [too_long], book_date=date(2026, 1, 2))


@pytest.mark.parametrize("fault", [500, 503, "timeout"])
def test_outages_are_retryable_and_the_next_call_works(
    sandbox: AccountViewSandbox, client: AccountViewClient, fault: int | str
) -> None:
    sandbox.seed(1)
    sandbox.fail_next(fault)
    with pytest.raises(RetryableSyncError) as info:
        list(client.iter_rows("AK1", "ARTICLE"))
    assert info.value.remote == "accountview"
    if fault == 503:
        assert info.value.retry_after == 30
    assert len(next(client.iter_rows("AK1", "ARTICLE"))) == 1


def test_a_write_that_times_out_is_retryable(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.fail_next("timeout")
    with pytest.raises(RetryableSyncError, match="did not answer in time"):
        write_debtor(client)


def test_the_rate_limit_is_retryable_after_the_time_accountview_names(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.rate_limit = (2, 60.0)
    client.companies()
    client.companies()
    with pytest.raises(RetryableSyncError) as info:
        client.companies()
    assert info.value.status == facts.RATE_LIMITED_STATUS
    assert info.value.retry_after is not None and 0 < info.value.retry_after <= 60
    assert "Too many requests" in str(info.value)


def test_a_malformed_write_is_fatal(sandbox: AccountViewSandbox, client: AccountViewClient) -> None:
    body = {"BusinessObject": "NOPE", "Table": {}, "TableData": {}}
    with pytest.raises(FatalSyncError, match="Business object 'NOPE' does not exist") as info:
        client.call("POST", facts.DATA_PATH, json_body=body)
    assert info.value.status == facts.REQUEST_ERROR_STATUS


def test_exchanges_never_carry_the_bearer_token(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    client.companies()
    write_debtor(client)
    token = client.tokens.credentials.read()["access_token"]
    logged = json.dumps([e.as_dict() for e in client.exchanges])
    assert token not in logged
    assert all(e.request_headers["authorization"] == "***" for e in client.exchanges)
    assert client.exchanges[-1].request_headers["x-company"] == sandbox.company_id
