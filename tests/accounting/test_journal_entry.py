"""Orders booked as AFAS financial mutations (FiEntries): a sales journal entry on the debtor,
revenue and VAT per ledger account and VAT code, exactly once (issue 22, point 1)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from bcapp.connectors.afas.client import token_header
from bcapp.extensions import db
from bcapp.models import Connection
from bcapp.sandbox.afas import spec as spec_module


def name_connector(entity: str, connector: str, **options: Any) -> None:
    """The merchant names a GetConnector (and AFAS order options) in the AFAS settings."""
    connection = db.session.execute(db.select(Connection)).scalar_one()
    connectors = {**(connection.settings.get("connectors") or {}), entity: {"connector": connector}}
    orders = {**(connection.settings.get("orders") or {}), **options}
    connection.settings = {**connection.settings, "connectors": connectors, "orders": orders}
    db.session.commit()


def journal_store(world, **orders: Any) -> None:
    """A store that books orders as journal entries in sales journal 70 (AFAS's Verkoopboek)."""
    name_connector("journal_entries", "BCApp_JournalEntries")
    world.settings("orders", document_type="journal_entry", sales_journal="70", **orders)
    world.settings("mappings", tax={"Default Tax Class": "1"}, revenue_account={"*": "8000"})


def posted(world, connector: str = "FiEntries") -> list[dict[str, Any]]:
    """The bodies AFAS received on ``connector`` (the sandbox validated each against the spec)."""
    return [r["body"] for r in world.afas.requests
            if r["method"] == "POST" and r["path"] == f"connectors/{connector}"]  # fmt: skip


def lines_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    elements = body["FiEntryPar"]["Element"]["Objects"][0]["FiEntries"]["Element"]
    return [e["Fields"] for e in elements]


def test_an_order_becomes_a_sales_journal_entry_once(world):
    world.product("SKU-1", 100)
    world.product("SKU-2", 50)
    journal_store(world, shipping_account="8400")
    order_id = world.order("SKU-1", "SKU-2", tax_rate=0.21, shipping_cost=10)

    world.export(order_id)

    assert world.erp_orders() == [] and world.afas.tables.invoices == {}  # no sales document
    [body] = posted(world)
    head = body["FiEntryPar"]["Element"]["Fields"]
    assert (head["JoCo"], head["UnId"]) == ("70", 1) and head["Year"] >= 2026
    debtor, *rest = lines_of(body)
    [relation] = world.afas.debtors_with_email("jan@example.com")
    assert (debtor["VaAs"], debtor["AcNr"], debtor["InId"]) == ("2", relation["DebtorId"],
                                                                str(order_id))  # fmt: skip
    assert (debtor["AmDe"], debtor["AmCr"]) == (193.6, 0.0)  # 160 + 21% VAT
    booked = {(ln["AcNr"], ln.get("VaId"), ln["AmCr"]) for ln in rest}
    assert booked == {("8000", "1", 150.0), ("8400", "1", 10.0), ("1500", "1", 33.6)}
    # Profit booked it in balance, on the accounts the VAT code names (1500 for code 1)
    rows = world.afas.tables.entries
    assert sum(r["AmtDebit"] for r in rows) == sum(r["AmtCredit"] for r in rows) == 193.6
    [binding] = world.bindings("order")
    assert binding.erp_id == str(rows[0]["EntryNo"])

    for binding in world.bindings("order"):  # lost between create and bind
        db.session.delete(binding)
    db.session.commit()
    world.set_status(order_id, 11)
    world.export(order_id)
    assert len(posted(world)) == 1  # found again by its voucher number: booked once
    assert world.bindings("order")[0].erp_id == str(rows[0]["EntryNo"])


def test_discounts_and_cost_centre_on_their_own_lines(world):
    world.product("SKU-1", 100)
    journal_store(world, discount_account="8900")
    world.settings("mappings", cost_centre={"*": "WEB"})
    order_id = world.order(lines=[{"product_id": world.skus["SKU-1"], "quantity": 2,
                                   "discount": 24.2}], tax_rate=0.21, shipping_cost=0)  # fmt: skip

    world.export(order_id)

    [body] = posted(world)
    elements = body["FiEntryPar"]["Element"]["Objects"][0]["FiEntries"]["Element"]
    by_account = {e["Fields"]["AcNr"]: e for e in elements}
    revenue, discount, vat = by_account["8000"], by_account["8900"], by_account["1500"]
    assert revenue["Fields"]["AmCr"] == 200.0 and discount["Fields"]["AmDe"] == 20.0
    assert vat["Fields"]["AmCr"] == 37.8  # 21% of 180
    [debtor] = [e["Fields"] for e in elements if e["Fields"]["VaAs"] == "2"]
    assert debtor["AmDe"] == 217.8
    allocation = revenue["Objects"][0]["FiDimEntries"]["Element"][0]["Fields"]
    assert allocation == {"DiC1": "WEB", "AmDe": 0.0, "AmCr": 200.0}
    assert "Objects" not in vat  # VAT is not allocated to a cost centre


@pytest.mark.parametrize("discount_account", ["", "8900"])
def test_a_discount_on_the_whole_order_is_booked_so_the_debtor_owes_what_was_paid(
    world, discount_account
):
    """A manual discount on the order (not spread over its lines) must not leave the debtor
    owing more than the customer paid: it is booked as a discount (or off the revenue)."""
    world.product("SKU-1", 100)
    journal_store(world, shipping_account="8400", discount_account=discount_account)
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=10, discount_amount=7.5)
    paid = Decimal(world.bc_order(order_id)["total_inc_tax"])  # 100 + 10 - 7.5 + 23.1 VAT

    world.export(order_id)

    [body] = posted(world)
    by_account = {f["AcNr"]: f for f in lines_of(body)}
    [debtor] = [f for f in lines_of(body) if f["VaAs"] == "2"]
    assert Decimal(str(debtor["AmDe"])) == paid.quantize(Decimal("0.01")) == Decimal("125.60")
    if discount_account:
        assert by_account["8000"]["AmCr"] == 100.0 and by_account["8900"]["AmDe"] == 7.5
    else:
        assert by_account["8000"]["AmCr"] == 92.5
    assert by_account["1500"]["AmCr"] == 23.1  # BigCommerce's tax total
    [binding] = world.bindings("order")
    assert binding.data["total"]["ok"] is True  # the whole total reached the ERP


def test_journal_entries_need_a_lookup_connector_and_a_journal(world):
    world.product("SKU-1")
    world.settings("orders", document_type="journal_entry", sales_journal="70")
    world.settings("mappings", revenue_account={"*": "8000"})
    order_id = world.order("SKU-1")

    world.export(order_id)

    [failed] = world.log("order", "failed")
    assert "BCApp_JournalEntries" in failed.message and "booked twice" in failed.message

    name_connector("journal_entries", "BCApp_JournalEntries")
    world.settings("orders", sales_journal="")
    world.set_status(order_id, 11)
    world.export(order_id)
    assert "no sales journal is chosen" in world.log("order", "failed")[-1].message
    assert posted(world) == []


def test_a_line_without_revenue_account_is_named(world):
    world.product("SKU-1")
    journal_store(world)
    world.settings("mappings", revenue_account={"DE": "8110"})
    order_id = world.order("SKU-1", tax_rate=0.21)

    world.export(order_id)

    [failed] = world.log("order", "failed")
    assert 'Order line "SKU-1"' in failed.message and "revenue account" in failed.message
    assert posted(world) == []


def test_profit_refuses_an_unknown_journal_with_its_own_words(world):
    world.product("SKU-1")
    journal_store(world)
    world.settings("orders", sales_journal="99")
    order_id = world.order("SKU-1", tax_rate=0.21)

    world.export(order_id)

    [failed] = world.log("order", "failed")
    assert "Journal '99' does not exist" in failed.message
    assert world.afas.tables.entries == []


def test_profit_refuses_a_blocked_ledger_account_and_another_administrations_journal(world):
    world.product("SKU-1")
    journal_store(world)
    world.settings("mappings", revenue_account={"*": "8990"})  # blocked in the chart
    first = world.order("SKU-1", tax_rate=0.21)
    world.export(first)
    world.settings("mappings", revenue_account={"*": "8000"})
    world.settings("orders", sales_journal="71")  # administration 2's sales journal
    second = world.order("SKU-1", tax_rate=0.21)
    world.export(second)

    blocked, other = world.log("order", "failed")
    assert "Ledger account '8990' is blocked" in blocked.message
    assert "Journal '71' does not exist" in other.message
    assert world.afas.tables.entries == []


def test_the_sandbox_checks_every_entry_against_afas_spec(world):
    """What the spec does not know is refused with AFAS's words (so our bodies are valid)."""
    world.product("SKU-1", 100)
    journal_store(world)
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=0)
    world.export(order_id)
    [body] = posted(world)
    client = httpx.Client(transport=world.afas.transport(), base_url=world.afas.base_url + "/")

    lines = body["FiEntryPar"]["Element"]["Objects"][0]["FiEntries"]["Element"]
    lines[0]["Fields"]["Colour"] = "red"
    bad = client.post("connectors/FiEntries", json=body, headers=_auth(world))
    assert bad.status_code == 500 and "'Colour' does not exist" in bad.json()["externalMessage"]
    assert len(world.afas.tables.entries) == 3  # debtor, revenue, VAT: nothing more


@pytest.fixture
def no_spec(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A checkout without ../shared (a user's clone): the sandbox's built-in rules apply."""
    monkeypatch.setattr(spec_module, "shared_dir", lambda: None)
    spec_module.load_specs.cache_clear()
    yield
    spec_module.load_specs.cache_clear()


def test_without_the_spec_files_entries_are_still_booked(no_spec: None, world) -> None:
    assert spec_module.load_specs() is None
    world.product("SKU-1", 100)
    journal_store(world)
    world.settings("mappings", payment_journal={"Credit Card": "MOL/1105"})

    world.export(world.order("SKU-1", tax_rate=0.21, shipping_cost=0))

    assert len(posted(world)) == 2  # the sales entry and its payment
    missing = {"FiEntryPar": {"Element": {"Fields": {"Year": 2026, "Peri": 1}}}}
    client = httpx.Client(transport=world.afas.transport(), base_url=world.afas.base_url + "/")
    refused = client.post("connectors/FiEntries", json=missing, headers=_auth(world))
    assert "Required field 'JoCo' is not filled in (FiEntryPar)." in refused.text


def _auth(world) -> dict[str, str]:
    """The app connector's token, as the connector sends it."""
    return {"Authorization": token_header(world.afas.token)}


def test_the_activity_log_shows_the_entry_afas_received(world):
    world.product("SKU-1", 100)
    journal_store(world)
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=0)

    world.export(order_id)

    [created] = world.log("order", "created")
    exchange = created.response  # what AFAS received and answered, secrets removed
    assert exchange["method"] == "POST" and exchange["url"].endswith("/connectors/FiEntries")
    assert exchange["request_body"]["FiEntryPar"]["Element"]["Fields"]["JoCo"] == "70"
    assert exchange["status"] == 201 and exchange["request_headers"]["authorization"] == (
        "[redacted]"
    )
