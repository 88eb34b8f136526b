"""Batched writes that pin a refusal on the one item that caused it.

BigCommerce validates a batch as a whole: one product with a too-long name
fails all ten of its batch. So each batch is sent once at the API's maximum,
and only when BigCommerce refuses it are its items re-sent one by one
(:func:`isolating`), or, where the API takes thousands per request, in halves
until the bad item is alone (:func:`halving`). The common case stays at the
batch maxima; a refusal costs a few extra requests and names its culprit.

Both are generators yielding one :class:`WriteResult` per batch, *lazily*: the
next batch is sent only when the caller asks for the next result, so a flow
can make each result durable (bind, log, commit) before the next request, and
a run stopped midway keeps everything that was done. Callers key the items
with anything hashable (a flow's own record of the item); the facade never
looks inside a key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bcapp.bigcommerce.resources.paging import chunked
from bcapp.errors import FatalSyncError

K = TypeVar("K", bound=Hashable)
Body = Mapping[str, Any]
#: Sends one request with these bodies; returns the new ids for a create, None otherwise.
Send = Callable[[list[Body]], list[int] | None]


@dataclass(frozen=True)
class Written(Generic[K]):
    """One item of a batched write: taken (``error`` is None) or refused in BigCommerce's words."""

    key: K
    error: FatalSyncError | None = None
    #: The record BigCommerce created for the item (creates only).
    bc_id: int | None = None
    #: What was sent for the item (for the activity log's request column).
    request: Body = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class WriteResult(Generic[K]):
    """What one batch did, item by item, in the order the items were sent."""

    items: tuple[Written[K], ...] = ()

    @property
    def done(self) -> list[Written[K]]:
        return [item for item in self.items if item.ok]

    @property
    def failed(self) -> list[Written[K]]:
        return [item for item in self.items if not item.ok]


def isolating(entries: Sequence[tuple[K, Body]], size: int, send: Send) -> Iterator[WriteResult[K]]:
    """Send ``(key, body)`` pairs ``size`` at a time; a refused batch is retried item by item.

    A key refused once is not sent again within this write (a product whose
    first variant was refused keeps its other variants back: its update failed).
    For a create, ``send`` returns the new ids in the order sent; an item
    BigCommerce answered no id for is left out of the result.
    """
    refused: set[K] = set()
    for chunk in chunked(entries, size):
        try:
            ids = send([body for _key, body in chunk])
        except FatalSyncError:
            yield WriteResult(tuple(_one_by_one(chunk, send, refused)))
            continue
        yield WriteResult(tuple(_taken(chunk, ids)))


def _one_by_one(chunk: list[tuple[K, Body]], send: Send, refused: set[K]) -> Iterator[Written[K]]:
    for key, body in chunk:
        if key in refused:
            continue
        try:
            ids = send([body])
        except FatalSyncError as exc:
            refused.add(key)
            yield Written(key, error=exc, request=body)
            continue
        yield from _taken([(key, body)], ids)


def _taken(chunk: list[tuple[K, Body]], ids: list[int] | None) -> Iterator[Written[K]]:
    if ids is None:
        yield from (Written(key, request=body) for key, body in chunk)
        return
    for (key, body), bc_id in zip(chunk, ids, strict=False):
        yield Written(key, bc_id=bc_id, request=body)


def halving(
    entries: Sequence[tuple[K, Body]], send: Callable[[list[Body]], object]
) -> Iterator[WriteResult[K]]:
    """Send every entry in one request; a refused request is split in halves until the
    refused item is alone (few requests for one bad item among thousands)."""
    if not entries:
        return
    try:
        send([body for _key, body in entries])
    except FatalSyncError as exc:
        if len(entries) == 1:
            key, body = entries[0]
            yield WriteResult((Written(key, error=exc, request=body),))
            return
        half = len(entries) // 2
        yield from halving(entries[:half], send)
        yield from halving(entries[half:], send)
        return
    yield WriteResult(tuple(Written(key, request=body) for key, body in entries))
