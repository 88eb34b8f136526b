"""Mplus SOAP codec benchmark: encode + decode per 1,000 articles, zeep vs our lxml layer.

Run: ``/work/venv/bin/python bench/mplus_soap.py [--rounds 5]``. Prints figures; not a test.

* encode: 1,000 ``createProduct`` request envelopes (one article each, as
  ``upsert_product`` sends them).
* decode: one ``GetProductsResponse`` with 1,000 products of one article each
  (a getProducts page as Mplus sends it), parsed into Python values.
* load: the one-off cost of reading the 1.2 MB WSDL (zeep: Client; ours: the index).

The 10,000-article Mplus → BigCommerce sync wall time needs the catalog flow
(``bcapp.sync.products``), which does not exist yet.
TODO(catalog flow): time ``fetch_products`` → BigCommerce sandbox for 10,000
articles here once the flow lands.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
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
    print("10,000-article Mplus -> BigCommerce sync: TODO (needs the catalog flow)")


if __name__ == "__main__":
    main()
