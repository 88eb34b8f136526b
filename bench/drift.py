"""Benchmark: the drift report for N products (default 10,000) against the rate-limit bound.

``python bench/drift.py [--products N] [--variants V] [--plan standard|pro] [--latency-ms MS]``

The AFAS sandbox holds N articles (V sizes each, stock per SKU); the BigCommerce
sandbox holds the same catalog (seeded directly, as a catalog sync would have
left it) with 1 % of the prices and 1 % of the stock levels changed, on a store of
the given plan (Standard: 150 requests per 30 s). The drift flow then reads both
sides in full. Printed: BigCommerce and ERP requests, 429s, the differences
found, and the simulated time against the bound (BigCommerce calls / quota * 30 s).

Simulated time, as ``bench/catalog.py --own-time`` counts it: the sandbox clock is
frozen and moved only by this process's CPU time outside the sandboxes,
``--latency-ms`` per remote request (default 50), and the budget's waits for a
window to reset (it advances the clock instead of sleeping; the sandbox enforces
its quota on the same clock, so sending early would earn 429s, counted).

Needs Redis (run locks) at ``REDIS_URL`` (default ``redis://127.0.0.1:6379/15``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog import QUOTA, STORE_HASH, WINDOW_S, Counting, OwnClock, Remote, make_app, make_store

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.sandbox.afas import AfasSandbox
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.bigcommerce.catalog import create_product


def seed(afas: AfasSandbox, store: Any, products: int, variants: int) -> int:
    """The same catalog on both sides; every 100th price and stock level differ. SKUs seeded."""
    sizes = [f"S{i}" for i in range(variants)]
    skus = 0
    for i in range(1, products + 1):
        code, price = f"A{i:06d}", 10 + i % 90
        afas.add_article(code, f"Article {i}", price=f"{price}.00", vat="0",
                         dimensions=[(s, "") for s in sizes])  # fmt: skip
        level = 5 + i % 7
        for size in sizes or [""]:
            afas.set_stock(code, "HQ", level, dim1=size)
        body: dict[str, Any] = {
            "name": f"Article {i}", "type": "physical", "weight": 1, "sku": code,
            "price": price + (1 if i % 100 == 0 else 0),
            "inventory_tracking": "variant" if sizes else "product",
        }  # fmt: skip
        if sizes:
            body["variants"] = [
                {"sku": f"{code}-{s}", "option_values": [{"option_display_name": "Size",
                                                          "label": s}],
                 "inventory_level": level + (1 if i % 100 == 50 else 0)}
                for s in sizes
            ]  # fmt: skip
        else:
            body["inventory_level"] = level + (1 if i % 100 == 50 else 0)
        create_product(store, body)
        skus += max(1, len(sizes)) + (1 if sizes else 0)
    return skus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--variants", type=int, default=0)
    parser.add_argument("--plan", choices=sorted(QUOTA), default="standard")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()

    from bcapp.extensions import db
    from bcapp.models import LogEntry
    from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT
    from bcapp.sync.runner import run_flow

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        clock = SandboxClock(speed=0)
        afas, sandbox = AfasSandbox(), BigCommerceSandbox(clock=clock)
        bc = sandbox.create_store(STORE_HASH, plan=args.plan)
        seeded = time.perf_counter()
        skus = seed(afas, bc, args.products, args.variants)
        print(f"seeded {args.products} products ({skus} SKUs) on both sides in "
              f"{time.perf_counter() - seeded:.0f} s")  # fmt: skip
        own = OwnClock(clock, args.latency_ms / 1000)
        counting = Counting(httpx.WSGITransport(app=sandbox.wsgi_app), own)
        erp = Counting(Remote(afas.transport(), own))
        app.extensions.update({
            ERP_TRANSPORT: erp, BC_TRANSPORT: counting,
            BC_BUDGET: LocalBudget(STORE_HASH, clock=clock.now, sleep=clock.advance),
        })  # fmt: skip
        with app.app_context():
            store_id = make_store(bc.access_token, afas.settings())
            started_sim, started_wall = clock.now(), time.perf_counter()
            own.since = time.process_time()
            run = run_flow(store_id, "drift")
            own.catch_up()
            simulated, wall = clock.now() - started_sim, time.perf_counter() - started_wall
            assert run is not None
            kinds: dict[str, int] = {}
            for entry in db.session.execute(
                db.select(LogEntry).filter_by(run_id=run.id, outcome="drift")
            ).scalars():
                kinds[entry.details["kind"]] = kinds.get(entry.details["kind"], 0) + 1
        quota = QUOTA[args.plan]
        bound = counting.total / quota * WINDOW_S
        print(f"\n== drift report: {args.products} products × {args.variants} variants, "
              f"{args.plan} plan ({quota} per {WINDOW_S:.0f} s) ==")  # fmt: skip
        print(f"run: {run.status} — {run.message}")
        print(f"BigCommerce requests: {counting.total} ({dict(counting.calls)}), "
              f"429s: {counting.throttled}")  # fmt: skip
        print(f"ERP requests: {erp.total}")
        print(f"differences found: {kinds}")
        print(f"simulated time: {simulated:.0f} s; rate-limit bound: {bound:.0f} s "
              f"({simulated / bound:.2f}× the bound); wall time here: {wall:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
