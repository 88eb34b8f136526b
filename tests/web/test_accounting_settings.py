"""Settings of issue 22 on the pages a merchant uses: customers section, reference, carriers."""

from __future__ import annotations

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
    assert '<option value="direct_invoice"' in page and 'value="journal_entry"' not in page

    form = {"export_statuses": ["11"], "customer_mode": "match"}
    r = session.post("/app/settings/orders", {**form, "document_type": "direct_invoice"})
    assert r.status_code == 200, r.text
    assert saved_rules().orders.document_type == "direct_invoice"
    bad = session.post("/app/settings/orders", {**form, "document_type": "journal_entry"})
    assert bad.status_code == 422 and "cannot make this document" in bad.text


def test_cost_centre_table_checks_its_storefront_ids(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    assert "AFAS cost centre (axis code on each line)" in session.get("/app/settings/mappings").text
    ok = session.post("/app/settings/mappings", [("cost_centre__from", "1"),
                                                 ("cost_centre__to", "WEB")])  # fmt: skip
    assert ok.status_code == 200 and saved_rules().mappings.cost_centre_for(1) == "WEB"
    bad = session.post("/app/settings/mappings", [("cost_centre__from", "Webshop"),
                                                  ("cost_centre__to", "WEB")])  # fmt: skip
    assert bad.status_code == 422 and "storefront (channel) id" in bad.text


def test_document_per_storefront_offers_only_what_the_erp_makes(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/mappings").text
    assert "Document per storefront" in page and '<option value="direct_invoice"' in page
    row = [("document_type__from", "2"), ("document_type__to", "direct_invoice")]
    ok = session.post("/app/settings/mappings", row)
    assert ok.status_code == 200
    assert saved_rules().mappings.document_type_for(2, "sales_order") == "direct_invoice"
    row = [("document_type__from", "2"), ("document_type__to", "journal_entry")]
    bad = session.post("/app/settings/mappings", row)
    assert bad.status_code == 422 and "cannot make this document" in bad.text
