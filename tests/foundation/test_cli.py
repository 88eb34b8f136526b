"""The ``bcapp`` script: the demo starts on a fresh machine; production commands need config."""

from __future__ import annotations

from click.testing import CliRunner

from bcapp.cli import build_cli

BARE_ENV = {k: "" for k in ("BC_CLIENT_ID", "BC_CLIENT_SECRET", "SECRET_KEY", "ENCRYPTION_KEYS")}


def test_demo_and_sandbox_resolve_without_production_config():
    runner = CliRunner()
    for command in ("demo", "sandbox"):
        result = runner.invoke(build_cli(), [command, "--help"], env={"BCAPP_ENV": "", **BARE_ENV})
        assert result.exit_code == 0, result.output
        assert "--port" in result.output


def test_app_commands_refuse_an_unconfigured_production():
    result = CliRunner().invoke(
        build_cli(), ["rotate-keys"], env={"BCAPP_ENV": "production", **BARE_ENV}
    )
    assert result.exit_code != 0
