"""Pure helpers for what a flow writes down: outcomes, stable hashes, redaction, field diffs.

Nothing here touches the database or the network, so flows and tests can use
it freely.

* :func:`payload_hash` — a stable SHA-256 of a mapped payload (sorted JSON;
  Decimal, datetime, dataclass, Enum, set aware). A flow stores it as the
  binding's ``sync_hash`` and skips a write whose hash did not change.
* :func:`redact` — a copy of a request/response fit for the activity log:
  secrets (token, secret, password, authorization, api key, ... anywhere in
  nested payloads) become ``"[redacted]"`` and personal data a merchant does
  not need to fix a sync problem (IP addresses, browser strings, card data,
  birth dates, national ids) is dropped. Names, e-mail and addresses stay:
  the merchant needs them to recognise the order.
* :func:`field_changes` — what a write would change, field by field
  (dotted paths), for dry runs and the log's detail view.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from typing import Any

from bcapp.jsonable import to_jsonable as to_jsonable

REDACTED = "[redacted]"
#: How a record is named in bindings and the log: a BigCommerce id, an ERP number, a key.
RecordId = int | str


class Outcome(enum.StrEnum):
    """What happened to one record; each one is also a counter on the run."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    FAILED = "failed"


class Direction(enum.StrEnum):
    """Which way a record travelled (the log's direction column)."""

    ERP_TO_BC = "erp_to_bc"
    BC_TO_ERP = "bc_to_erp"
    APP = "app"


# Keys whose values are secrets wherever they appear (matched on the normalised key).
_SECRET_KEY = re.compile(
    r"(token|secret|passw|pwd|authori[sz]ation|api_?key|apikey|private_?key|"
    r"client_?secret|credential|signature|cookie|session)",
)
# Values that carry a credential even under an innocent key (a header list, a message).
_SECRET_VALUE = re.compile(
    r"(?i)\b(bearer|basic|afastoken|token)\s+[A-Za-z0-9._~+/=-]{8,}",
)
# Personal data a merchant does not need in a sync log.
_PERSONAL_KEYS = frozenset(
    {
        "ip_address",
        "ip_address_v6",
        "ip",
        "user_agent",
        "browser",
        "date_of_birth",
        "birth_date",
        "birthdate",
        "dob",
        "ssn",
        "bsn",
        "national_id",
        "card_number",
        "credit_card_number",
        "cc_number",
        "cvv",
        "cvc",
        "card_expiry",
        "expiry_month",
        "expiry_year",
    }
)
# Keys that merely contain a secret-looking word but are ids the merchant needs.
_NOT_SECRET = frozenset({"token_type", "tokenized", "session_id_type"})


def _norm_key(key: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(key).lower()).strip("_")


def is_secret_key(key: Any) -> bool:
    """True for a key whose value must never reach the log (e.g. ``X-Auth-Token``)."""
    norm = _norm_key(key)
    return norm not in _NOT_SECRET and bool(_SECRET_KEY.search(norm))


def canonical_json(obj: Any) -> str:
    """Compact JSON with sorted keys: equal payloads give equal text."""
    return json.dumps(to_jsonable(obj), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(obj: Any) -> str:
    """Stable SHA-256 hex digest of a payload (what ``Binding.sync_hash`` stores)."""
    return hashlib.sha256(canonical_json(obj).encode("utf-8")).hexdigest()


def redact(obj: Any) -> Any:
    """A JSON-able copy of ``obj`` without secrets or unneeded personal data (see module doc)."""
    return _redact(to_jsonable(obj))


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _redact_item(k, v) for k, v in value.items() if _norm_key(k) not in _PERSONAL_KEYS
        }
    if isinstance(value, list):
        if len(value) == 2 and isinstance(value[0], str) and is_secret_key(value[0]):
            return [value[0], REDACTED]  # a (header, value) pair
        return [_redact(v) for v in value]
    if isinstance(value, str):
        return _SECRET_VALUE.sub(lambda m: f"{m.group(1)} {REDACTED}", value)
    return value


def _redact_item(key: str, value: Any) -> Any:
    if is_secret_key(key) and value not in (None, ""):
        return REDACTED
    return _redact(value)


def field_changes(before: Any, after: Any) -> dict[str, dict[str, Any]]:
    """Fields that differ between two payloads, as ``{"path.to.field": {"from": a, "to": b}}``.

    ``before`` None means a create: every field of ``after`` is listed with ``from`` None.
    Lists are compared whole (a variant list is one field), which keeps previews readable.
    """
    old = _flatten(to_jsonable(before) if before is not None else {})
    new = _flatten(to_jsonable(after) if after is not None else {})
    changes: dict[str, dict[str, Any]] = {}
    for path in sorted(old.keys() | new.keys()):
        a, b = old.get(path), new.get(path)
        if a != b:
            changes[path] = {"from": a, "to": b}
    return changes


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(value, dict):
        return {prefix or "value": value}
    flat: dict[str, Any] = {}
    for key, item in value.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(item, dict) and item:
            flat.update(_flatten(item, path))
        else:
            flat[path] = item
    return flat
