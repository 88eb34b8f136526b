"""The store order every connector's contract cases export: two lines of the handle's articles."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bcapp.connectors.base import Address, Customer, Order, OrderLine


def contract_order(
    reference: str, customer: Customer, skus: Sequence[str], name: str = "Article"
) -> Order:
    """Lines of quantity 1, 2, ... at 10.00 excl. / 12.10 incl. 21 % VAT, billed and shipped to
    the customer's first address."""
    lines = tuple(
        OrderLine(
            sku=sku,
            name=f"{name} {sku}",
            quantity=Decimal(i + 1),
            price_ex_tax=Decimal("10.00"),
            price_inc_tax=Decimal("12.10"),
            tax_rate=Decimal(21),
        )
        for i, sku in enumerate(skus)
    )
    address = customer.addresses[0] if customer.addresses else Address()
    return Order(
        bc_id=int(reference),
        reference=reference,
        customer=customer,
        billing_address=address,
        lines=lines,
        shipping_addresses=(address,),
    )
