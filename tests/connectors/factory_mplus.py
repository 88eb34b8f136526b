"""Contract-suite factory for MplusKASSA: MplusConnector on an MplusSandbox (SOAP)."""

from __future__ import annotations

from typing import Any

from bcapp.connectors import make_connector
from bcapp.connectors.base import Customer, Order, OrderInstructions
from bcapp.sandbox.mplus import MplusSandbox, MplusState
from tests.connectors.orders import contract_order

KIND = "mplus"
PAGE_SIZE = 4
FAULTS = {500: "server_fault", 503: "http_503", "timeout": "timeout"}


class MplusHandle:
    """Drives the Mplus sandbox for the contract suite."""

    page_size = PAGE_SIZE

    def __init__(self, sandbox: MplusSandbox) -> None:
        self.sandbox = sandbox
        self.state: MplusState = sandbox.state
        self._articles: list[int] = []

    def seed_products(self, n: int) -> list[str]:
        """``n`` single-article products; their product numbers in syncMarker order."""
        numbers = []
        for _ in range(n):
            article = 1000 + len(self._articles) + 1
            self._articles.append(article)
            numbers.append(
                str(
                    self.state.add_product(
                        [
                            {
                                "articleNumber": article,
                                "description": f"Article {article}",
                                "priceIncl": 1000 + article,
                            }
                        ],
                    )
                )
            )
        return numbers

    def touch_product(self, erp_id: str) -> None:
        product = self.state.products[int(erp_id)]
        product["description"] += " (changed)"
        self.state.touch_product(int(erp_id))

    def fail_next(self, fault: int | str) -> None:
        self.state.inject(FAULTS[fault], 1)

    def reject_next_write(self, message: str) -> None:
        self.state.reject_next_write(message)

    def make_order(self, reference: str, customer: Customer) -> Order:
        if len(self._articles) < 2:
            self.seed_products(2)
        return contract_order(reference, customer, [str(a) for a in self._articles[:2]])

    def instructions(self, order: Order) -> OrderInstructions:
        """Mapped codes Mplus takes: a payment method and a delivery method name."""
        return OrderInstructions(payment_method="IDEAL", delivery_method="PostNL")

    def order_count(self, reference: str) -> int:
        return sum(1 for o in self.state.orders.values() if o.get("extOrderId") == reference)

    def customer_count(self, email: str) -> int:
        wanted = email.strip().lower()
        return sum(
            1 for r in self.state.relations.values() if str(r.get("email", "")).lower() == wanted
        )

    # -- fulfilment (tests/connectors/test_contract_fulfilment.py) ------------------------

    def seed_credit_note(self, order: Order, erp_order_id: str) -> str:
        """A credit invoice for one unit of the order's first line; its erp_id."""
        line = order.lines[0]
        cents = int(line.price_inc_tax * 100)
        return self.state.add_credit_invoice(erp_order_id, [(int(line.sku), 1, cents)])

    def set_order_status(self, erp_order_id: str, step: int) -> str:
        """Move the order on at the till (step 1, 2, ...); the status name Mplus then reports."""
        from bcapp.sandbox.mplus.sales import set_order_state

        state = ("ORDER-DELIVERY-STATE-NOTHING", "ORDER-DELIVERY-STATE-PARTIAL",
                 "ORDER-DELIVERY-STATE-COMPLETE")[step % 3]  # fmt: skip
        set_order_state(self.state, erp_order_id, deliveryState=state)
        return state


def make(connector_ok: bool = True) -> tuple[Any, MplusHandle]:
    sandbox = MplusSandbox(MplusState(ident="contract-ident", secret="contract-secret"))
    settings = {
        "port": 34567,
        "ident": "contract-ident",
        "page_size": PAGE_SIZE,
        "secret": "contract-secret" if connector_ok else "not-the-secret",
    }
    connector = make_connector("mplus", settings, transport=sandbox.transport())
    return connector, MplusHandle(sandbox)
