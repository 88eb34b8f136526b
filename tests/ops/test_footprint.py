"""What a worker or web process on SQLite carries: not the migration tooling, not the
PostgreSQL driver, not the ERPs it does not run.

Alembic with Flask-Migrate (11 MB of modules) is needed only by ``bcapp db``, the
demo's upgrade and the readiness check; psycopg (13 MB) only where the database is
PostgreSQL. Both once came in with the app and made every worker's resident memory
(the catalog RSS benchmark) that much larger; so did every ERP's package (Mplus's
lxml) in a worker that runs AFAS stores only.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys, tempfile
from cryptography.fernet import Fernet
from bcapp import create_app
with tempfile.TemporaryDirectory() as tmp:
    app = create_app({
        "BCAPP_ENV": "test", "TESTING": True, "BC_CLIENT_ID": "x", "BC_CLIENT_SECRET": "x" * 32,
        "APP_URL": "http://localhost", "SECRET_KEY": "x", "REDIS_URL": "redis://127.0.0.1:1/0",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp}/f.sqlite", "INSTANCE_PATH": f"{tmp}/instance",
    })
    import bcapp.jobs.runtime, bcapp.sync.runner, bcapp.sync.catalog, bcapp.cli  # a worker's
    bcapp.cli.build_cli()
    loaded = sorted(m for m in ("alembic", "flask_migrate", "psycopg") if m in sys.modules)
    with app.app_context():
        directory = app.extensions["migrate"].directory  # read: now Flask-Migrate binds
    from bcapp.connectors import find, registry
    afas = find("afas").kind
    others = sorted(m for m in sys.modules if m.startswith("bcapp.connectors.")
                    and m.split(".")[2] in ("mplus", "exact", "accountview"))
    print(json.dumps({"before": loaded, "after": "flask_migrate" in sys.modules,
                      "directory": directory, "afas": afas, "others": others,
                      "unknown": find("nonsense"), "all": sorted(registry())}))
"""


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    """What a fresh interpreter had loaded at each step of PROBE (one process for the module)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_sqlite_process_loads_neither_alembic_nor_psycopg_until_asked(seen):
    assert seen["before"] == []
    assert seen["after"] is True  # the migrations config still answers when read
    assert Path(seen["directory"]) == ROOT / "migrations"


def test_a_worker_imports_only_the_erp_it_runs(seen):
    assert seen["afas"] == "afas" and seen["others"] == []
    assert seen["unknown"] is None  # an unknown kind: every package looked at, none matched
    assert seen["all"] == ["accountview", "afas", "exact", "mplus"]
