"""The data dictionary the sandbox validates writes against (vendor files read at runtime).

AccountView's own ``DCT_FLD`` dumps live in ``../shared/erp-specs/accountview``
beside the checkout (or where ``BCAPP_SHARED_DIR`` points); they are reference data
and never ship. When present, every table they describe (CONTACT, DJ_PAGE, DJ_LINE,
VAT, LEDGER, DAILY, ...) is validated against the full vendor dictionary; the tables
no dump exists for (ARTICLE, ART_GRP, DEL_ADDR, SO_HDR, SO_LINE) always use the
product's compact :data:`bcapp.connectors.accountview.dictionary.BUILTIN`. When the
folder is absent, every table falls back to that compact rule set.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bcapp.connectors.accountview.dictionary import BUILTIN, FieldDef, parse_fields

VENDOR_GLOB = "fields-*.json"


def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (or ``BCAPP_SHARED_DIR``), when it holds the files."""
    env = os.environ.get("BCAPP_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[3] / ".." / "shared")
    for path in candidates:
        if (path / "erp-specs" / "accountview").is_dir():
            return path.resolve()
    return None


@functools.lru_cache(maxsize=4)
def load_vendor(root: str | None = None) -> dict[str, list[dict[str, Any]]] | None:
    """The vendor's DCT_FLD rows per table (upper-case DBF_NAME), or None when absent."""
    base = Path(root) if root else shared_dir()
    if base is None:
        return None
    tables: dict[str, list[dict[str, Any]]] = {}
    for file in sorted((base / "erp-specs" / "accountview").glob(VENDOR_GLOB)):
        for row in json.loads(file.read_text(encoding="utf-8")):
            tables.setdefault(str(row["DBF_NAME"]).upper(), []).append(row)
    return tables or None


class Dictionary:
    """Field definitions per table: the vendor's where known, the built-in set otherwise.

    Attributes:
        source: table → ``"vendor"`` or ``"builtin"``, so tests can say which rules applied.
    """

    def __init__(self, vendor: Mapping[str, list[dict[str, Any]]] | None) -> None:
        self.vendor_rows = dict(vendor or {})
        parsed = parse_fields(row for rows in self.vendor_rows.values() for row in rows)
        self.tables: dict[str, dict[str, FieldDef]] = {}
        self.source: dict[str, str] = {}
        for table in sorted(set(BUILTIN) | set(parsed)):
            from_vendor = table in parsed
            self.tables[table] = parsed[table] if from_vendor else BUILTIN[table]
            self.source[table] = "vendor" if from_vendor else "builtin"

    def fields(self, table: str) -> dict[str, FieldDef]:
        """``{FIELD: FieldDef}`` of a table ({} for a table nobody describes)."""
        return self.tables.get(table.upper(), {})

    def dct_rows(self) -> list[dict[str, Any]]:
        """Every table's DCT_FLD rows as the FLD business object serves them."""
        rows: list[dict[str, Any]] = []
        for table, fields in self.tables.items():
            if self.source[table] == "vendor":
                rows.extend(dict(r) for r in self.vendor_rows[table])
            else:
                rows.extend(_dct_row(f) for f in fields.values())
        rows.sort(key=lambda r: (str(r["DBF_NAME"]), str(r["FIELD_NAME"])))
        return rows


def _dct_row(definition: FieldDef) -> dict[str, Any]:
    """A DCT_FLD row in the vendor's shape for a built-in definition."""
    return {
        "FLD_DESC": definition.description or definition.name,
        "FIELD_NAME": definition.name,
        "DBF_NAME": definition.table,
        "FIELD_LEN": definition.length,
        "FIELD_TYPE": definition.type.value,
        "INP_MAND": definition.mandatory,
        "FLD_FMT": "",
        "FLD_MASK": "",
        "COM_BLK": False,
    }


def current() -> Dictionary:
    """The dictionary for this checkout (vendor files when present)."""
    return _current(id(load_vendor()))


@functools.lru_cache(maxsize=4)
def _current(_vendor_id: int) -> Dictionary:
    return Dictionary(load_vendor())
