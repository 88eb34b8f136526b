"""Contract-suite factory for Exact Online: ExactConnector on an ExactSandbox.

The sandbox's clock is frozen (``speed=0``) and the connector runs on it: its
budget "sleeps" by moving that clock, so a spent minute costs no real time.
Sync pages hold 4 rows here (Exact's 1,000 would need thousands of items to page).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bcapp.connectors import make_connector
from bcapp.connectors.base import (
    Customer,
    MemoryCredentials,
    Order,
    OrderInstructions,
)
from bcapp.connectors.exact.oauth import TokenSet
from bcapp.sandbox.exact import ExactSandbox
from bcapp.sandbox.exact.sales import ORDER_STATUS
from tests.connectors.orders import contract_order

KIND = "exact"
PAGE_SIZE = 4
START = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC).timestamp()
STATUSES = ("Open", "Partial", "Complete")


def settings(sandbox: ExactSandbox, **extra: Any) -> dict[str, Any]:
    """Connector settings for the sandbox's app registration (tokens not included)."""
    app = sandbox.app
    return {
        "site": "nl",
        "division": sandbox.current_division,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.redirect_uri,
        "webhook_secret": app.webhook_secret,
        **extra,
    }


def tokens(sandbox: ExactSandbox) -> dict[str, Any]:
    """The secrets after the merchant connected: a fresh token pair under ``oauth``."""
    pair = TokenSet.from_answer(sandbox.issue_tokens(), sandbox.clock.now())
    return {"oauth": pair.to_values()}


class ExactHandle:
    """Drives the Exact sandbox for the contract suite."""

    page_size = PAGE_SIZE

    def __init__(self, sandbox: ExactSandbox) -> None:
        self.sandbox = sandbox
        self.div = sandbox.division()
        self._codes: list[str] = []

    def seed_products(self, n: int) -> list[str]:
        """``n`` items with a price and stock; their IDs in the order Exact lists changes."""
        ids = []
        for _ in range(n):
            code = f"P{len(self._codes) + 1:04d}"
            ids.append(self.div.add_item(code, price=Decimal(10) + len(self._codes), stock=5))
            self._codes.append(code)
        return ids

    def touch_product(self, erp_id: str) -> None:
        item = self.div.get("Items", erp_id)
        assert item is not None
        self.div.touch_item(item["Code"], Description=item["Description"] + " (changed)")

    def fail_next(self, fault: int | str) -> None:
        self.sandbox.fail_next(fault)

    def reject_next_write(self, message: str) -> None:
        self.sandbox.reject_next_write(message)

    def make_order(self, reference: str, customer: Customer) -> Order:
        if len(self._codes) < 2:
            self.seed_products(2)
        return contract_order(reference, customer, self._codes[:2], "Item")

    def instructions(self, order: Order) -> OrderInstructions:
        """Mapped codes Exact takes: VAT code 2 (high) for the untaxed-class lines."""
        return OrderInstructions(tax_codes={"": "2"})

    def order_count(self, reference: str) -> int:
        return len(self.div.find("SalesOrders", YourRef=reference))

    def customer_count(self, email: str) -> int:
        return len(self.div.find("Accounts", Email=email))

    # -- fulfilment (tests/connectors/test_contract_fulfilment.py) ------------------------

    def seed_shipment(self, order: Order, erp_order_id: str, tracking: str) -> str:
        """A goods delivery of every line of the order; its erp_id (the EntryID)."""
        return self.div.add_goods_delivery(int(erp_order_id), tracking=tracking)

    def seed_credit_note(self, order: Order, erp_order_id: str) -> str:
        """A credit invoice for one unit of the first line (net price: incl. 21 % VAT less)."""
        line = order.lines[0]
        net = (line.price_inc_tax / Decimal("1.21")).quantize(Decimal("0.01"))
        return self.div.add_credit_invoice(int(erp_order_id), [(line.sku, 1, net)])

    def set_order_status(self, erp_order_id: str, step: int) -> str:
        """Move the sales order on (Open, Partial, Complete by step); the name Exact reports."""
        name = STATUSES[step % 3]
        code = next(k for k, v in ORDER_STATUS.items() if v == name)
        order = self.div.order(int(erp_order_id))
        order.update({"Status": code, "StatusDescription": name})
        self.div.save("SalesOrders", order)
        return name


def make(connector_ok: bool = True) -> tuple[Any, ExactHandle]:
    sandbox = ExactSandbox(speed=0, start=START)
    sandbox.page_sizes = {"sync": PAGE_SIZE}
    secrets = tokens(sandbox)
    if not connector_ok:
        secrets["oauth"] = {**secrets["oauth"], "access_token": "not-the-token"}
    connector = make_connector(
        "exact", settings(sandbox), transport=sandbox.transport(),
        credentials=MemoryCredentials(secrets), clock=sandbox.clock.now, sleep=sandbox.advance,
        record=True,
    )  # fmt: skip
    return connector, ExactHandle(sandbox)
