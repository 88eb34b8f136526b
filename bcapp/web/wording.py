"""The words merchants see: flow and record names, run states, record labels, plain messages.

Internal names (``order_export``, ``credit_note``, ``1:anna@example.com``) stay in the
code and the database; templates pass them through these functions so the pages
say "Order export", "credit note" and "anna@example.com". A run that finished with
failed records is not shown as plainly "succeeded", and counts are shown so that
they add up.
"""

from __future__ import annotations

import re
from typing import Any

#: Flow → its name on the dashboard (scheduled flows first, in the order cards are shown).
FLOW_LABELS: dict[str, str] = {
    "catalog": "Catalog",
    "stock": "Stock",
    "stock_to_erp": "Stock to the ERP",
    "orders": "Orders",
    "order_export": "Order export",
    "customers": "Customers",
    "customer_export": "Customer export",
    "shipments": "Shipments",
    "shipment_export": "Shipment export",
    "refunds": "Refunds",
    "order_status": "Order statuses",
    "customers_from_erp": "Customers from the ERP",
    "erp_webhooks": "ERP webhook check",
    "webhooks": "Webhook check",
    "retry": "Retries",
    "replay": "Replays",
    "drift": "Drift report",  # last: a report, not a sync
}

#: What a "Run now" button says for a flow.
RUN_NOW_LABELS: dict[str, str] = {
    "catalog": "Sync catalog now",
    "drift": "Compare the store and the ERP now",
    "stock": "Sync stock now",
    "stock_to_erp": "Send stock to the ERP now",
    "orders": "Export waiting orders now",
    "shipments": "Sync shipments now",
    "refunds": "Sync refunds now",
    "order_status": "Sync order statuses now",
    "customers_from_erp": "Sync customers from the ERP now",
    "erp_webhooks": "Check the ERP's webhooks now",
    "webhooks": "Check webhooks now",
}

#: Record type → (singular, plural).
ENTITY_LABELS: dict[str, tuple[str, str]] = {
    "product": ("product", "products"),
    "variant": ("variant", "variants"),
    "category": ("category", "categories"),
    "stock": ("stock level", "stock levels"),
    "stock_to_erp": ("stock level to the ERP", "stock levels to the ERP"),
    "sku": ("SKU", "SKUs"),
    "article_number": ("article number", "article numbers"),
    "customer": ("customer", "customers"),
    "debtor": ("ERP customer", "ERP customers"),
    "order": ("order", "orders"),
    "subscription": ("subscription", "subscriptions"),
    "shipment": ("shipment", "shipments"),
    "refund": ("refund", "refunds"),
    "credit_note": ("credit note", "credit notes"),
    "webhook": ("webhook", "webhooks"),
    "run": ("run", "runs"),
}

#: Product fields the catalog may write, as the merchant knows them.
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "description": "Description",
    "price": "Price",
    "weight": "Weight",
    "brand": "Brand",
    "categories": "Categories",
    "images": "Images",
    "ean": "EAN (barcode)",
    "custom_fields": "Custom fields",
    "visibility": "Visibility",
}

OUTCOME_LABELS: dict[str, str] = {
    "created": "created",
    "updated": "updated",
    "unchanged": "unchanged",
    "skipped": "skipped",
    "failed": "failed",
    "info": "note",
}

#: Words that are acronyms when a name is turned into a label.
_ACRONYMS = {"ean": "EAN", "vat": "VAT", "id": "ID", "url": "URL", "sku": "SKU", "erp": "ERP",
             "api": "API", "bc": "BigCommerce", "ip": "IP"}  # fmt: skip


def humanize(name: str) -> str:
    """ "vat_rate" → "VAT rate", "Ean" → "EAN": a code name as a label."""
    words = re.split(r"[_\s]+", str(name).strip())
    out = [_ACRONYMS.get(w.lower(), w) for w in words if w]
    if out and out[0] == out[0].lower():
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


_ACRONYM_WORD = re.compile(r"\b(" + "|".join(k for k in _ACRONYMS if k != "bc") + r")\b", re.I)


def fix_acronyms(text: str) -> str:
    """ "Vat rate field" → "VAT rate field", "Image url" → "Image URL" (labels from schemas)."""
    return _ACRONYM_WORD.sub(lambda m: _ACRONYMS[m.group(1).lower()], str(text))


def flow_label(flow: str) -> str:
    return FLOW_LABELS.get(flow) or humanize(flow)


def run_now_label(flow: str) -> str:
    return RUN_NOW_LABELS.get(flow) or f"Run {flow_label(flow).lower()} now"


def entity_label(entity: str, plural: bool = False) -> str:
    names = ENTITY_LABELS.get(entity)
    if names is None:
        return humanize(entity).lower()
    return names[1] if plural else names[0]


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field) or humanize(field)


def flow_order(flow: str) -> tuple[int, str]:
    """Sort key that keeps dashboard cards in one fixed order, whatever ran last."""
    order = list(FLOW_LABELS)
    return (order.index(flow) if flow in order else len(order), flow)


COUNTERS = ("created", "updated", "unchanged", "skipped", "failed")
#: How the messages of runs the onboarding gate stopped begin (bcapp.onboarding).
GATED = ("Setup is not finished", "Reconnect your ERP")


def run_state(run: Any) -> tuple[str, str]:
    """(words, badge kind) of a run: a finished run with failures says so."""
    status = str(run.status)
    failed = int(run.failed or 0)
    if status == "succeeded" and failed:
        return f"finished, {failed} failed", "warning"
    if status == "succeeded":
        return ("preview ready" if run.dry_run else "succeeded"), "succeeded"
    if status == "cancelled" and (run.message or "").startswith(GATED):
        return "not run", "queued"
    return {"queued": "queued", "running": "running", "failed": "failed",
            "cancelled": "cancelled"}.get(status, status), status  # fmt: skip


def run_counts(run: Any) -> str:
    """ "12 records: 5 created · 7 unchanged" — the parts add up to the first number."""
    parts = [(name, int(getattr(run, name) or 0)) for name in COUNTERS]
    done = sum(n for _, n in parts)
    active = run.status in ("queued", "running")
    shown = " · ".join(f"{n} {name}" for name, n in parts if n)
    shown = shown or ("nothing done yet" if active else "nothing to do")
    if run.total and active and run.total >= done:
        return f"{done} of {run.total} records: {shown}"
    return f"{done} record{'s' if done != 1 else ''}: {shown}" if done else shown


def run_note(run: Any) -> str:
    """The run's message, unless it only repeats the counts the card shows already."""
    message = str(run.message or "")
    counts = [f"{getattr(run, n)} {n}" for n in COUNTERS if getattr(run, n)]
    plain = message.removeprefix("Dry run: ")
    if plain in (", ".join(counts), "Nothing to do."):
        return ""
    return message


def record_label(entity: str, bc_id: Any, erp_id: Any, details: Any = None) -> str:
    """What a log row is about, in the merchant's words (order #, SKU, e-mail), not our ids."""
    bc = "" if bc_id is None else str(bc_id)
    erp = "" if erp_id is None else str(erp_id)
    order, _, rest = bc.partition(":")
    if entity == "order":
        return f"Order #{bc}" if bc else f"ERP order {erp}"
    if entity in ("shipment", "refund", "subscription") and rest and order.isdigit():
        return f"{entity_label(entity).capitalize()} of order #{order}"
    if entity == "customer":
        email = rest if order.isdigit() else ""
        if order == "order":
            return f"Guest of order #{rest}"
        return email or (details or {}).get("email") or (f"Debtor {erp}" if erp else bc)
    if entity in ("stock", "stock_to_erp", "sku"):
        return f"SKU {erp or bc}"
    if entity in ("product", "variant"):
        return f"{entity_label(entity).capitalize()} {erp}" if erp else f"Product #{bc}"
    if entity == "category":
        return f"Category {erp}" if erp else f"Category #{bc}"
    if entity == "credit_note":
        return f"Credit note {erp}" if erp else f"Credit note for order #{order}"
    return " ".join(x for x in (entity_label(entity).capitalize(), erp or bc) if x)


_STATUS = re.compile(r"\b(in|to|from) status (\d{1,3})\b")


def with_status_labels(message: str, labels: dict[int, str]) -> str:
    """ "Order 108 is in status 12" → "… is in status “Manual Verification Required”"."""
    if not message or not labels:
        return message or ""

    def name(match: re.Match[str]) -> str:
        label = labels.get(int(match.group(2)))
        return f"{match.group(1)} status “{label}”" if label else match.group(0)

    return _STATUS.sub(name, message)
