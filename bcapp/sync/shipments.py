"""Shipments between the ERP and BigCommerce, in whichever direction the merchant chose.

``fulfilment.shipment_source`` decides who leads:

* **erp** (default) — the ERP's delivery notes / packing slips (AFAS: those
  "reported ready") become BigCommerce shipments: the order's shipping address,
  items by order product id and quantity, tracking number and carrier. A partial
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
closed by a marker: the shipment's ``comments`` name the delivery note, and
before creating we look for a shipment of the order carrying it (the exporter
recipe's ``find_order`` step, for shipments).

Bad input is the record's problem, not the run's: a delivery note line the
order no longer has, or more than is left to ship, is skipped with
BigCommerce's (or our) sentence and the other notes go on.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.mapping import v2_date
from bcapp.connectors.base import Capability, Shipment, ShipmentLine, last_exchange
from bcapp.errors import ConfigError, FatalSyncError, SkipRecord
from bcapp.mapping.rules import rules_for
from bcapp.sync.fulfilment import (
    ORDER,
    allocate,
    bc_failure,
    find_record,
    order_id_for,
    order_products,
    whole,
    with_request,
)
from bcapp.sync.records import Direction, Outcome
from bcapp.sync.registry import register_flow, register_retry
from bcapp.sync.runner import for_each

SHIPMENT = "shipment"
#: Every shipment flow shares one lock per store: a webhook and the sweep never both send one.
SHIPMENT_LOCK = "shipments"
#: BigCommerce's built-in shipping providers (anything else goes in ``tracking_carrier``).
PROVIDERS = {
    "auspost": "auspost", "australiapost": "auspost", "canadapost": "canadapost",
    "endicia": "endicia", "usps": "usps", "fedex": "fedex", "royalmail": "royalmail",
    "ups": "ups", "shipperhq": "shipperhq",
}  # fmt: skip
TRACKING_LIMIT = 50
#: First sweep of store shipments looks back this far; later sweeps overlap their cursor by OVERLAP.
FIRST_SWEEP = timedelta(days=2)
OVERLAP = timedelta(minutes=2)
SWEEP_CURSOR = "shipments_from_store"
SHIPPED_STATUSES = (2, 3, 10)  # Shipped, Partially Shipped, Completed


# -- ERP → BigCommerce -------------------------------------------------------------------------


def marker(shipment: Shipment) -> str:
    """The ``comments`` text that ties a BigCommerce shipment to its delivery note."""
    return f"Delivery note {shipment.erp_id}"


def ship_to_store(ctx: Any, shipment: Shipment) -> str:
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
        bc_id = f"{order_id}:{shipment.bc_id}"
        ctx.binder.bind(SHIPMENT, bc_id, shipment.erp_id, data={"order_bc_id": order_id})
        ctx.record(Outcome.UNCHANGED, SHIPMENT, bc_id, shipment.erp_id,
                   "Made from the store's shipment: nothing to send back.",
                   details={"order_bc_id": order_id})  # fmt: skip
        return bc_id
    products = order_products(ctx, order_id)
    items = allocate(
        [(ln.sku, whole(ln.quantity, f"SKU {ln.sku}"), ln.bc_line_id) for ln in shipment.lines],
        [p for p in products if p.get("order_address_id")],
        _left_to_ship,
    )
    if not items:
        raise SkipRecord("The delivery note has no lines to ship.")
    bodies = shipment_bodies(shipment, items)
    details = {"order_bc_id": order_id, "erp_order_id": shipment.erp_order_id}
    if ctx.dry_run:
        ctx.preview(SHIPMENT, None, bodies, bc_id=order_id, erp_id=shipment.erp_id)
        return ""
    ids = [_create_or_find(ctx, order_id, body, shipment) for body in bodies]
    bc_id = f"{order_id}:{ids[0]}"
    ctx.binder.bind(SHIPMENT, bc_id, shipment.erp_id, data={**details, "shipment_ids": ids})
    left = sum(_left_to_ship(p) for p in products if p.get("order_address_id")) - sum(
        q for _, q in items
    )
    ctx.record(
        Outcome.CREATED,
        SHIPMENT,
        bc_id,
        shipment.erp_id,
        f"Shipped {sum(q for _, q in items)} item(s); BigCommerce marks the order "
        f"{'Shipped' if left <= 0 else 'Partially Shipped'}.",
        request=shipment,
        details={**details, "shipment_ids": ids, "sent": bodies},
    )
    return bc_id


def _left_to_ship(product: dict[str, Any]) -> int:
    return int(product.get("quantity") or 0) - int(product.get("quantity_shipped") or 0)


def shipment_bodies(shipment: Shipment, items: list[tuple[dict[str, Any], int]]) -> list[dict]:
    """One BigCommerce shipment per shipping address the items go to."""
    by_address: dict[int, list[dict[str, int]]] = {}
    for product, quantity in items:
        by_address.setdefault(int(product["order_address_id"]), []).append(
            {"order_product_id": int(product["id"]), "quantity": quantity}
        )
    return [{"order_address_id": address, "items": lines, **tracking_fields(shipment),
             "comments": marker(shipment)} for address, lines in by_address.items()]  # fmt: skip


def tracking_fields(shipment: Shipment) -> dict[str, str]:
    """Tracking number and carrier the way BigCommerce takes them (known provider or free text)."""
    carrier = shipment.carrier.strip()
    slug = re.sub(r"[^a-z0-9]+", "", carrier.casefold())
    fields = {"tracking_number": shipment.tracking_number.strip()[:TRACKING_LIMIT]}
    if slug in PROVIDERS:
        fields["shipping_provider"] = PROVIDERS[slug]
    elif carrier:
        fields["shipping_provider"] = ""
        fields["tracking_carrier"] = re.sub(r"[^a-z0-9]+", "-", carrier.casefold()).strip("-")
    if shipment.tracking_link:
        fields["tracking_link"] = shipment.tracking_link[:500]
    return fields


def _create_or_find(ctx: Any, order_id: int, body: dict[str, Any], shipment: Shipment) -> int:
    """The shipment a crashed run already made for this note and address, or a new one."""
    for existing in ctx.bc.orders.shipments(order_id):
        same_address = int(existing.get("order_address_id") or 0) == body["order_address_id"]
        if same_address and existing.get("comments") == body["comments"]:
            return int(existing["id"])
    try:
        return int(ctx.bc.orders.create_shipment(order_id, body)["id"])
    except FatalSyncError as exc:
        raise bc_failure(exc, f"BigCommerce refused the shipment for order {order_id}") from exc


# -- BigCommerce → ERP -------------------------------------------------------------------------


def shipment_from_bc(raw: dict[str, Any], products: list[dict[str, Any]]) -> Shipment:
    """A BigCommerce shipment as the canonical record the connector turns into a delivery note."""
    skus = {int(p["id"]): str(p.get("sku") or "") for p in products}
    lines = tuple(
        ShipmentLine(sku=skus.get(int(i["order_product_id"]), ""), quantity=Decimal(i["quantity"]),
                     bc_line_id=int(i["order_product_id"]))
        for i in raw.get("items") or []
    )  # fmt: skip
    carrier = raw.get("tracking_carrier") or raw.get("shipping_provider") or ""
    return Shipment(
        erp_id="", order_reference=str(raw["order_id"]), lines=lines,
        tracking_number=str(raw.get("tracking_number") or ""), carrier=str(carrier),
        tracking_link=str(raw.get("tracking_link") or raw.get("generated_tracking_link") or ""),
        shipped_at=v2_date(raw.get("date_created")), bc_id=int(raw["id"]),
    )  # fmt: skip


def ship_to_erp(ctx: Any, order_id: int, shipment_id: int, raw: dict | None = None) -> str:
    """One BigCommerce shipment → an ERP delivery note with its tracking data; idempotent."""
    bc_id = f"{int(order_id)}:{int(shipment_id)}"
    binding = ctx.binder.by_bc(SHIPMENT, bc_id)
    details = {"order_bc_id": int(order_id)}
    if binding is not None:
        ctx.record(Outcome.UNCHANGED, SHIPMENT, bc_id, binding.erp_id, "Already in the ERP.",
                   details=details, direction=Direction.BC_TO_ERP)  # fmt: skip
        return binding.erp_id
    raw = raw or _bc_shipment(ctx, int(order_id), int(shipment_id))
    shipment = shipment_from_bc(raw, ctx.bc.orders.products(int(order_id)))
    erp_order = ctx.binder.erp_id_for(ORDER, order_id) or ""
    shipment = replace(shipment, erp_order_id=erp_order)
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


def _bc_shipment(ctx: Any, order_id: int, shipment_id: int) -> dict[str, Any]:
    for raw in ctx.bc.orders.shipments(order_id):
        if int(raw["id"]) == shipment_id:
            return raw
    raise SkipRecord(f"BigCommerce order {order_id} has no shipment {shipment_id} (deleted?).")


def sweep_store_shipments(ctx: Any) -> None:
    """Recently modified orders with shipped items: every shipment not yet in the ERP goes there."""
    newest = _sweep_start(ctx)
    for order in ctx.bc.orders.iterate(min_date_modified=(newest - OVERLAP).isoformat()):
        newest = max(newest, v2_date(order.get("date_modified")) or newest)
        if not _has_shipped(order):
            continue
        todo = [s for s in ctx.bc.orders.shipments(int(order["id"]))
                if ctx.binder.by_bc(SHIPMENT, f"{order['id']}:{s['id']}") is None]  # fmt: skip
        ctx.add_total(len(todo))
        for_each(ctx, todo, lambda s: ship_to_erp(ctx, int(s["order_id"]), int(s["id"]), s),
                 entity=SHIPMENT, ids=_bc_ids)  # fmt: skip
    ctx.commit(cursor=newest.isoformat(), cursor_name=SWEEP_CURSOR)


def _sweep_start(ctx: Any) -> datetime:
    saved = ctx.load_cursor(SWEEP_CURSOR)
    return datetime.fromisoformat(saved) if saved else datetime.now(UTC) - FIRST_SWEEP


def _has_shipped(order: dict[str, Any]) -> bool:
    if order.get("items_shipped") is not None:
        return int(order.get("items_shipped") or 0) > 0
    return int(order.get("status_id") or 0) in SHIPPED_STATUSES


def _bc_ids(raw: dict[str, Any]) -> tuple[str, None]:
    return f"{raw['order_id']}:{raw['id']}", None


def _erp_ids(shipment: Shipment) -> tuple[str | None, str]:
    return (shipment.order_reference or None), shipment.erp_id


# -- flows and retry ---------------------------------------------------------------------------


@register_flow("shipments", requires={Capability.SHIPMENTS_FROM_ERP}, lock=SHIPMENT_LOCK,
               group="shipments", every=15)  # fmt: skip
def sync_shipments(ctx: Any, **_: Any) -> str | None:
    """The scheduled run: ERP delivery notes to BigCommerce, or (store leads) the sweep."""
    if rules_for(ctx.store).shipment_source == "store":
        if Capability.SHIPMENTS_TO_ERP not in ctx.connector.capabilities:
            raise ConfigError("This ERP cannot take shipments from the store.")
        sweep_store_shipments(ctx)
        return None
    for batch in ctx.connector.fetch_shipments(ctx.load_cursor()):
        ctx.add_total(len(batch.records))
        for_each(ctx, batch.records, lambda s: with_request(s, lambda r: ship_to_store(ctx, r)),
                 entity=SHIPMENT, ids=_erp_ids)  # fmt: skip
        ctx.commit(cursor=batch.cursor)
    return None


@register_flow("shipment_export", requires={Capability.SHIPMENTS_TO_ERP}, queue="orders",
               lock=SHIPMENT_LOCK, group="shipments", direction=Direction.BC_TO_ERP,
               per_record=True)  # fmt: skip
def export_shipment(ctx: Any, *, order_id: int, shipment_id: int, **_: Any) -> str:
    """One BigCommerce shipment from the webhook (only when the store leads shipments)."""
    if rules_for(ctx.store).shipment_source != "store":
        return "Shipments come from the ERP (settings): the store's shipment is left alone."
    ctx.set_total(1)
    raw = {"order_id": order_id, "id": shipment_id}
    for_each(ctx, [raw], lambda s: ship_to_erp(ctx, order_id, shipment_id), entity=SHIPMENT,
             ids=_bc_ids)  # fmt: skip
    return f"Shipment {shipment_id} of order {order_id} handled."


def event_route(event: Any) -> tuple[str, str, dict[str, Any]] | None:
    """``store/shipment/created`` → (settings switch, flow, options) for ``bcapp.jobs.events``.

    None (ignore the event) while the ERP leads shipments: then the event is the
    echo of a shipment this app just made, and no run is opened for it.
    """
    from bcapp.extensions import db
    from bcapp.models import Store

    store = db.session.get(Store, event.store_id)
    if store is None or rules_for(store).shipment_source != "store":
        return None
    data = event.payload["data"]
    return (
        "shipments",
        "shipment_export",
        {"order_id": int(data["orderId"]), "shipment_id": int(data["id"])},
    )


@register_retry(SHIPMENT, lock=SHIPMENT_LOCK)
def retry_shipment(ctx: Any, *, bc_id: Any = None, erp_id: Any = None, payload: Any = None) -> Any:
    """Retry/Replay a shipment in the direction the merchant's settings say."""
    if rules_for(ctx.store).shipment_source == "store":
        order_id, _, shipment_id = str(bc_id or "").partition(":")
        if not shipment_id:
            raise ConfigError("This log entry names no BigCommerce shipment to send again.")
        return ship_to_erp(ctx, int(order_id), int(shipment_id))
    if erp_id is None:
        raise ConfigError("This log entry names no ERP delivery note to send again.")
    record = shipment_from_payload(payload) if isinstance(payload, dict) else None
    if record is None or record.erp_id != str(erp_id):
        record = find_record(ctx.connector.fetch_shipments, str(erp_id))
    ctx.set_total(1)
    for_each(ctx, [record], lambda s: with_request(s, lambda r: ship_to_store(ctx, r)),
             entity=SHIPMENT, ids=_erp_ids)  # fmt: skip
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
