"""Benchmark: what the merchant's field mapping costs per exported order. Prints its figures.

``python bench/field_mapping.py [--orders 2000] [--lines 10]``

Evaluates a realistic mapping (six header templates with filters, a lookup table and
a checkout form field; two templates per line) on made-up orders of ``--lines`` lines,
through :func:`bcapp.sync.field_mapping.order_instructions` — the same code the order
export runs, without the network. Prints the time per order and per template, and how
long the engine takes to stop each kind of hostile template (the 0.25 s budget is the
bound; a refusal before running costs nothing).
"""

from __future__ import annotations

import argparse
import time
from decimal import Decimal

from bcapp.canonical import Address, Customer, Order, OrderInstructions, OrderLine, StoreExtras
from bcapp.mapping.fields import FieldMappings, FieldSpec
from bcapp.mapping.templates import TemplateFailure, render
from bcapp.sync.field_mapping import order_instructions

MAPPING = FieldMappings(1, "afas", {
    "order": {
        "Fref": FieldSpec('{{ form["PO number"] | default("none") | truncate(32) }}', length=32),
        "Re": FieldSpec("{{ order.customer_message | upper }} ({{ order.reference }})"),
        "PaCd": FieldSpec("{{ order.payment_method | lookup('conditions', '14') }}", length=5),
        "DaDe": FieldSpec("{{ order.created_at | date('%Y-%m-%d') }}", kind="date"),
        "ExAd": FieldSpec("{{ shipping.street }} {{ shipping.city | upper }}", length=255),
        "Rout": FieldSpec("{{ shipping.country_code | replace('NL', 'BENELUX') }}", length=20),
    },
    "order_line": {
        "Ds": FieldSpec("{{ line.name | truncate(60, '...') }}", length=255),
        "Re": FieldSpec("{{ line.sku }} x {{ line.quantity }}"),
    },
}, {"conditions": {"Card": "0", "Invoice": "30"}})  # fmt: skip

HOSTILE = {
    "attribute escape": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "nested loops": "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}"
    "{% endfor %}",
    "huge output": "{% for i in range(10000) %}{{ 'x' * 100 }}{% endfor %}",
    "huge string": "{{ 'x' * 100000000 }}",
    "recursion": "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
}  # fmt: skip


def order(number: int, lines: int) -> Order:
    address = Address(first_name="Jan", street="Keizersgracht 12", city="Amsterdam",
                      country_code="NL")  # fmt: skip
    return Order(
        bc_id=number, reference=str(number), customer=Customer(email=f"c{number}@example.com"),
        billing_address=address, shipping_addresses=(address,), payment_method="Card",
        customer_message="Leave at the door", created_at=None,
        lines=tuple(OrderLine(sku=f"SKU-{i}", name=f"A product with a long name {i}",
                              quantity=Decimal(2), price_ex_tax=Decimal("10"),
                              price_inc_tax=Decimal("12.10")) for i in range(lines)),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--lines", type=int, default=10)
    args = parser.parse_args()
    orders = [order(n, args.lines) for n in range(1, args.orders + 1)]
    extras = StoreExtras(form_fields={"PO number": "PO-4711"})
    started = time.perf_counter()
    for o in orders:
        order_instructions(MAPPING, o, OrderInstructions(), extras)
    elapsed = time.perf_counter() - started
    templates = len(MAPPING.rules["order"]) + len(MAPPING.rules["order_line"]) * args.lines
    print(f"{args.orders} orders of {args.lines} lines, {templates} templates each")
    print(f"  {elapsed * 1000 / args.orders:.2f} ms per order, "
          f"{elapsed * 1e6 / (args.orders * templates):.0f} µs per template")  # fmt: skip
    for name, source in HOSTILE.items():
        started = time.perf_counter()
        try:
            render(source, {})
            outcome = "ran (!)"
        except TemplateFailure as exc:
            outcome = f"stopped: {exc.message}"
        print(f"  {name}: {(time.perf_counter() - started) * 1000:.1f} ms, {outcome}")


if __name__ == "__main__":
    main()
