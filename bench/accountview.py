"""Benchmark: an AccountView catalog through the catalog flow into BigCommerce. Prints its figures.

``python bench/accountview.py [--articles 5000] [--groups 20] [--plan standard]
[--page-size 200] [--latency-ms 60] [--real-time] [--delta 0.02]``

Three runs of the ``catalog`` flow (article groups → categories, articles → products,
stock "available minus reserved") through the AccountView and BigCommerce sandboxes:

1. **first sync** of N articles (every product created, stock set);
2. **delta** after the merchant changed a share of the articles (``--delta``): only those
   are read (the (CNG_DATE, key) cursor) and written;
3. **unchanged** re-sync: what a quiet hour costs.

For each: BigCommerce calls (by endpoint family), 429s, AccountView calls, the
simulated wall time and BigCommerce's rate-limit bound (calls / quota * 30 s, as in
``bench/catalog.py``): the least time BigCommerce's quota allows for those calls.

Clock (see ``bench/catalog.py``): by default the BigCommerce sandbox clock is frozen
and moved by this process's CPU time outside the sandboxes plus ``--latency-ms`` per
request to either remote (network and the vendor's own work) and by the budget's waits;
``--real-time`` lets it run at real speed instead (everything, the sandboxes' own
scans included, counts). When the budget must wait for a window it advances the
sandbox clock instead of sleeping; the sandbox enforces its quota on that same clock.

Needs Redis (run locks) at ``REDIS_URL`` (default ``redis://127.0.0.1:6379/15``).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog import QUOTA, WINDOW_S, Counting, OwnClock, Remote, make_app

from bcapp.bigcommerce.ratelimit import LocalBudget
from bcapp.sandbox.accountview import AccountViewSandbox
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock

STORE_HASH = "avbench"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
TOKEN_KEYS = ("access_token", "refresh_token", "expires_at", "scope")


class ErpCounter(httpx.BaseTransport):
    """Counts AccountView requests (token requests apart)."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.data, self.tokens = inner, 0, 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            self.tokens += 1
        else:
            self.data += 1
        return self.inner.handle_request(request)


def seed(av: AccountViewSandbox, articles: int, groups: int, rng: random.Random) -> list[str]:
    """N articles A000001.. in ``groups`` groups, with available and reserved stock."""
    for g in range(groups):
        av.add_group(f"G{g:02d}", f"Groep {g}")
    codes = []
    for i in range(1, articles + 1):
        code = f"A{i:06d}"
        available = rng.randint(0, 40)
        av.add_article(code, f"Artikel {i}", price=f"{5 + i % 95}.95", group=f"G{i % groups:02d}",
                       available=available, reserved=rng.randint(0, 5))  # fmt: skip
        codes.append(code)
    return codes


def make_store(av: AccountViewSandbox, token: str, page_size: int) -> int:
    from bcapp.connectors.accountview.settings import SETTINGS_SCHEMA
    from bcapp.connectors.base import split_settings
    from bcapp.extensions import db
    from bcapp.models import Connection, Store

    db.create_all()
    store = Store(id=secrets.randbelow(10**9) + 10**6, store_hash=STORE_HASH, access_token=token,
                  settings={"stock": {"calculation": "on_hand_minus_reserved"}})  # fmt: skip
    db.session.add(store)
    db.session.flush()
    values = {
        "client_id": av.oauth.client_id, "client_secret": av.oauth.client_secret,
        "base_url": av.base_url, "company_id": av.company_id, "page_size": page_size,
    }  # fmt: skip
    plain, secret = split_settings(SETTINGS_SCHEMA, values)
    tokens = av.issue_tokens()
    secret.update({k: tokens[k] for k in TOKEN_KEYS})
    db.session.add(
        Connection(store_id=store.id, kind="accountview", settings=plain, secrets=secret)
    )
    db.session.commit()
    return int(store.id)


def run_once(store_id: int, **options: Any) -> Any:
    from bcapp.sync.runner import run_flow

    result = run_flow(store_id, "catalog", **options)
    assert result is not None and result.status == "succeeded", result and result.message
    return result


def report(label: str, bc: Counting, erp: ErpCounter, sim: float, real: float, plan: str,
           result: Any) -> None:  # fmt: skip
    bound = bc.total / QUOTA[plan] * WINDOW_S
    ratio = f"{sim / bound:.3f}" if bound else "n/a"
    print(f"-- {label}: run: {result.message}")
    print(f"   BigCommerce calls {bc.total} ({bc.writes()} writes), 429s {bc.throttled}; "
          f"AccountView calls {erp.data} (+{erp.tokens} token)")  # fmt: skip
    for key, n in sorted(bc.calls.items()):
        print(f"   {n:6d}  {key}")
    print(f"   simulated wall time {sim:.0f} s (real {real:.0f} s); rate-limit bound "
          f"{bound:.0f} s on {plan} ({QUOTA[plan]}/30 s) → ratio {ratio}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--plan", choices=sorted(QUOTA), default="standard")
    parser.add_argument("--page-size", type=int, default=200, help="AccountView rows per read")
    parser.add_argument("--latency-ms", type=float, default=60.0)
    parser.add_argument("--real-time", action="store_true", help="sandbox clock at real speed")
    parser.add_argument("--delta", type=float, default=0.02, help="share of articles changed")
    args = parser.parse_args()

    from bcapp.sync import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT

    rng = random.Random(17)
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(tmp)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
        av = AccountViewSandbox()
        av.clock.now = datetime.now().replace(microsecond=0)  # tokens fresh for the real clock
        codes = seed(av, args.articles, args.groups, rng)
        clock = SandboxClock(speed=1.0 if args.real_time else 0.0)
        sandbox = BigCommerceSandbox(clock=clock)
        bc_store = sandbox.create_store(STORE_HASH, plan=args.plan)
        own = None if args.real_time else OwnClock(clock, args.latency_ms / 1000)
        bc = Counting(httpx.WSGITransport(app=sandbox.wsgi_app), own)
        erp = ErpCounter(Remote(av.transport(), own) if own else av.transport())
        budget = LocalBudget(STORE_HASH, clock=clock.now, sleep=clock.advance, max_wait=31.0)
        app.extensions.update({ERP_TRANSPORT: erp, BC_TRANSPORT: bc, BC_BUDGET: budget})
        mode = "real time" if args.real_time else (
            f"our CPU + {args.latency_ms:.0f} ms per remote call")  # fmt: skip
        print(f"== AccountView → BigCommerce: {args.articles} articles in {args.groups} "
              f"groups, {args.plan} plan, AccountView pages of {args.page_size}; "
              f"clock: {mode} ==")  # fmt: skip
        with app.app_context():
            store_id = make_store(av, bc_store.access_token, args.page_size)
            changed = rng.sample(codes, max(1, int(len(codes) * args.delta)))
            for label, prepare in (
                ("first sync", None),
                (f"delta ({len(changed)} articles changed)", lambda: _touch(av, changed)),
                ("unchanged re-sync", None),
            ):
                if prepare:
                    prepare()
                clock.advance(60)  # scheduled runs are far apart: the quota window has reset
                bc.calls.clear()
                bc.throttled = erp.data = erp.tokens = 0
                sim0, real0 = clock.now(), time.perf_counter()
                if own:
                    own.since = time.process_time()
                result = run_once(store_id)
                if own:
                    own.catch_up()
                report(label, bc, erp, clock.now() - sim0, time.perf_counter() - real0,
                       args.plan, result)  # fmt: skip
        products = len(bc_store.products)
        print(f"store now has {products} products, {len(bc_store.categories)} categories")


def _touch(av: AccountViewSandbox, codes: list[str]) -> None:
    for code in codes:
        row = av.article(code)
        av.touch_article(code, PX_SELL=row["PX_SELL"] + 1)


if __name__ == "__main__":
    main()
