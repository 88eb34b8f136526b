"""How fast the BigCommerce sandbox answers at catalog scale (prints its figures).

    python bench/sandbox_bc.py [products]

Creates N products (a third with 6 variants), then pages the catalog with
variants included, sets every SKU's stock with absolute adjustments, and pages
the orders of a seeded store; all through httpx.WSGITransport like the tests.
"""

from __future__ import annotations

import sys
import time

import httpx

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sandbox.bigcommerce.seed import seed_store


def timed(label: str, fn, count: int) -> None:
    started = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - started
    print(f"{label:<44} {elapsed:7.2f} s  ({count / elapsed:8.0f} /s)")


def main(n: int) -> None:
    sb = BigCommerceSandbox(clock=SandboxClock(speed=0))
    store = sb.create_store("bench1", plan="unlimited")
    with sb.lock:
        timed(
            f"seed {n} products (+ 40 orders)", lambda: seed_store(store, products=n, orders=40), n
        )
    api = httpx.Client(
        transport=httpx.WSGITransport(app=sb.wsgi_app),
        base_url="https://api.bigcommerce.com/stores/bench1",
        headers={"X-Auth-Token": store.access_token},
    )

    def page_catalog() -> None:
        page = 1
        while True:
            body = api.get(
                "/v3/catalog/products", params={"include": "variants", "limit": 250, "page": page}
            ).json()
            if page >= body["meta"]["pagination"]["total_pages"]:
                return
            page += 1

    timed(f"page {n} products, include=variants", page_catalog, n)
    skus = [v["sku"] for v in store.variants.values()]

    def adjust() -> None:
        for start in range(0, len(skus), 2000):
            items = [
                {"location_id": 1, "sku": s, "quantity": 7} for s in skus[start : start + 2000]
            ]
            assert api.put("/v3/inventory/adjustments/absolute", json={"items": items}).is_success

    timed(f"absolute stock for {len(skus)} SKUs (2000/request)", adjust, len(skus))
    timed(
        "page 40 orders (v2, 10 per page)",
        lambda: [api.get("/v2/orders", params={"page": p, "limit": 10}) for p in range(1, 6)],
        40,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
