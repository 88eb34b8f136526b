"""Contract-suite factory for AccountView: AccountViewConnector on an AccountViewSandbox.

The tokens come from the sandbox's ``issue_tokens()`` (as after the OAuth connect step)
and live in a MemoryCredentials; the connector's clock is the sandbox's, so the access
token is as fresh as the sandbox says. Bad credentials: a token pair AccountView never
issued, so the first call's refresh is refused ("Reconnect AccountView: ...").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bcapp.connectors import make_connector
from bcapp.connectors.base import (
    Customer,
    MemoryCredentials,
    Order,
    OrderInstructions,
)
from bcapp.sandbox.accountview import AccountViewSandbox
from tests.connectors.orders import contract_order

KIND = "accountview"
PAGE_SIZE = 4
TOKEN_KEYS = ("access_token", "refresh_token", "expires_at", "scope")


def settings(sandbox: AccountViewSandbox, **more: Any) -> dict[str, Any]:
    """Connection settings for ``sandbox``'s first company."""
    return {
        "client_id": sandbox.oauth.client_id,
        "client_secret": sandbox.oauth.client_secret,
        "base_url": sandbox.base_url,
        "company_id": sandbox.company_id,
        "company_name": sandbox.company().description,
        "page_size": PAGE_SIZE,
        **more,
    }


def credentials(sandbox: AccountViewSandbox, ok: bool = True) -> MemoryCredentials:
    """A token pair as the connect step leaves it (or one AccountView never issued)."""
    if not ok:
        return MemoryCredentials({"access_token": "not-issued", "refresh_token": "not-issued",
                                  "expires_at": 0})  # fmt: skip
    tokens = sandbox.issue_tokens()
    return MemoryCredentials({k: tokens[k] for k in TOKEN_KEYS})


class AccountViewHandle:
    """Drives the AccountView sandbox for the contract suite."""

    page_size = PAGE_SIZE

    def __init__(self, sandbox: AccountViewSandbox) -> None:
        self.sandbox = sandbox
        self._seeded: list[str] = []

    def seed_products(self, n: int) -> list[str]:
        """``n`` articles; their codes in the order AccountView stamps them (CNG_DATE)."""
        codes = []
        for i in range(len(self._seeded) + 1, len(self._seeded) + n + 1):
            code = f"P{i:04d}"
            self.sandbox.add_article(code, f"Article {code}", price=Decimal(10) + i, available=5)
            codes.append(code)
        self._seeded += codes
        return codes

    def touch_product(self, erp_id: str) -> None:
        row = self.sandbox.article(erp_id)
        self.sandbox.touch_article(erp_id, ART_DESC1=f"{row['ART_DESC1']} (changed)")

    def fail_next(self, fault: int | str) -> None:
        self.sandbox.fail_next(fault)

    def reject_next_write(self, message: str) -> None:
        self.sandbox.reject_next_write(message)

    def make_order(self, reference: str, customer: Customer) -> Order:
        skus = self._seeded[:2] or self.seed_products(2)
        return contract_order(reference, customer, skus)

    def instructions(self, order: Order) -> OrderInstructions:
        """Codes AccountView takes: a VAT code for untaxed-class lines, a delivery method."""
        return OrderInstructions(tax_codes={"": "1"}, delivery_method="POSTNL")

    def order_count(self, reference: str) -> int:
        return len(self.sandbox.orders_with_reference(reference))

    def customer_count(self, email: str) -> int:
        return len(self.sandbox.debtors_with_email(email))

    # -- debtors (tests/connectors/test_contract_customers.py) --------------------------

    def seed_debtors(self, n: int) -> list[str]:
        """``n`` debtors with e-mail addresses; their numbers in change order."""
        start = len(self.sandbox.rows("CONTACT"))
        return [
            self.sandbox.add_debtor(f"debtor{i}@example.com", f"Debtor {i}")
            for i in range(start + 1, start + n + 1)
        ]

    def touch_debtor(self, erp_id: str) -> None:
        row = self.sandbox.debtor(erp_id)
        self.sandbox.touch_debtor(erp_id, ACCT_NAME=f"{row['ACCT_NAME']} changed")


def make(connector_ok: bool = True) -> tuple[Any, AccountViewHandle]:
    sandbox = AccountViewSandbox()
    connector = make_connector(
        "accountview",
        settings(sandbox),
        credentials=credentials(sandbox, connector_ok),
        transport=sandbox.transport(),
        record=True,
        clock=sandbox.clock.timestamp,
    )
    return connector, AccountViewHandle(sandbox)
