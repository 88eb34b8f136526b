"""Shipments between the ERP and BigCommerce, in whichever direction the merchant chose.

``fulfilment.shipment_source`` decides who leads:

* **erp** (default) — the ERP's delivery notes / packing slips (AFAS: those
  "reported ready") become BigCommerce shipments: the order's shipping address,
  items by order line and quantity, tracking number and carrier. A partial
  delivery is a partial shipment; BigCommerce then moves the order to Shipped or
  Partially Shipped itself.
* **store** — shipments made in BigCommerce (by hand or by a shipping app)
  become ERP delivery notes with the tracking data: one at a time from the
  ``store/shipment/created`` webhook (flow ``shipment_export``, see
  :func:`event_route`), plus a sweep of recently modified orders in the
  scheduled ``shipments`` run, which catches what a webhook missed.

Both directions bind ``entity="shipment"``, ``bc_id="{order id}:{shipment id}"``
(what the lineage page follows), ``erp_id`` = the delivery note number, so a
record is never sent twice and a mode switch never echoes a shipment back.

The crash window between creating a BigCommerce shipment and binding it is
closed by a marker: the shipment's note names the delivery note, and before
creating we look for a shipment of the order to the same address carrying it
(the exporter recipe's ``find_order`` step, for shipments).

Bad input is the record's problem, not the run's: a delivery note line the
order no longer has, or more than is left to ship, is skipped with
BigCommerce's (or our) sentence and the other notes go on.

The store side (items, shipments, the request BigCommerce takes) is
``ctx.store``'s fulfilment side (:mod:`bcapp.bigcommerce.store.fulfilment`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.store import (
    OrderItem,
    ShipmentRequest,
    StoreShipment,
    shipment_hook_ids,
    shipment_requests,
)
from bcapp.connectors.base import Capability, Shipment, ShipmentLine, last_exchange
from bcapp.errors import ConfigError, FatalSyncError, SkipRecord
from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.models import Store, WebhookEvent
from bcapp.sync.context import SyncContext
from bcapp.sync.fulfilment import (
    ORDER,
    allocate,
    bc_failure,
    current,
    order_id_for,
    order_items,
    whole,
    with_request,
)
from bcapp.sync.records import Direction, Outcome
from bcapp.sync.registry import register_flow, register_retry
from bcapp.sync.runner import for_each

SHIPMENT = "shipment"
#: Every shipment flow shares one lock per store: a webhook and the sweep never both send one.
SHIPMENT_LOCK = "shipments"
#: First sweep of store shipments looks back this far; later sweeps overlap their cursor by OVERLAP.
FIRST_SWEEP = timedelta(days=2)
OVERLAP = timedelta(minutes=2)
SWEEP_CURSOR = "shipments_from_store"


# -- ERP → BigCommerce -------------------------------------------------------------------------


def marker(shipment: Shipment) -> str:
    """The note that ties a BigCommerce shipment to its delivery note."""
    return f"Delivery note {shipment.erp_id}"


def _left_to_ship(item: OrderItem) -> int:
    return item.left_to_ship


def ship_to_store(ctx: SyncContext, shipment: Shipment) -> str:
    """One ERP delivery note → BigCommerce shipment(s); idempotent by the shipment binding."""
    binding = ctx.binder.by_erp(SHIPMENT, shipment.erp_id)
    if binding is not None:
        ctx.record(
            Outcome.UNCHANGED,
            SHIPMENT,
            binding.bc_id,
            shipment.erp_id,
            "Already in BigCommerce.",
            details={"order_bc_id": binding.bc_id.split(":")[0]},
        )
        return binding.bc_id
    order_id = order_id_for(ctx, shipment.order_reference, shipment.erp_order_id)
    if shipment.bc_id is not None:  # the ERP says this note came from a store shipment
        return _bind_store_made(ctx, shipment, order_id)
    items = [item for item in order_items(ctx, order_id) if item.address_id]
    allocation = allocate(
        [(ln.sku, whole(ln.quantity, f"SKU {ln.sku}"), ln.bc_line_id) for ln in shipment.lines],
        items,
        _left_to_ship,
    )
    if not allocation:
        raise SkipRecord("The delivery note has no lines to ship.")
    requests = shipment_requests(shipment, allocation, marker(shipment))
    if ctx.dry_run:
        ctx.preview(SHIPMENT, None, requests, bc_id=order_id, erp_id=shipment.erp_id)
        return ""
    ids = [_create_or_find(ctx, order_id, request) for request in requests]
    shipped = sum(quantity for _, quantity in allocation)
    left = sum(item.left_to_ship for item in items) - shipped
    return _bind_sent(ctx, shipment, order_id, ids, requests, shipped, left)


def _bind_store_made(ctx: SyncContext, shipment: Shipment, order_id: int) -> str:
    """Bind a note the ERP made from a store shipment: nothing goes back to the store."""
    bc_id = f"{order_id}:{shipment.bc_id}"
    ctx.binder.bind(SHIPMENT, bc_id, shipment.erp_id, data={"order_bc_id": order_id})
    ctx.record(Outcome.UNCHANGED, SHIPMENT, bc_id, shipment.erp_id,
               "Made from the store's shipment: nothing to send back.",
               details={"order_bc_id": order_id})  # fmt: skip
    return bc_id


def _bind_sent(ctx: SyncContext, shipment: Shipment, order_id: int, ids: list[int],
               requests: list[ShipmentRequest], shipped: int, left: int) -> str:  # fmt: skip
    """Bind the note to the store shipment(s) made for it and log what was sent."""
    bc_id = f"{order_id}:{ids[0]}"
    details = {"order_bc_id": order_id, "erp_order_id": shipment.erp_order_id,
               "shipment_ids": ids}  # fmt: skip
    ctx.binder.bind(SHIPMENT, bc_id, shipment.erp_id, data=details)
    ctx.record(
        Outcome.CREATED,
        SHIPMENT,
        bc_id,
        shipment.erp_id,
        f"Shipped {shipped} item(s); BigCommerce marks the order "
        f"{'Shipped' if left <= 0 else 'Partially Shipped'}.",
        request=shipment,
        details={**details, "sent": requests},
    )
    return bc_id


def _create_or_find(ctx: SyncContext, order_id: int, request: ShipmentRequest) -> int:
    """The shipment a crashed run already made for this note and address, or a new one."""
    for existing in ctx.store.shipments(order_id):
        if existing.address_id == request.address_id and existing.note == request.note:
            return existing.bc_id
    try:
        return ctx.store.create_shipment(order_id, request)
    except FatalSyncError as exc:
        raise bc_failure(exc, f"BigCommerce refused the shipment for order {order_id}") from exc


# -- BigCommerce → ERP -------------------------------------------------------------------------


def ship_to_erp(
    ctx: SyncContext, order_id: int, shipment_id: int, found: StoreShipment | None = None
) -> str:
    """One BigCommerce shipment → an ERP delivery note with its tracking data; idempotent."""
    bc_id = f"{int(order_id)}:{int(shipment_id)}"
    binding = ctx.binder.by_bc(SHIPMENT, bc_id)
    details: dict[str, Any] = {"order_bc_id": int(order_id)}
    if binding is not None:
        ctx.record(Outcome.UNCHANGED, SHIPMENT, bc_id, binding.erp_id, "Already in the ERP.",
                   details=details, direction=Direction.BC_TO_ERP)  # fmt: skip
        return binding.erp_id
    found = found or _store_shipment(ctx, int(order_id), int(shipment_id))
    erp_order = ctx.binder.erp_id_for(ORDER, order_id) or ""
    shipment = replace(found.as_shipment(ctx.store.order_items(int(order_id))),
                       erp_order_id=erp_order)  # fmt: skip
    details["erp_order_id"] = erp_order
    if ctx.dry_run:
        ctx.preview(SHIPMENT, None, shipment, bc_id=bc_id)
        return ""
    number = ctx.connector.create_shipment(shipment)
    ctx.binder.bind(SHIPMENT, bc_id, number, data=details)
    ctx.record(Outcome.CREATED, SHIPMENT, bc_id, number, f"Delivery note {number} in the ERP.",
               request=shipment, response=last_exchange(ctx.connector), details=details,
               direction=Direction.BC_TO_ERP)  # fmt: skip
    return number


def _store_shipment(ctx: SyncContext, order_id: int, shipment_id: int) -> StoreShipment:
    found = ctx.store.shipment(order_id, shipment_id)
    if found is None:
        raise SkipRecord(f"BigCommerce order {order_id} has no shipment {shipment_id} (deleted?).")
    return found


def sweep_store_shipments(ctx: SyncContext) -> None:
    """Recently modified orders with shipped items: every shipment not yet in the ERP goes there."""
    newest = _sweep_start(ctx)
    for order in ctx.store.orders_changed_since(newest - OVERLAP):
        newest = max(newest, order.modified_at or newest)
        if not order.has_shipped:
            continue
        shipments = ctx.store.shipments(order.bc_id)
        bound = ctx.binder.many_by_bc(SHIPMENT, [_bc_id(s) for s in shipments])
        todo = [s for s in shipments if _bc_id(s) not in bound]
        ctx.add_total(len(todo))
        for_each(ctx, todo, lambda s: ship_to_erp(ctx, s.order_id, s.bc_id, s),
                 entity=SHIPMENT, ids=_bc_ids)  # fmt: skip
    ctx.commit(cursor=newest.isoformat(), cursor_name=SWEEP_CURSOR)


def _sweep_start(ctx: SyncContext) -> datetime:
    saved = ctx.load_cursor(SWEEP_CURSOR)
    return datetime.fromisoformat(saved) if saved else datetime.now(UTC) - FIRST_SWEEP


def _bc_id(shipment: StoreShipment) -> str:
    return f"{shipment.order_id}:{shipment.bc_id}"


def _bc_ids(shipment: StoreShipment) -> tuple[str, None]:
    return _bc_id(shipment), None


def _erp_ids(shipment: Shipment) -> tuple[str | None, str]:
    return (shipment.order_reference or None), shipment.erp_id


# -- flows and retry ---------------------------------------------------------------------------


def _ship_to_store(ctx: SyncContext, shipment: Shipment) -> str:
    return with_request(shipment, lambda s: ship_to_store(ctx, s))


@register_flow("shipments", requires={Capability.SHIPMENTS_FROM_ERP}, lock=SHIPMENT_LOCK,
               group="shipments", every=15)  # fmt: skip
def sync_shipments(ctx: SyncContext, **_: Any) -> str | None:
    """The scheduled run: ERP delivery notes to BigCommerce, or (store leads) the sweep."""
    if ctx.rules.shipment_source == "store":
        if Capability.SHIPMENTS_TO_ERP not in ctx.connector.capabilities:
            raise ConfigError("This ERP cannot take shipments from the store.")
        sweep_store_shipments(ctx)
        return None
    for batch in ctx.connector.fetch_shipments(ctx.load_cursor()):
        ctx.add_total(len(batch.records))
        for_each(ctx, batch.records, lambda s: _ship_to_store(ctx, s), entity=SHIPMENT,
                 ids=_erp_ids)  # fmt: skip
        ctx.commit(cursor=batch.cursor)
    return None


@register_flow("shipment_export", requires={Capability.SHIPMENTS_TO_ERP}, queue="orders",
               lock=SHIPMENT_LOCK, group="shipments", direction=Direction.BC_TO_ERP,
               per_record=True)  # fmt: skip
def export_shipment(ctx: SyncContext, *, order_id: int, shipment_id: int, **_: Any) -> str:
    """One BigCommerce shipment from the webhook (only when the store leads shipments)."""
    if ctx.rules.shipment_source != "store":
        return "Shipments come from the ERP (settings): the store's shipment is left alone."
    ctx.set_total(1)
    for_each(ctx, [f"{order_id}:{shipment_id}"], lambda _: ship_to_erp(ctx, order_id, shipment_id),
             entity=SHIPMENT, ids=lambda bc_id: (bc_id, None))  # fmt: skip
    return f"Shipment {shipment_id} of order {order_id} handled."


def event_route(event: WebhookEvent) -> tuple[str, str, dict[str, Any]] | None:
    """``store/shipment/created`` → (settings switch, flow, options) for ``bcapp.jobs.events``.

    None (ignore the event) while the ERP leads shipments: then the event is the
    echo of a shipment this app just made, and no run is opened for it.
    """
    store = db.session.get(Store, event.store_id)
    if store is None or rules_for(store).shipment_source != "store":
        return None
    order_id, shipment_id = shipment_hook_ids(event.payload)
    return "shipments", "shipment_export", {"order_id": order_id, "shipment_id": shipment_id}


@register_retry(SHIPMENT, lock=SHIPMENT_LOCK)
def retry_shipment(
    ctx: SyncContext, *, bc_id: Any = None, erp_id: Any = None, payload: Any = None
) -> str:
    """Retry/Replay a shipment in the direction the merchant's settings say."""
    if ctx.rules.shipment_source == "store":
        order_id, _, shipment_id = str(bc_id or "").partition(":")
        if not shipment_id:
            raise ConfigError("This log entry names no BigCommerce shipment to send again.")
        return ship_to_erp(ctx, int(order_id), int(shipment_id))
    if erp_id is None:
        raise ConfigError("This log entry names no ERP delivery note to send again.")
    record = shipment_from_payload(payload) if isinstance(payload, dict) else None
    if record is None or record.erp_id != str(erp_id):
        record = current(ctx.connector.fetch_shipment, str(erp_id))
    ctx.set_total(1)
    for_each(ctx, [record], lambda s: _ship_to_store(ctx, s), entity=SHIPMENT, ids=_erp_ids)
    return f"Delivery note {erp_id} handled."


def shipment_from_payload(payload: dict[str, Any]) -> Shipment | None:
    """A Shipment from a log entry's stored request (Replay), or None if it is not one."""
    if "erp_id" not in payload or "lines" not in payload:
        return None
    lines = tuple(
        ShipmentLine(
            sku=ln["sku"], quantity=Decimal(str(ln["quantity"])), bc_line_id=ln.get("bc_line_id")
        )
        for ln in payload["lines"]
    )
    return Shipment(erp_id=str(payload["erp_id"]), order_reference=str(payload["order_reference"]),
                    lines=lines, tracking_number=payload.get("tracking_number") or "",
                    carrier=payload.get("carrier") or "",
                    tracking_link=payload.get("tracking_link") or "",
                    erp_order_id=payload.get("erp_order_id") or "")  # fmt: skip
