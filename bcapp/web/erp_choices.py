"""The ERP's codes for the mapping tables' right column (where the ERP can list them).

A connector that implements :class:`~bcapp.connectors.base.ChoiceSource` lists
the codes its ERP takes for a table (AFAS: payment methods, VAT codes and
delivery types, cost centres, payment conditions, ledger accounts, journals and
sales relation types; Mplus: payment methods, VAT groups, delivery methods and
turnover groups). The settings page must not hang on the ERP: each read has a
short deadline, its result is kept per store for a few minutes (a failure for
less), and a table the ERP cannot list keeps free entry.

Labels name the ERP field that receives the value, so a merchant knows what the
right column means in their ERP (:func:`erp_field_label`).
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time
from typing import Any

from flask import current_app

from bcapp.connectors import make_connector, registry
from bcapp.connectors.base import Choice, ChoiceSource
from bcapp.web.erp import connection_of

log = logging.getLogger(__name__)

#: Every table (mapping table or single setting) a connector may list codes for; a table
#: it cannot list answers [] at once. The accounting tables (ledger accounts, journals,
#: VAT by destination) are listed before their mapping tables exist, so their pickers
#: appear as soon as a table of that name does.
TABLES = (
    "payment",
    "tax",
    "shipping",
    "carrier",
    "cost_centre",
    "cost_carrier",
    "payment_terms",
    "revenue_account",
    "payment_journal",
    "vat_country",
    "classification",
    "debtor_account",
    "turnover_group",
)
#: Seconds the page waits for the ERP's lists (all tables together).
FETCH_TIMEOUT = 3.0
CACHE_SECONDS = 300
FAILED_CACHE_SECONDS = 30
_CACHE_KEY = "bcapp.erp_choices"

#: ERP kind → mapping table → the ERP field that receives the right column's value.
ERP_FIELDS: dict[str, dict[str, str]] = {
    "afas": {
        "payment": "AFAS payment method (PaTp)",
        "tax": "AFAS VAT code (sent as the line's VaRc)",
        "shipping": "AFAS delivery type (DtId)",
        "carrier": "AFAS transporter (TrPt)",
        "cost_centre": "AFAS cost centre (axis code on each line)",
        "cost_carrier": "AFAS cost carrier (axis code on each line)",
        "payment_terms": "AFAS payment condition (PaCd)",
        "revenue_account": "AFAS ledger account (AcNr)",
        "vat_country": "AFAS VAT code (VaId / VaRc; VaDu of new debtors)",
        "payment_journal": "AFAS journal (JoCo), optionally /ledger account",
        "classification": "AFAS sales relation type (VaTp)",
        "order_status": "AFAS order status",
    },
    "mplus": {
        "payment": "Mplus payment method (paymentMethod)",
        "tax": "Mplus VAT group (vatCode)",
        "vat_country": "Mplus VAT group (vatCode)",
        "shipping": "Mplus delivery method (deliveryMethod)",
        "turnover_group": "Mplus turnover group (turnoverGroup on each line)",
        "order_status": "Mplus order status",
    },
}
GENERIC_FIELDS = {
    "payment": "ERP payment method",
    "tax": "ERP VAT code",
    "shipping": "ERP delivery method",
    "carrier": "ERP carrier",
    "cost_centre": "ERP cost centre",
    "cost_carrier": "ERP cost carrier",
    "payment_terms": "ERP payment terms",
    "document_type": "Document in the ERP",
    "revenue_account": "ERP ledger account",
    "vat_country": "ERP VAT code",
    "payment_journal": "ERP journal",
    "classification": "ERP classification",
    "turnover_group": "ERP turnover group",
    "order_status": "ERP order status",
}


def erp_field_label(kind: str | None, table: str) -> str:
    """The right column's heading: the ERP field that receives the value."""
    return ERP_FIELDS.get(kind or "", {}).get(table) or GENERIC_FIELDS.get(table, "ERP code")


def erp_choices(store: Any) -> dict[str, list[Choice]]:
    """Table → the ERP's codes (empty where it cannot list them), cached per store."""
    connection = connection_of(store)
    if connection is None or not _lists_codes(connection.kind):
        return {}
    key = (connection.id, connection.kind, str(connection.updated_at))
    cache: dict[Any, tuple[float, dict[str, list[Choice]]]] = current_app.extensions.setdefault(
        _CACHE_KEY, {}
    )
    lock: threading.Lock = current_app.extensions.setdefault(_CACHE_KEY + ".lock", threading.Lock())
    now = time.monotonic()
    with lock:
        hit = cache.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    lists, ok = _read(connection.kind, connection.connector_settings())
    with lock:
        cache[key] = (now + (CACHE_SECONDS if ok else FAILED_CACHE_SECONDS), lists)
    return lists


def _lists_codes(kind: str) -> bool:
    cls = registry().get(kind)
    return cls is not None and callable(getattr(cls, "choices", None))


def _read(kind: str, settings: dict[str, Any]) -> tuple[dict[str, list[Choice]], bool]:
    """Every table's codes within FETCH_TIMEOUT; (lists, whether the read finished).

    Past the deadline the tables read so far are kept (the first ones: payment, tax,
    shipping), so a slow ERP with many lists still fills the most used pickers.
    """
    kwargs: dict[str, Any] = {}
    transport = current_app.extensions.get("bcapp.erp_transport")
    if transport is not None:
        kwargs["transport"] = transport
    done: dict[str, list[Choice]] = {}
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def fetch() -> dict[str, list[Choice]]:
        # In the app's context: the connector checks its address against the operator's
        # ERP_ALLOWED_HOSTS, which outside an app allows no private host (the demo's).
        with app.app_context():
            return _fetch(kind, settings, kwargs, done)

    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(fetch)
    try:
        return future.result(timeout=FETCH_TIMEOUT), True
    except concurrent.futures.TimeoutError:
        log.warning("the %s code lists did not arrive within %s s", kind, FETCH_TIMEOUT)
        return dict(done), False
    except Exception:  # a connector bug must not break the settings page
        log.exception("reading the %s code lists failed", kind)
        return {}, False
    finally:
        pool.shutdown(wait=False)


def _fetch(
    kind: str,
    settings: dict[str, Any],
    kwargs: dict[str, Any],
    done: dict[str, list[Choice]] | None = None,
) -> dict[str, list[Choice]]:
    """Each table's codes, table by table into ``done`` (what a timed-out read keeps)."""
    done = {} if done is None else done
    connector = make_connector(kind, settings, **_with_timeout(kind, kwargs))
    try:
        if not isinstance(connector, ChoiceSource):
            return {}
        for table in TABLES:
            done[table] = connector.choices(table)
        return dict(done)
    finally:
        closer = getattr(connector, "close", None)
        if callable(closer):
            closer()


def _with_timeout(kind: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    import inspect

    try:
        if "timeout" in inspect.signature(registry()[kind]).parameters:
            return {**kwargs, "timeout": FETCH_TIMEOUT}
    except (KeyError, TypeError, ValueError):
        pass
    return kwargs
