"""Generic reads: company header, filters, fields, lastKey and PageNumber paging, shapes."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from bcapp.connectors.accountview import facts
from bcapp.connectors.accountview.client import AccountViewClient, Filter, Op, Paging, Query
from bcapp.errors import ConfigError, FatalSyncError
from bcapp.sandbox.accountview import AccountViewSandbox
from tests.accountview.conftest import connect


def codes(pages: list[list[dict]]) -> list[str]:
    return [row["ART_CODE"] for page in pages for row in page]


def data_requests(sandbox: AccountViewSandbox) -> list[dict]:
    return [r for r in sandbox.requests if r["path"] == "AccountViewData"]


def test_company_header_goes_on_data_calls_only(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(2)
    client.companies()
    list(client.iter_rows("AK1", "ARTICLE"))
    companies, data = sandbox.requests[-2:]
    assert companies["headers"]["X-Company"] == ""
    assert data["headers"]["X-Company"] == sandbox.company_id


def test_each_company_has_its_own_data(sandbox: AccountViewSandbox) -> None:
    other = sandbox.add_company("SHOP2", "Tweede Winkel BV")
    sandbox.seed(3)
    sandbox.add_article("ONLY-IN-2", company="SHOP2")
    first = connect(sandbox)
    second = connect(sandbox, company=other.id)
    assert codes(list(first.iter_rows("AK1", "ARTICLE"))) == ["A0001", "A0002", "A0003"]
    assert codes(list(second.iter_rows("AK1", "ARTICLE"))) == ["ONLY-IN-2"]


def test_no_company_chosen_or_an_unknown_one_is_a_config_error(
    sandbox: AccountViewSandbox,
) -> None:
    with pytest.raises(ConfigError, match="Choose the AccountView company"):
        list(connect(sandbox, company="").iter_rows("AK1", "ARTICLE"))
    with pytest.raises(ConfigError, match="not available to this user"):
        list(connect(sandbox, company="no-such-company").iter_rows("AK1", "ARTICLE"))


def test_business_objects_say_what_may_be_written(client: AccountViewClient) -> None:
    catalogue = {bo.code: bo for bo in client.business_objects()}
    assert catalogue["SO1"].insert_allowed
    assert catalogue["AR1"].update_allowed
    assert not catalogue["VA1"].insert_allowed
    assert "DJ2" in catalogue and "DJ2P" in catalogue


def test_last_key_paging_reads_every_row_once_in_key_order(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(7)
    pages = list(client.iter_rows("AK1", "ARTICLE", ["ART_CODE", "ART_DESC1"], page_size=3))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert codes(pages) == [f"A{i:04d}" for i in range(1, 8)]
    sent = [r["params"].get("lastKey") for r in data_requests(sandbox)]
    assert sent == [None, "A0003", "A0006"]


def test_last_key_paging_has_no_gap_and_no_repeat_when_rows_change_mid_run(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(9)
    pages = client.iter_rows("AK1", "ARTICLE", page_size=3)
    seen = codes([next(pages)])
    sandbox.add_article("A0000")  # sorts before the cursor: not this run's business
    sandbox.touch_article("A0002", ART_DESC1="changed behind us")
    sandbox.touch_article("A0008", ART_DESC1="changed ahead")
    rest = list(pages)
    seen += codes(rest)
    assert seen == [f"A{i:04d}" for i in range(1, 10)]
    assert any(r["ART_DESC1"] == "changed ahead" for page in rest for r in page)


def test_page_number_paging_follows_the_sort_order(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(5)
    pages = list(
        client.iter_rows(
            "AK1",
            "ARTICLE",
            ["ART_CODE", "PX_SELL"],
            page_size=2,
            order=["PX_SELL"],
            descending=True,
        )
    )
    assert codes(pages) == ["A0005", "A0004", "A0003", "A0002", "A0001"]
    sent = [r["params"] for r in data_requests(sandbox)]
    assert [p["PageNumber"] for p in sent] == ["1", "2", "3"]
    assert all(p["SortOrder"] == "descending" for p in sent)


def test_page_number_paging_repeats_a_row_after_an_insert_where_last_key_does_not(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    """Why lastKey is the default: PageNumber shifts when a row is inserted ahead."""
    sandbox.seed(6)
    by_number = client.iter_rows("AK1", "ARTICLE", page_size=3, paging=Paging.PAGE_NUMBER)
    first = codes([next(by_number)])
    sandbox.add_article("A0000")
    numbered = first + codes(list(by_number))
    assert numbered.count("A0003") == 2  # shifted onto page 2 as well

    by_key = client.iter_rows("AK1", "ARTICLE", page_size=3)
    first = codes([next(by_key)])
    sandbox.add_article("A00005")  # sorts between A0000 and A0001: behind the cursor
    keyed = first + codes(list(by_key))
    assert len(keyed) == len(set(keyed))


def test_filters_equal_ignores_case_and_matches_lists(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.add_debtor("Anna@Example.com", "Anna de Vries")
    sandbox.add_debtor("bob@example.com", "Bob Bakker")
    sandbox.add_debtor("carla@example.com", "Carla Smit")
    rows = next(
        client.iter_rows("AR1", "CONTACT", filters=[Filter("MAIL_BUS", "anna@example.com")])
    )
    assert [r["ACCT_NAME"] for r in rows] == ["Anna de Vries"]
    listed = next(
        client.iter_rows(
            "AR1",
            "CONTACT",
            filters=[Filter("contact.mail_bus", ["bob@example.com", "carla@example.com"])],
        )
    )
    assert [r["ACCT_NAME"] for r in listed] == ["Bob Bakker", "Carla Smit"]
    params = data_requests(sandbox)[-1]["params"]
    assert params["FilterIsListOfValues1"] == "true"
    assert params["FilterValue1"] == "bob@example.com,carla@example.com"


def test_filters_contains_not_equal_and_match_any(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.add_article("CHAIR", "Oak chair", group="FURN")
    sandbox.add_article("TABLE", "Oak table", group="FURN")
    sandbox.add_article("LAMP", "Desk lamp", group="LIGHT")
    oak = next(
        client.iter_rows("AK1", "ARTICLE", filters=[Filter("ART_DESC1", "oak", Op.CONTAINS)])
    )
    assert sorted(r["ART_CODE"] for r in oak) == ["CHAIR", "TABLE"]
    rest = next(
        client.iter_rows("AK1", "ARTICLE", filters=[Filter("AG_CODE", "FURN", Op.NOT_EQUAL)])
    )
    assert [r["ART_CODE"] for r in rest] == ["LAMP"]
    either = next(
        client.iter_rows(
            "AK1",
            "ARTICLE",
            filters=[Filter("ART_CODE", "LAMP"), Filter("ART_DESC1", "table", Op.CONTAINS)],
            match_any=True,
        )
    )
    assert sorted(r["ART_CODE"] for r in either) == ["LAMP", "TABLE"]
    both = list(
        client.iter_rows(
            "AK1", "ARTICLE", filters=[Filter("ART_CODE", "LAMP"), Filter("AG_CODE", "FURN")]
        )
    )
    assert both == []


def test_changed_since_filter_finds_the_articles_changed_on_or_after_a_moment(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(4)
    sandbox.clock.advance(3600)
    since = sandbox.clock.now
    sandbox.touch_article("A0003", PX_SELL=99)
    changed = next(
        client.iter_rows("AK1", "ARTICLE", filters=[Filter("CNG_DATE", since, Op.ON_OR_AFTER)])
    )
    assert [r["ART_CODE"] for r in changed] == ["A0003"]
    params = data_requests(sandbox)[-1]["params"]
    assert params["FilterValueType1"] == "T"
    assert params["FilterValue1"] == "{^" + since.strftime("%Y-%m-%d %H:%M:%S") + "}"
    assert datetime.fromisoformat(changed[0]["CNG_DATE"]) >= since


def test_fields_limit_the_answer_to_what_was_asked_plus_the_key(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.seed(1)
    (row,) = next(client.iter_rows("AK1", "ARTICLE", ["article.art_desc1", "px_sell"]))
    assert set(row) == {"ART_DESC1", "PX_SELL", "ART_CODE", "EXT_KEY", "ARTICLE_Id"}
    assert data_requests(sandbox)[-1]["params"]["Fields"] == "article.art_desc1,px_sell,ART_CODE"


def test_a_single_row_sent_as_an_object_still_reads_as_a_list(
    sandbox: AccountViewSandbox, client: AccountViewClient
) -> None:
    sandbox.single_row_as_object = True
    sandbox.add_article("ONE", "The only one")
    body = client.get_page(Query("AK1", "ARTICLE"))
    assert isinstance(body["ARTICLE"], dict)  # the wire shape
    pages = list(client.iter_rows("AK1", "ARTICLE"))
    assert [[r["ART_CODE"] for r in page] for page in pages] == [["ONE"]]


def test_reading_the_data_dictionary_of_a_table(client: AccountViewClient) -> None:
    article = client.fields("ARTICLE")
    assert article["ART_CODE"].mandatory
    assert article[facts.STOCK_AVAILABLE_FIELD].type.family == "number"
    contact = client.fields("contact")
    assert (contact["ACCT_NAME"].type.value, contact["ACCT_NAME"].length) == ("C", 40)


def test_filter_expression_on_the_system_data_endpoint(sandbox: AccountViewSandbox) -> None:
    token = sandbox.issue_tokens()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "X-Company": sandbox.company_id}
    with httpx.Client(transport=sandbox.transport(), base_url=sandbox.api_url + "/") as raw:
        answer = raw.get(
            "accountviewsystemdata",
            params={"businessobject": "FLD", "pagesize": 1000, "Filter": "dct_fld.dbf_name='VAT'"},
            headers=headers,
        )
    rows = answer.json()["DCT_FLD"]
    assert rows and {r["DBF_NAME"] for r in rows} == {"VAT"}
    assert [r["DCT_FLD_Id"] for r in rows] == list(range(len(rows)))


def test_too_large_a_page_is_refused_with_accountviews_words(client: AccountViewClient) -> None:
    with pytest.raises(FatalSyncError, match="PageSize must be between 1 and 1000"):
        list(client.iter_rows("AK1", "ARTICLE", page_size=facts.MAX_PAGE_SIZE + 1))


def test_an_unknown_filter_field_is_refused(client: AccountViewClient) -> None:
    with pytest.raises(FatalSyncError, match="Field 'NO_SUCH' does not exist in table ARTICLE"):
        list(client.iter_rows("AK1", "ARTICLE", filters=[Filter("NO_SUCH", "x")]))
