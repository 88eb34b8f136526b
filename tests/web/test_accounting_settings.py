"""Settings of issue 22 on the pages a merchant uses: customers section, reference, carriers."""

from __future__ import annotations

import pytest

from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.models import Store
from tests.web.test_setup_and_settings import erp_form


def saved_rules():
    return rules_for(db.session.execute(db.select(Store)).scalar_one())


def test_customers_section_renders_and_saves(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/customers")
    assert page.status_code == 200
    assert 'name="vat_number_field"' in page.text and 'value="VAT number"' in page.text
    assert 'name="delivery_addresses"' in page.text  # AFAS links delivery addresses

    r = session.post("/app/settings/customers", {"update_fields": ["phone", "vat_number"],
                                                 "vat_number_field": "BTW-nummer"})  # fmt: skip
    assert r.status_code == 200, r.text
    rules = saved_rules().customers
    assert rules.update_fields == {"phone", "vat_number"}
    assert rules.vat_number_field == "BTW-nummer" and rules.delivery_addresses is False

    bad = session.post("/app/settings/customers", {"update_fields": ["shoe_size"]})
    assert bad.status_code == 422 and "Unknown customer field: shoe_size." in bad.text


def test_reference_template_on_the_orders_page_keeps_the_old_one(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/orders").text
    assert 'name="reference_template"' in page and 'value="{order_id}"' in page

    r = session.post("/app/settings/orders", {"export_statuses": ["11"], "customer_mode": "match",
                                              "reference_template": "BC-{order_id}"})  # fmt: skip
    assert r.status_code == 200, r.text
    orders = saved_rules().orders
    assert orders.reference_template == "BC-{order_id}"
    assert orders.reference_history == ("{order_id}",)

    bad = session.post("/app/settings/orders", {"export_statuses": ["11"],
                                                "customer_mode": "match",
                                                "reference_template": "BC-{id}"})  # fmt: skip
    assert bad.status_code == 422 and "Unknown placeholder {id}" in bad.text


def test_carrier_table_shows_for_afas_with_its_transporters(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/mappings").text
    assert "AFAS transporter (TrPt)" in page and "AFAS payment condition (PaCd)" in page
    assert '<option value="POSTNL">POSTNL — PostNL</option>' in page  # from BCApp_Transporters

    r = session.post("/app/settings/mappings", [("carrier__from", "Flat Rate"),
                                                ("carrier__to", "DHL")])  # fmt: skip
    assert r.status_code == 200, r.text
    assert saved_rules().mappings.carrier_code("flat rate") == "DHL"


def test_wizard_orders_step_has_the_customer_settings(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/setup/orders").text
    assert 'name="reference_template"' in page and 'name="vat_number_field"' in page


def test_document_type_offers_what_the_connector_makes(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/orders").text
    assert '<option value="direct_invoice"' in page and '<option value="journal_entry"' in page

    form = {"export_statuses": ["11"], "customer_mode": "match"}
    r = session.post("/app/settings/orders", {**form, "document_type": "direct_invoice"})
    assert r.status_code == 200, r.text
    assert saved_rules().orders.document_type == "direct_invoice"
    bad = session.post("/app/settings/orders", {**form, "document_type": "delivery_note"})
    assert bad.status_code == 422 and saved_rules().orders.document_type == "direct_invoice"


@pytest.mark.parametrize("table, title, storefront, code, read", [
    ("cost_centre", "AFAS cost centre", "1", "WEB", lambda m: m.cost_centre_for(1)),
    ("cost_carrier", "AFAS cost carrier", "*", "KLEDING", lambda m: m.cost_carrier_for(7)),
])  # fmt: skip
def test_cost_axis_tables_check_their_storefront_ids(afas, session, table, title, storefront,
                                                     code, read):  # fmt: skip
    session.post("/app/setup/erp", erp_form(afas))
    assert f"{title} (axis code on each line)" in session.get("/app/settings/mappings").text
    ok = session.post("/app/settings/mappings", [(f"{table}__from", storefront),
                                                 (f"{table}__to", code)])  # fmt: skip
    assert ok.status_code == 200 and read(saved_rules().mappings) == code
    bad = session.post("/app/settings/mappings", [(f"{table}__from", "Webshop"),
                                                  (f"{table}__to", code)])  # fmt: skip
    assert bad.status_code == 422 and "storefront (channel) id" in bad.text


def test_the_cost_carrier_axis_is_a_connection_setting(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    assert 'name="orders.cost_carrier_axis"' in session.get("/app/settings/connection").text


def test_connection_test_refuses_the_cost_carrier_on_the_cost_centres_axis(afas, session):
    form = erp_form(afas, **{"orders.cost_centre_axis": "1", "orders.cost_carrier_axis": "1"})
    r = session.htmx_post("/app/settings/connection/test", form)
    assert r.status_code == 200 and "both on cost-allocation axis 1" in r.text


def test_document_per_storefront_offers_only_what_the_erp_makes(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/mappings").text
    assert "Document per storefront" in page and '<option value="direct_invoice"' in page
    row = [("document_type__from", "2"), ("document_type__to", "direct_invoice")]
    ok = session.post("/app/settings/mappings", row)
    assert ok.status_code == 200
    assert saved_rules().mappings.document_type_for(2, "sales_order") == "direct_invoice"
    row = [("document_type__from", "2"), ("document_type__to", "delivery_note")]
    bad = session.post("/app/settings/mappings", row)
    assert bad.status_code == 422


def test_ledger_settings_on_the_orders_page_and_in_the_wizard(afas, session):
    """Financial mutations need a sales journal; shipping and discounts may have accounts."""
    session.post("/app/setup/erp", erp_form(afas))
    for url in ("/app/settings/orders", "/app/setup/orders"):
        page = session.get(url).text
        assert 'name="sales_journal"' in page and 'name="shipping_account"' in page
        assert 'name="discount_account"' in page

    form = {
        "export_statuses": ["11"],
        "customer_mode": "match",
        "document_type": "journal_entry",
        "sales_journal": "70",
        "shipping_account": "8400",
        "discount_account": "8900",
    }
    r = session.post("/app/settings/orders", form)
    assert r.status_code == 200, r.text
    orders = saved_rules().orders
    assert (orders.document_type, orders.sales_journal) == ("journal_entry", "70")
    assert (orders.shipping_account, orders.discount_account) == ("8400", "8900")


def test_revenue_vat_country_and_payment_journal_tables(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    for url in ("/app/settings/mappings", "/app/setup/mappings"):
        page = session.get(url).text
        assert "Revenue accounts" in page and "AFAS ledger account (AcNr)" in page
        assert "VAT code per country" in page and "Payment journals" in page

    rows = [
        ("revenue_account__from", "*"),
        ("revenue_account__to", "8000"),
        ("revenue_account__from", "DE"),
        ("revenue_account__to", "8110"),
        ("revenue_account__from", "NL:5"),
        ("revenue_account__to", "8010"),
        ("vat_country__from", "DE"),
        ("vat_country__to", "4"),
        ("payment_journal__from", "Credit Card"),
        ("payment_journal__to", "MOL/1105"),
    ]
    ok = session.post("/app/settings/mappings", rows)
    assert ok.status_code == 200, ok.text
    tables = saved_rules().mappings
    assert tables.revenue_account_for("NL", "5") == "8010"
    assert tables.revenue_account_for("DE", "5") == "8110"
    assert tables.revenue_account_for("FR", "0") == "8000"
    assert tables.vat_code_for_country("de") == "4"
    assert tables.payment_journal_for("Credit Card") == "MOL/1105"

    bad = session.post("/app/settings/mappings", [("revenue_account__from", "Germany"),
                                                  ("revenue_account__to", "8110"),
                                                  ("vat_country__from", "Deutschland"),
                                                  ("vat_country__to", "4")])  # fmt: skip
    assert bad.status_code == 422
    assert "NL:5" in bad.text and "two-letter code of the destination country" in bad.text
