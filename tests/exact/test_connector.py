"""ExactConnector choices the contract suite does not reach: settings, tokens, invoices, hooks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bcapp.connectors.base import MemoryCredentials, OrderInstructions, split_settings
from bcapp.connectors.exact import ExactConnector
from bcapp.connectors.exact.settings import SETTINGS_SCHEMA, ExactSettings
from bcapp.errors import ConfigError, RetryableSyncError
from bcapp.sandbox.exact import ExactSandbox
from tests.connectors.factory_exact import ExactHandle, settings, tokens
from tests.connectors.test_contract import customer


def connector(sb: ExactSandbox, *, hook: bool = True, **extra: object) -> ExactConnector:
    secrets = tokens(sb)
    values = {**settings(sb, **extra), **({} if hook else secrets)}
    return ExactConnector(
        values,
        credentials=MemoryCredentials(secrets) if hook else None,
        transport=sb.transport(),
        clock=sb.clock.now,
        sleep=sb.advance,
    )


def test_tokens_and_app_secrets_are_secrets_of_the_connection(sandbox: ExactSandbox) -> None:
    plain, secret = split_settings(SETTINGS_SCHEMA, {**settings(sandbox), **tokens(sandbox)})
    assert {"oauth", "client_secret", "webhook_secret"} <= set(secret)
    assert "oauth" not in plain and "client_id" in plain
    with pytest.raises(ConfigError, match="client secret"):
        ExactSettings.parse({"client_id": "x"})


def test_without_a_credentials_hook_the_connector_never_refreshes(sandbox: ExactSandbox) -> None:
    exact = connector(sandbox, hook=False)
    exact.check()
    sandbox.advance(600)
    with pytest.raises(RetryableSyncError, match="only a sync run"):
        ExactConnector(
            {**settings(sandbox), **tokens(sandbox)}, transport=sandbox.transport(),
            clock=lambda: sandbox.clock.now() + 600,
        ).check()  # fmt: skip
    assert sandbox.oauth.refreshes == 0


def test_with_a_hook_a_stale_token_is_refreshed_and_stored(sandbox: ExactSandbox) -> None:
    creds = MemoryCredentials(tokens(sandbox))
    old = creds.read()["oauth"]["refresh_token"]
    exact = ExactConnector(settings(sandbox), credentials=creds, transport=sandbox.transport(),
                           clock=sandbox.clock.now, sleep=sandbox.advance)  # fmt: skip
    sandbox.advance(600)
    exact.check()
    assert sandbox.oauth.refreshes == 1 and creds.read()["oauth"]["refresh_token"] != old
    assert set(creds.read()) == {"oauth"}


def test_orders_can_be_booked_as_sales_invoices_found_again_by_reference(
    sandbox: ExactSandbox,
) -> None:
    exact = connector(sandbox, order_type="sales_invoice", invoice_journal="70")
    handle = ExactHandle(sandbox)
    order = handle.make_order("800001", customer())
    account = exact.upsert_customer(customer())

    number = exact.create_order(order, account, OrderInstructions(tax_codes={"": "1"}))

    [invoice] = sandbox.division().find("SalesInvoices", YourRef="800001")
    assert str(invoice["InvoiceNumber"]) == number and invoice["Journal"] == "70"
    assert exact.create_order(order, account) == number  # found by YourRef, not made again
    lines = sandbox.division().children("SalesInvoiceLines", "InvoiceID", invoice["InvoiceID"])
    assert {line["VATCode"] for line in lines} == {"1"}  # the mapped code, not the item's
    assert sandbox.division().find("SalesOrders", YourRef="800001") == []
    assert list(exact.fetch_shipments(None)) == []


def test_a_shipping_line_needs_the_shipping_item_to_exist(sandbox: ExactSandbox) -> None:
    from dataclasses import replace

    from bcapp.errors import SkipRecord

    exact = connector(sandbox, shipping_item="SHIP")
    order = ExactHandle(sandbox).make_order("800002", customer())
    order = replace(order, shipping_cost_ex_tax=Decimal("4.95"))
    with pytest.raises(SkipRecord, match="shipping item SHIP"):
        exact.create_order(order, exact.upsert_customer(customer()))
    with pytest.raises(ConfigError, match="shipping item SHIP"):
        exact.check()


def test_webhooks_are_subscribed_once_per_url(sandbox: ExactSandbox) -> None:
    exact = connector(sandbox)
    url = "https://bcapp.example/webhooks/exact/1.abc"
    assert exact.ensure_erp_webhooks(url) == [
        "Items",
        "StockPositions",
        "SalesOrders",
        "GoodsDeliveries",
    ]
    assert exact.ensure_erp_webhooks(url) == []
    assert connector(sandbox, poll={"webhooks": False}).ensure_erp_webhooks(url) == []
