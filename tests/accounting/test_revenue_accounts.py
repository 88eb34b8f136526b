"""Revenue accounts per destination country and tax class, and VAT codes per country
(one-stop-shop VAT), as AFAS and Mplus received them (issue 22, point 2)."""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.catalog import create_product
from tests.accounting.test_journal_entry import journal_store, lines_of, posted
from tests.accounting.test_mplus import save
from tests.mplus.test_order_flow import Shop

GERMANY = {"first_name": "Anna", "last_name": "Schmidt", "street_1": "Hauptstraße 5",
           "city": "Berlin", "zip": "10115", "country": "Germany",
           "country_iso2": "DE"}  # fmt: skip
#: Germany's standard rate as an AFAS VAT code of its own, booked on its own VAT account.
DE_VAT = {
    "VatCode": "4",
    "Description": "BTW DE 19% (OSS)",
    "AccountNr": "1530",
    "VatPerc": 19.0,
    "VatDuty": "1",
    "Blocked": False,
    "VatMethod": "0",
    "VatType": "V",
}


def book(world, sku: str, price: float, tax_class_id: int) -> None:
    """A product of BigCommerce tax class ``tax_class_id``, and its AFAS article."""
    body = {"name": f"Product {sku}", "type": "physical", "weight": 1, "price": price,
            "sku": sku, "tax_class_id": tax_class_id}  # fmt: skip
    with world.bc.lock:
        world.skus[sku] = create_product(world.bc_store, body)["id"]
    world.afas.add_article(sku, f"Article {sku}", price=str(price))


def revenue(world, order_id: int) -> dict[str, tuple[str, float]]:
    """Ledger account → (VAT code, amount credited) of the order's journal entry."""
    [body] = [b for b in posted(world) if lines_of(b)[0]["InId"] == str(order_id)]
    return {ln["AcNr"]: (ln.get("VaId"), ln["AmCr"]) for ln in lines_of(body) if ln["VaAs"] == "1"}


def test_orders_to_two_countries_book_on_their_own_revenue_accounts(world):
    world.product("SKU-1", 100)
    book(world, "BOOK", 20, tax_class_id=5)
    journal_store(world)
    world.settings("mappings", tax={"Default Tax Class": "1", "Tax class 5": "1"},
                   revenue_account={"*": "8000", "DE": "8110", "NL:5": "8010"})  # fmt: skip
    home = world.order("SKU-1", "BOOK", tax_rate=0.21, shipping_cost=0)
    germany = world.order("SKU-1", "BOOK", tax_rate=0.21, shipping_cost=0,
                          shipping_addresses=[GERMANY])  # fmt: skip

    for order_id in (home, germany):
        run = world.export(order_id)
        assert run.status == "succeeded" and not world.log("order", "failed"), run.message

    # to NL: the default, and the tax class's own account (more specific than the default)
    assert revenue(world, home) == {"8000": ("1", 100.0), "8010": ("1", 20.0),
                                    "1500": ("1", 25.2)}  # fmt: skip
    # to DE: the country's account for both lines (NL:5 is for the Netherlands only)
    assert revenue(world, germany) == {"8110": ("1", 120.0), "1500": ("1", 25.2)}


def test_a_tax_class_account_wins_over_the_country_account(world):
    book(world, "BOOK", 20, tax_class_id=5)
    journal_store(world)
    world.settings("mappings", tax={"Tax class 5": "1"},
                   revenue_account={"*": "8000", "DE": "8110", ":5": "8010"})  # fmt: skip
    order_id = world.order("BOOK", tax_rate=0.21, shipping_cost=0, shipping_addresses=[GERMANY])

    world.export(order_id)

    assert revenue(world, order_id)["8010"] == ("1", 20.0)


def test_vat_code_per_country_on_the_entry_and_on_a_new_debtor(world):
    world.product("SKU-1", 100)
    world.afas.tables.vat_codes.append(DE_VAT)
    journal_store(world)
    world.settings("mappings", vat_country={"DE": "4"}, revenue_account={"*": "8000",
                                                                       "DE": "8110"})  # fmt: skip
    order_id = world.order("SKU-1", tax_rate=0.19, shipping_cost=0,
                           billing={**GERMANY, "email": "anna@example.com"})  # fmt: skip

    world.export(order_id)

    # the DE code on the revenue line, and its VAT on the code's own account (1530)
    assert revenue(world, order_id) == {"8110": ("4", 100.0), "1530": ("4", 19.0)}
    [relation] = world.afas.debtors_with_email("anna@example.com")
    assert relation["fields"]["VaDu"] == "4"  # VAT duty of the debtor's country


def test_vat_code_per_country_on_a_sales_order_line(world):
    world.product("SKU-1", 100)
    world.settings("mappings", tax={"Default Tax Class": "1", "DE/Default Tax Class": "1"},
                   vat_country={"DE": "4", "BE": "5"})  # fmt: skip
    home = world.order("SKU-1", tax_rate=0.21)
    to_belgium = world.order("SKU-1", tax_rate=0.21,
                             shipping_addresses=[{**GERMANY, "country_iso2": "BE"}])  # fmt: skip
    to_germany = world.order("SKU-1", tax_rate=0.19, shipping_addresses=[GERMANY])

    for order_id in (home, to_belgium, to_germany):
        world.export(order_id)

    def vat_groups(order_id: int) -> list[Any]:
        [erp] = world.erp_orders(order_id)
        return [line.get("VaRc") for line in erp["lines"]]

    assert vat_groups(home) == ["1"]  # no row for NL: the tax mapping
    assert vat_groups(to_belgium) == ["5"]  # the country's code overrides the tax class's
    assert vat_groups(to_germany) == ["1"]  # a row for that class to that country wins


def test_vat_code_per_country_reaches_mplus_lines(shop: Shop) -> None:
    shop.product("1001", 12.95, article=1001)
    save(shop, "mappings", vat_country={"DE": "4"})
    order_id = shop.order("1001", shipping_addresses=[GERMANY])

    shop.export(order_id)

    [order] = shop.mplus_orders(order_id)
    assert [line["data"]["vatCode"] for line in order["lineList"]["line"]] == [4]  # saveOrder
