"""Runner overhead per record: for_each + bind + record + per-record commit.

Prints records/second for a first run (every record created and bound) and a
second run (every record unchanged, bindings preloaded with ``binder.all``), on
SQLite (a temporary file) and, when reachable, PostgreSQL (TEST_DATABASE_URL,
in a throwaway schema). No ERP or BigCommerce calls: this is the machinery's
own cost, the floor under every flow.

    python bench/sync_core.py [N]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text

from bcapp import create_app
from bcapp.extensions import db
from bcapp.models import Connection, Store
from bcapp.sync import Outcome, for_each, payload_hash, register_flow, run_flow

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@register_flow("bench_products", needs_connection=True)
def bench_products(ctx: Any) -> None:
    records = [
        {"erp_id": str(i), "name": f"Product {i}", "price": Decimal("9.95")} for i in range(N)
    ]
    known = ctx.binder.all("product")
    ctx.set_total(len(records))

    def one(rec: dict[str, Any]) -> None:
        digest = payload_hash(rec)
        binding = known.get(rec["erp_id"])
        if ctx.binder.unchanged(binding, digest):
            ctx.record(Outcome.UNCHANGED, "product", binding.bc_id, rec["erp_id"])
            return
        ctx.binder.bind("product", 100000 + int(rec["erp_id"]), rec["erp_id"], sync_hash=digest)
        ctx.record(Outcome.CREATED, "product", 100000 + int(rec["erp_id"]), rec["erp_id"],
                   request=rec)  # fmt: skip

    for_each(ctx, records, one, entity="product", ids=lambda r: (None, r["erp_id"]))


def measure(label: str, url: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "BCAPP_ENV": "test", "SECRET_KEY": "bench", "DATABASE_URL": url,
            "ENCRYPTION_KEYS": Fernet.generate_key().decode(), "REDIS_URL": REDIS_URL,
            "INSTANCE_PATH": tmp, "RQ_QUEUE_PREFIX": "bench-",
        })  # fmt: skip
        from bcapp.connectors import CONNECTORS

        class Null:  # the ERP is not part of this measurement
            kind, label, capabilities, settings_schema = "null", "Null", frozenset(), {}

            def __init__(self, settings: Any, transport: Any = None) -> None: ...

            def close(self) -> None: ...

        CONNECTORS["null"] = Null  # type: ignore[assignment]
        with app.app_context():
            db.create_all()
            store = Store(store_hash=f"bench{uuid.uuid4().hex[:6]}", access_token="x", settings={})
            db.session.add(store)
            db.session.flush()
            db.session.add(Connection(store_id=store.id, kind="null", settings={}))
            db.session.commit()
            for attempt in ("first run (create + bind)", "second run (unchanged)"):
                started = time.perf_counter()
                run = run_flow(store.id, "bench_products", full=True)
                took = time.perf_counter() - started
                print(f"{label:10} {attempt:26} {N} records in {took:6.2f} s = "
                      f"{N / took:7.0f} records/s  ({run.message})")  # fmt: skip
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite", f"sqlite:///{tmp}/bench.sqlite")
    try:
        admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"))
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # no PostgreSQL here: SQLite alone
        print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}")
        return
    try:
        measure("PostgreSQL", f"{PG_URL}?options=-csearch_path%3D{schema}")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
