"""ERP stock → BigCommerce inventory: the merchant's formula per SKU, absolute, 2,000 per request.

The connector gives stock per SKU and warehouse (a full snapshot, or the changes
since its cursor when its batches carry one);
``StockRules.available`` applies the merchant's choice (on hand, or on hand
minus what open sales orders reserve; all warehouses or a chosen set; minus a
safety buffer). Every SKU's log entry carries that formula with its numbers in
``details`` so a merchant can see why BigCommerce shows what it shows.

Only SKUs that exist in BigCommerce (a ``sku`` binding, made by the product
phase) are sent; the binding's hash is the last quantity written, so an
unchanged level costs nothing. Changed levels are collected across connector
batches and sent as absolute adjustments, up to 2,000 per request. BigCommerce
refuses a whole adjustment for one bad item, so a refused request is split in
halves until the bad item is alone and logged with BigCommerce's message.

This runs under the catalog lock, after the product phase, never beside bulk
catalog writes for the same store. BigCommerce asks for one bulk adjustment at
a time (wait for its 200 before the next), so one request is on the wire while
the run reads (:func:`~bcapp.sync.prefetch.ahead`) and prepares the next
batch (a pipeline :data:`DEPTH` deep; the
client's endpoint limit keeps the adjustments themselves one at a time). A
cursor is saved only after every adjustment before it is answered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.store import Pipeline, StockSetting, WriteResult
from bcapp.connectors.base import StockLevel
from bcapp.errors import SyncError
from bcapp.mapping.rules import StockRules
from bcapp.sync.binder import Ref
from bcapp.sync.context import SyncContext
from bcapp.sync.prefetch import ahead
from bcapp.sync.product_items import SKU_ENTITY
from bcapp.sync.records import Outcome, payload_hash

ENTITY = "stock"
#: Where a change-reading connector's stock position is kept (snapshots never save one).
CURSOR = "stock.erp"
REASON = "Stock from the ERP (bcapp)"
#: Adjustments in the pipe: one on the wire, the next prepared behind it.
DEPTH = 2


def formula(level: StockLevel, rules: StockRules) -> dict[str, Any]:
    """The calculation behind one SKU's number, for the activity log."""
    chosen = set(rules.warehouses)
    used = [w for w in level.warehouses if not chosen or w.warehouse in chosen]
    on_hand = sum((w.on_hand for w in used), Decimal("0"))
    reserved = sum((w.reserved for w in used), Decimal("0"))
    minus_reserved = rules.calculation == "on_hand_minus_reserved"
    available = rules.available(level)
    text = f"on hand {_n(on_hand)}"
    if len(used) > 1 or chosen:
        text += " (" + " + ".join(f"{w.warehouse} {_n(w.on_hand)}" for w in used) + ")"
    if minus_reserved:
        text += f" − reserved {_n(reserved)}"
    if rules.buffer:
        text += f" − buffer {rules.buffer}"
    text += f" = {available}"
    if available == 0 and (on_hand - (reserved if minus_reserved else 0) - rules.buffer) < 0:
        text += " (never below 0)"
    return {
        "formula": text,
        "calculation": rules.calculation,
        "warehouses": [w.warehouse for w in used],
        "ignored_warehouses": [w.warehouse for w in level.warehouses if w not in used],
        "on_hand": _n(on_hand),
        "reserved": _n(reserved),
        "buffer": rules.buffer,
        "available": available,
    }


def _n(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@dataclass(eq=False)  # by identity: a pending level keys the store's write results
class Pending:
    sku: str
    binding: Ref  # not the ORM binding: thousands wait here while requests are in flight
    quantity: int
    digest: str
    details: dict[str, Any]


class StockSync:
    """The stock phase of a run (also the whole of the ``stock`` flow)."""

    def __init__(self, ctx: SyncContext, rules: StockRules) -> None:
        self.ctx = ctx
        self.rules = rules
        self.pending: list[Pending] = []
        self._pipe: Pipeline[int, list[WriteResult[Pending]]] | None = None

    def run(self) -> None:
        """Every level the connector gives, sent in requests of up to 2,000.

        Most ERPs give a full snapshot (batches without a cursor: the next run reads
        everything again). A connector that reads changes (Exact's Timestamp) puts a
        cursor on its batches; it is saved once the levels before it are sent, and a
        full run (``ctx.full``) starts from the beginning.
        """
        ctx = self.ctx
        depth = min(DEPTH, ctx.store.in_flight)  # 1: one at a time, nothing prepared ahead
        with Pipeline[int, list[WriteResult[Pending]]](depth) as self._pipe:
            connector = ctx.connector
            rotating = bool(getattr(connector, "rotating_credentials", False))
            levels = ahead(connector.fetch_stock(ctx.load_cursor(CURSOR)), rotating=rotating,
                           depth=depth - 1)  # fmt: skip
            for batch in levels:
                ctx.add_total(len(batch.records))
                self.sync_batch(batch.records)
                if batch.cursor is None:
                    self.flush(full_only=True)
                    ctx.commit()
                else:
                    self.flush()
                    self._settle(self._pipe.drain())  # every level before the cursor answered
                    ctx.commit(cursor=batch.cursor, cursor_name=CURSOR)
            self.flush()
            self._settle(self._pipe.drain())
        self._pipe = None
        ctx.commit()

    def sync_batch(self, levels: Sequence[StockLevel]) -> None:
        bound = self.ctx.binder.refs_by_erp(SKU_ENTITY, [lv.sku for lv in levels if lv.sku])
        location = self.ctx.store.inventory_location
        for level in levels:
            details = formula(level, self.rules)
            binding = bound.get(level.sku)
            if binding is None:
                self.ctx.record(Outcome.SKIPPED, ENTITY, None, level.sku,
                                f"SKU {level.sku} is not in BigCommerce (no synced product or "
                                "variant has it).", details=details)  # fmt: skip
                continue
            digest = payload_hash({"quantity": details["available"], "location": location})
            if binding.sync_hash == digest:
                self.ctx.record(Outcome.UNCHANGED, ENTITY, binding.bc_id, level.sku,
                                details["formula"], details=details)  # fmt: skip
                continue
            self.pending.append(Pending(level.sku, binding, details["available"], digest, details))

    def flush(self, *, full_only: bool = False) -> None:
        """Send what changed, 2,000 items per request (nothing in a dry run).

        With ``full_only`` a remainder under 2,000 waits for the next batch, so
        a snapshot of N SKUs costs ⌈changed / 2,000⌉ requests.
        """
        size = self.ctx.store.stock_batch
        while self.pending and (not full_only or len(self.pending) >= size):
            chunk, self.pending = self.pending[:size], self.pending[size:]
            if self.ctx.dry_run:
                for p in chunk:
                    self.ctx.record(Outcome.UPDATED, ENTITY, p.binding.bc_id, p.sku,
                                    f"Would set stock to {p.quantity}: {p.details['formula']}",
                                    details=p.details)  # fmt: skip
                continue
            self._send(chunk)

    def _send(self, chunk: list[Pending]) -> None:
        """Set the levels; the store halves a refused request until the refused SKU is alone.

        In a run the request goes into the pipeline and is recorded when answered.
        """
        settings = [(p, StockSetting(p.sku, p.quantity)) for p in chunk]
        store = self.ctx.store
        if self._pipe is None:
            for result in store.set_stock(settings, reason=REASON):
                self._record(result)
            return
        self._settle(
            self._pipe.submit(len(chunk), lambda: list(store.set_stock(settings, reason=REASON)))
        )

    def _settle(self, answered: Any) -> None:
        """Record answered adjustments; a retryable failure stops the run (levels are absolute,
        so re-sending the unrecorded ones next run is harmless)."""
        for _size, results in answered:
            if isinstance(results, SyncError):
                raise results
            for result in results:
                self._record(result)

    def _record(self, result: WriteResult[Pending]) -> None:
        for written in result.failed:
            p, error = written.key, written.error
            assert error is not None
            self.ctx.record(Outcome.FAILED, ENTITY, p.binding.bc_id, p.sku, error.message,
                            request=written.request, details=p.details)  # fmt: skip
        if not result.done:
            return
        self.ctx.binder.set_hashes([(w.key.binding, w.key.digest) for w in result.done])
        for written in result.done:
            p = written.key
            self.ctx.record(Outcome.UPDATED, ENTITY, p.binding.bc_id, p.sku,
                            f"Stock set to {p.quantity}: {p.details['formula']}",
                            details=p.details)  # fmt: skip
        self.ctx.commit()
