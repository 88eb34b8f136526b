"""Contract-suite factory for AFAS Profit: AfasConnector on an AfasSandbox."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bcapp.connectors import make_connector
from bcapp.connectors.base import Customer, Order, OrderInstructions
from bcapp.sandbox.afas import AfasSandbox
from tests.connectors.orders import contract_order

KIND = "afas"
PAGE_SIZE = 4


class AfasHandle:
    """Drives the sandbox for the contract suite."""

    page_size = PAGE_SIZE

    def __init__(self, sandbox: AfasSandbox) -> None:
        self.sandbox = sandbox
        self._seeded: list[str] = []

    def seed_products(self, n: int) -> list[str]:
        """``n`` articles; returns their erp_ids in the order the ERP lists changes."""
        start = len(self._seeded)
        codes = []
        for i in range(start + 1, start + n + 1):
            code = f"P{i:04d}"
            self.sandbox.add_article(code, price=Decimal(10) + i, ean=f"87{i:011d}")
            codes.append(code)
        self._seeded += codes
        return codes

    def touch_product(self, erp_id: str) -> None:
        row = self.sandbox.tables.articles[erp_id]
        self.sandbox.touch_article(erp_id, Description=row["Description"] + " (changed)")

    def fail_next(self, status: int | str) -> None:
        self.sandbox.fail_next(status)

    def reject_next_write(self, message: str) -> None:
        self.sandbox.reject_next_write(message)

    def make_order(self, reference: str, customer: Customer) -> Order:
        skus = self._seeded[:2] or self.seed_products(2)
        return contract_order(reference, customer, skus, "Product")

    def instructions(self, order: Order) -> OrderInstructions:
        """Mapped codes Profit takes: a payment method, a (numeric) delivery type."""
        return OrderInstructions(payment_method="IDL", delivery_method="2")

    def order_count(self, reference: str) -> int:
        return len(self.sandbox.orders_with_reference(reference))

    def customer_count(self, email: str) -> int:
        return len(self.sandbox.debtors_with_email(email))

    # -- debtors (tests/connectors/test_contract_customers.py) ----------------------------

    def seed_debtors(self, n: int) -> list[str]:
        """``n`` debtors with e-mail addresses; their numbers in change order."""
        start = len(self.sandbox.tables.relations)
        return [self.sandbox.add_debtor(f"debtor{i}@example.com", f"Debtor {i}")
                for i in range(start + 1, start + n + 1)]  # fmt: skip

    def touch_debtor(self, erp_id: str) -> None:
        row = self.sandbox.tables.relations[erp_id]
        self.sandbox.touch_debtor(erp_id, DebtorName=f"{row['DebtorName']} changed")

    # -- fulfilment (tests/connectors/test_contract_fulfilment.py) ------------------------

    def seed_shipment(self, order: Order, erp_order_id: str, tracking: str) -> str:
        """A packing slip, reported ready, shipping every line of the order; its erp_id."""
        lines = [(line.sku, line.quantity) for line in order.lines]
        return self.sandbox.add_packing_slip(erp_order_id, lines, tracking=tracking,
                                             carrier="PostNL")  # fmt: skip

    def seed_credit_note(self, order: Order, erp_order_id: str) -> str:
        """A credit invoice for one unit of the order's first line; its erp_id."""
        line = order.lines[0]
        return self.sandbox.add_credit_invoice(order.reference,
                                               [(line.sku, 1, line.price_inc_tax)])  # fmt: skip

    def set_order_status(self, erp_order_id: str, step: int) -> str:
        """Move the ERP order on (step 1, 2, ...); the status name the ERP then reports."""
        status = ("Open", "In behandeling", "Geleverd")[step % 3]
        self.sandbox.set_order_status(erp_order_id, status)
        return status

    def delivery_notes(self, reference: str) -> int:
        """Packing slips for the store order ``reference`` (made from any store shipment)."""
        return sum(1 for s in self.sandbox.tables.packing_slips.values()
                   if str(s["CustomerReference"]).split("/")[0] == reference)  # fmt: skip


def make(connector_ok: bool = True) -> tuple[Any, AfasHandle]:
    sandbox = AfasSandbox()
    settings = sandbox.settings()
    if not connector_ok:
        settings["token"] = "not-the-token"
    connector = make_connector(
        "afas", settings, transport=sandbox.transport(), page_size=PAGE_SIZE, record=True
    )
    return connector, AfasHandle(sandbox)
