"""GetConnector semantics as the sandbox implements them (and the client relies on)."""

from __future__ import annotations

import pytest

from bcapp.connectors.afas import AfasConnector
from bcapp.connectors.afas.client import Filter, Op
from bcapp.errors import ConfigError, FatalSyncError
from bcapp.sandbox.afas import AfasSandbox
from tests.afas.conftest import connect


@pytest.fixture
def client(sandbox: AfasSandbox):  # type: ignore[no-untyped-def]
    sandbox.add_article("A1", "Red shirt", price="10", group="SHIRTS", ean="8712")
    sandbox.add_article("A2", "Blue shirt", price="20", group="SHIRTS", blocked=True)
    sandbox.add_article("B1", "Red cap", price="5.50", group="CAPS")
    sandbox.add_article("C1", "Green cap", price="30")
    return connect(sandbox).client


def codes(client, *sets, order=("ItemCode",)) -> list[str]:  # type: ignore[no-untyped-def]
    rows = client.get_rows("BCApp_Articles", filters=list(sets), order_by=list(order))
    return [r["ItemCode"] for r in rows]


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (Filter("SalesPrice", Op.EQ, "10"), ["A1"]),
        (Filter("SalesPrice", Op.GE, "20"), ["A2", "C1"]),
        (Filter("SalesPrice", Op.LE, "10"), ["A1", "B1"]),
        (Filter("SalesPrice", Op.GT, "20"), ["C1"]),
        (Filter("SalesPrice", Op.LT, "10"), ["B1"]),
        (Filter("Description", Op.CONTAINS, "red"), ["A1", "B1"]),
        (Filter("ArtGroup", Op.NE, "SHIRTS"), ["B1", "C1"]),
        (Filter("ArtGroup", Op.EMPTY), ["C1"]),
        (Filter("ArtGroup", Op.NOT_EMPTY), ["A1", "A2", "B1"]),
        (Filter("Description", Op.STARTS_WITH, "Red"), ["A1", "B1"]),
        (Filter("Description", Op.NOT_CONTAINS, "shirt"), ["B1", "C1"]),
        (Filter("Description", Op.NOT_STARTS_WITH, "Red"), ["A2", "C1"]),
        (Filter("Description", Op.ENDS_WITH, "cap"), ["B1", "C1"]),
        (Filter("Description", Op.NOT_ENDS_WITH, "cap"), ["A1", "A2"]),
        (Filter("Blocked", Op.EQ, True), ["A2"]),
    ],
)
def test_operator_types(client, flt: Filter, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert codes(client, [flt]) == expected


def test_conditions_in_a_set_and_sets_or(client) -> None:  # type: ignore[no-untyped-def]
    red_shirts = [Filter("Description", Op.CONTAINS, "red"), Filter("ArtGroup", Op.EQ, "SHIRTS")]
    assert codes(client, red_shirts) == ["A1"]
    assert codes(client, red_shirts, [Filter("ItemCode", Op.EQ, "C1")]) == ["A1", "C1"]


def test_ordering_descending_and_paging(client) -> None:  # type: ignore[no-untyped-def]
    assert codes(client, order=("-SalesPrice",)) == ["C1", "A2", "A1", "B1"]
    page = client.get_rows("BCApp_Articles", order_by=["ItemCode"], skip=1, take=2)
    assert [r["ItemCode"] for r in page] == ["A2", "B1"]


def test_rows_carry_only_the_connectors_fields(client) -> None:  # type: ignore[no-untyped-def]
    row = client.get_rows("Profit_ArticleGroups", order_by=["Artikelgroep"])[0]
    assert row == {"Artikelgroep": "CAPS", "Omschrijving": "Group CAPS"}


def test_unknown_connector_and_bad_operator_answer_profits_error(client) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FatalSyncError, match="GetConnector 'Nope' does not exist"):
        client.get_rows("Nope")
    response = client.client.get(
        "connectors/BCApp_Articles",
        params={"filterfieldids": "ItemCode", "filtervalues": "A1", "operatortypes": "99"},
    )
    assert response.status_code == 500
    assert response.json()["externalMessage"] == "Unknown operator type '99'."


def test_metainfo_lists_and_describes_custom_connectors(sandbox: AfasSandbox) -> None:
    sandbox.define_connector(
        "Shop_Items", [("Code", "string"), ("Mod", "date")], source="BCApp_Articles"
    )
    client = connect(sandbox).client
    listing = client.metainfo()
    assert {"id": "Shop_Items", "description": "Shop_Items"} in listing["getConnectors"]
    assert "FbSales" in {c["id"] for c in listing["updateConnectors"]}
    info = client.metainfo("Shop_Items")
    assert [(f["id"], f["dataType"]) for f in info["fields"]] == [
        ("Code", "string"),
        ("Mod", "date"),
    ]


def test_several_environments_are_routed_by_host() -> None:
    from bcapp.sandbox.afas import Environments

    first, second = AfasSandbox("11111"), AfasSandbox("22222", token="SECOND")
    first.add_article("ONLY-IN-1")
    both = Environments(first, second)
    one = AfasConnector(first.settings(), transport=both.transport())
    two = AfasConnector(second.settings(), transport=both.transport())
    assert [p.sku for b in one.fetch_products(None) for p in b.records] == ["ONLY-IN-1"]
    assert [p.sku for b in two.fetch_products(None) for p in b.records] == []
    with pytest.raises(ConfigError):  # the first environment's token does not open the second
        AfasConnector(second.settings(token=first.token), transport=both.transport()).check()
