"""Payments of paid orders booked on the debtor as AFAS financial mutations, exactly once,
so the invoice shows as paid (issue 22, point 1)."""

from __future__ import annotations

from bcapp.extensions import db
from tests.accounting.test_journal_entry import journal_store, lines_of, name_connector, posted


def payments(world) -> list[dict]:
    """The FiEntries bodies booked in a payment journal (not the sales journal 70)."""
    return [b for b in posted(world) if b["FiEntryPar"]["Element"]["Fields"]["JoCo"] != "70"]


def open_balance(world, invoice: str) -> float:
    """What the debtor still owes on ``invoice`` in Profit's books."""
    rows = [r for r in world.afas.tables.entries
            if r["AccountType"] == "2" and r["InvoiceId"] == invoice]  # fmt: skip
    return round(sum(r["AmtDebit"] - r["AmtCredit"] for r in rows), 2)


def test_a_paid_order_is_booked_with_its_payment_once(world):
    world.product("SKU-1", 100)
    journal_store(world)
    world.settings("mappings", payment_journal={"Credit Card": "MOL/1105"})
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=0)  # captured by the provider

    world.export(order_id)

    [payment] = payments(world)
    assert payment["FiEntryPar"]["Element"]["Fields"]["JoCo"] == "MOL"
    provider, debtor = lines_of(payment)
    assert (provider["VaAs"], provider["AcNr"], provider["AmDe"]) == ("1", "1105", 121.0)
    assert (debtor["VaAs"], debtor["InId"], debtor["AmCr"]) == ("2", str(order_id), 121.0)
    assert debtor["BpNr"] == f"PAY-{order_id}"
    assert open_balance(world, str(order_id)) == 0  # the invoice shows as paid
    [logged] = world.log("payment", "created")
    assert "(121.00 EUR, Credit Card) booked in journal MOL (account 1105)" in logged.message

    for entity in ("order", "payment"):  # the app lost track of both: nothing twice
        for binding in world.bindings(entity):
            db.session.delete(binding)
    db.session.commit()
    world.set_status(order_id, 11)
    world.export(order_id)
    assert len(payments(world)) == 1 and len(posted(world)) == 2
    assert open_balance(world, str(order_id)) == 0


def test_an_unpaid_order_is_booked_once_its_payment_arrives(world):
    world.product("SKU-1", 100)
    journal_store(world)
    name_connector("journal_entries", "BCApp_JournalEntries", payment_account="1100")
    world.settings("mappings", payment_journal={"Bank Deposit": "10"})
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=0, payment_method="Bank Deposit")

    world.export(order_id)

    assert payments(world) == [] and world.bindings("payment") == []
    assert open_balance(world, str(order_id)) == 121.0  # invoiced, not paid

    world.bc_order(order_id)["payment_status"] = "captured"  # the transfer arrived
    world.export(order_id)
    world.export(order_id)

    [payment] = payments(world)
    bank, debtor = lines_of(payment)
    assert (bank["AcNr"], bank["AmDe"], debtor["AmCr"]) == ("1100", 121.0, 121.0)
    assert open_balance(world, str(order_id)) == 0


def test_a_payment_of_a_sales_order_and_an_unmapped_method(world):
    """A sales order's payment waits on the debtor under the order's reference; a payment
    method without a journal books nothing."""
    world.product("SKU-1", 100)
    name_connector("journal_entries", "BCApp_JournalEntries")
    world.settings("mappings", payment_journal={"Credit Card": "MOL/1105"})
    paid = world.order("SKU-1", tax_rate=0.21, shipping_cost=0)
    unmapped = world.order("SKU-1", tax_rate=0.21, shipping_cost=0, payment_method="PayPal")

    world.export(paid)
    world.export(unmapped)

    assert len(world.erp_orders()) == 2
    [payment] = payments(world)
    assert lines_of(payment)[1]["InId"] == str(paid)
    assert [b.bc_id for b in world.bindings("payment")] == [str(paid)]


def test_without_a_lookup_connector_the_payment_is_refused_and_the_order_stays(world):
    world.product("SKU-1", 100)
    world.settings("mappings", payment_journal={"Credit Card": "MOL/1105"})
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=0)

    world.export(order_id)

    assert len(world.erp_orders(order_id)) == 1 and payments(world) == []
    [failed] = world.log("payment", "failed")
    assert "booked twice" in failed.message


def test_a_refused_payment_is_booked_from_the_logs_retry(world):
    world.product("SKU-1", 100)
    world.settings("mappings", payment_journal={"Credit Card": "MOL"})  # no account anywhere
    name_connector("journal_entries", "BCApp_JournalEntries")
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=0)
    world.export(order_id)
    [failed] = world.log("payment", "failed")
    assert "MOL/1105" in failed.message and payments(world) == []

    name_connector("journal_entries", "BCApp_JournalEntries", payment_account="1105")
    run = world.run("retry", entity="payment", bc_id=order_id)

    assert run.status == "succeeded", run.message
    [payment] = payments(world)
    assert lines_of(payment)[0]["AcNr"] == "1105"


def test_a_direct_invoice_is_paid_under_its_own_number(world):
    world.product("SKU-1", 100)
    name_connector("journal_entries", "BCApp_JournalEntries")
    name_connector("sales_invoices", "BCApp_SalesInvoices")
    world.settings("orders", document_type="direct_invoice")
    world.settings("mappings", payment_journal={"Credit Card": "MOL/1105"})
    order_id = world.order("SKU-1", tax_rate=0.21, shipping_cost=0)

    world.export(order_id)

    [invoice] = world.afas.tables.invoices.values()
    [payment] = payments(world)
    assert lines_of(payment)[1]["InId"] == invoice["InvoiceNumber"]  # Profit's invoice number
