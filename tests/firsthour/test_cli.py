"""Point 10 of issue 21: ``bcapp --help`` and ``bcapp <command> --help`` work with no
configuration and list every command; a user error is one line on stderr, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from click.testing import CliRunner

from bcapp.cli import build_cli

COMMANDS = ("demo", "sandbox", "sync", "resync", "worker", "tick", "ensure-webhooks",
            "reconcile", "requeue-events", "purge-logs", "send-alerts", "rotate-keys",
            "db")  # fmt: skip
BARE = {k: "" for k in ("BCAPP_ENV", "BC_CLIENT_ID", "BC_CLIENT_SECRET", "SECRET_KEY",
                        "ENCRYPTION_KEYS", "DATABASE_URL", "REDIS_URL")}  # fmt: skip


def test_help_works_without_configuration_and_lists_every_command() -> None:
    runner = CliRunner()
    result = runner.invoke(build_cli(), ["--help"], env=BARE)
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert f"  {name} " in result.output, name
        sub = runner.invoke(build_cli(), [name, "--help"], env=BARE)
        assert sub.exit_code == 0 and "Usage:" in sub.output, (name, sub.output)
    assert "Traceback" not in result.output


def bcapp(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "from bcapp.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env={**os.environ, **BARE, **env}, timeout=60)  # fmt: skip


def test_user_errors_are_one_line_on_stderr(tmp_path: Any) -> None:
    unconfigured = bcapp("sync", "catalog", env={"BCAPP_ENV": "production"})
    assert unconfigured.returncode != 0 and "Traceback" not in unconfigured.stderr
    assert unconfigured.stderr.strip().splitlines()[-1].startswith("Error: Refusing to start")

    env = {"BCAPP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite",
           "INSTANCE_PATH": str(tmp_path)}  # fmt: skip
    bcapp("db", "upgrade", env=env)
    flow = bcapp("sync", "nonsense", env=env)
    assert flow.returncode == 1 and "Traceback" not in flow.stderr
    assert "Error: There is no sync flow called 'nonsense'." in flow.stderr.splitlines()
    store = bcapp("sync", "catalog", "--store", "nope", env=env)
    assert store.returncode == 1 and "Traceback" not in store.stderr
    assert "Error: No active installed store with hash 'nope'." in store.stderr.splitlines()
