"""The store-settings model: defaults, validation and the accessors flows rely on."""

from decimal import Decimal

from bcapp.connectors.base import StockLevel, WarehouseStock
from bcapp.mapping.rules import rules_for, with_section
from bcapp.mapping.validation import validate_section


def test_empty_settings_give_documented_defaults():
    rules = rules_for({})
    assert rules.general.log_retention_days == 30
    assert rules.orders.exports(11) and not rules.orders.exports(0)
    assert rules.orders.error_status_id == 12
    assert rules.catalog.creates and rules.catalog.writes("price")
    assert rules.enabled("orders") and not rules.enabled("refunds")
    assert rules.shipment_source == "erp"


def test_stock_formula_uses_chosen_warehouses_reserved_and_buffer():
    level = StockLevel(
        sku="A",
        warehouses=(
            WarehouseStock("main", Decimal("10.7"), Decimal("3")),
            WarehouseStock("shop", Decimal("5"), Decimal("0")),
        ),
    )
    default = rules_for({})  # available minus sales reservations (point 13 of issue 21)
    assert default.stock.calculation == "on_hand_minus_reserved"
    assert default.stock.available(level) == 12  # 10.7 - 3 + 5 = 12.7 → 12
    kept = rules_for({"stock": {"calculation": "on_hand"}})  # a saved formula is kept
    assert kept.stock.available(level) == 15
    strict = rules_for(
        {"stock": {"calculation": "on_hand_minus_reserved", "warehouses": ["main"], "buffer": 2}}
    )
    assert strict.stock.available(level) == 5  # 10.7 - 3 = 7.7 → 7, minus buffer 2
    assert rules_for({"stock": {"buffer": 100}}).stock.available(level) == 0


def test_mappings_match_loosely_and_unassigned_status_means_leave_alone():
    rules = rules_for(
        {"mappings": {"payment": {"PayPal": "PP"}, "order_status": {"Geleverd": 2, "Open": None}}}
    )
    assert rules.mappings.payment_code(" paypal") == "PP"
    assert rules.mappings.payment_code("Klarna") is None
    assert rules.mappings.bc_status_for("geleverd") == 2
    assert rules.mappings.bc_status_for("Open") is None


def test_validation_reports_each_bad_field_in_merchant_words():
    _values, errors = validate_section(
        "general",
        {"alert_email": "not-an-email", "alert_webhook_url": "ftp://x", "log_retention_days": "0"},
    )
    assert set(errors) == {"alert_email", "alert_webhook_url", "log_retention_days"}
    assert "name@example.com" in errors["alert_email"]


def test_validation_coerces_form_strings_and_keeps_unposted_keys():
    values, errors = validate_section(
        "orders",
        {"export_statuses": "11, 9,11", "success_status_id": ""},
        current={"error_status_id": 5},
    )
    assert errors == {}
    assert values["export_statuses"] == [9, 11]
    assert values["success_status_id"] is None
    assert values["error_status_id"] == 5


def test_default_debtor_required_when_every_order_goes_to_one_debtor():
    _, errors = validate_section(
        "orders", {"customer_mode": "default_debtor", "default_debtor": ""}
    )
    assert "default_debtor" in errors
    _, errors = validate_section("orders", {"customer_mode": "sometimes"})
    assert "customer_mode" in errors


def test_unknown_excluded_field_is_refused():
    _, errors = validate_section("catalog", {"excluded_fields": ["price", "colour"]})
    assert "colour" in errors["excluded_fields"]


def test_with_section_returns_a_new_dict():
    before = {"general": {"alert_email": "a@b.nl"}}
    after = with_section(before, "stock", {"buffer": 3})
    assert after is not before and "stock" not in before
    assert rules_for(after).stock.buffer == 3 and rules_for(after).general.alert_email == "a@b.nl"
