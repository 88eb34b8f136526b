"""Reading the ERP's next batch while BigCommerce works on this one (a bounded read-ahead).

A connector's batches come from a generator that waits on the ERP for every
page. Read in the flow's thread, that wait comes on top of BigCommerce's, and
the requests in flight run dry while the flow waits for the ERP. :func:`ahead`
runs the generator in one thread of its own (with the app context), at most
``depth`` batches ahead so memory stays flat, and hands the batches over in
order; an error while reading is raised in the flow's thread where its batch
would have come. Nothing is saved by the reading thread: the flow still
commits each batch and its cursor itself.

Connectors whose credentials rotate (Exact Online, AccountView) commit the
refreshed tokens from inside their reads; they are read in the flow's thread,
so a run's database session is never used from two threads.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

from flask import current_app

T = TypeVar("T")
_END = object()
#: Thread name; the benchmark counts this thread's CPU time as the run's own.
THREAD_NAME = "erp-read-ahead"


def ahead(batches: Iterator[T], *, depth: int = 1, rotating: bool = False) -> Iterator[T]:
    """``batches`` in order, read up to ``depth`` ahead in another thread (unless ``rotating``)."""
    if rotating or depth < 1:
        yield from batches
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    handed: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any, error: BaseException | None = None) -> bool:
        while not stop.is_set():
            try:
                handed.put((item, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        with app.app_context():
            try:
                for batch in batches:
                    if not put(batch):
                        return
                put(_END)
            except BaseException as exc:  # handed over: raised in the flow's thread
                put(_END, exc)

    reader = threading.Thread(target=read, name=THREAD_NAME, daemon=True)
    reader.start()
    try:
        while True:
            item, error = handed.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        reader.join()
