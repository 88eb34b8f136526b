"""Benchmark: the catalog flow, AFAS sandbox → flow → BigCommerce sandbox. Prints its figures.

Scenarios (``python bench/catalog.py [calls|walltime|rss|all] [options]``):

* **calls** — BigCommerce requests for N products with 3 variants and 1 image
  each, plus their stock: first sync (creates), an update of every product and
  variant price, and an unchanged re-sync. Compared with the least the batch
  maxima allow (1 create per product with variants/images riding along, 10
  products and 50 variants per update, 2,000 stock items per adjustment) and
  with one request per object.
* **walltime** — a full sync of N products (default 10,000) on a Standard-plan
  store (150 requests per 30 s), compared with the rate-limit bound
  (calls / quota * 30 s). Two honest clocks:

  - default: the sandbox clock runs at real speed (``SandboxClock(speed=1)``):
    everything the flow, the database *and the in-process sandboxes* spend
    counts one for one;
  - ``--own-time``: the sandbox clock is frozen and moved only by this
    process's CPU time outside the sandboxes (the flow, the database, the
    clients), ``--latency-ms`` per BigCommerce or ERP request (the network
    and the remote's own work), and the waits. On a shared machine wall time
    includes waiting for a CPU other processes hold, and the sandboxes' own
    processing (they scan their tables per request) is not the vendors'
    speed, so both are left out here.

  Either way, when the budget must wait for a window to reset it waits on the
  sandbox clock; the sandbox enforces its quota on that same clock, so sending
  early would earn 429s (they are counted). With ``--own-time`` the clock is
  *driven* (:class:`Driver`): requests wait their latency inside the sandbox
  (``BigCommerceSandbox(latency=...)``) while the clock moves, so requests in
  flight together cost their latency once, as on the wire.

  ``--in-flight N`` sets ``BC_MAX_IN_FLIGHT`` (1: one request at a time, the
  old sequential client); ``--compare`` runs the sequential client and the
  concurrent one side by side in one invocation. ``--plan enterprise`` takes
  ``--quota`` (default 1,500 per 30 s) and reports the calls per second reached.
* **rss** — peak RSS of the sync process for 10,000 and 100,000 simple
  articles. The sandboxes run in a separate server process (so their memory is
  not counted) and the sync runs in its own subprocess over real HTTP;
  ``resource.getrusage`` gives its peak RSS.

Needs Redis (run locks) at ``REDIS_URL`` (default ``redis://127.0.0.1:6379/15``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, NamedTuple

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.sandbox.afas import AfasSandbox
from bcapp.sandbox.afas.query import coerce, sort_value
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock

STORE_HASH = "bench01"
WINDOW_S = 30.0
QUOTA = {"standard": 150, "pro": 450, "enterprise": 1500}
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


# -- the world ----------------------------------------------------------------------------


def seed_afas(afas: AfasSandbox, articles: int, variants: int, *, image: bool = True) -> None:
    """N articles A000001.., each with ``variants`` sizes, one image, stock per SKU."""
    sizes = [f"S{i}" for i in range(variants)]
    for i in range(1, articles + 1):
        code = f"A{i:06d}"
        afas.add_article(
            code, f"Article {i}", price=f"{10 + i % 90}.00", group=f"G{i % 20}",
            ean=f"87{i:011d}", dimensions=[(s, "") for s in sizes],
            image_url=f"https://img.example.com/{code}.jpg" if image else "",
        )  # fmt: skip
        for size in sizes or [""]:
            afas.set_stock(code, "HQ", 5 + i % 7, dim1=size)


class OwnClock:
    """Moves a frozen sandbox clock by our own CPU time and a modelled latency per remote call.

    CPU time (``time.process_time``), not wall time: on a shared machine the
    wall time between two requests includes waiting for a CPU that other
    processes hold. The sandboxes run in this process, so their CPU time is
    measured around each call and left out; each call instead costs
    ``latency`` (the network and the remote's own work).
    """

    def __init__(self, clock: SandboxClock, latency: float) -> None:
        self.clock, self.latency = clock, latency
        self.since = time.process_time()

    def catch_up(self) -> None:
        now = time.process_time()
        self.clock.advance(max(0.0, now - self.since))
        self.since = now

    def remote(self, call: Any) -> Any:
        self.catch_up()
        self.clock.advance(self.latency)
        try:
            return call()
        finally:
            self.since = time.process_time()  # the remote's own time is not ours


class Driver:
    """Drives a frozen sandbox clock for runs whose requests overlap.

    The clock moves by the run's own CPU time — the run thread's, the ERP
    read-ahead thread's and an AFAS full scan's request threads' (they took over
    work the read-ahead thread did; ``pthread_getcpuclockid``: those threads alone,
    summed as if on one core; not the pipeline threads' nor the sandboxes' own work) —
    and, whenever the run thread waits (in a remote call, or for the pipeline),
    jumps to the moment the earliest waiting request's latency ends. Requests
    in flight together therefore cost their latency once. The pipeline threads'
    own CPU (building requests, parsing answers) is not counted: on the wire it
    overlaps the waiting.
    """

    def __init__(self, clock: SandboxClock) -> None:
        import threading

        from bcapp.bigcommerce import pipeline

        self.clock, self.main = clock, threading.get_ident()
        clock.driven = True
        self.excluded: dict[int, float] = {}
        self.cpu: dict[int, float] = {}  # thread → its CPU time already on the clock
        self.waiting = 0
        self.inside: set[int] = set()  # threads in a remote call: their CPU is the remote's
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wait = pipeline.wait
        self._watch(self.main)

        def waiting(*args: Any, **kwargs: Any) -> Any:  # the run thread waits for the pipe
            self.waiting += 1
            try:
                return self._wait(*args, **kwargs)
            finally:
                self.waiting -= 1

        pipeline.wait = waiting  # type: ignore[assignment]
        self._thread = threading.Thread(target=self._drive, daemon=True)
        self._thread.start()

    def waiting_for(self, sleep: Any) -> Any:
        """``sleep`` that tells the clock the run thread waits (for the budget's window).

        Without it the clock moved on only after 50 ms of real time with no CPU used
        (the rule for a thread blocked elsewhere), once per wait: a sequential run on a
        Standard plan, which waits for its budget before most requests, took half an hour
        of real time for figures the clock already had right.
        """
        import threading

        def sleeping(seconds: float) -> None:
            main = threading.get_ident() == self.main
            self.waiting += main
            try:
                sleep(seconds)
            finally:
                self.waiting -= main

        return sleeping

    def _watch(self, ident: int) -> None:
        self.excluded.setdefault(ident, 0.0)
        self.cpu.setdefault(ident, self._own(ident) or 0.0)

    def _own(self, ident: int) -> float | None:
        try:
            return time.clock_gettime(time.pthread_getcpuclockid(ident)) - self.excluded[ident]
        except (OSError, KeyError):
            return None  # the thread ended

    def restart(self) -> None:
        """Count from now on (setup before the run is not the run's time)."""
        with self._lock:
            for ident in list(self.cpu):
                self.cpu[ident] = self._own(ident) or 0.0

    def catch_up(self) -> bool:
        """Move the clock by the CPU the run's threads used since; True when they used any."""
        import threading

        from bcapp.connectors.afas.client import SCAN_THREAD_PREFIX
        from bcapp.sync.prefetch import THREAD_NAME

        with self._lock:
            for thread in threading.enumerate():
                ours = thread.name == THREAD_NAME or thread.name.startswith(SCAN_THREAD_PREFIX)
                if ours and thread.ident not in self.cpu:
                    self._watch(thread.ident or 0)
            moved = 0.0
            for ident, before in list(self.cpu.items()):
                if ident in self.inside:
                    continue
                now = self._own(ident)
                if now is None:
                    del self.cpu[ident]
                elif now > before:
                    moved += now - before
                    self.cpu[ident] = now
        if moved > 0:
            self.clock.advance(moved)
        return moved > 0

    def remote(self, call: Any) -> Any:
        """A remote call; on a run thread its CPU (the sandbox's work) is not ours."""
        import threading

        ident = threading.get_ident()
        if ident not in self.cpu:
            return call()
        self.catch_up()
        main = ident == self.main
        with self._lock:
            self.inside.add(ident)
        self.waiting += main
        started = time.thread_time()
        try:
            return call()
        finally:
            with self._lock:
                self.excluded[ident] += time.thread_time() - started
                self.cpu[ident] = self._own(ident) or 0.0
                self.inside.discard(ident)
            self.waiting -= main

    def _drive(self) -> None:
        import threading

        me = threading.get_native_id()
        stalled = 0.0
        while not self._stop.wait(0.0005):
            if not self.waiting:
                stalled = 0.0 if self.catch_up() else stalled + 0.0005
                if stalled < 0.05:  # blocked elsewhere (a lock, the disk) only after 50 ms
                    continue
            else:
                self.catch_up()  # the read-ahead thread may be working meanwhile
            if _runnable(exclude=me):
                continue  # work is ready but the OS gave its CPU to another process
            wake = self.clock.next_wake()
            if wake is not None:
                self.clock.advance_to(wake)

    def close(self) -> None:
        from bcapp.bigcommerce import pipeline

        self._stop.set()
        self._thread.join()
        pipeline.wait = self._wait  # type: ignore[assignment]
        self.clock.driven = False


def _runnable(exclude: int) -> bool:
    """Whether a thread of this process (but ``exclude``) is ready to run and not running.

    On a loaded machine a thread whose answer has arrived may wait for a CPU that
    another process holds; moving the clock to the next request's end meanwhile would
    charge that wait to the run. Linux's ``/proc/self/task/*/stat`` state ``R`` says
    a thread is running or ready; then the clock waits for it. Elsewhere: False.
    """
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return False
    for task in tasks:
        if int(task) == exclude:
            continue
        try:
            with open(f"/proc/self/task/{task}/stat", "rb") as stat:
                state = stat.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state == b"R":
            return True
    return False


class Latent(httpx.BaseTransport):
    """An ERP sandbox transport whose answers take ``latency`` on the driven clock."""

    def __init__(self, inner: httpx.BaseTransport, driver: Driver, latency: float) -> None:
        self.inner, self.driver, self.latency = inner, driver, latency

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        def call() -> httpx.Response:
            response = self.inner.handle_request(request)
            self.driver.clock.sleep(self.latency)
            return response

        return self.driver.remote(call)


class Remote(httpx.BaseTransport):
    """A sandbox transport whose time runs on an :class:`OwnClock` (the ERP side)."""

    def __init__(self, inner: httpx.BaseTransport, own: OwnClock) -> None:
        self.inner, self.own = inner, own

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.own.remote(lambda: self.inner.handle_request(request))


class Counting(httpx.BaseTransport):
    """Counts requests by (method, endpoint family) and 429s; optionally on an OwnClock."""

    def __init__(self, inner: httpx.BaseTransport, own: OwnClock | Driver | None = None) -> None:
        import threading

        self.inner, self.own = inner, own
        self.calls: Counter[str] = Counter()
        self.throttled = 0
        self._lock = threading.Lock()  # requests come from the pipeline's threads too

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.own is not None:
            response = self.own.remote(lambda: self.inner.handle_request(request))
        else:
            response = self.inner.handle_request(request)
        path = request.url.path.split("/v3/", 1)[-1]
        family = "/".join(p for p in path.split("/") if not p.isdigit())
        with self._lock:
            self.calls[f"{request.method} {family}"] += 1
            if response.status_code == 429:
                self.throttled += 1
        return response

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def writes(self) -> int:
        return sum(n for k, n in self.calls.items() if not k.startswith("GET"))


def make_app(tmp: str, in_flight: int | None = None) -> Any:
    from cryptography.fernet import Fernet

    from bcapp import create_app

    extra = {"BC_MAX_IN_FLIGHT": in_flight} if in_flight else {}
    return create_app({**extra,
        "BCAPP_ENV": "test", "TESTING": True, "BC_CLIENT_ID": "bench", "BC_CLIENT_SECRET": "x" * 32,
        "APP_URL": "http://localhost", "SECRET_KEY": "bench", "REDIS_URL": REDIS_URL,
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "INSTANCE_PATH": f"{tmp}/instance",
        "ERP_ALLOWED_HOSTS": "127.0.0.1",  # the sandboxes are served on a local port
    })  # fmt: skip


def make_store(token: str, afas_settings: dict[str, Any]) -> int:
    from bcapp.connectors.afas.settings import SETTINGS_SCHEMA
    from bcapp.connectors.base import split_settings
    from bcapp.extensions import db
    from bcapp.models import Connection, Store

    db.create_all()
    store = Store(id=int(time.time() * 1000) % 10**9, store_hash=STORE_HASH, access_token=token,
                  settings={})  # fmt: skip
    db.session.add(store)
    db.session.flush()
    plain, secret = split_settings(
        SETTINGS_SCHEMA, {**afas_settings, "catalog": {"article_prices_include_vat": True}}
    )
    db.session.add(Connection(store_id=store.id, kind="afas", settings=plain, secrets=secret))
    db.session.commit()
    return store.id


def run(store_id: int, **kwargs: Any) -> Any:
    from bcapp.sync.runner import run_flow

    result = run_flow(store_id, "catalog", **kwargs)
    assert result is not None and result.status == "succeeded", result and result.message
    return result


# -- scenario: calls ----------------------------------------------------------------------


def minimum(products: int, variants: int, *, creates: bool) -> int:
    skus = products * max(variants, 1)
    stock = math.ceil(skus / 2000)
    if creates:
        return products + stock
    return math.ceil(products / 10) + math.ceil(products * variants / 50) + stock


def calls(products: int, variants: int) -> None:
    from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT

    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        afas, sandbox = AfasSandbox(), BigCommerceSandbox(clock=SandboxClock(speed=0))
        bc = sandbox.create_store(STORE_HASH, plan="unlimited")
        seed_afas(afas, products, variants)
        counting = Counting(httpx.WSGITransport(app=sandbox.wsgi_app))
        app.extensions.update({
            ERP_TRANSPORT: afas.transport(), BC_TRANSPORT: counting,
            BC_BUDGET: LocalBudget(
                STORE_HASH, clock=sandbox.clock.now, sleep=sandbox.clock.advance
            ),
        })  # fmt: skip
        with app.app_context():
            store_id = make_store(bc.access_token, afas.settings())
            # One call per object, naively: the product, its option (values ride along in
            # POST options), each variant, the image, each SKU's stock.
            objects = products * (1 + 1 + variants + 1 + variants)
            print(f"\n== calls: {products} products × {variants} variants × 1 image ==")
            print(f"objects (product, option with its values, variants, image, stock): {objects}")
            for label, prepare, creates in (
                ("first sync", None, True),
                ("update all prices", lambda: _touch_all(afas), False),
                ("unchanged re-sync", None, False),
            ):
                if prepare:
                    prepare()
                counting.calls.clear()
                started = time.perf_counter()
                result = run(store_id)
                took = time.perf_counter() - started
                _report(label, counting, result, took, products, variants, creates, objects)


def _touch_all(afas: AfasSandbox) -> None:
    for code, row in afas.tables.articles.items():
        afas.touch_article(code, SalesPrice=(row["SalesPrice"] or 0) + 1)
    for dim in afas.tables.dimensions:
        dim["SalesPrice"] = 99.0
    for row in afas.tables.stock.values():
        row["InStock"] = (row["InStock"] or 0) + 1


def _report(label: str, counting: Counting, result: Any, took: float, products: int,
            variants: int, creates: bool, objects: int) -> None:  # fmt: skip
    total, writes = counting.total, counting.writes()
    print(f"-- {label}: {total} calls ({writes} writes) in {took:.1f} s; run: {result.message}")
    for key, n in sorted(counting.calls.items()):
        print(f"   {n:6d}  {key}")
    if label == "unchanged re-sync":
        print(f"   writes: {writes} (target 0)")
        return
    least = minimum(products, variants, creates=creates)
    print(f"   least the batch maxima allow: {least}; ratio {total / least:.3f} (target ≤ 1.05)")
    print(f"   one call per object: {objects}; {objects / total:.1f}× fewer (target ≥ 8)")


# -- scenario: walltime -------------------------------------------------------------------


def walltime(products: int, variants: int, plan: str, latency_ms: float, own_time: bool,
             in_flight: int | None = None, quota: int | None = None) -> None:  # fmt: skip
    from bcapp.config import Settings
    from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT

    quota = quota or QUOTA[plan]
    in_flight = in_flight or Settings().bc_max_in_flight
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp, in_flight)
        afas = AfasSandbox()
        clock = SandboxClock(speed=0.0 if own_time else 1.0)
        sandbox = BigCommerceSandbox(clock=clock, latency=latency_ms / 1000)
        bc = sandbox.create_store(STORE_HASH, plan=plan, quota=quota)
        seed_afas(afas, products, variants)
        own = Driver(clock) if own_time else None
        counting = Counting(httpx.WSGITransport(app=sandbox.wsgi_app), own)
        erp = Latent(afas.transport(), own, latency_ms / 1000) if own else afas.transport()
        sleep = own.waiting_for(clock.sleep) if own else clock.sleep
        budget = LocalBudget(STORE_HASH, clock=clock.now, sleep=sleep, max_wait=31.0)
        app.extensions.update({ERP_TRANSPORT: erp, BC_TRANSPORT: counting, BC_BUDGET: budget})
        try:
            with app.app_context():
                store_id = make_store(bc.access_token, afas.settings())
                sim0, real0, cpu0 = clock.now(), time.perf_counter(), time.process_time()
                if own:
                    own.restart()
                result = run(store_id, full=True)
                if own:
                    own.catch_up()
                sim, real = clock.now() - sim0, time.perf_counter() - real0
                cpu = time.process_time() - cpu0
        finally:
            if own:
                own.close()
        bound = counting.total / quota * WINDOW_S
        mode = "our CPU + latency per call (sandboxes' CPU excluded)" if own_time else "real time"
        print(
            f"\n== walltime: full sync of {products} products × {variants} variants, "
            f"{plan} plan ({quota} / 30 s), latency {latency_ms:.0f} ms, "
            f"{in_flight} in flight, clock: {mode} =="
        )
        print(f"calls {counting.total}, 429s {counting.throttled}; run: {result.message}")
        print(f"simulated wall time {sim:.0f} s (this process: {real:.0f} s real, {cpu:.0f} s CPU)")
        print(f"calls per second {counting.total / sim:.1f} (quota allows {quota / WINDOW_S:.1f}); "
              f"most in flight at once {sandbox.in_flight.peak[STORE_HASH]}")  # fmt: skip
        print(f"rate-limit bound {bound:.0f} s → ratio {sim / bound:.3f} (target ≤ 1.05)")


# -- scenario: rss ------------------------------------------------------------------------


def serve(articles: int, variants: int, port_file: str) -> None:
    """Server process: both sandboxes on one localhost port, dispatched by path."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    afas, sandbox = AfasSandbox(), BigCommerceSandbox(clock=SandboxClock(speed=0))
    bc = sandbox.create_store(STORE_HASH, plan="unlimited")
    seed_afas(afas, articles, variants, image=False)
    _speed_up_sandbox(bc)
    _speed_up_afas()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").startswith("/ProfitRestServices"):
            return afas.wsgi_app(environ, start_response)
        return sandbox.wsgi_app(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    Path(port_file).write_text(json.dumps({"port": server.server_port, "token": bc.access_token,
                                           "afas": afas.settings()}))  # fmt: skip
    server.serve_forever()


class _Catchup:
    """An index over a dict that only grows (ids never reused, nothing deleted in this run)."""

    def __init__(self, table: dict[Any, Any], key: Any) -> None:
        self.table, self.key, self.seen = table, key, 0
        self.index: dict[Any, list[Any]] = {}

    def get(self, value: Any) -> list[Any]:
        fresh = len(self.table) - self.seen
        if fresh:
            # The newest entries are the last ones: walk them from the end (islice from the
            # start would step over every older entry on each call, quadratic at 100,000).
            newest = list(itertools.islice(reversed(self.table.items()), fresh))
            for k, row in reversed(newest):
                self.index.setdefault(self.key(k, row), []).append(k)
            self.seen = len(self.table)
        return self.index.get(value, [])


def _speed_up_sandbox(store: Any) -> None:
    """Index the sandbox's per-request scans, for this benchmark's server process only.

    The BigCommerce sandbox checks SKU and name uniqueness, finds a SKU's
    variant and sums stock by scanning every product, variant and stock row on
    each request: fine for tests, quadratic for 100,000 products. These
    replacements give the same answers from indexes over the (here only
    growing) tables, so the RSS run finishes in minutes; the flow sees the
    same API. Nothing else uses them.
    """
    from bcapp.sandbox.bigcommerce import catalog, inventory, media, options, stock

    by_sku = _Catchup(store.variants, lambda k, v: v["sku"].lower())
    by_product = _Catchup(store.variants, lambda k, v: v["product_id"])
    names = _Catchup(store.products, lambda k, p: p["name"])
    products_sku = _Catchup(store.products, lambda k, p: p["sku"].lower())
    stock_rows = _Catchup(store.stock, lambda k, q: (k[0], k[1]))
    original_check = catalog.check_product

    def sku_taken(st: Any, sku: str, *, product_id: int = 0, variant_id: int = 0) -> bool:
        if not sku:
            return False
        if any(pid != product_id for pid in products_sku.get(sku.lower())):
            return True
        for vid in by_sku.get(sku.lower()):
            v = st.variants[vid]
            if vid != variant_id and (v["product_id"] != product_id or not v.get("_base")):
                return True
        return False

    def _checked(st: Any, body: dict[str, Any], product_id: int = 0) -> None:
        name = body.get("name")
        if "name" in body and (
            not isinstance(name, str) or not name.strip() or len(name) > catalog.NAME_MAX
        ):
            original_check(st, body, product_id)  # the sandbox's own words for these
        if isinstance(name, str) and any(pid != product_id for pid in names.get(name)):
            raise catalog.conflict("The product name is a duplicate",
                                   name="The product name is a duplicate")  # fmt: skip
        for field in catalog.NUMBERS:
            value = body.get(field)
            if field in body and (
                isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            ):
                original_check(st, body, product_id)
        if sku_taken(st, body.get("sku", ""), product_id=product_id):
            raise catalog.conflict("The product sku is a duplicate",
                                   sku="The product sku is a duplicate")  # fmt: skip
        catalog._check_links(st, body)

    def level(st: Any, key: tuple[str, int], location_id: int | None = None) -> int:
        return sum(qty for (kind, ident, loc), qty in
                   ((k, st.stock[k]) for k in stock_rows.get(key))
                   if location_id is None or loc == location_id)  # fmt: skip

    def own_variants(st: Any, product_id: int) -> list[dict[str, Any]]:
        return [st.variants[v] for v in by_product.get(product_id)]

    def product_level(st: Any, product_id: int) -> int:
        product = st.products[product_id]
        own = [v for v in own_variants(st, product_id) if not v.get("_base")]
        if own and product.get("inventory_tracking") != "product":
            return sum(level(st, ("variant", v["id"])) for v in own)
        return level(st, ("product", product_id))

    def product_variants(st: Any, product_id: int) -> list[dict[str, Any]]:
        return [options.render_variant(st, v) for v in own_variants(st, product_id)]

    def resolve(st: Any, item: dict[str, Any], index: int) -> dict[str, Any]:
        if "sku" in item and "variant_id" not in item and "product_id" not in item:
            found = by_sku.get(str(item["sku"]).lower())
            exact = [st.variants[v] for v in found if st.variants[v]["sku"] == item["sku"]]
            if exact:
                return exact[0]
        return original_resolve(st, item, index)

    original_resolve = inventory.resolve
    catalog.sku_taken = options.sku_taken = sku_taken
    catalog.check_product = _checked
    stock.level, stock.product_level = level, product_level
    options.product_variants = product_variants
    inventory.resolve = resolve
    media.product_images = lambda st, pid: []  # the RSS run sends no images
    media.product_custom_fields = lambda st, pid: []  # nor custom fields


class _SortedRows:
    """A GetConnector's rows coerced once and sorted once per order (the bench's AFAS data
    does not change while the flow reads it)."""

    def __init__(self, conn: Any, rows: list[dict[str, Any]]) -> None:
        self.rows, self.size = rows, len(rows)
        self.coerced = [{f: coerce(r.get(f), t) for f, t in conn.types.items()} for r in rows]
        self.orders: dict[tuple[str, ...], _Order] = {}
        self.by_value: dict[str, dict[Any, list[int]]] = {}

    def order(self, keys: tuple[str, ...]) -> _Order:
        """Row positions in the query's order, each one's sort key (as the sandbox sorts:
        empty values first, so a lower bound is found by bisection) and each row's rank."""
        if keys not in self.orders:
            positions = list(range(self.size))
            for key in reversed(keys):  # the sandbox's stable multi-key sort, key by key
                name = key.lstrip("-")
                positions.sort(key=lambda i, n=name: sort_value(self.coerced[i][n]),
                               reverse=key.startswith("-"))  # fmt: skip
            names = [k.lstrip("-") for k in keys]
            sort_keys = [tuple(sort_value(self.coerced[i][n]) for n in names) for i in positions]
            rank = {p: n for n, p in enumerate(positions)}
            self.orders[keys] = _Order(positions, sort_keys, rank)
        return self.orders[keys]

    def equal(self, name: str, value: Any) -> list[int]:
        if name not in self.by_value:
            index: dict[Any, list[int]] = {}
            for i, row in enumerate(self.coerced):
                index.setdefault(row[name], []).append(i)
            self.by_value[name] = index
        return self.by_value[name].get(value, [])


class _Order(NamedTuple):
    positions: list[int]
    sort_keys: list[tuple[Any, ...]]
    rank: dict[int, int]


#: GetConnector id → its rows sorted (``_speed_up_afas``); clear it when the AFAS data changes.
_AFAS_ROWS: dict[str, _SortedRows] = {}


def _speed_up_afas() -> None:
    """Answer GetConnector requests from sorted, coerced copies, for this server process only.

    The AFAS sandbox filters and sorts every row on each request, coercing each
    value again: fine for tests, but the catalog reads 100,000 articles a page
    of 100 at a time by keyset (``modified > m OR (modified = m AND code > c)``),
    which makes the RSS run take hours. Here the rows are coerced and sorted
    once per order; a query whose every filter set bounds the leading order
    fields from below starts at the bisected position, one whose sets are all
    ``field = value`` looks the values up; the rest is the sandbox's own
    matching, so the answers are the same (``BENCH_VERIFY=1`` checks each one
    against the sandbox's own answer).
    """
    from bisect import bisect_left, bisect_right

    from bcapp.sandbox.afas import query, sandbox

    cache = _AFAS_ROWS

    def candidates(data: _SortedRows, sets: list[list[Any]], keys: tuple[str, ...]) -> list[int]:
        positions, sort_keys, rank = data.order(keys)
        if sets and all(len(s) == 1 and s[0].op == 1 and s[0].value is not None for s in sets) \
                and len({s[0].field for s in sets}) == 1:  # fmt: skip
            found = {i for s in sets for i in data.equal(s[0].field, s[0].value)}
            return sorted(found, key=rank.__getitem__)
        names = [k.lstrip("-") for k in keys]
        if not sets or not names or any(k.startswith("-") for k in keys):
            return positions
        start = len(positions)
        for conds in sets:  # each set: equal on leading order fields, then one lower bound
            bound: list[Any] = []
            strict = False
            for name in names:
                cond = next((c for c in conds if c.field == name and c.value is not None
                             and c.op in (1, 2, 4)), None)  # fmt: skip
                if cond is None:
                    break
                bound.append(sort_value(cond.value))
                if cond.op != 1:
                    strict = cond.op == 4
                    break
            if not bound:
                return positions  # this set has no lower bound: every row may match
            width = len(bound)
            find = bisect_right if strict else bisect_left
            start = min(start, find(sort_keys, tuple(bound), key=lambda t, w=width: t[:w]))
        return positions[start:]

    def run_query(conn: Any, params: Any) -> dict[str, Any]:
        try:
            skip, take = int(params.get("skip", 0)), int(params.get("take", 100))
        except ValueError:
            return original(conn, params)  # the sandbox's own error
        if skip < 0 or take < 0:
            return original(conn, params)
        rows = conn.rows()
        data = cache.get(conn.id)
        if data is None or data.size != len(rows):
            data = cache[conn.id] = _SortedRows(conn, rows)
        sets = query.parse_filters(params, conn)
        keys = tuple(k for k in (params.get("orderbyfieldids") or "").split(",") if k)
        for key in keys:
            if key.lstrip("-") not in conn.types:
                return original(conn, params)  # the sandbox's own error
        out: list[dict[str, Any]] = []
        for i in candidates(data, sets, keys):
            row = data.coerced[i]
            if not sets or any(all(query.OPERATORS[c.op](row[c.field], c.value) for c in conds)
                               for conds in sets):  # fmt: skip
                if skip:
                    skip -= 1
                    continue
                out.append(conn.project(data.rows[i]))
                if len(out) >= take:
                    break
        answer = {"skip": int(params.get("skip", 0)), "take": take, "rows": out}
        if verify:
            assert answer == original(conn, params), (conn.id, dict(params))
        return answer

    original = query.run_query
    verify = bool(os.environ.get("BENCH_VERIFY"))  # answer each query both ways and compare
    sandbox.run_query = run_query


def rss_child(port_file: str, articles: int) -> None:
    """Sync process: the flow against the served sandboxes; prints its peak RSS."""
    info = json.loads(Path(port_file).read_text())
    base = f"http://127.0.0.1:{info['port']}"
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        app.config["BC_API_URL"] = base
        with app.app_context():
            afas = {**info["afas"], "base_url": f"{base}/ProfitRestServices"}
            store_id = make_store(info["token"], afas)
            started = time.perf_counter()
            result = run(store_id)
            took = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"articles": articles, "peak_rss_mb": round(peak_mb, 1),
                          "seconds": round(took, 1), "message": result.message}))  # fmt: skip


def rss(sizes: list[int]) -> None:
    print("\n== rss: peak RSS of the sync process (sandboxes in another process) ==")
    for articles in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            port_file = f"{tmp}/port.json"
            server = subprocess.Popen([sys.executable, __file__, "_serve", str(articles),
                                       port_file])  # fmt: skip
            try:
                while not Path(port_file).exists():
                    if server.poll() is not None:
                        raise SystemExit("the sandbox server died")
                    time.sleep(0.2)
                out = subprocess.run(
                    [sys.executable, __file__, "_rss_child", port_file, str(articles)],
                    capture_output=True,
                    text=True,
                )
                if out.returncode:
                    raise SystemExit(out.stderr[-3000:])
                print(out.stdout.strip().splitlines()[-1])
            finally:
                server.terminate()
                server.wait(timeout=10)


def main() -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    if len(sys.argv) > 1 and sys.argv[1] == "_serve":
        serve(int(sys.argv[2]), 0, sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_rss_child":
        rss_child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", nargs="?", default="all", choices=["calls", "walltime", "rss", "all"]
    )
    parser.add_argument("--products", type=int, default=1000, help="for calls")
    parser.add_argument("--wall-products", type=int, default=10_000, help="for walltime")
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--plan", default="standard", choices=sorted(QUOTA))
    parser.add_argument("--quota", type=int, default=None, help="requests per 30 s (enterprise)")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--in-flight", type=int, default=None, help="BC_MAX_IN_FLIGHT (1: one at a time)"
    )
    parser.add_argument(
        "--compare", action="store_true", help="walltime: the sequential client, then this one"
    )
    parser.add_argument(
        "--own-time",
        action="store_true",
        help="walltime: frozen sandbox clock moved by our compute + latency",
    )
    parser.add_argument("--rss-sizes", default="10000,100000")
    args = parser.parse_args()
    if args.scenario in ("calls", "all"):
        calls(args.products, args.variants)
    if args.scenario in ("walltime", "all"):
        for in_flight in ([1] if args.compare else []) + [args.in_flight]:
            walltime(args.wall_products, args.variants, args.plan, args.latency_ms,
                     args.own_time, in_flight, args.quota)  # fmt: skip
    if args.scenario in ("rss", "all"):
        rss([int(s) for s in args.rss_sizes.split(",")])


if __name__ == "__main__":
    main()
