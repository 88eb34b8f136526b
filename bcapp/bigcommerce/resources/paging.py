"""Paging and batching helpers shared by the client and its resources."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

#: Largest page v3 and v2 list endpoints return.
MAX_PAGE = 250


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Cut ``items`` into lists of at most ``size`` (BigCommerce's per-request maxima)."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def query(params: Mapping[str, Any] | None) -> dict[str, str | int]:
    """Query parameters as BigCommerce spells them: lists comma-joined, booleans lowercase."""
    out: dict[str, str | int] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (list, tuple, set, frozenset)):
            out[key] = ",".join(str(item) for item in value)
        else:
            out[key] = value
    return out


@dataclass
class BatchResult:
    """What a batched write returned: records that succeeded and BigCommerce's per-item errors.

    A batch may partly succeed (HTTP 207); ``errors`` then keeps BigCommerce's own
    entries so a flow can log them against the records.
    """

    data: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    calls: int = 0

    def add(self, body: Any) -> None:
        self.calls += 1
        if isinstance(body, dict):
            data = body.get("data")
            if isinstance(data, list):
                self.data.extend(data)
            elif isinstance(data, dict):
                self.data.append(data)
            errors = body.get("errors")
            if isinstance(errors, list):
                self.errors.extend(errors)
            elif isinstance(errors, dict) and errors:
                self.errors.append(errors)
        elif isinstance(body, list):
            self.data.extend(body)


def last_page(records: list[Any], page: int, total_pages: Any, limit: int) -> bool:
    """Paging ends on an empty page, at ``total_pages``, or (without it) on a short page."""
    if not records:
        return True
    if total_pages is not None:
        return page >= int(total_pages)
    return len(records) < limit
