"""The sandbox's UpdateConnector validation: spec-driven when present, built-in otherwise."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bcapp.sandbox.afas import AfasSandbox
from bcapp.sandbox.afas import spec as spec_module
from tests.afas.conftest import connect


def post(sandbox: AfasSandbox, connector: str, body: dict, method: str = "POST"):  # type: ignore[no-untyped-def]
    client = connect(sandbox).client.client
    return client.request(method, f"connectors/{connector}", json=body)


def sales(fields: dict, lines: list[dict] | None = None) -> dict:
    element: dict = {"Fields": fields}
    if lines is not None:
        element["Objects"] = [{"FbSalesLines": {"Element": [{"Fields": f} for f in lines]}}]
    return {"FbSales": {"Element": element}}


@pytest.fixture
def shop(sandbox: AfasSandbox) -> AfasSandbox:
    sandbox.add_article("A1")
    sandbox.add_debtor("x@example.com", number="20001")
    return sandbox


needs_spec = pytest.mark.skipif(
    spec_module.load_specs() is None,
    reason="AFAS OpenAPI files not found (../shared/erp-specs/afas)",
)


@needs_spec
def test_missing_required_field_answers_profits_error_body(shop: AfasSandbox) -> None:
    response = post(shop, "FbSales", sales({"OrDa": "2026-01-01"}))
    assert response.status_code == 500
    body = response.json()
    assert body["externalMessage"] == (
        "Required field 'Sales contact' (DbId) is not filled in (FbSales)."
    )
    assert set(body) == {"externalMessage", "errorNumber", "profitLogReference"}


@needs_spec
def test_unknown_field_and_bad_type_are_refused(shop: AfasSandbox) -> None:
    response = post(shop, "FbSales", sales({"DbId": "20001", "Unit": "one", "Nonsense": 1}))
    message = response.json()["externalMessage"]
    assert "Field 'Nonsense' does not exist in FbSales." in message
    assert "Field 'Administration' (Unit) has an invalid value: 'one'." in message


@needs_spec
def test_afas_style_string_values_are_accepted(shop: AfasSandbox) -> None:
    body = sales(
        {"DbId": "20001", "Unit": "1", "BkOr": "0", "RfCs": "r1"},
        [{"VaIt": "2", "ItCd": "A1", "BiUn": "STK", "QuUn": "2", "Upri": "9.95"}],
    )
    response = post(shop, "FbSales", body)
    assert response.status_code == 201
    number = response.json()["results"]["FbSales"]["OrNu"]
    assert shop.tables.orders[number]["CustomerReference"] == "r1"


def test_business_rules_refuse_unknown_items_and_debtors(shop: AfasSandbox) -> None:
    line = {"VaIt": "2", "ItCd": "NOPE", "BiUn": "STK", "QuUn": 1}
    assert post(shop, "FbSales", sales({"DbId": "20001"}, [line])).json()["externalMessage"] == (
        "Item 'NOPE' does not exist."
    )
    assert post(shop, "FbSales", sales({"DbId": "1"})).json()["externalMessage"] == (
        "Sales relation '1' does not exist."
    )


def test_unsupported_method_is_refused(shop: AfasSandbox) -> None:
    response = post(shop, "FbSales", sales({"DbId": "20001"}), method="DELETE")
    assert response.status_code == 500


@pytest.fixture
def no_spec(monkeypatch: pytest.MonkeyPatch, tmp_path) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("BCAPP_SHARED_DIR", str(tmp_path))
    monkeypatch.setattr(spec_module, "shared_dir", lambda: None)
    spec_module.load_specs.cache_clear()
    yield
    spec_module.load_specs.cache_clear()


def test_builtin_rules_apply_without_the_spec_files(no_spec: None, shop: AfasSandbox) -> None:
    assert spec_module.load_specs() is None
    response = post(shop, "FbSales", sales({"OrDa": "2026-01-01"}))
    assert response.json()["externalMessage"] == (
        "Required field 'DbId' is not filled in (FbSales)."
    )
    ok = post(shop, "FbSales", sales({"DbId": "20001"}, [{"VaIt": "2", "ItCd": "A1", "QuUn": 1}]))
    assert ok.status_code == 201
    assert post(shop, "KnUnknown", {"KnUnknown": {"Element": {"Fields": {}}}}).status_code == 500


def test_without_the_spec_files_invoices_and_quotations_are_still_accepted(
    no_spec: None, shop: AfasSandbox
) -> None:
    """A checkout without ../shared (a user's clone: the demo) can still book every document
    type the connector offers; the required fields are the built-in minimum."""
    for name in ("FbDirectInvoice", "FbSalesQuotation"):
        lines = {f"{name}Lines": {"Element": [{"Fields": {"VaIt": "2", "ItCd": "A1", "QuUn": 1}}]}}
        body = {name: {"Element": {"Fields": {"DbId": "20001"}, "Objects": [lines]}}}
        assert post(shop, name, body).status_code == 201, name
        missing = {name: {"Element": {"Fields": {"OrDa": "2026-01-01"}}}}
        assert post(shop, name, missing).json()["externalMessage"] == (
            f"Required field 'DbId' is not filled in ({name})."
        )
