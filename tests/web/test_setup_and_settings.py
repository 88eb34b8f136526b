"""Setup wizard and Settings pages: schema-driven ERP form, live test, secrets, sections."""

from __future__ import annotations

from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.models import Connection


def erp_form(sandbox, **over):
    values = {"kind": "afas", **{k: v for k, v in sandbox.settings().items()}, **over}
    return {k: v for k, v in values.items() if v is not None}


def connection():
    return db.session.execute(db.select(Connection)).scalar_one_or_none()


def test_first_load_shows_the_wizard_with_the_erp_form_from_its_schema(afas, session):
    page = session.get("/app").text
    assert "Set up: connect your ERP" in page
    assert '<option value="afas"' in page and "AFAS Profit" in page
    assert 'name="environment"' in page and 'name="token"' in page and 'type="password"' in page
    # enum → select with the schema's default chosen; nested objects in an Advanced group
    assert '<option value="production" selected>' in page
    assert 'name="orders.unit"' in page and "Advanced: Sales orders" in page


def test_bad_credentials_show_the_erps_words(afas, session):
    r = session.htmx_post("/app/settings/connection/test", erp_form(afas, token="wrong-token"))
    assert r.status_code == 200
    assert "The connection test failed" in r.text and "AFAS refused the token" in r.text


def test_good_credentials_pass_the_test(afas, session):
    r = session.htmx_post("/app/settings/connection/test", erp_form(afas))
    assert "Connected" in r.text


def test_missing_required_fields_are_named_before_calling_the_erp(afas, session):
    r = session.htmx_post("/app/settings/connection/test", erp_form(afas, token="", environment=""))
    assert r.status_code == 422
    assert "This is required." in r.text
    assert afas.requests == []


def test_wizard_saves_connection_with_encrypted_secret_and_walks_the_steps(afas, session):
    r = session.post("/app/setup/erp", erp_form(afas))
    assert r.status_code == 303 and "/app/setup/flows" in r.headers["Location"]
    conn = connection()
    assert conn.kind == "afas" and conn.secrets == {"token": afas.token}
    assert "token" not in conn.settings
    raw = db.session.execute(db.text("SELECT secrets FROM connections")).scalar()
    assert afas.token not in raw

    r = session.get(r.headers["Location"].split("?")[0])
    assert r.status_code == 200 and "Which flows run" in r.text
    r = session.post("/app/setup/flows", {"orders": "on", "stock": "on"})
    assert r.status_code == 303 and "/app/setup/orders" in r.headers["Location"]
    rules = rules_for(db.session.get(type(conn.store), conn.store_id))
    assert rules.enabled("orders") and rules.enabled("stock") and not rules.enabled("catalog")


def test_saved_secret_is_never_sent_back_and_empty_keeps_it(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/connection").text
    assert afas.token not in page
    assert "saved — leave empty to keep" in page
    r = session.post("/app/settings/connection", erp_form(afas, token="", environment="54321"))
    assert r.status_code == 200, r.text
    conn = connection()
    assert conn.secrets == {"token": afas.token} and conn.settings["environment"] == "54321"
    # and the test button uses the saved token when the field is left empty
    r = session.htmx_post("/app/settings/connection/test", erp_form(afas, token=""))
    assert "Connected" in r.text


def test_wizard_step_with_errors_answers_422_and_saves_nothing(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    r = session.post(
        "/app/setup/orders",
        {"export_statuses": ["11"], "customer_mode": "default_debtor", "default_debtor": ""},
    )
    assert r.status_code == 422
    assert "Enter the ERP debtor number" in r.text
    assert "orders" not in (connection().store.settings or {})


def test_last_step_finishes_setup_and_lands_on_the_dashboard(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    r = session.post(
        "/app/setup/general",
        {
            "orders": "5",
            "stock": "15",
            "alert_email": "ops@example.com",
            "log_retention_days": "10",
        },
    )
    assert r.status_code == 303 and r.headers["Location"].startswith("/app/setup/start?")
    store = connection().store
    assert rules_for(store).general.log_retention_days == 10
    store.setup_pending = True  # as a fresh install has it
    db.session.commit()
    assert "Setup is not finished" in session.get("/app").text
    r = session.post("/app/setup/start")
    assert r.status_code == 303 and r.headers["Location"].startswith("/app?")
    assert store.settings["setup"] == {"completed": True} and not store.setup_pending
    page = session.get("/app").text
    assert "Setup is not finished" not in page and "Catalog preview" in page


def test_settings_sections_save_inline_with_htmx(afas, session):
    r = session.htmx_post(
        "/app/settings/stock",
        {"calculation": "on_hand_minus_reserved", "warehouses": "A, B", "buffer": "2"},
    )
    assert r.status_code == 200 and "Settings saved" in r.text
    assert "<html" not in r.text  # a fragment for htmx, not the whole page
    stock = rules_for(connection_store(session)).stock
    assert stock.warehouses == ("A", "B") and stock.buffer == 2 and not stock.manage_stock

    r = session.htmx_post("/app/settings/stock", {"calculation": "magic", "buffer": "-1"})
    assert r.status_code == 422 and "Choose one of" in r.text and "0 or more" in r.text


def test_storefront_settings_save_and_show(afas, session):
    r = session.htmx_post("/app/settings/catalog", {"channels": "2, 1"})
    assert r.status_code == 200 and "Settings saved" in r.text
    r = session.htmx_post("/app/settings/orders", {"channels": "3", "export_statuses": "11"})
    assert r.status_code == 200, r.text
    rules = rules_for(connection_store(session))
    assert rules.catalog.channels == (2, 1) and rules.orders.channels == {3}
    assert 'value="2, 1"' in session.get("/app/settings/catalog").text

    r = session.htmx_post("/app/settings/catalog", {"channels": ""})
    assert r.status_code == 422 and "at least one storefront" in r.text
    assert rules_for(connection_store(session)).catalog.channels == (2, 1)  # kept


def connection_store(session):
    from bcapp.models import Store

    return db.session.execute(db.select(Store)).scalar_one()


def test_mappings_round_trip_including_unassigned_status(afas, session):
    data = [
        ("payment__from", "PayPal"), ("payment__to", "PP"),
        ("payment__from", ""), ("payment__to", ""),
        ("tax__from", "Default"), ("tax__to", "HOOG"),
        ("order_status__from", "Geleverd"), ("order_status__to", "2"),
        ("order_status__from", "Open"), ("order_status__to", ""),
    ]  # fmt: skip
    r = session.post("/app/settings/mappings", data)
    assert r.status_code == 200, r.text
    mappings = rules_for(connection_store(session)).mappings
    assert mappings.payment_code("paypal") == "PP" and mappings.tax_code("Default") == "HOOG"
    assert mappings.bc_status_for("Geleverd") == 2 and mappings.bc_status_for("Open") is None
    page = session.get("/app/settings/mappings").text
    assert 'value="PayPal"' in page and 'value="HOOG"' in page


def test_every_settings_section_renders(afas, session):
    for section in ("connection", "flows", "orders", "catalog", "stock", "fulfilment",
                    "mappings", "schedules", "general"):  # fmt: skip
        r = session.get(f"/app/settings/{section}")
        assert r.status_code == 200, section
        assert 'aria-current="page"' in r.text
    assert session.get("/app/settings/nonsense").status_code == 404


def test_flows_the_connector_lacks_are_disabled(afas, session, monkeypatch):
    from bcapp.connectors.afas.connector import AfasConnector
    from bcapp.connectors.base import Capability

    session.post("/app/setup/erp", erp_form(afas))
    monkeypatch.setattr(AfasConnector, "capabilities", frozenset({Capability.ORDERS}))
    page = session.get("/app/settings/flows").text
    from bcapp.mapping.rules import FLOW_NAMES

    assert page.count("Not supported by AFAS Profit") == len(FLOW_NAMES) - 1  # all but orders


def test_an_erp_that_does_not_answer_in_time_is_reported(afas, session, app):
    app.config["ERP_CHECK_TIMEOUT"] = 0.3
    afas.latency = 1.5
    r = session.htmx_post("/app/settings/connection/test", erp_form(afas))
    assert "The ERP did not answer within 0.3 seconds." in r.text


def test_choosing_an_erp_swaps_in_its_fields(afas, session):
    r = session.get("/app/settings/connection/fields", query_string={"kind": "afas"})
    assert r.status_code == 200 and 'name="environment"' in r.text and "<html" not in r.text
    assert session.get("/app/settings/connection/fields?kind=nope").status_code == 404


def test_later_wizard_steps_need_a_connection_first(afas, session):
    r = session.get("/app/setup/orders")
    assert r.status_code == 303 and "/app/setup/erp" in r.headers["Location"]
    assert session.get("/app/setup/nonsense").status_code == 404


def test_retention_field_shows_the_server_default_until_saved(app, afas, session):
    app.config["LOG_RETENTION_DAYS"] = 14
    assert 'name="log_retention_days" type="number" value="14"' in session.get("/app").text


def test_customers_from_erp_section_saves_group_map_and_excluded_fields(afas, session):
    session.post("/app/setup/erp", erp_form(afas))
    page = session.get("/app/settings/customers_from_erp")
    assert page.status_code == 200 and "Customer group per ERP value" in page.text
    assert 'name="excluded_fields" value="phone"' in page.text
    form = [
        ("channels", "1"),
        ("group_map", "WHS = Wholesale\nRET=Retail\nnonsense"),
        ("default_group", "Retail"),
        ("excluded_fields", "phone"),
        ("excluded_fields", "addresses"),
    ]
    r = session.htmx_post("/app/settings/customers_from_erp", form)
    assert r.status_code == 200 and "Settings saved" in r.text, r.text
    rules = rules_for(connection_store(session)).customers_from_erp
    assert rules.group_for("WHS") == "Wholesale" and rules.group_for("OTHER") == "Retail"
    assert not rules.writes("phone") and not rules.writes("addresses") and rules.writes("name")
    shown = session.get("/app/settings/customers_from_erp")
    assert "WHS = Wholesale" in shown.text
    schedules = session.get("/app/settings/schedules")
    assert 'name="customers_from_erp"' in schedules.text
