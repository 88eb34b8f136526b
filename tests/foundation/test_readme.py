"""The README's promises: its two commands, CI running the test one, every config key documented."""

from __future__ import annotations

import re
from pathlib import Path

from bcapp.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    head = text.split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", head, re.S)


def test_readme_top_has_exactly_two_commands():
    demo, tests = _commands()
    assert demo.endswith("bcapp demo")
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _commands()[1] in ci


def test_the_configuration_table_is_the_settings_object():
    """The README's table is what ``scripts/config_table.py`` prints from ``Settings``."""
    import runpy

    rows = runpy.run_path(str(ROOT / "scripts" / "config_table.py"))["rows"]()
    readme = (ROOT / "README.md").read_text().splitlines()
    start = readme.index(rows[0])
    assert readme[start : start + len(rows)] == rows
    assert not readme[start + len(rows)].startswith("|"), "a row the settings do not have"
    assert {f"`{name}`" for name in Settings.names()} <= set(" ".join(rows).split())
