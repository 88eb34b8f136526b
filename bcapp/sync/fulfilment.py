"""What the fulfilment flows share: which store order a record is about, BigCommerce's words.

:mod:`bcapp.sync.shipments` and :mod:`bcapp.sync.refunds` both turn an ERP
record about an exported order into a BigCommerce write. Both must

* find the order only among orders this app exported (:func:`order_id_for`):
  an ERP reference that merely looks like an order id must never ship or refund
  a stranger's order;
* spread ERP quantities over the order's lines by SKU (:func:`allocate`);
* skip a record BigCommerce refuses with BigCommerce's own sentence
  (:func:`bc_failure`), keeping the record as the log's request so the
  activity log's Replay can send it again (:func:`with_request`);
* re-read one record for the log's Retry (:func:`current`: the connector's point read).

No flow is registered here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

from bcapp.errors import ConfigError, FatalSyncError, SkipRecord
from bcapp.sync.records import to_jsonable

ORDER = "order"
T = TypeVar("T")


def order_id_for(ctx: Any, reference: str, erp_order_id: str = "") -> int:
    """The BigCommerce order a fulfilment record is about; only orders this app exported.

    Found by the ERP order number's binding, else by the reference (our BigCommerce
    order id) when that order is bound. A record for any other order is skipped:
    an ERP reference that merely looks like an order id must never ship or refund
    a stranger's order.
    """
    bound = ctx.binder.by_erp(ORDER, erp_order_id) if erp_order_id else None
    text = str(reference or "").strip()
    if bound is None and text.isdigit():
        bound = ctx.binder.by_bc(ORDER, text)
    if bound is not None and str(bound.bc_id).isdigit():
        return int(bound.bc_id)
    raise SkipRecord(
        f"ERP order {erp_order_id or '?'} (reference {text!r}) was not exported by this app: "
        "nothing is changed in BigCommerce."
    )


def current(read: Callable[[str], T | None], erp_id: str) -> T:
    """The ERP record ``erp_id`` in its latest state, through a connector's point read."""
    record = read(str(erp_id))
    if record is None:
        raise ConfigError(f"The ERP no longer lists record {erp_id} (deleted or not ready).")
    return record


def whole(quantity: Decimal, what: str) -> int:
    """BigCommerce counts items in whole units; a fractional ERP quantity cannot be sent."""
    if quantity != quantity.to_integral_value():
        raise SkipRecord(f"{what}: quantity {quantity} is not a whole number of items.")
    return int(quantity)


def _products_by_sku(products: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for product in products:
        out.setdefault(str(product.get("sku") or "").strip().casefold(), []).append(product)
    return out


def allocate(
    lines: Iterable[tuple[str, int, int | None]],
    products: list[dict[str, Any]],
    left: Callable[[dict[str, Any]], int],
) -> list[tuple[dict[str, Any], int]]:
    """Spread (sku, quantity, order product id) over order products with room left.

    A SKU on two order lines fills the first before the second; whatever no line
    has room for goes to the SKU's last line, so BigCommerce refuses it with its
    own words. A SKU the order does not have raises SkipRecord naming it.
    """
    by_sku, by_id = _products_by_sku(products), {p["id"]: p for p in products}
    taken: dict[int, int] = {}
    out: list[tuple[dict[str, Any], int]] = []
    for sku, quantity, line_id in lines:
        candidates = [by_id[line_id]] if line_id in by_id else by_sku.get(sku.casefold(), [])
        if not candidates:
            raise SkipRecord(f"BigCommerce order has no line for SKU {sku} (any more).",
                             details={"sku": sku})  # fmt: skip
        for index, product in enumerate(candidates):
            room = max(left(product) - taken.get(product["id"], 0), 0)
            last = index == len(candidates) - 1
            share = quantity if last else min(room, quantity)
            if share > 0:
                out.append((product, share))
                taken[product["id"]] = taken.get(product["id"], 0) + share
                quantity -= share
            if not quantity:
                break
    return out


def bc_failure(exc: FatalSyncError, what: str) -> SkipRecord:
    """BigCommerce refused the record: skip it with BigCommerce's own sentence."""
    return SkipRecord(f"{what}: {bc_words(exc)}", status=exc.status, remote=exc.remote,
                      details=exc.details)  # fmt: skip


def bc_words(exc: FatalSyncError) -> str:
    """BigCommerce's sentence, also from the refund API's ``{"data": [error]}`` wrapping."""
    body = exc.details.get("body")
    wrapped = body.get("data") if isinstance(body, dict) else None
    if isinstance(wrapped, list) and wrapped and isinstance(wrapped[0], dict):
        title = str(wrapped[0].get("title") or wrapped[0].get("message") or "")
        errors = wrapped[0].get("errors") or {}
        pairs = errors.items() if isinstance(errors, dict) else ()
        listed = "; ".join(f"{k}: {v}" for k, v in pairs)
        if title:
            return f"{title} ({listed})" if listed else title
    return exc.message


def with_request(record: Any, fn: Callable[[Any], T]) -> T:
    """``fn(record)``; a skipped or failed record keeps ``record`` as the log's request (Replay)."""
    try:
        return fn(record)
    except (SkipRecord, FatalSyncError) as exc:
        exc.details.setdefault("request", to_jsonable(record))
        raise


def order_products(ctx: Any, order_id: int) -> list[dict[str, Any]]:
    """The order's lines; an order BigCommerce no longer has skips the record."""
    try:
        return ctx.bc.orders.products(order_id)
    except FatalSyncError as exc:
        raise bc_failure(exc, f"BigCommerce order {order_id} cannot be read") from exc
