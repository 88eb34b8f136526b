"""The README's promises: its two commands, CI running the test one, every config key documented."""

from __future__ import annotations

import re
from pathlib import Path

from bcapp.config import SETTINGS

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


def test_every_setting_is_documented():
    readme = (ROOT / "README.md").read_text()
    for key in SETTINGS:
        assert f"| `{key}` |" in readme, key
