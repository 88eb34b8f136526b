"""Orders BigCommerce → ERP, exactly once.

The exporter recipe (DESIGN.md), for one order under a per-order Redis lock:

1. **binding exists?** — the order is in the ERP; only unfinished follow-up
   steps (subscriptions, status write-back) run again;
2. **find_order(reference)** in the ERP — recovers a worker that died between
   the ERP's create and our binding: the order is bound, not created again;
3. **customer** — the debtor (default debtor, bound, found by e-mail, or created;
   see :mod:`bcapp.sync.customers`);
4. **create** → **bind** → **commit**, then subscriptions for digital lines and
   the status write-back (:mod:`bcapp.sync.order_status`).

What makes it exactly-once is the database and the ERP, not timing: the
binding table is unique on (connection, entity, bc_id) and (connection, entity,
erp_id), so a second writer's bind fails and becomes a retry; the ERP lookup
by reference covers the crash window between create and bind; the lock keeps
two workers from both passing step 2 before either creates.

Export decides by the order's *current* status (``store/order/created`` also
fires for incomplete and failed-payment orders), never by the event. An order
the ERP cannot take (an unknown SKU, an unmapped payment method) is an import
error: logged with the value to fix, moved to the merchant's error status, and
re-queued from the log's Retry button or by putting it back in an export status.

Reading the order and applying the merchant's mappings is in
:mod:`bcapp.sync.order_reading`. Flows registered here: ``order_export`` (one
order, from a webhook), ``orders`` (the periodic reconciliation: every order
modified since the cursor that should be in the ERP and is not) and the
``order`` retry handler.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeGuard

from bcapp.connectors.base import (
    Capability,
    DocumentType,
    Order,
    OrderFeature,
    OrderInstructions,
    OrderLine,
    PaymentBooking,
    last_exchange,
    split_by_address,
)
from bcapp.errors import FatalSyncError, RetryableSyncError, SkipRecord, SyncError
from bcapp.extensions import db
from bcapp.locks import RunLock
from bcapp.mapping.rules import StoreRules
from bcapp.models import Binding
from bcapp.sync import order_status
from bcapp.sync.context import SyncContext
from bcapp.sync.customers import RecordLock, checked_vat, debtor_for_order
from bcapp.sync.field_mapping import map_order
from bcapp.sync.order_reading import (
    check_document_type,
    document_type_of,
    instructions_for,
    prepared,
    total_check,
    with_article_numbers,
    with_vat_code,
)
from bcapp.sync.records import Direction, Outcome
from bcapp.sync.registry import FLOWS, Flow, register_flow, register_retry
from bcapp.sync.runner import for_each

log = logging.getLogger(__name__)

ORDER = "order"
SUBSCRIPTION = "subscription"
#: A paid order's payment booked in the ERP (bound by BigCommerce order id).
PAYMENT = "payment"
#: Binding data of an exported order whose payment is still to come.
AWAITING = "awaiting"
#: Reconciliation re-reads this much before its cursor (v2 dates have whole seconds).
OVERLAP = timedelta(minutes=2)


#: Called with the name of each point of an export where a crash would leave a different
#: state ("before_create", "after_create", "before_commit", "after_commit"). None in
#: production; the crash tests install one that stops the process there to be killed.
checkpoint_hook: Callable[[str], None] | None = None


def checkpoint(name: str) -> None:
    """Tell the checkpoint hook (if any) that the export reached ``name``."""
    if checkpoint_hook is not None:
        checkpoint_hook(name)


# -- one order -----------------------------------------------------------------------------------


def is_done(binding: Binding | None) -> TypeGuard[Binding]:
    """Bound and every follow-up step finished (subscriptions, status write-back)."""
    return binding is not None and bool((binding.data or {}).get("done", True))


def fetch_order(ctx: SyncContext, bc_id: int) -> Order:
    """The BigCommerce order with its lines, shipping addresses and coupons.

    Its ``reference`` is the merchant's template filled in (``BC-{order_id}``): what
    the ERP stores and what :meth:`find_order` asks for.
    """
    order = ctx.store.order(bc_id)
    if order is None:
        raise SkipRecord(f"BigCommerce order {bc_id} no longer exists.")
    return replace(order, reference=ctx.rules.orders.reference_for(order.bc_id, order.channel_id))


def find_exported(ctx: SyncContext, order: Order, rules: StoreRules) -> str | None:
    """The ERP order already made for ``order``: by its reference, else by an earlier one.

    A merchant who changed the reference template has orders in the ERP under the old
    text; asking for those too means a changed template never exports an order twice.
    """
    return found_under(ctx, order, rules)[0]


def found_under(ctx: SyncContext, order: Order, rules: StoreRules) -> tuple[str | None, str]:
    """(the ERP order already made for ``order``, the reference it was found by)."""
    erp_id = ctx.connector.find_order(order.reference)
    if erp_id is not None:
        return erp_id, order.reference
    for reference in rules.orders.earlier_references(order.bc_id, order.channel_id):
        erp_id = ctx.connector.find_order(reference)
        if erp_id is not None:
            return erp_id, reference
    return None, order.reference


def splits(ctx: SyncContext, order: Order) -> bool:
    """Whether the ERP gets one document per shipping address for ``order``."""
    features: frozenset[OrderFeature] = getattr(ctx.connector, "order_features", frozenset())
    if OrderFeature.SEVERAL_ADDRESSES not in features or len(order.shipping_addresses) < 2:
        return False
    if document_type_of(order, ctx.rules) is DocumentType.JOURNAL_ENTRY:
        return False  # a ledger books the whole order in one entry, not per delivery address
    return len(split_by_address(order)) > 1  # every line to one address: one document


def documents_of(ctx: SyncContext, order: Order, erp_id: str) -> dict[str, str]:
    """Reference → ERP number of every document of an order booked per shipping address.

    The first is ``erp_id`` (what the order is bound to); the others are asked for by
    their references, so the log and the lineage name each one.
    """
    if not splits(ctx, order):
        return {}
    found = {order.reference: erp_id}
    for part in split_by_address(order)[1:]:
        found[part.order.reference] = ctx.connector.find_order(part.order.reference) or ""
    return found


def export_order(ctx: SyncContext, bc_id: int, *, force: bool = False, quiet: bool = False) -> str:
    """Export BigCommerce order ``bc_id`` if its status says so; idempotent, crash-safe.

    Args:
        force: also export an order sitting in the merchant's error status (the
            log's Retry button on a failed order).
        quiet: don't log orders that need nothing (webhook echoes of our own
            status write-back would otherwise fill the log).

    Returns:
        A sentence for the run's message.
    """
    bc_id = int(bc_id)
    binding = ctx.binder.by_bc(ORDER, bc_id)
    if is_done(binding) and _awaits_payment(binding):
        order = fetch_order(ctx, bc_id)
        if order.paid:
            with order_lock(ctx, bc_id):
                book_payment(ctx, order, ctx.rules, binding)
            return f"Order {bc_id} is in the ERP as {binding.erp_id}; its payment was booked."
    if is_done(binding):
        if not quiet:
            ctx.record(Outcome.UNCHANGED, ORDER, bc_id, binding.erp_id,
                       f"Already in the ERP as {binding.erp_id}.")  # fmt: skip
        return f"Order {bc_id} is already in the ERP."
    rules = ctx.rules
    order = fetch_order(ctx, bc_id)
    if binding is None and not rules.orders.from_exported_channel(order.channel_id):
        return (f"Order {bc_id} is from storefront {order.channel_id}, whose orders do not go "
                "to this ERP (order settings): not exported.")  # fmt: skip
    if binding is None and not _wanted(order, rules, force):
        return f"Order {bc_id} is in status {order.status_id}: not exported."
    with order_lock(ctx, bc_id):
        return _export_locked(ctx, order, rules)


def _wanted(order: Order, rules: StoreRules, force: bool) -> bool:
    if rules.orders.exports(order.status_id):
        return True
    return force and order.status_id == rules.orders.error_status_id


def _export_locked(ctx: SyncContext, order: Order, rules: StoreRules) -> str:
    binding = ctx.binder.by_bc(ORDER, order.bc_id)  # again: another worker may just have bound it
    if binding is None:
        checkpoint("before_find")
        erp_id, reference = found_under(ctx, order, rules)
        # An order booked per address may have died between its documents: create_order
        # then makes only the missing ones (found under today's reference only).
        complete = splits(ctx, order) and reference == order.reference
        if erp_id is not None and not complete:
            binding = _bind(ctx, order, erp_id, rules, recovered=True)
        else:
            binding = _create(ctx, order, rules, searched=erp_id is None)
            if binding is None:
                return f"Order {order.bc_id} could not be exported (see the log)."
    _finish(ctx, order, rules, binding)
    return f"Order {order.bc_id} is in the ERP as {binding.erp_id}."


def _create(
    ctx: SyncContext, order: Order, rules: StoreRules, *, searched: bool = True
) -> Binding | None:
    """Customer, then the ERP order, then the binding (committed); None after an import error.

    ``searched`` False: the ERP has (part of) the order already; create_order completes it.
    """
    subscriptions = rules.orders.subscriptions_for_digital and ctx.can(Capability.SUBSCRIPTIONS)
    try:
        if (rules.mappings.tax or rules.mappings.revenue_account) and order.tax_total:
            order = ctx.store.with_tax_classes(order)  # one request, only when it matters
        buyer = checked_vat(ctx, order.customer, order.billing_address.country_code)
        buyer = with_vat_code(buyer, order, rules.mappings)
        ready = prepared(replace(order, customer=buyer), subscriptions)
        todo = with_article_numbers(ctx.binder, ready, instructions_for(ready, rules))
        check_document_type(todo, ctx.connector.document_types)
        todo = map_order(ctx, ready, todo)
        if ctx.dry_run:
            ctx.preview(ORDER, None, {"order": ready, "instructions": todo}, bc_id=order.bc_id)
            return None
        debtor = debtor_for_order(ctx, ready.customer, order.bc_id, order=ready)
        checkpoint("before_create")
        # searched: _export_locked has just asked find_order, under the order lock
        erp_id = ctx.connector.create_order(ready, debtor, todo, searched=searched)
    except (SkipRecord, FatalSyncError) as exc:
        _import_error(ctx, order, rules, exc)
        return None
    if not erp_id:
        erp_id = ctx.connector.find_order(order.reference) or ""
        if not erp_id:
            raise RetryableSyncError(f"The ERP did not return a number for order {order.bc_id}.")
    checkpoint("after_create")
    return _bind(ctx, ready, erp_id, rules, debtor=debtor, subscriptions=subscriptions)


def _bind(
    ctx: SyncContext,
    order: Order,
    erp_id: str,
    rules: StoreRules,
    *,
    debtor: str | None = None,
    subscriptions: bool | None = None,
    recovered: bool = False,
) -> Binding:
    if subscriptions is None:
        subscriptions = rules.orders.subscriptions_for_digital and ctx.can(Capability.SUBSCRIPTIONS)
    digital = [line.bc_line_id for line in order.lines if line.is_digital] if subscriptions else []
    # a journal entry books shipping and discounts on the whole order
    ledger = document_type_of(order, rules) is DocumentType.JOURNAL_ENTRY
    books_shipping = ledger or bool(
        rules.orders.shipping_cost_article or ctx.connector.shipping_article
    )
    check = total_check(order, books_shipping=books_shipping, books_order_discount=ledger)
    data: dict[str, Any] = {"done": False, "debtor": debtor, "pending_subscriptions": digital,
                            "total": check}  # fmt: skip
    documents = documents_of(ctx, order, erp_id)
    details: dict[str, Any] = {"total": check}
    if documents:
        data["documents"] = details["documents"] = documents
    binding = ctx.binder.bind(ORDER, order.bc_id, erp_id, data=data)
    if recovered:
        message = f"Found in the ERP as {erp_id} (exported before the app could record it); bound."
        ctx.record(Outcome.UNCHANGED, ORDER, order.bc_id, erp_id, message, details=details)
    elif documents:
        message = (f"Exported as {len(documents)} ERP orders, one per shipping address: "
                   + ", ".join(f"{n} ({ref})" for ref, n in documents.items()) + ".")  # fmt: skip
        if not check["ok"]:
            message += (f" Totals differ: ERP {check['erp']} vs BigCommerce {check['bigcommerce']}"
                        f" ({check['difference']}).")  # fmt: skip
        ctx.record(Outcome.CREATED, ORDER, order.bc_id, erp_id, message, request=order,
                   response=last_exchange(ctx.connector), details=details)  # fmt: skip
    else:
        message = f"Exported as ERP order {erp_id}."
        if not check["ok"]:
            message += (f" Totals differ: ERP {check['erp']} vs BigCommerce {check['bigcommerce']}"
                        f" ({check['difference']}).")  # fmt: skip
        ctx.record(Outcome.CREATED, ORDER, order.bc_id, erp_id, message, request=order,
                   response=last_exchange(ctx.connector), details=details)  # fmt: skip
    checkpoint("before_commit")
    ctx.commit()
    checkpoint("after_commit")
    return binding


def _finish(ctx: SyncContext, order: Order, rules: StoreRules, binding: Binding) -> None:
    """Subscriptions still pending, then the success status; marks the binding done."""
    data = dict(binding.data or {})
    pending = list(data.get("pending_subscriptions") or [])
    if pending:
        debtor = data.get("debtor") or debtor_for_order(ctx, order.customer, order.bc_id)
        for line in order.lines:
            if line.bc_line_id in pending:
                _subscription(ctx, order, line, debtor)
                pending.remove(line.bc_line_id)
                ctx.binder.touch(binding, data={"pending_subscriptions": pending})
                ctx.commit()
    book_payment(ctx, order, rules, binding)
    order_status.mark_exported(ctx, rules.orders, order.bc_id, order.status_id)
    ctx.binder.touch(binding, data={"done": True, "pending_subscriptions": []})
    ctx.commit()


def book_payment(ctx: SyncContext, order: Order, rules: StoreRules, binding: Binding) -> None:
    """Book a paid order's payment on its debtor, once (the ERP then shows it paid).

    Only for an ERP that books payments (:class:`PaymentBooking`) and a payment method
    with a journal (the ``payment_journal`` mapping). An order not paid yet is marked
    ``awaiting`` on its binding: a later export run (the order's update webhook, the
    reconciliation) books it once BigCommerce reports the payment captured. A refusal
    is logged against the payment and leaves the exported order as it is; the log's
    Retry books it again.
    """
    journal = rules.mappings.payment_journal_for(order.payment_method)
    if journal is None or not isinstance(ctx.connector, PaymentBooking):
        return
    if ctx.binder.by_bc(PAYMENT, order.bc_id) is not None:
        return
    if not order.paid:
        ctx.binder.touch(binding, data={"payment": AWAITING})
        ctx.commit()
        return
    debtor = (binding.data or {}).get("debtor") or debtor_for_order(
        ctx, order.customer, order.bc_id
    )
    todo = OrderInstructions(
        payment_journal=journal,
        document_type=document_type_of(order, rules),
        document_number=binding.erp_id,
    )
    try:
        number = ctx.connector.book_payment(order, debtor, todo)
    except (SkipRecord, FatalSyncError) as exc:
        db.session.rollback()
        ctx.record(Outcome.FAILED, PAYMENT, order.bc_id, None, f"Payment not booked: {exc}",
                   response=last_exchange(ctx.connector))  # fmt: skip
        ctx.commit()
        return
    ctx.binder.bind(PAYMENT, order.bc_id, number)
    ctx.binder.touch(binding, data={"payment": "booked"})
    ctx.record(Outcome.CREATED, PAYMENT, order.bc_id, number,
               f"Payment of order {order.bc_id} ({_money(order.total_inc_tax)} {order.currency}, "
               f"{order.payment_method}) booked in journal {_journal_text(journal)} as {number}.",
               request=order, response=last_exchange(ctx.connector))  # fmt: skip
    ctx.commit()


def _money(amount: Decimal) -> str:
    return str(amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _journal_text(journal: str) -> str:
    """``MOL/1105`` (a journal with its ledger account) as "MOL (account 1105)"."""
    code, _, account = journal.partition("/")
    return f"{code} (account {account})" if account else code


def _awaits_payment(binding: Binding) -> bool:
    return (binding.data or {}).get("payment") == AWAITING


def _subscription(ctx: SyncContext, order: Order, line: OrderLine, debtor: str) -> None:
    key = f"{order.bc_id}:{line.bc_line_id}"
    if ctx.binder.by_bc(SUBSCRIPTION, key) is not None:
        return
    number = ctx.connector.create_subscription(order, line, debtor)
    ctx.binder.bind(SUBSCRIPTION, key, number)
    ctx.record(Outcome.CREATED, SUBSCRIPTION, key, number,
               f"Subscription {number} for {line.sku} (order {order.bc_id}).")  # fmt: skip


def _import_error(ctx: SyncContext, order: Order, rules: StoreRules, exc: Exception) -> None:
    """Log the reason against the order and move it to the error status (committed)."""
    db.session.rollback()
    details = dict(getattr(exc, "details", {}) or {})
    if isinstance(exc, SyncError) and exc.remote:
        details["remote"] = exc.remote
    ctx.record(Outcome.FAILED, ORDER, order.bc_id, None, f"Not exported: {exc}",
               response=details.pop("response", None), details=details or None)  # fmt: skip
    ctx.commit()
    order_status.mark_failed(ctx, rules.orders, order.bc_id, order.status_id)


class OrderLocked(RetryableSyncError):
    """Another worker holds the order's lock (a job retries; the reconciliation skips it)."""


class _OrderLock(RecordLock):
    def __enter__(self) -> RunLock:
        try:
            return super().__enter__()
        except RetryableSyncError as exc:
            raise OrderLocked(exc.message, retry_after=exc.retry_after) from None


def order_lock(ctx: SyncContext, bc_id: int) -> RecordLock:
    """The per-order Redis lock (see :class:`~bcapp.sync.customers.RecordLock`)."""
    return _OrderLock(ctx, f"order-{bc_id}", f"Order {bc_id}")


# -- flows ---------------------------------------------------------------------------------------


@register_flow("order_export", requires={Capability.ORDERS, Capability.CUSTOMERS},
               queue="orders", group="orders", direction=Direction.BC_TO_ERP,
               per_record=True)  # fmt: skip
def export_order_flow(ctx: SyncContext, *, order_id: int, quiet: bool = True) -> str:
    """One order, from a webhook event."""
    return export_order(ctx, order_id, quiet=quiet)


def _unique_run_lock(flow: Flow, options: Mapping[str, Any]) -> Flow:
    # Single-order runs must not queue behind each other on one store-wide run lock:
    # the per-order lock inside export_order is what keeps them apart.
    return replace(flow, lock=f"order-export-{uuid.uuid4().hex[:12]}", resolver=None)


FLOWS["order_export"] = replace(FLOWS["order_export"], resolver=_unique_run_lock)


@register_retry(ORDER, requires={Capability.ORDERS, Capability.CUSTOMERS}, queue="orders",
                direction=Direction.BC_TO_ERP)  # fmt: skip
def retry_order(
    ctx: SyncContext, *, bc_id: Any = None, erp_id: Any = None, payload: Any = None
) -> str:
    """The log's Retry (and Replay) on an order: export it again from its current state."""
    if bc_id is None and erp_id is not None:
        bc_id = ctx.binder.bc_id_for(ORDER, erp_id)
    if bc_id is None:
        raise SkipRecord("This log entry names no BigCommerce order.")
    return export_order(ctx, int(bc_id), force=True)


@register_retry(PAYMENT, requires={Capability.ORDERS, Capability.CUSTOMERS}, queue="orders",
                direction=Direction.BC_TO_ERP)  # fmt: skip
def retry_payment(
    ctx: SyncContext, *, bc_id: Any = None, erp_id: Any = None, payload: Any = None
) -> str:
    """The log's Retry on a refused payment: book it now (the order is already exported)."""
    binding = ctx.binder.by_bc(ORDER, int(bc_id)) if bc_id is not None else None
    if binding is None:
        raise SkipRecord("The order of this payment is not in the ERP yet: retry the order.")
    order = fetch_order(ctx, int(bc_id))
    with order_lock(ctx, order.bc_id):
        book_payment(ctx, order, ctx.rules, binding)
    booked = ctx.binder.by_bc(PAYMENT, order.bc_id)
    if booked is None:
        return f"The payment of order {order.bc_id} is not booked (see the log)."
    return f"The payment of order {order.bc_id} is booked as {booked.erp_id}."


@register_flow("orders", requires={Capability.ORDERS, Capability.CUSTOMERS}, queue="orders",
               lock="orders-reconcile", group="orders", direction=Direction.BC_TO_ERP,
               every=5)  # fmt: skip
def reconcile_orders(ctx: SyncContext, **_: Any) -> str:
    """Every order modified since the cursor that should be in the ERP and is not: export it.

    Catches what webhooks missed (dropped, delayed, a deactivated hook). The cursor
    is BigCommerce's own ``date_modified`` (no clock skew), re-read with an overlap.
    An order another worker is exporting right now is skipped (logged), and the
    cursor stays before it so the next run looks again. Webhook events stored but
    never queued (Redis was down) are the tick's to recover, not this flow's.
    """
    rules = ctx.rules
    since = _since(ctx)
    newest, todo, modified_at = since, [], {}
    for head in ctx.store.orders_changed_since(since - OVERLAP):
        modified = head.modified_at or since
        newest = max(newest, modified)
        if rules.orders.exports(head.status_id) and rules.orders.from_exported_channel(
            head.channel_id
        ):
            todo.append(head.bc_id)
            modified_at[head.bc_id] = modified
    open_ids = _not_done(ctx, todo)
    ctx.add_total(len(open_ids))
    locked: list[int] = []

    def export_unless_locked(oid: int) -> None:
        try:
            export_order(ctx, oid)
        except OrderLocked as exc:
            locked.append(oid)
            message = f"{exc.message} Skipped: the next reconciliation tries again."
            raise SkipRecord(message) from None

    for_each(ctx, open_ids, export_unless_locked, entity=ORDER, ids=lambda oid: (oid, None))
    ctx.commit(cursor=min([newest, *(modified_at[oid] for oid in locked)]).isoformat())
    skipped = f" {len(locked)} skipped: another worker had them." if locked else ""
    return f"{len(todo)} order(s) in an export status, {len(open_ids)} needed export.{skipped}"


def _since(ctx: SyncContext) -> datetime:
    saved = ctx.load_cursor()
    if saved:
        return datetime.fromisoformat(saved)
    installed = ctx.install.installed_at or datetime.now(UTC)
    installed = installed if installed.tzinfo else installed.replace(tzinfo=UTC)
    return installed - timedelta(hours=1)


def _not_done(ctx: SyncContext, bc_ids: list[int]) -> list[int]:
    bound = ctx.binder.many_by_bc(ORDER, bc_ids)
    done = {int(bc_id) for bc_id, b in bound.items() if is_done(b)}
    return [i for i in dict.fromkeys(bc_ids) if i not in done]
