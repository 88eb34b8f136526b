"""Activity-log rows written by a stock run in which nothing changed (issue 21, point 8).

A store with N SKUs whose BigCommerce stock already equals the ERP's runs the real
``stock`` flow against the AFAS sandbox (through its WSGI transport, pages of 1,000
rows). Unchanged SKUs are counted on the run and get no log row; the script prints
the rows the run added to the activity log, the run's counts and the time, for a few
sizes, so the figure is seen to be constant. A 15-minute schedule runs it 96 times a
day: rows/day is that figure times 96 (it used to be N times 96).

    python bench/unchanged_stock.py [N ...]      # default: 2000 20000 100000

Needs Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379/15) for the run's lock; uses
a throwaway SQLite file and its own key prefix.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
from cryptography.fernet import Fernet
from sqlalchemy import func, insert

from bcapp import create_app
from bcapp.connectors import CONNECTORS
from bcapp.connectors.afas.connector import AfasConnector
from bcapp.connectors.afas.settings import SETTINGS_SCHEMA
from bcapp.connectors.base import split_settings
from bcapp.extensions import db
from bcapp.models import Binding, Connection, LogEntry, Store
from bcapp.sandbox.afas import AfasSandbox
from bcapp.sync.context import ERP_TRANSPORT
from bcapp.sync.records import payload_hash
from bcapp.sync.registry import load_flows
from bcapp.sync.runner import run_flow

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SIZES = [int(a) for a in sys.argv[1:]] or [2_000, 20_000, 100_000]
PAGE = 1_000


class PagedAfas(AfasConnector):
    """The AFAS connector reading 1,000 rows a page (the sandbox answers as AFAS does)."""

    def __init__(self, settings: Any, **kwargs: Any) -> None:
        super().__init__(settings, page_size=PAGE, **kwargs)


def store_with_unchanged_stock(afas: AfasSandbox, n: int) -> int:
    store = Store(store_hash=f"bench{n}", access_token="t", settings={})
    db.session.add(store)
    db.session.flush()
    plain, secret = split_settings(SETTINGS_SCHEMA, afas.settings())
    connection = Connection(store_id=store.id, kind="afas", settings=plain, secrets=secret)
    db.session.add(connection)
    db.session.flush()
    digest = payload_hash({"quantity": 22, "location": 1})
    rows = []
    for i in range(n):
        sku = f"S{i:07d}"
        afas.set_stock(sku, "HOOFD", on_hand=25, reserved=3)
        rows.append({"connection_id": connection.id, "entity": "sku", "bc_id": str(i + 1),
                     "erp_id": sku, "sync_hash": digest})  # fmt: skip
    db.session.execute(insert(Binding), rows)
    db.session.commit()
    return store.id


def measure(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = f"bench-{uuid.uuid4().hex[:8]}-"
        app = create_app({
            "BCAPP_ENV": "development", "SECRET_KEY": "bench", "BC_CLIENT_ID": "b",
            "BC_CLIENT_SECRET": "b" * 32, "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite", "REDIS_URL": REDIS_URL,
            "RQ_QUEUE_PREFIX": prefix, "INSTANCE_PATH": tmp,
        })  # fmt: skip
        afas = AfasSandbox()
        app.extensions[ERP_TRANSPORT] = afas.transport()
        with app.app_context():
            db.create_all()
            store_id = store_with_unchanged_stock(afas, n)
            started = time.perf_counter()
            run = run_flow(store_id, "stock")
            seconds = time.perf_counter() - started
            rows = db.session.execute(
                db.select(func.count(LogEntry.id)).where(LogEntry.store_id == store_id)
            ).scalar()
            print(f"{n:>7} SKUs unchanged: {rows} log rows written by the run "
                  f"({run.status}: {run.unchanged} unchanged, {run.seen} seen) in {seconds:.1f} s;"
                  f" {rows * 96} rows/day at a 15-minute schedule")  # fmt: skip
            listed = run_flow(store_id, "stock", show_unchanged=True)  # the old behaviour
            old = db.session.execute(
                db.select(func.count(LogEntry.id)).where(LogEntry.run_id == listed.id)
            ).scalar()
            print(f"{'':>7} listing them (show_unchanged, the old default): {old} rows a run")
            db.engine.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"*{prefix}*"))
        if keys:
            client.delete(*keys)


if __name__ == "__main__":
    load_flows()
    CONNECTORS["afas"] = PagedAfas
    for size in SIZES:
        measure(size)
