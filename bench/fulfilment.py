"""Benchmark: fulfilment flows against the sandboxes. Prints BigCommerce calls per record and time.

``python bench/fulfilment.py [--orders N]`` exports N orders (2 lines each) to the
AFAS sandbox, then runs, each once over all N orders:

* ``shipments`` — one ready packing slip per order (a partial shipment);
* ``refunds`` — one credit invoice per order (one unit of the first line);
* ``order_status`` — one mapped ERP status change per order;

and a second, unchanged run of each. For every run it prints the BigCommerce
requests (per record) and the wall time in this process (SQLite in a temp dir,
both sandboxes in-process, so the time is ours plus the simulators').
Needs Redis at ``BENCH_FULFILMENT_REDIS_URL`` (default ``redis://127.0.0.1:6379/10``; it is
flushed, so never point it at a database in use).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

logging.getLogger("httpx").setLevel(logging.WARNING)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REDIS_URL = os.environ.get("BENCH_FULFILMENT_REDIS_URL", "redis://127.0.0.1:6379/10")


class Counting(httpx.BaseTransport):
    """Counts requests (method, first path segment after the API version) on the way through."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.calls = inner, Counter()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls[request.method] += 1
        return self.inner.handle_request(request)


def run(orders: int) -> None:
    from bcapp import create_app
    from bcapp.bigcommerce.ratelimit import LocalBudget
    from bcapp.extensions import db, redis_ext
    from bcapp.sync.context import BC_BUDGET, BC_TRANSPORT
    from tests.conftest import base_config
    from tests.orders.conftest import STORE_HASH, WORLD_CONFIG, build_world

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(base_config(Path(tmp), **{**WORLD_CONFIG, "REDIS_URL": REDIS_URL}))
        with app.app_context():
            db.create_all()
            redis_ext.client.flushdb()
            world = build_world(app)
            # Standard plan quota on the sandbox clock: a spent window advances the clock
            # (the wait is not slept, so the wall time below is our work, not the quota's).
            app.extensions[BC_BUDGET] = LocalBudget(
                STORE_HASH, clock=world.bc.clock.now, sleep=world.bc.clock.advance, max_wait=60
            )
            counting = Counting(world.bc.transport())
            app.extensions[BC_TRANSPORT] = counting
            world.product("CAP")
            world.product("MUG")
            numbers = {}
            for _ in range(orders):
                order_id = world.order(
                    lines=[
                        {"product_id": world.skus["CAP"], "quantity": 2},
                        {"product_id": world.skus["MUG"], "quantity": 1},
                    ]
                )
                world.export(order_id)
                numbers[order_id] = world.erp_orders(order_id)[0]["OrderNumber"]
            world.settings("mappings", order_status={"Geleverd": 10})
            for order_id, number in numbers.items():
                world.afas.add_packing_slip(number, [("CAP", 1)], tracking=f"3S{order_id}")
                world.afas.add_credit_invoice(str(order_id), [("MUG", 1, "10.00")])
                world.afas.set_order_status(number, "Geleverd")
            print(f"{orders} exported orders; BigCommerce requests per record and wall time")
            for flow in ("shipments", "refunds", "order_status"):
                for label, full in (("first", False), ("again", True)):
                    counting.calls.clear()
                    start = time.perf_counter()
                    result = world.run(flow, full=full)
                    took = time.perf_counter() - start
                    total = sum(counting.calls.values())
                    print(
                        f"  {flow:13} {label:5}  {result.created + result.updated:4} written "
                        f"{result.unchanged:4} unchanged  {total / orders:5.2f} calls/record "
                        f"({dict(counting.calls)})  {took:6.2f} s  "
                        f"{took / orders * 1000:6.1f} ms/record"
                    )
            redis_ext.client.flushdb()
            db.drop_all()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    args = parser.parse_args(argv)
    run(args.orders)


if __name__ == "__main__":
    main()
