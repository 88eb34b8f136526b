"""Plain JSON data for any value the app hashes or logs (:func:`to_jsonable`).

It sits below every layer because both sides of the hub need the same
normalisation: the sync flows hash canonical records and log payloads
(:mod:`bcapp.sync.records`), and the BigCommerce catalog mapping hashes what it
wrote (:mod:`bcapp.bigcommerce.catalog_mapping`). Keeping one function keeps
every stored hash stable, whichever side computed it.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any


def to_jsonable(obj: Any) -> Any:
    """Plain JSON data for ``obj``: dataclasses, Decimal, datetimes, Enums, sets and bytes too.

    Decimals become normalised strings (``Decimal("1.50")`` → ``"1.5"``) so a
    price that only changed its scale hashes the same; aware datetimes become UTC.
    """
    if obj is None or isinstance(obj, bool | int | str):
        return obj
    if isinstance(obj, float):
        return obj if obj == obj else None  # NaN is not JSON
    if isinstance(obj, Decimal):
        return decimal_text(obj)
    if isinstance(obj, enum.Enum):
        return to_jsonable(obj.value)
    if isinstance(obj, datetime):
        return (obj.astimezone(UTC) if obj.tzinfo else obj).isoformat()
    if isinstance(obj, date | time):
        return obj.isoformat()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, set | frozenset):
        return sorted((to_jsonable(v) for v in obj), key=_sort_key)
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, bytes | bytearray):
        return base64.b64encode(bytes(obj)).decode("ascii")
    return str(obj)


def decimal_text(value: Decimal) -> str:
    """``value`` without exponent or trailing zeros (``-0`` is ``0``)."""
    if not value.is_finite():
        return str(value)
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
