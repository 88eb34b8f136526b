"""The code's own rules, checked in the test run: layers, types and style.

CI runs only the README's test command, so the linters run here: ruff (lint and
format), mypy (strict on the typed seam: bcapp/sync, bcapp/connectors and
bcapp/bigcommerce; default elsewhere) and import-linter's layer contracts from
pyproject.toml. Each failure prints the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["bcapp", "tests", "bench", "scripts"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing() -> None:
    result = run("ruff", "check", "--no-cache", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_would_change_nothing() -> None:
    result = run("ruff", "format", "--check", "--no-cache", *SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_contracts_are_kept() -> None:
    """web → jobs → sync → (bigcommerce | connectors | mapping) → models → core, and more."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.slow
def test_mypy_is_clean(tmp_path: Path) -> None:
    """A cache of its own, so two test runs on one machine never share one."""
    result = run("mypy", "--cache-dir", str(tmp_path / "mypy"), "bcapp")
    assert result.returncode == 0, result.stdout + result.stderr
