"""Refunds: an ERP credit invoice for a store order becomes a BigCommerce refund.

Per credit note (``entity="credit_note"``, bound as ``bc_id="{order}:{refund id}"``,
``erp_id`` = the credit invoice number):

1. **bound?** — done before; nothing is refunded twice;
2. **items** — a credited line whose SKU is on the order and whose amount is
   what BigCommerce charged for that quantity is refunded *as the product*
   (BigCommerce then counts it refunded); any other credited amount (a partial
   credit, a line the order lacks) is an order-level amount; the credited
   shipping is a shipping amount;
3. **quote** — BigCommerce prices the items and says which refund methods it
   offers; a refusal (more than paid, more than left) skips the note with
   BigCommerce's own words;
4. **find** — a refund whose reason names this credit invoice (a crash between
   refund and bind) is bound instead of refunding again;
5. **refund** — through the payment provider when BigCommerce offers one;
   otherwise (an offline payment such as cash on delivery or a bank deposit,
   or the provider refused) it is recorded in BigCommerce as an offline refund,
   or, when even that is not offered, the order is only moved to Refunded /
   Partially Refunded. Either way BigCommerce's status follows and the log
   says what the merchant must still do by hand (pay the customer back).

Quotes, refunds and their payment methods are typed records of the store
facade's refund side (:mod:`bcapp.bigcommerce.store.refunds`).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from bcapp.bigcommerce.store import (
    OrderItem,
    RefundItem,
    RefundKind,
    RefundMethod,
    RefundPayment,
    RefundQuote,
    RefundRequest,
    StoreRefund,
)
from bcapp.connectors.base import Capability, CreditNote, CreditNoteLine
from bcapp.errors import ConfigError, FatalSyncError, SkipRecord
from bcapp.extensions import db
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.fulfilment import (
    allocate,
    bc_failure,
    current,
    order_id_for,
    order_items,
    with_request,
)
from bcapp.sync.records import Outcome
from bcapp.sync.registry import register_flow, register_retry
from bcapp.sync.runner import for_each

CREDIT_NOTE = "credit_note"
REFUNDED, PARTIALLY_REFUNDED = 4, 14
#: Credited vs charged amounts within this are the same amount (rounding per unit).
ROUNDING = Decimal("0.02")


def marker(note: CreditNote) -> str:
    """The refund reason that ties a BigCommerce refund to its credit invoice."""
    return f"ERP credit invoice {note.erp_id}"


# -- items -------------------------------------------------------------------------------------


def refund_items(note: CreditNote, items: list[OrderItem], order_id: int) -> list[RefundItem]:
    """The refund's items (see the module docstring, step 2)."""
    out: list[RefundItem] = []
    extra = Decimal("0")
    for line in note.lines:
        as_product = _as_product(line, items)
        if as_product:
            out += as_product
        elif line.amount > 0:
            extra += line.amount
    if note.shipping_amount > 0:
        address = next((i.address_id for i in items if i.address_id), 0)
        out.append(RefundItem(RefundKind.SHIPPING, int(address or 0), amount=note.shipping_amount))
    if extra > 0:
        out.append(RefundItem(RefundKind.ORDER, order_id, amount=extra, reason=marker(note)))
    return out


def _as_product(line: CreditNoteLine, items: list[OrderItem]) -> list[RefundItem]:
    """Product items for a line BigCommerce can price the same way, else []."""
    quantity = line.quantity
    if quantity <= 0 or quantity != quantity.to_integral_value() or not line.sku:
        return []
    matching = [i for i in items if i.sku.casefold() == line.sku.casefold()]
    if not matching:
        return []
    unit = matching[0].price_inc_tax
    if abs(unit * quantity - line.amount) > ROUNDING * quantity:
        return []
    try:
        spread = allocate([(line.sku, int(quantity), None)], matching, _left_to_refund)
    except SkipRecord:
        return []
    return [RefundItem(RefundKind.PRODUCT, i.bc_line_id, quantity=q) for i, q in spread]


def _left_to_refund(item: OrderItem) -> int:
    return item.left_to_refund


# -- payment methods ---------------------------------------------------------------------------


def choose_method(quote: RefundQuote) -> tuple[list[RefundPayment], str]:
    """(payments, what the merchant must do by hand) for the quote's refund methods.

    A provider refund (money goes back automatically) wins; store credit is never
    chosen for the merchant. Otherwise an offline option: BigCommerce records the
    refund, the merchant pays it back.
    """
    options = [m for m in quote.methods if not m.store_credit]
    online = [o for o in options if not o.offline and not o.offline_provider]
    if online:
        return [_payment(online[0], quote.total, offline=False)], ""
    offline = [o for o in options if o.offline or o.offline_provider]
    if offline:
        option = offline[0]
        why = option.offline_reason or f"{option.description} is offline."
        return [_payment(option, quote.total, offline=True)], _by_hand(quote.total, why)
    return [], _by_hand(quote.total, "BigCommerce offers no way to refund this order.")


def _payment(option: RefundMethod, amount: Decimal, *, offline: bool) -> RefundPayment:
    return RefundPayment(provider_id=option.provider_id, amount=amount, offline=offline)


def _by_hand(amount: Decimal, why: str) -> str:
    return (f"{why} BigCommerce did not pay the customer back: refund {float(amount):.2f} to the "
            "customer by hand (bank transfer, cash).")  # fmt: skip


# -- one credit note ---------------------------------------------------------------------------


def refund_credit_note(ctx: SyncContext, note: CreditNote) -> str:
    """One ERP credit invoice → one BigCommerce refund; idempotent and crash-safe."""
    binding = ctx.binder.by_erp(CREDIT_NOTE, note.erp_id)
    if binding is not None:
        ctx.record(Outcome.UNCHANGED, CREDIT_NOTE, binding.bc_id, note.erp_id, "Already refunded.",
                   details={"order_bc_id": binding.bc_id.split(":")[0]})  # fmt: skip
        return binding.bc_id
    order_id = order_id_for(ctx, note.order_reference)
    details: dict[str, Any] = {"order_bc_id": order_id, "credit_total": str(note.total)}
    found = _existing_refund(ctx, order_id, note)
    if found is not None:
        return _done(ctx, note, order_id, found, details, "Found the refund made before a crash.")
    items = refund_items(note, order_items(ctx, order_id), order_id)
    if not items:
        raise SkipRecord("The credit invoice credits nothing BigCommerce can refund.")
    quote = _quote(ctx, order_id, items)
    payments, by_hand = choose_method(quote)
    details.update(quote_total=quote.total, items=items)
    if ctx.dry_run:
        ctx.preview(CREDIT_NOTE, None, {"items": items, "payments": payments}, bc_id=order_id,
                    erp_id=note.erp_id, message=by_hand)  # fmt: skip
        return ""
    if not payments:
        return _status_only(ctx, note, order_id, details, by_hand)
    request = RefundRequest(items=tuple(items), payments=tuple(payments), reason=marker(note))
    try:
        refund = ctx.store.create_refund(order_id, request)
    except FatalSyncError as exc:  # the quote passed: the provider refused
        return _provider_refused(ctx, note, order_id, quote, request, details, exc)
    if by_hand:
        details["manual_action"] = by_hand
    message = by_hand or "Refunded through the payment provider."
    return _done(ctx, note, order_id, refund, details, message, request)


def _quote(ctx: SyncContext, order_id: int, items: list[RefundItem]) -> RefundQuote:
    try:
        return ctx.store.refund_quote(order_id, items)
    except FatalSyncError as exc:
        raise bc_failure(exc, f"BigCommerce refused the refund for order {order_id}") from exc


def _existing_refund(ctx: SyncContext, order_id: int, note: CreditNote) -> StoreRefund | None:
    return next((r for r in ctx.store.refunds(order_id) if r.reason == marker(note)), None)


def _done(
    ctx: SyncContext,
    note: CreditNote,
    order_id: int,
    refund: StoreRefund,
    details: dict[str, Any],
    message: str,
    sent: RefundRequest | None = None,
) -> str:
    """Bind the note to ``refund`` and log it (with the request ``sent``, if one was)."""
    bc_id = f"{order_id}:{refund.bc_id}"
    ctx.binder.bind(CREDIT_NOTE, bc_id, note.erp_id, data={"order_id": order_id})
    details = {**details, "refund_id": refund.bc_id, "refunded": refund.total}
    ctx.record(
        Outcome.CREATED,
        CREDIT_NOTE,
        bc_id,
        note.erp_id,
        message,
        request=note,
        response=refund,
        details={**details, "sent": sent} if sent else details,
    )
    return bc_id


def _provider_refused(
    ctx: SyncContext,
    note: CreditNote,
    order_id: int,
    quote: RefundQuote,
    refused: RefundRequest,
    details: dict[str, Any],
    exc: FatalSyncError,
) -> str:
    """Record the refund offline (or only move the status) and say the provider refused.

    ``exc`` already carries BigCommerce's sentence (the facade unwraps its error).
    """
    why = f"The payment provider refused the refund ({exc.message})."
    offline = [m for m in quote.methods if m.offline]
    by_hand = _by_hand(quote.total, why)
    if not offline:
        return _status_only(ctx, note, order_id, details, by_hand)
    request = replace(refused, payments=(_payment(offline[0], quote.total, offline=True),))
    refund = ctx.store.create_refund(order_id, request)
    details = {**details, "manual_action": by_hand}
    return _done(ctx, note, order_id, refund, details, by_hand, request)


def _status_only(ctx: SyncContext, note: CreditNote, order_id: int, details: dict[str, Any],
                 by_hand: str) -> str:  # fmt: skip
    """No refund BigCommerce can record: move the order to (Partially) Refunded and say so."""
    head = ctx.store.order_head(order_id)
    paid = head.total_inc_tax if head else Decimal("0")
    already = (head.refunded_amount if head else Decimal("0")) + _credited_by_hand(ctx, order_id)
    status = REFUNDED if note.total + already >= paid - ROUNDING else PARTIALLY_REFUNDED
    ctx.store.set_order_status(order_id, status)
    bc_id = f"{order_id}:manual-{note.erp_id}"
    ctx.binder.bind(
        CREDIT_NOTE,
        bc_id,
        note.erp_id,
        data={"order_id": order_id, "manual": True, "amount": str(note.total)},
    )
    ctx.record(
        Outcome.CREATED,
        CREDIT_NOTE,
        bc_id,
        note.erp_id,
        by_hand,
        request=note,
        details={**details, "manual_action": by_hand, "status_id": status},
    )
    return bc_id


def _credited_by_hand(ctx: SyncContext, order_id: int) -> Decimal:
    """Earlier status-only credits of the order (BigCommerce's refunded amount lacks them)."""
    stmt = db.select(Binding).where(
        Binding.connection_id == ctx.binder.connection_id, Binding.entity == CREDIT_NOTE,
        Binding.bc_id.like(f"{order_id}:manual-%"),
    )  # fmt: skip
    return sum((Decimal(str((b.data or {}).get("amount") or 0))
                for b in db.session.execute(stmt).scalars()), Decimal("0"))  # fmt: skip


# -- flows and retry ---------------------------------------------------------------------------


def _ids(note: CreditNote) -> tuple[str | None, str]:
    return (note.order_reference or None), note.erp_id


def _one(ctx: SyncContext, note: CreditNote) -> None:
    with_request(note, lambda n: refund_credit_note(ctx, n))


@register_flow("refunds", requires={Capability.CREDIT_NOTES}, lock="refunds", group="refunds",
               every=60)  # fmt: skip
def sync_refunds(ctx: SyncContext, **_: Any) -> None:
    """ERP credit invoices changed since the cursor → BigCommerce refunds."""
    for batch in ctx.connector.fetch_credit_notes(ctx.load_cursor()):
        ctx.add_total(len(batch.records))
        for_each(ctx, batch.records, lambda n: _one(ctx, n), entity=CREDIT_NOTE, ids=_ids)
        ctx.commit(cursor=batch.cursor)


@register_retry(CREDIT_NOTE, requires={Capability.CREDIT_NOTES}, lock="refunds")
def retry_credit_note(ctx: SyncContext, *, bc_id: Any = None, erp_id: Any = None,
                      payload: Any = None) -> str:  # fmt: skip
    """Retry (the credit invoice as the ERP has it now) or Replay (the stored one)."""
    if erp_id is None:
        raise ConfigError("This log entry names no ERP credit invoice.")
    note = credit_note_from_payload(payload) if isinstance(payload, dict) else None
    if note is None or note.erp_id != str(erp_id):
        note = current(ctx.connector.fetch_credit_note, str(erp_id))
    ctx.set_total(1)
    for_each(ctx, [note], lambda n: _one(ctx, n), entity=CREDIT_NOTE, ids=_ids)
    return f"Credit invoice {erp_id} handled."


def credit_note_from_payload(payload: dict[str, Any]) -> CreditNote | None:
    """A CreditNote from a log entry's stored request, or None if it is not one."""
    if "erp_id" not in payload or "lines" not in payload:
        return None
    lines = tuple(
        CreditNoteLine(
            sku=ln["sku"], quantity=Decimal(str(ln["quantity"])), amount=Decimal(str(ln["amount"]))
        )
        for ln in payload["lines"]
    )
    return CreditNote(
        erp_id=str(payload["erp_id"]), order_reference=str(payload["order_reference"]),
        lines=lines, shipping_amount=Decimal(str(payload.get("shipping_amount") or 0)),
        total=Decimal(str(payload.get("total") or 0)),
    )  # fmt: skip
