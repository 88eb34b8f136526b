"""Mplus SOAP codec benchmark: encode + decode per 1,000 articles, zeep vs our lxml layer.

Run: ``/work/venv/bin/python bench/mplus_soap.py [--rounds 5]``. Prints figures; not a test.

* encode: 1,000 ``createProduct`` request envelopes (one article each, as
  ``upsert_product`` sends them).
* decode: one ``GetProductsResponse`` with 1,000 products of one article each
  (a getProducts page as Mplus sends it), parsed into Python values.
* load: the one-off cost of reading the 1.2 MB WSDL (zeep: Client; ours: the index).

``--sync N`` (e.g. 10000): the real ``catalog`` flow, N Mplus articles → a
BigCommerce sandbox store, through the runner (SQLite in a temp dir, the run
lock in Redis at ``REDIS_URL``, default redis://127.0.0.1:6379/15). The
BigCommerce sandbox clock is simulated (as in ``bench/bc_client.py``): each
request costs ``--latency-ms`` of simulated time and the budget waits out the
plan's rate-limit windows on that clock, so "simulated" is what the quota and
latency allow and "wall" is our own time (flow and its database commits, codec,
both simulators).

Measured 2026-11-24 on the dev box (lxml 6.1, zeep 4.3): encode+decode per 1,000
articles lxml ~55 ms vs zeep ~450 ms (WSDL load 26 vs 160 ms); ``--sync 10000``:
10,006 BigCommerce requests, 123 Mplus calls, simulated 33.3 min (the Standard
quota's bound), wall 397 s, of which most is the product flow's per-product SQLite
commit (fsync) and binder queries, not the Mplus side.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bcapp.connectors.mplus import soap
from bcapp.connectors.mplus.wsdl import WSDL_PATH, index, wsdl_root

N = 1000
SOAP_ENC_STUB = (
    b'<schema xmlns="http://www.w3.org/2001/XMLSchema" '
    b'targetNamespace="http://schemas.xmlsoap.org/soap/encoding/">'
    b'<simpleType name="base64"><restriction base="base64Binary"/></simpleType></schema>'
)


def article(i: int) -> dict[str, Any]:
    return {
        "articleNumber": 1_000_000 + i,
        "extArticleId": f"SKU-{i}",
        "syncMarker": i,
        "active": True,
        "description": f"Article {i}",
        "colour": "Red",
        "size": "M",
        "barcode": f"87{i:011d}",
        "brandName": "Acme",
        "vatCode": 2,
        "vatPercentage": 2100,
        "priceIncl": 1995 + i,
        "priceExcl": 1649 + i,
        "webshop": True,
        "stockArticle": True,
    }


def products_response() -> bytes:
    rows = [
        {
            "productNumber": i,
            "syncMarker": i,
            "description": f"Product {i}",
            "articleList": {"article": [article(i)]},
            "groupNumbers": [1, 2],
        }
        for i in range(1, N + 1)
    ]
    return soap.envelope("GetProductsResponse", {"productList": {"product": rows}})


def timed(fn: Callable[[], Any], rounds: int) -> float:
    """Median wall time of ``fn`` in milliseconds."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def lxml_layer(response: bytes, rounds: int) -> dict[str, float]:
    started = time.perf_counter()
    index.cache_clear()
    wsdl_root.cache_clear()
    index()
    load = (time.perf_counter() - started) * 1000

    def encode() -> None:
        for i in range(N):
            soap.request("createProduct", {"product": {"articleList": {"article": [article(i)]}}})

    def decode() -> None:
        decoded = soap.response("getProducts", response)
        assert len(decoded["productList"]["product"]) == N

    return {"load": load, "encode": timed(encode, rounds), "decode": timed(decode, rounds)}


def zeep_layer(response: bytes, rounds: int) -> dict[str, float] | None:
    try:
        from zeep import Client
        from zeep.transports import Transport
    except ImportError:
        return None

    class LocalTransport(Transport):
        """Serves the SOAP-ENC import locally (no network)."""

        def load(self, url: str) -> bytes:
            if "schemas.xmlsoap.org/soap/encoding" in url:
                return SOAP_ENC_STUB
            return super().load(url)

    started = time.perf_counter()
    client = Client(str(WSDL_PATH), transport=LocalTransport())
    operation = client.service._binding.get("getProducts")
    load = (time.perf_counter() - started) * 1000

    def encode() -> None:
        for i in range(N):
            client.create_message(
                client.service, "createProduct", product={"articleList": {"article": [article(i)]}}
            )

    def decode() -> None:
        result = operation.output.deserialize(etree.fromstring(response))
        assert len(result) == N  # zeep unwraps productList to its product list

    encode()  # zeep builds its type objects lazily on first use; time the warm path
    return {"load": load, "encode": timed(encode, rounds), "decode": timed(decode, rounds)}


class LatencyTransport:
    """The BigCommerce sandbox transport; each round trip costs ``latency`` simulated seconds."""

    def __init__(self, sandbox: Any, latency: float) -> None:
        self.inner = sandbox.transport()
        self.clock = sandbox.clock
        self.latency = latency
        self.calls = 0

    def handle_request(self, request: Any) -> Any:
        self.calls += 1
        self.clock.advance(self.latency)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def sync_bench(articles: int, plan: str, latency: float) -> None:
    """Run the catalog flow for ``articles`` Mplus articles and print the figures."""
    import logging
    import os
    import secrets
    import tempfile

    from cryptography.fernet import Fernet

    from bcapp import create_app
    from bcapp.bigcommerce.ratelimit import LocalBudget
    from bcapp.connectors.base import split_settings
    from bcapp.connectors.mplus.settings import SETTINGS_SCHEMA
    from bcapp.extensions import db
    from bcapp.models import Connection, Store
    from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
    from bcapp.sandbox.mplus import MplusSandbox, MplusState
    from bcapp.sandbox.mplus.demo import DEMO_SETTINGS, seed_articles
    from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT
    from bcapp.sync.runner import run_flow

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    tmp = tempfile.mkdtemp(prefix="bench-mplus-")
    app = create_app({
        "BCAPP_ENV": "test", "TESTING": True, "SECRET_KEY": "bench", "APP_URL": "http://localhost",
        "BC_CLIENT_ID": "bench", "BC_CLIENT_SECRET": "bench",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "INSTANCE_PATH": tmp,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15"),
    })  # fmt: skip
    mplus = MplusSandbox(MplusState(**DEMO_SETTINGS), validate=False)
    seed_articles(mplus.state, articles)
    bc = BigCommerceSandbox(clock=SandboxClock(speed=0))
    bc_store = bc.create_store("benchmplus", plan=plan)
    transport = LatencyTransport(bc, latency)
    with app.app_context():
        db.create_all()
        store = Store(id=secrets.randbelow(10**9) + 10**6, store_hash=bc_store.hash,
                      access_token=bc_store.access_token, settings={})  # fmt: skip
        db.session.add(store)
        plain, hidden = split_settings(SETTINGS_SCHEMA, {"port": 1, **DEMO_SETTINGS})
        db.session.add(Connection(store_id=store.id, kind="mplus", settings=plain, secrets=hidden))
        db.session.commit()
        app.extensions[ERP_TRANSPORT] = mplus.transport()
        app.extensions[BC_TRANSPORT] = transport
        app.extensions[BC_BUDGET] = LocalBudget(
            bc_store.hash, clock=bc.clock.now, sleep=bc.clock.advance, max_wait=31
        )
        sim0, wall0 = bc.clock.now(), time.perf_counter()
        run = run_flow(store.id, "catalog")
        wall, sim = time.perf_counter() - wall0, bc.clock.now() - sim0
    print(
        f"\ncatalog flow, {articles:,} Mplus articles -> BigCommerce ({plan} plan, "
        f"{latency * 1000:.0f} ms simulated latency per BigCommerce request)"
    )
    print(f"  run: {run.status if run else '?'} — {run.message if run else ''}")
    print(
        f"  BigCommerce products: {len(bc_store.products):,}; requests: {transport.calls:,}; "
        f"Mplus calls: {len(mplus.state.calls):,}"
    )
    print(
        f"  wall {wall:.1f} s (our CPU: flow, codec, simulators); "
        f"simulated {sim / 60:.1f} min (rate limit + latency)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--sync",
        type=int,
        default=0,
        metavar="N",
        help="also run the catalog flow for N Mplus articles (e.g. 10000)",
    )
    parser.add_argument("--plan", default="standard")
    parser.add_argument("--latency-ms", type=float, default=100.0)
    args = parser.parse_args()
    rounds = args.rounds
    response = products_response()
    print(
        f"Mplus SOAP codec, per {N:,} articles (median of {rounds}); "
        f"getProducts page: {len(response) / 1e6:.2f} MB"
    )
    print(f"{'layer':<6} {'load WSDL':>11} {'encode':>10} {'decode':>10} {'enc+dec':>10}")
    for name, figures in (
        ("lxml", lxml_layer(response, rounds)),
        ("zeep", zeep_layer(response, rounds)),
    ):
        if figures is None:
            print(f"{name:<6} not installed")
            continue
        total = figures["encode"] + figures["decode"]
        print(
            f"{name:<6} {figures['load']:>9.0f}ms {figures['encode']:>8.0f}ms "
            f"{figures['decode']:>8.0f}ms {total:>8.0f}ms"
        )
    if args.sync:
        sync_bench(args.sync, args.plan, args.latency_ms / 1000)
    else:
        print("(add --sync 10000 for the Mplus -> BigCommerce catalog flow figure)")


if __name__ == "__main__":
    main()
