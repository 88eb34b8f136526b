"""Order export through both sandboxes: what lands in AFAS, what BigCommerce and the log show."""

from __future__ import annotations

from decimal import Decimal

from bcapp.models import RunStatus
from bcapp.sync.runner import retry


def test_order_in_export_status_reaches_the_erp_once_with_customer_and_status(world):
    world.product("SKU-1", 12.5)
    world.product("SKU-2", 5)
    order_id = world.order("SKU-1", "SKU-2")

    run = world.export(order_id)

    assert run.status == RunStatus.SUCCEEDED
    [erp] = world.erp_orders(order_id)
    assert [line["ItCd"] for line in erp["lines"]] == ["SKU-1", "SKU-2"]
    assert "Keizersgracht 12" in erp["fields"]["ExAd"]
    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert erp["DebtorId"] == debtor["DebtorId"]
    assert world.bc_order(order_id)["status_id"] == 9  # Awaiting Shipment
    [binding] = world.bindings("order")
    assert (binding.bc_id, binding.erp_id) == (str(order_id), erp["OrderNumber"])

    world.export(order_id)
    world.run("orders")
    assert len(world.erp_orders(order_id)) == 1


def test_export_decides_by_current_status_not_by_event(world):
    world.product("SKU-1")
    pending = world.order("SKU-1", status_id=1)
    incomplete = world.order("SKU-1", status_id=0)

    world.export(pending)
    world.export(incomplete)
    assert world.erp_orders() == []

    world.set_status(pending, 11)
    world.export(pending)
    assert len(world.erp_orders(pending)) == 1
    assert world.erp_orders(incomplete) == []


def test_order_already_in_erp_is_bound_not_duplicated(world):
    """A worker that died between the ERP's create and our bind: the lookup recovers it."""
    world.product("SKU-1")
    order_id = world.order("SKU-1")
    world.export(order_id)
    from bcapp.extensions import db

    for binding in world.bindings("order"):
        db.session.delete(binding)
    db.session.commit()
    world.set_status(order_id, 11)  # it died before the status write-back, too

    world.export(order_id)

    assert len(world.erp_orders(order_id)) == 1
    [binding] = world.bindings("order")
    assert binding.erp_id == world.erp_orders(order_id)[0]["OrderNumber"]
    assert "Found in the ERP" in world.log("order")[-1].message


def test_guest_and_registered_customers_match_by_email(world):
    world.product("SKU-1")
    world.afas.add_debtor("known@example.com", "Known Customer")
    first = world.order("SKU-1")  # guest jan@example.com
    second = world.order("SKU-1", customer_id=7)  # registered, same e-mail
    known = world.order("SKU-1", billing={"email": "Known@Example.com"})

    for order_id in (first, second, known):
        world.export(order_id)

    assert len(world.afas.debtors_with_email("jan@example.com")) == 1
    jan = world.afas.debtors_with_email("jan@example.com")[0]["DebtorId"]
    assert world.erp_orders(first)[0]["DebtorId"] == jan
    assert world.erp_orders(second)[0]["DebtorId"] == jan
    known_debtor = world.afas.debtors_with_email("known@example.com")[0]["DebtorId"]
    assert world.erp_orders(known)[0]["DebtorId"] == known_debtor
    assert len(world.afas.tables.relations) == 2


def test_company_becomes_organisation_unless_switched_off(world):
    world.product("SKU-1")
    company = world.order("SKU-1", billing={"company": "Bakkerij Bös B.V.", "email": "b@bos.nl"})
    world.export(company)
    [org] = world.afas.debtors_with_email("b@bos.nl")
    assert org["kind"] == "organisation"

    world.settings("orders", company_as_organisation=False)
    person = world.order("SKU-1", billing={"company": "Smid & Zn", "email": "s@smid.nl"})
    world.export(person)
    [relation] = world.afas.debtors_with_email("s@smid.nl")
    assert relation["kind"] == "person"


def test_default_debtor_takes_every_order(world):
    world.product("SKU-1")
    world.afas.add_debtor("shop@example.com", "Webshop", number="99999")
    world.settings("orders", customer_mode="default_debtor", default_debtor="99999")
    order_id = world.order("SKU-1", billing={"email": "someone@example.com"})

    world.export(order_id)

    assert world.erp_orders(order_id)[0]["DebtorId"] == "99999"
    assert world.afas.debtors_with_email("someone@example.com") == []


def test_unknown_sku_is_an_import_error_then_retry_from_the_log_exports_it(world):
    world.product("SKU-1")
    world.product("GHOST-9")
    world.afas.tables.articles.pop("GHOST-9")  # the ERP doesn't know this article
    order_id = world.order("SKU-1", "GHOST-9")

    run = world.export(order_id)

    assert run.status == RunStatus.SUCCEEDED  # one bad order never fails the run
    assert world.erp_orders(order_id) == []
    [failed] = world.log("order", "failed")
    assert "GHOST-9" in failed.message
    assert world.bc_order(order_id)["status_id"] == 12  # Manual Verification Required

    world.afas.add_article("GHOST-9", "Now known")
    retry(world.store.id, "order", bc_id=failed.bc_id)

    assert len(world.erp_orders(order_id)) == 1
    assert world.bc_order(order_id)["status_id"] == 9


def test_failed_order_put_back_in_export_status_goes_again(world):
    world.product("SKU-1")
    world.afas.fail_next(500, times=0)
    world.settings("mappings", payment={"Credit Card": "CC"})
    order_id = world.order("SKU-1", payment_method="Bank Deposit")

    world.export(order_id)
    [failed] = world.log("order", "failed")
    assert '"Bank Deposit"' in failed.message and "payment mapping" in failed.message
    assert world.bc_order(order_id)["status_id"] == 12

    world.settings("mappings", payment={"Credit Card": "CC", "Bank Deposit": "BANK"})
    world.set_status(order_id, 11)
    world.export(order_id)
    [erp] = world.erp_orders(order_id)
    assert erp["fields"]["PaTp"] == "BANK"


def test_unmapped_shipping_method_is_named(world):
    world.product("SKU-1")
    world.settings("mappings", shipping={"Express": "EXP"})
    order_id = world.order("SKU-1")  # shipping method "Flat Rate"
    world.export(order_id)
    assert '"Flat Rate"' in world.log("order", "failed")[-1].message
    assert world.erp_orders(order_id) == []

    world.settings("mappings", shipping={"Flat Rate": "2"})  # an AFAS delivery type (DtId)
    world.set_status(order_id, 11)
    world.export(order_id)
    assert len(world.erp_orders(order_id)) == 1


def test_tax_class_mapping_names_the_missing_class():
    import pytest

    from bcapp.connectors.base import Address, Customer, Order, OrderLine
    from bcapp.errors import FatalSyncError
    from bcapp.mapping.rules import rules_for
    from bcapp.sync.order_reading import mapped_values

    line = OrderLine("A", "A", Decimal(1), Decimal(10), Decimal("12.1"), tax_class="2")
    order = Order(1, "1", Customer("a@b.c"), Address(), (line,))
    rules = rules_for({"mappings": {"tax": {"1": "LOW"}}})
    with pytest.raises(FatalSyncError, match='Tax class "2"'):
        mapped_values(order, rules)
    ok = rules_for({"mappings": {"tax": {"2": "HIGH"}}})
    assert mapped_values(order, ok)["tax:2"] == "HIGH"


def test_shipping_cost_article_and_total_check(world):
    world.product("SKU-1", 20)
    world.afas.add_article("SHIP", "Shipping")
    world.settings("orders", shipping_cost_article="SHIP")
    order_id = world.order("SKU-1", shipping_cost=6.5, tax_rate=0.21)

    world.export(order_id)

    [erp] = world.erp_orders(order_id)
    ship = [line for line in erp["lines"] if line["ItCd"] == "SHIP"]
    assert ship and Decimal(str(ship[0]["Upri"])) == Decimal("7.865")
    [created] = world.log("order", "created")
    assert created.details["total"]["ok"] is True


def test_coupon_discount_and_total_difference_is_logged(world):
    world.product("SKU-1", 50)
    order_id = world.order(
        lines=[{"product_id": world.skus["SKU-1"], "quantity": 2, "discount": 10}],
        coupon={"code": "WELCOME10", "amount": 10},
    )
    world.export(order_id)
    [created] = world.log("order", "created")
    assert created.request["coupon_codes"] == ["WELCOME10"]
    [erp] = world.erp_orders(order_id)
    assert erp["lines"][0]["ARDc"] == 10.0
    # No shipping article configured: the ERP order lacks the 4.95 shipping; the check says so.
    assert created.details["total"]["ok"] is False
    assert "Totals differ" in created.message


def test_digital_product_becomes_a_subscription_when_enabled(world):
    world.product("SKU-1")
    world.product("EBOOK", 9, digital=True)
    world.settings("orders", subscriptions_for_digital=True)
    order_id = world.order("SKU-1", "EBOOK")

    world.export(order_id)

    [erp] = world.erp_orders(order_id)
    assert [line["ItCd"] for line in erp["lines"]] == ["SKU-1"]
    subs = list(world.afas.tables.subscriptions.values())
    assert len(subs) == 1
    assert len(world.bindings("subscription")) == 1

    world.export(order_id)  # nothing again
    assert len(world.afas.tables.subscriptions) == 1


def test_digital_product_is_an_order_line_when_subscriptions_are_off(world):
    world.product("EBOOK", 9, digital=True)
    order_id = world.order("EBOOK", digital=True)
    world.export(order_id)
    [erp] = world.erp_orders(order_id)
    assert [line["ItCd"] for line in erp["lines"]] == ["EBOOK"]
    assert world.afas.tables.subscriptions == {}


def test_non_ascii_names_survive(world):
    world.product("SKU-1")
    order_id = world.order("SKU-1", billing={"first_name": "Zoë", "last_name": "Ødegård",
                                             "email": "zoe@example.com"})  # fmt: skip
    world.export(order_id)
    [relation] = world.afas.debtors_with_email("zoe@example.com")
    assert "Ødegård" in str(relation)


def test_tax_class_by_name_and_destination_country(world):
    """Lines name their tax class only in the order's taxes; the table maps it by name, and
    per destination country before the plain class (OSS rates, zero-rated exports)."""
    world.product("SKU-1", 20)
    world.settings("mappings", tax={"Default Tax Class": "HOOG",
                                    "BE/Default Tax Class": "BE21", "CH/*": "NUL"})  # fmt: skip
    belgium = {"first_name": "An", "last_name": "Peeters", "street_1": "Meir 1",
               "city": "Antwerpen", "zip": "2000", "country": "Belgium",
               "country_iso2": "BE"}  # fmt: skip
    home = world.order("SKU-1", tax_rate=0.21)
    to_be = world.order("SKU-1", tax_rate=0.21, shipping_addresses=[belgium])
    to_ch = world.order("SKU-1", tax_rate=0.21,
                        shipping_addresses=[{**belgium, "country_iso2": "CH"}])  # fmt: skip
    export = world.order("SKU-1", tax_rate=0,  # BigCommerce charged no tax: no taxes rows
                         shipping_addresses=[{**belgium, "country_iso2": "CH"}])  # fmt: skip
    untaxed_home = world.order("SKU-1", tax_rate=0)

    for order_id in (home, to_be, to_ch, export, untaxed_home):
        run = world.export(order_id)
        assert run.status == "succeeded" and not world.log("order", "failed"), run.message

    def vat_groups(order_id):
        [erp] = world.erp_orders(order_id)
        return [line.get("VaRc") for line in erp["lines"]]

    assert vat_groups(home) == ["HOOG"]
    assert vat_groups(to_be) == ["BE21"]
    assert vat_groups(to_ch) == ["NUL"]
    assert vat_groups(export) == ["NUL"]  # the country's rule covers untaxed lines too
    assert vat_groups(untaxed_home) == [None]  # no rule: Profit uses the article's own group


def test_an_unmapped_tax_class_is_named_with_its_destination(world):
    world.product("SKU-1", 20)
    world.settings("mappings", tax={"Shipping": "LAAG"})
    order_id = world.order("SKU-1", tax_rate=0.21)

    world.export(order_id)

    assert world.erp_orders(order_id) == []
    [failed] = world.log("order", "failed")
    assert 'Tax class "Default Tax Class" (id 0, to NL) has no ERP code' in failed.message
