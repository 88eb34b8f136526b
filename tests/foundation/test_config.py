"""The typed settings own every configuration variable the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from bcapp.config import Settings, load

ROOT = Path(__file__).resolve().parents[2]
#: Flask's and Flask-SQLAlchemy's own keys, and the app's internal ones (not variables).
NOT_VARIABLES = frozenset({
    "SQLALCHEMY_DATABASE_URI", "SQLALCHEMY_ENGINE_OPTIONS", "TESTING", "INSTANCE_PATH",
    "DEMO_ERP_SETTINGS", "SERVER_NAME",
})  # fmt: skip
READ = re.compile(r"""config(?:\.get\(|\[|\.setdefault\()\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_variable_the_code_reads_is_a_declared_setting():
    declared = set(Settings.names())
    read: dict[str, set[str]] = {}
    for path in (ROOT / "bcapp").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        for name in READ.findall(path.read_text()):
            read.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    undeclared = {n: p for n, p in read.items() if n not in declared | NOT_VARIABLES}
    assert undeclared == {}


def test_values_are_typed_from_the_environment():
    environ = {"HTTP_TIMEOUT": "7.5", "SMTP_PORT": "25", "SYNC_RETRY_INTERVALS": "1, 2,3",
               "ORDER_LOCK_WAIT": "2"}  # fmt: skip
    values = load({}, environ=environ)
    typed = Settings.from_config(values)
    assert (typed.http_timeout, typed.smtp_port, typed.sync_retry_intervals) == (7.5, 25, (1, 2, 3))
    assert typed.order_lock_wait == 2.0 and typed.bcapp_env == "production"


def test_a_changed_app_config_is_seen_by_the_typed_view(app):
    from bcapp.config import current_settings

    before = current_settings()
    assert current_settings() is before  # cached while nothing changed
    app.config["HTTP_TIMEOUT"] = 3.0
    assert current_settings().http_timeout == 3.0
