"""Issue 22 point 10: the settings pages offer the ERP's own codes wherever it can list them.

AFAS lists cost centres (the codes of the cost-allocation axis in the settings), payment
conditions, ledger accounts, journals, VAT codes and sales relation types; Mplus its
turnover groups. A list the ERP cannot give keeps free entry.
"""

from __future__ import annotations

from typing import Any

import httpx

from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.models import Connection
from bcapp.models.base import utcnow
from bcapp.sandbox.afas.spec import load_specs
from bcapp.web.erp_choices import erp_choices
from tests.firsthour import conftest as firsthour
from tests.orders.conftest import World

#: The first-hour suite's store, with its owner signed in through the load callback.
world, owner = firsthour.world, firsthour.owner


def connection() -> Connection:
    return db.session.execute(db.select(Connection)).scalar_one()


def afas_orders(**options: Any) -> None:
    conn = connection()
    conn.settings = {**conn.settings, "orders": {**(conn.settings.get("orders") or {}), **options}}
    db.session.commit()


def datalist(page: str, list_id: str) -> str:
    """The options of one datalist ("" when the page has none by that id)."""
    start = page.find(f'<datalist id="{list_id}">')
    return "" if start < 0 else page[start : page.index("</datalist>", start)]


def test_mapping_page_offers_cost_centres_payment_conditions_and_relation_types(
    world: World, owner: Any
) -> None:
    page = owner.get("/app/settings/mappings").text

    centres = datalist(page, "dl-cost_centre-to")
    assert ">WEB — Webshop NL<" in centres and ">B2B — Groothandel<" in centres
    assert "KLEDING" not in centres  # a cost carrier: axis 2, the settings book on axis 1
    assert centres.count(">WEB ") == 1  # AFAS repeats a code per ledger account
    assert ">14 — 14 dagen netto<" in datalist(page, "dl-payment_terms-to")
    assert "AFAS sales relation type (VaTp)" in page and 'name="classification__from"' in page
    if load_specs() is not None:  # the values come from AFAS's metainfo (the spec's enum)
        assert ">003 — Goud<" in datalist(page, "dl-classification-to")


def test_customer_groups_are_offered_by_name_for_the_classification(
    world: World, owner: Any
) -> None:
    from bcapp.sandbox.bigcommerce.customer_groups import add_group

    with world.bc.lock:
        wholesale = add_group(world.bc_store, "Groothandel")["id"]
    groups = datalist(owner.get("/app/settings/mappings").text, "dl-classification-from")
    assert f'<option value="{wholesale}">{wholesale} — Groothandel</option>' in groups
    assert ">0 — no group (guests)<" in groups


def test_cost_centres_follow_the_axis_in_the_afas_settings(world: World, owner: Any) -> None:
    afas_orders(cost_centre_axis=2)
    centres = datalist(owner.get("/app/settings/mappings").text, "dl-cost_centre-to")
    assert ">KLEDING — Kleding<" in centres and "WEB" not in centres


def test_mapping_page_offers_cost_carriers_of_their_own_axis(world: World, owner: Any) -> None:
    page = owner.get("/app/settings/mappings").text
    assert "Cost carriers" in page and "AFAS cost carrier (axis code on each line)" in page
    carriers = datalist(page, "dl-cost_carrier-to")  # axis 2 by default
    assert ">KLEDING — Kleding<" in carriers and ">SCHOENEN — Schoenen<" in carriers
    assert "WEB" not in carriers and carriers.count(">KLEDING ") == 1
    assert 'name="cost_carrier__from"' in page


def test_accounting_tables_have_their_codes_ready(world: World, app: Any) -> None:
    with app.test_request_context():
        lists = erp_choices(world.store)
    codes = {table: [c.code for c in lists[table]] for table in lists}
    # profit-and-loss accounts only; 8990 is blocked
    assert codes["revenue_account"] == ["8000", "8010", "8020", "8100", "8110", "8200", "8400",
                                        "8900"]  # fmt: skip
    assert codes["debtor_account"] == ["1300", "1310"]  # the summary accounts
    assert codes["payment_journal"] == ["70", "10", "20", "50", "51", "MOL", "90"]  # unit 1's
    assert codes["vat_country"] == codes["tax"] == ["1", "2", "3"]
    assert lists["revenue_account"][0].label == "Omzet hoog"


def test_a_list_afas_cannot_give_keeps_free_entry(world: World, owner: Any) -> None:
    world.afas.connectors.pop("Profit_Allocation_Assigments")  # not in this app connector
    page = owner.get("/app/settings/mappings").text
    assert datalist(page, "dl-cost_centre-to") == "" and 'name="cost_centre__to"' in page
    assert datalist(page, "dl-payment_terms-to") != ""  # the other lists still arrive


def test_connection_page_suggests_debtor_accounts_and_payment_conditions(
    world: World, owner: Any
) -> None:
    conn = connection()
    conn.checked_at, conn.check_message = utcnow(), ""  # its last test passed
    db.session.commit()

    page = owner.get("/app/settings").text

    accounts = datalist(page, "dl-erp-orders-debtor_ledger_account")
    assert ">1300 — Debiteuren<" in accounts and "8000" not in accounts
    assert 'list="dl-erp-orders-debtor_ledger_account"' in page
    conditions = datalist(page, "dl-erp-orders-debtor_payment_condition")
    assert ">30 — 30 dagen netto<" in conditions


def test_an_untested_connection_is_not_asked_for_lists(world: World, owner: Any) -> None:
    page = owner.get("/app/settings").text
    assert 'name="orders.debtor_ledger_account"' in page
    assert datalist(page, "dl-erp-orders-debtor_ledger_account") == ""


def test_mplus_offers_turnover_groups_and_no_classification(
    world: World, owner: Any, app: Any
) -> None:
    firsthour.connect_mplus_demo(app)

    page = owner.get("/app/settings/mappings").text

    assert "Mplus turnover group (turnoverGroup on each line)" in page
    assert ">1100 — Omzet webshop<" in datalist(page, "dl-turnover_group-to")
    assert 'name="classification__from"' not in page  # Mplus relations have no such field
    assert 'name="cost_centre__from"' not in page


def test_wizard_and_customer_settings_carry_the_classification(world: World, owner: Any) -> None:
    wizard = owner.get("/app/setup/mappings").text
    assert 'name="classification__from"' in wizard and 'name="turnover_group__from"' not in wizard
    assert ">14 — 14 dagen netto<" in datalist(wizard, "dl-payment_terms-to")
    customers = owner.get("/app/settings/customers").text
    assert 'name="update_fields" value="classification"' in customers

    saved = owner.htmx_post("/app/settings/mappings", [("classification__from", "2"),
                                                      ("classification__to", "003")])  # fmt: skip
    assert saved.status_code == 200, saved.text
    db.session.refresh(world.store)
    assert rules_for(world.store).mappings.classification_for(2) == "003"


def test_a_slow_list_does_not_cost_the_lists_already_read(
    world: World, app: Any, monkeypatch: Any
) -> None:
    import time

    import bcapp.web.erp_choices as choices_module

    class SlowLedger(httpx.BaseTransport):
        def __init__(self, inner: httpx.BaseTransport) -> None:
            self.inner = inner

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if "Profit_Accounts" in request.url.path:
                time.sleep(1.0)
            return self.inner.handle_request(request)

    monkeypatch.setattr(choices_module, "FETCH_TIMEOUT", 0.5)
    app.extensions["bcapp.erp_transport"] = SlowLedger(world.afas.transport())
    with app.test_request_context():
        lists = erp_choices(world.store)
    assert [c.code for c in lists["payment"]] == ["IDL", "CC", "BNK", "REM"]
    assert "revenue_account" not in lists  # still on its way: free entry for now


def test_an_erp_on_an_allowed_private_address_fills_the_pickers(
    app: Any, world: World, owner: Any
) -> None:
    """The demo's AFAS runs on 127.0.0.1, which the operator allows (ERP_ALLOWED_HOSTS): the
    lists are read in a worker thread, which must check the address with the app's allowance."""
    app.config["ERP_ALLOWED_HOSTS"] = "127.0.0.1:5002"
    conn = connection()
    conn.settings = {**conn.settings, "base_url": "http://127.0.0.1:5002/ProfitRestServices"}
    db.session.commit()

    page = owner.get("/app/settings/mappings").text

    assert ">14 — 14 dagen netto<" in datalist(page, "dl-payment_terms-to")
    assert ">8000 — Omzet hoog<" in datalist(page, "dl-revenue_account-to")


def test_order_settings_suggest_the_erps_journals_and_ledger_accounts(
    world: World, owner: Any
) -> None:
    page = owner.get("/app/settings/orders").text

    assert 'list="dl-sales_journal"' in page and 'list="dl-ledger_accounts"' in page
    assert ">70 — Verkoopboek<" in datalist(page, "dl-sales_journal")
    accounts = datalist(page, "dl-ledger_accounts")
    assert ">8400 — Verzendkosten<" in accounts and ">8900 — Kortingen<" in accounts
    assert "1300" not in accounts  # a debtors' summary account takes no order's revenue
