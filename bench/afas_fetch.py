"""AFAS fetch throughput against the sandbox: requests and time per 1,000 articles.

Run: ``/work/venv/bin/python bench/afas_fetch.py [articles] [latency_ms]``. Prints the
figures for a full product fetch (keyset paging, dimensions looked up per page), a
resumed fetch from the last cursor (nothing new), and order export.
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bcapp.connectors.afas import AfasConnector
from bcapp.connectors.base import Address, Customer, Order, OrderLine
from bcapp.sandbox.afas import AfasSandbox


def main() -> None:
    articles = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    latency = float(sys.argv[2]) / 1000 if len(sys.argv) > 2 else 0.0
    sandbox = AfasSandbox()
    sandbox.seed(articles, with_dimensions=articles // 10)
    sandbox.latency = latency
    afas = AfasConnector(sandbox.settings(), transport=sandbox.transport())

    started, before = time.perf_counter(), len(sandbox.requests)
    cursor, count = None, 0
    for batch in afas.fetch_products(None):
        count += len(batch.records)
        cursor = batch.cursor
    took = time.perf_counter() - started
    requests = len(sandbox.requests) - before
    print(
        f"full fetch: {count} products, {requests} requests, {took:.2f} s "
        f"({took / count * 1000:.2f} ms/product) at {latency * 1000:.0f} ms latency"
    )

    started, before = time.perf_counter(), len(sandbox.requests)
    again = sum(len(b.records) for b in afas.fetch_products(cursor))
    print(
        f"resume from cursor: {again} products, {len(sandbox.requests) - before} requests, "
        f"{time.perf_counter() - started:.3f} s"
    )

    customer = Customer(
        email="bench@example.com",
        last_name="Bench",
        addresses=(Address(street="Main 1", city="X", country_code="NL"),),
    )
    debtor = afas.upsert_customer(customer)
    n, started, before = 50, time.perf_counter(), len(sandbox.requests)
    for i in range(n):
        line = OrderLine(
            sku=f"A{(i % articles) + 1:04d}",
            name="x",
            quantity=Decimal(1),
            price_ex_tax=Decimal(10),
            price_inc_tax=Decimal("12.10"),
        )
        afas.create_order(
            Order(
                bc_id=i + 1,
                reference=str(i + 1),
                customer=customer,
                billing_address=customer.addresses[0],
                lines=(line,),
            ),
            debtor,
        )
    took = time.perf_counter() - started
    print(
        f"order export: {n} orders, {(len(sandbox.requests) - before) / n:.1f} requests/order,"
        f" {took / n * 1000:.1f} ms/order"
    )


if __name__ == "__main__":
    main()
