"""Print the README's configuration table from ``bcapp.config.Settings`` (paste it in the README).

``tests/foundation/test_readme.py`` fails when the README's table and this output differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bcapp.config import Settings


def rows() -> list[str]:
    """The table's lines, header first."""
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, default, doc in Settings.table():
        shown = f"`{default}`" if default not in ("", None) else "—"
        lines.append(f"| `{name}` | {shown} | {doc} |")
    return lines


if __name__ == "__main__":
    print("\n".join(rows()))
