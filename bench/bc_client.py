"""Benchmark: create then update products with variants and an image, against the sandbox.

Two ways, in one run, each on its own Standard-plan sandbox store (150 requests
per 30 s window, enforced by the sandbox):

* **ours**: one ``POST /catalog/products`` per product carrying its variants and
  its image (``images[].image_url``), then batch updates: ``PUT /catalog/products``
  with 10 products per request and ``PUT /catalog/variants`` with 50 variants.
* **naive**: one request per product, per variant and per image, for both the
  create and the update, as the old official ``bigcommerce`` Python package works.

Time. The sandbox clock is frozen (``speed=0``) and moves only when (a) a request
is made: the transport advances it by ``--latency-ms`` per request, modelling the
network round trip; or (b) our budget waits for a window to reset: it advances
the clock by the wait instead of sleeping. The sandbox enforces its quota on the
same clock, so a client that sent too fast would get 429s (counted below); the
rate-limit arithmetic is therefore honest while the run takes seconds of wall time.
The budget's ``max_wait`` is 31 s so this single worker waits out each window
instead of rescheduling itself (in production the job queue does that).

The *bound* is the least time the quota allows: calls / quota * window.

Run: ``python bench/bc_client.py [--products 1000] [--latency-ms 100]``
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock

SIZES = ("S", "M", "L")
WINDOW_S = 30.0


class LatencyTransport(httpx.BaseTransport):
    """The sandbox transport, with each round trip costing ``latency`` simulated seconds."""

    def __init__(self, sandbox: BigCommerceSandbox, latency: float) -> None:
        self.inner = sandbox.transport()
        self.clock = sandbox.clock
        self.latency = latency
        self.throttled = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.clock.advance(self.latency / 2)
        response = self.inner.handle_request(request)
        self.clock.advance(self.latency / 2)
        if response.status_code == 429:
            self.throttled += 1
        return response


def product_body(n: int, *, nested: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Bench product {n}",
        "type": "physical",
        "weight": 1,
        "price": 20,
        "sku": f"B-{n}",
    }
    if nested:
        body["variants"] = [variant_body(n, size) for size in SIZES]
        body["images"] = [image_body(n)]
    return body


def variant_body(n: int, size: str) -> dict[str, Any]:
    return {
        "sku": f"B-{n}-{size}",
        "option_values": [{"option_display_name": "Size", "label": size}],
    }


def image_body(n: int) -> dict[str, Any]:
    return {"image_url": f"https://img.example.com/bench/{n}.jpg", "is_thumbnail": True}


def ours(client: BigCommerceClient, count: int) -> None:
    created = [client.products.create(product_body(n, nested=True)) for n in range(count)]
    client.products.update_many([{"id": p["id"], "price": 25} for p in created])
    variant_ids = [v["id"] for p in created for v in p["variants"] if v.get("option_values")]
    client.variants.update_many([{"id": vid, "price": 30} for vid in variant_ids])


def naive(client: BigCommerceClient, count: int) -> None:
    made = []
    for n in range(count):
        product = client.products.create(product_body(n, nested=False))
        variants = [client.variants.create(product["id"], variant_body(n, s)) for s in SIZES]
        image = client.images.create(product["id"], **image_body(n))
        made.append((product["id"], [v["id"] for v in variants], image["id"]))
    for product_id, variant_ids, image_id in made:
        client.products.update(product_id, {"price": 25})
        for variant_id in variant_ids:
            client.variants.update(product_id, variant_id, {"price": 30})
        path = f"/catalog/products/{product_id}/images/{image_id}"
        client.v3("PUT", path, json={"description": "updated"})


def verify(client: BigCommerceClient, count: int) -> str:
    """Read everything back (not counted) and check the updates landed."""
    products = list(client.products.iterate(include=["variants", "images"]))
    prices = {p["price"] for p in products}
    variant_prices = {v["price"] for p in products for v in p["variants"] if v.get("option_values")}
    images = sum(len(p["images"]) for p in products)
    ok = len(products) == count and prices == {25} and variant_prices == {30} and images == count
    return (
        "ok"
        if ok
        else f"MISMATCH: {len(products)} products, {prices}, {variant_prices}, {images} images"
    )


def run(
    name: str,
    sandbox: BigCommerceSandbox,
    count: int,
    latency: float,
    work: Callable[[BigCommerceClient, int], None],
) -> dict[str, Any]:
    store = sandbox.create_store(f"bench{name}", plan="standard")
    transport = LatencyTransport(sandbox, latency)
    budget = LocalBudget(
        store.hash, clock=sandbox.clock.now, sleep=sandbox.clock.advance, max_wait=31
    )
    client = BigCommerceClient(store.hash, store.access_token, transport=transport, budget=budget)
    quota = store.rate.quota
    sim0, wall0 = sandbox.clock.now(), time.perf_counter()
    work(client, count)
    sim, wall, calls = sandbox.clock.now() - sim0, time.perf_counter() - wall0, client.calls
    bound = calls / quota * WINDOW_S
    status = verify(client, count)
    client.close()
    return {
        "name": name,
        "calls": calls,
        "sim": sim,
        "wall": wall,
        "bound": bound,
        "ratio": sim / bound,
        "throttled": transport.throttled,
        "quota": quota,
        "verify": status,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    sandbox = BigCommerceSandbox(clock=SandboxClock(speed=0))
    latency = args.latency_ms / 1000
    results = [
        run(name, sandbox, args.products, latency, work)
        for name, work in (("ours", ours), ("naive", naive))
    ]
    print(
        f"{args.products} products x ({len(SIZES)} variants + 1 image), create then update; "
        f"Standard plan {results[0]['quota']}/{WINDOW_S:.0f}s; "
        f"latency {args.latency_ms:.0f} ms/request"
    )
    print(
        f"{'way':<6} {'calls':>6} {'429s':>5} {'sim s':>9} {'bound s':>9} "
        f"{'ratio':>6} {'wall s':>7}  check"
    )
    for r in results:
        print(
            f"{r['name']:<6} {r['calls']:>6} {r['throttled']:>5} "
            f"{r['sim']:>9.1f} {r['bound']:>9.1f} "
            f"{r['ratio']:>6.3f} {r['wall']:>7.1f}  {r['verify']}"
        )
    ours_r, naive_r = results
    print(
        f"naive/ours calls: {naive_r['calls'] / ours_r['calls']:.2f}x fewer calls; "
        f"targets: ours ratio <= 1.1 ({'met' if ours_r['ratio'] <= 1.1 else 'MISSED'}), "
        f">= 8x fewer calls ({'met' if naive_r['calls'] >= 8 * ours_r['calls'] else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
