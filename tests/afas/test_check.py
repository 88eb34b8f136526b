"""The "test connection" path: make_connector(kind, settings).check() in AFAS's words."""

from __future__ import annotations

import pytest

from bcapp.connectors import make_connector
from bcapp.connectors.afas.settings import SETTINGS_SCHEMA, AfasSettings
from bcapp.connectors.base import Capability, secret_fields, split_settings
from bcapp.errors import ConfigError
from bcapp.sandbox.afas import AfasSandbox


def build(sandbox: AfasSandbox, **settings):  # type: ignore[no-untyped-def]
    return make_connector("afas", sandbox.settings(**settings), transport=sandbox.transport())


def test_check_passes_on_a_configured_environment(sandbox: AfasSandbox) -> None:
    build(sandbox).check()
    paths = [r["path"] for r in sandbox.requests]
    assert paths[0] == "MetaInfo"
    assert "Metainfo/get/BCApp_Articles" in paths and "Metainfo/get/Profit_Debtor" in paths


def test_missing_getconnector_is_named_with_afas_words(sandbox: AfasSandbox) -> None:
    connector = build(sandbox, connectors={"stock": {"connector": "Shop_Voorraad"}})
    with pytest.raises(ConfigError) as info:
        connector.check()
    assert "Shop_Voorraad (stock)" in info.value.message
    assert "AFAS says: GetConnector 'Shop_Voorraad' does not exist" in info.value.message


def test_missing_field_is_named(sandbox: AfasSandbox) -> None:
    connector = build(sandbox, connectors={"articles": {"fields": {"price": "Verkoopprijs"}}})
    with pytest.raises(
        ConfigError,
        match=r"BCApp_Articles \(articles\) has no field\(s\) "
        r"Verkoopprijs",
    ):
        connector.check()


def test_merchant_named_connector_with_own_field_names_passes(sandbox: AfasSandbox) -> None:
    sandbox.define_connector(
        "Shop_Debiteuren", [("Nummer", "string"), ("Mail", "string")], source="Profit_Debtor"
    )
    build(
        sandbox,
        connectors={
            "debtors": {"connector": "Shop_Debiteuren", "fields": {"id": "Nummer", "email": "Mail"}}
        },
    ).check()


def test_wrong_token_is_a_config_error(sandbox: AfasSandbox) -> None:
    with pytest.raises(ConfigError, match="AFAS refused the token"):
        build(sandbox, token="expired").check()


def test_settings_need_a_token_and_an_environment() -> None:
    with pytest.raises(ConfigError, match="token"):
        AfasSettings.parse({"environment": "12345"})
    with pytest.raises(ConfigError, match="environment number"):
        AfasSettings.parse({"token": "x"})
    with pytest.raises(ConfigError, match="digits"):
        make_connector("afas", {"environment": "abc", "token": "x"})


def test_schema_marks_the_token_secret_and_has_defaults() -> None:
    assert secret_fields(SETTINGS_SCHEMA) == {"token"}
    plain, secret = split_settings(SETTINGS_SCHEMA, {"environment": "1", "token": "t"})
    assert plain == {"environment": "1"} and secret == {"token": "t"}
    articles = SETTINGS_SCHEMA["properties"]["connectors"]["properties"]["articles"]
    assert articles["properties"]["connector"]["default"] == "BCApp_Articles"
    parsed = AfasSettings.parse({"environment": "1", "token": "t"})
    assert parsed.entities["debtors"]["email"] == "Email"
    assert parsed.orders["unit"] == "STK"


def test_capabilities_cover_the_afas_app() -> None:
    from bcapp.connectors.afas import AfasConnector

    assert AfasConnector.capabilities >= {
        Capability.CATEGORIES,
        Capability.PRODUCTS,
        Capability.STOCK,
        Capability.CUSTOMERS,
        Capability.ORDERS,
        Capability.SUBSCRIPTIONS,
        Capability.SHIPMENTS_FROM_ERP,
        Capability.SHIPMENTS_TO_ERP,
        Capability.CREDIT_NOTES,
        Capability.ORDER_STATUS,
    }


def test_custom_fields_must_exist_on_the_article_connector(sandbox: AfasSandbox) -> None:
    build(sandbox, catalog={"custom_fields": ["CountryOfOrigin"]}).check()
    with pytest.raises(ConfigError, match="has no field\\(s\\) Material"):
        build(sandbox, catalog={"custom_fields": ["Material"]}).check()


def test_an_entity_without_connector_is_switched_off(sandbox: AfasSandbox) -> None:
    sandbox.add_article("A1", dimensions=[("S", "")])
    connector = build(
        sandbox, connectors={"dimensions": {"connector": ""}, "stock": {"connector": ""}}
    )
    connector.check()
    (product,) = [p for b in connector.fetch_products(None) for p in b.records]
    assert product.variants == ()
    assert list(connector.fetch_stock(None)) == []


def test_order_export_lookups_cannot_be_switched_off(sandbox: AfasSandbox) -> None:
    with pytest.raises(ConfigError, match="GetConnector for sales orders"):
        build(sandbox, connectors={"sales_orders": {"connector": ""}}).check()


def test_connector_outside_the_app_connector_is_explained(sandbox: AfasSandbox) -> None:
    sandbox.restricted.add("Profit_Debtor")
    with pytest.raises(ConfigError) as info:
        build(sandbox).check()
    assert "Profit_Debtor (debtors) is not part of the app connector" in info.value.message
