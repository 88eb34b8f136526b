"""The store's ERP connection as the settings pages see it: choose, switch, save, test.

Testing the credentials is the one place a web request calls the ERP, because
the merchant waits for the answer; it runs with a short deadline so a hanging
ERP cannot hold a worker, and it shows the ERP's own words when it fails (or,
for a network failure, what went wrong in plain words).

Switching to another ERP parks the old connection (see
:mod:`bcapp.models.connection`): the new ERP never reads the old one's
bindings or cursors, and switching back resumes them.
"""

from __future__ import annotations

import concurrent.futures
import inspect
from dataclasses import dataclass
from typing import Any

import httpx
from flask import Flask, current_app

from bcapp.config import current_settings
from bcapp.connectors import make_connector, registry
from bcapp.connectors.base import (
    Capability,
    DocumentType,
    OrderFeature,
    secret_fields,
    split_settings,
)
from bcapp.errors import BcappError, CredentialsRefused
from bcapp.extensions import db, redis_ext
from bcapp.mapping.rules import DEFAULTS
from bcapp.models import Connection, Store
from bcapp.models.base import utcnow
from bcapp.onboarding import clear_refusal, mark_refused
from bcapp.sync.credentials import ConnectionCredentials

#: Which capability a flow needs; a connector without it gets the flow hidden.
FLOW_CAPABILITIES: dict[str, tuple[Capability, ...]] = {
    "catalog": (Capability.PRODUCTS, Capability.CATALOG_TO_ERP),
    "stock": (Capability.STOCK, Capability.STOCK_TO_ERP),
    "orders": (Capability.ORDERS,),
    "customers": (Capability.CUSTOMERS,),
    "shipments": (Capability.SHIPMENTS_FROM_ERP, Capability.SHIPMENTS_TO_ERP),
    "refunds": (Capability.CREDIT_NOTES,),
    "order_status": (Capability.ORDER_STATUS,),
    "customers_from_erp": (Capability.CUSTOMERS_FROM_ERP,),
}


@dataclass(frozen=True)
class CheckResult:
    """A connection test's answer; ``refused``: the ERP said the credentials are wrong."""

    ok: bool
    message: str
    refused: bool = False


def connectors() -> dict[str, Any]:
    """Registered connector classes by kind, sorted by label for the chooser."""
    return dict(sorted(registry().items(), key=lambda item: getattr(item[1], "label", item[0])))


def connection_of(store: Store) -> Connection | None:
    """The store's current connection (an ERP switched away from is parked, not current)."""
    return db.session.execute(
        db.select(Connection).filter_by(store_id=store.id)
    ).scalar_one_or_none()


def parked_connection(store: Store, kind: str) -> Connection | None:
    """The store's parked connection of ``kind`` (an ERP it switched away from), if any."""
    return db.session.execute(
        db.select(Connection).filter_by(parked_store_id=store.id, kind=kind)
    ).scalar_one_or_none()


def stored_settings(store: Store, kind: str) -> dict[str, Any]:
    """The plain settings last saved for ``kind``: current, or of its parked connection."""
    current = connection_of(store)
    row = current if current is not None and current.kind == kind else None
    row = row or parked_connection(store, kind)
    return dict(row.settings or {}) if row is not None else {}


@dataclass(frozen=True)
class SwitchSummary:
    """What an ERP switch does, for the confirmation the merchant is asked for."""

    old_label: str
    new_label: str
    links: int  # bindings of the old ERP that are kept for a switch back
    resumes: int  # bindings of the new ERP from an earlier time that become current again


def switch_summary(store: Store, current: Connection, kind: str) -> SwitchSummary:
    """The confirmation's facts: the old and new ERP, and what is kept and resumed."""
    parked = parked_connection(store, kind)
    return SwitchSummary(
        old_label=label_of(current.kind),
        new_label=label_of(kind),
        links=_binding_count(current.id),
        resumes=_binding_count(parked.id) if parked is not None else 0,
    )


def _binding_count(connection_id: int) -> int:
    from sqlalchemy import func

    from bcapp.models import Binding

    query = db.select(func.count(Binding.id)).where(Binding.connection_id == connection_id)
    return int(db.session.execute(query).scalar() or 0)


def label_of(kind: str) -> str:
    """The ERP's name as merchants know it ("AFAS Profit"), or the kind."""
    return str(getattr(registry().get(kind), "label", kind))


def switch_to(store: Store, kind: str) -> Connection:
    """Make ``kind`` the store's current ERP: park the other one, resume or start this one.

    The parked connection keeps its bindings and cursors (a switch back resumes
    them) but not its secrets, nor its last test result.
    """
    current = connection_of(store)
    if current is not None and current.kind == kind:
        return current
    if current is not None:
        current.store_id, current.parked_store_id = None, store.id
        current.secrets = None
        _forget_test(current)
        db.session.flush()  # free the store's one current slot first
    row = parked_connection(store, kind)
    if row is None:
        row = Connection(store_id=store.id, kind=kind, settings={})
        db.session.add(row)
    else:
        row.parked_store_id, row.store_id = None, store.id
        _forget_test(row)
    db.session.flush()
    return row


def _forget_test(connection: Connection) -> None:
    connection.checked_at, connection.check_message = None, ""
    clear_refusal(connection)


def supported_flows(kind: str | None) -> set[str]:
    """Flows the connector of ``kind`` can run (every flow when no ERP is chosen yet)."""
    cls = registry().get(kind or "")
    if cls is None:
        return set(FLOW_CAPABILITIES)
    caps = set(getattr(cls, "capabilities", ()))
    return {flow for flow, needs in FLOW_CAPABILITIES.items() if caps.intersection(needs)}


def supported_features(kind: str | None) -> set[str]:
    """Order features (``OrderFeature`` values) the ERP of ``kind`` takes (all: none chosen)."""
    cls = registry().get(kind or "")
    if cls is None:
        return {feature.value for feature in OrderFeature}
    return {feature.value for feature in getattr(cls, "order_features", ())}


def supported_documents(kind: str | None) -> list[str]:
    """Document types (``DocumentType`` values) the ERP of ``kind`` can make, in enum order."""
    cls = registry().get(kind or "")
    offered = set(getattr(cls, "document_types", ())) if cls else {DocumentType.SALES_ORDER}
    return [doc.value for doc in DocumentType if doc in offered]


def saved_secret_names(connection: Connection | None, kind: str) -> set[str]:
    """Secrets already stored for ``kind`` (an ERP switch forgets the old ones)."""
    if connection is None or connection.kind != kind:
        return set()
    return {k for k, v in (connection.secrets or {}).items() if v not in (None, "")}


def effective_settings(connection: Connection | None, kind: str, values: dict) -> dict[str, Any]:
    """Submitted values over the stored ones of the same ERP (keeps unchanged secrets)."""
    stored = connection.connector_settings() if connection and connection.kind == kind else {}
    return {**stored, **values}


def save_connection(
    store: Store, kind: str, values: dict[str, Any], check: CheckResult | None = None
) -> Connection:
    """Store plain settings and encrypted secrets (empty secrets keep the saved ones) and the
    connection test they passed or failed; switching ERP parks the old connection."""
    schema = registry()[kind].settings_schema
    current = connection_of(store)
    merged = effective_settings(current, kind, values)
    # Secrets the connector manages beside the schema (AccountView's OAuth tokens) stay
    # secret and are kept; they never become plain settings.
    managed = dict(current.secrets or {}) if current is not None and current.kind == kind else {}
    managed = {k: v for k, v in managed.items() if k not in schema.get("properties", {})}
    plain, hidden = split_settings(schema, merged)
    adopt_schedules(store, current.kind if current is not None else None, kind)
    connection = switch_to(store, kind)
    connection.settings = {k: v for k, v in plain.items() if k not in managed}
    secrets = {k: v for k, v in hidden.items() if k in secret_fields(schema)}
    connection.secrets = {**managed, **secrets}
    if check is not None:
        _remember(connection, check)
    db.session.commit()
    return connection


def connector_schedules(kind: str | None) -> dict[str, int]:
    """Minutes per flow where the ERP's connector differs from the app's defaults."""
    return dict(getattr(registry().get(kind or ""), "default_schedules", {}) or {})


def adopt_schedules(store: Store, old_kind: str | None, kind: str) -> None:
    """Switching ERP: take the new connector's schedule defaults (Exact's catalog every 2 h)
    for flows whose interval the merchant left at the default they had, and give back
    the app's defaults where only the old connector's default was in place."""
    if old_kind == kind:
        return
    generic = DEFAULTS["schedules"]
    old, new = connector_schedules(old_kind), connector_schedules(kind)
    stored = dict(((store.settings or {}).get("schedules")) or {})
    changed = dict(stored)
    for flow in {*old, *new}:
        current = stored.get(flow, old.get(flow, generic.get(flow)))
        untouched = current in (generic.get(flow), old.get(flow))
        if untouched:
            changed[flow] = new.get(flow, generic.get(flow))
    if changed != stored:
        store.settings = {**(store.settings or {}), "schedules": changed}


def _remember(connection: Connection, result: CheckResult) -> None:
    """The last test on the connection; a refusal pauses its flows, a pass resumes them."""
    connection.checked_at = utcnow()
    connection.check_message = "" if result.ok else result.message
    if result.ok:
        clear_refusal(connection)
    elif result.refused:
        mark_refused(connection, result.message)


def check_settings(
    kind: str, settings: dict[str, Any], connection: Connection | None = None
) -> CheckResult:
    """Run the connector's ``check()`` under a deadline; the ERP's words on failure.

    A connector whose tokens rotate is given the saved ``connection``'s credentials hook:
    a refresh during the test is then stored (a refreshed pair kept only in memory would
    spend the saved refresh token and disconnect the merchant).
    """
    timeout = float(current_settings().erp_check_timeout)
    kwargs: dict[str, Any] = {}
    rotating = getattr(registry().get(kind), "rotating_credentials", False)
    if rotating and connection is not None and connection.kind == kind:
        kwargs["credentials"] = ConnectionCredentials(connection.id, redis_ext.client)
    transport = current_app.extensions.get("bcapp.erp_transport")
    if transport is not None:
        kwargs["transport"] = transport
    if _accepts(kind, "timeout"):
        kwargs["timeout"] = timeout
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    future = pool.submit(_check_in_app, app, kind, settings, kwargs)
    try:
        return future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        return CheckResult(False, f"The ERP did not answer within {timeout:g} seconds.")
    finally:
        pool.shutdown(wait=False)


def _accepts(kind: str, argument: str) -> bool:
    """Whether the connector of ``kind`` takes ``argument`` (connectors may differ)."""
    try:
        return argument in inspect.signature(registry()[kind]).parameters
    except (KeyError, TypeError, ValueError):
        return False


def _check_in_app(
    app: Flask, kind: str, settings: dict[str, Any], kwargs: dict[str, Any]
) -> CheckResult:
    """The check in the deadline's thread, with the app (its allowed hosts, Redis, database)."""
    with app.app_context():
        return _check(kind, settings, kwargs)


def _check(kind: str, settings: dict[str, Any], kwargs: dict[str, Any]) -> CheckResult:
    connector = None
    try:
        connector = make_connector(kind, settings, **kwargs)
        connector.check()
    except BcappError as exc:
        return CheckResult(
            False, plain_connection_error(exc), refused=isinstance(exc, CredentialsRefused)
        )
    except Exception as exc:  # a connector bug must still answer the merchant
        return CheckResult(False, f"The connection test failed unexpectedly: {exc}")
    finally:
        if connector is not None and hasattr(connector, "close"):
            connector.close()
    return CheckResult(True, "Connected. The ERP accepted these credentials.")


#: httpx's transport errors in the words a merchant can act on.
_TRANSPORT_WORDS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.UnsupportedProtocol, "the address is not valid (it must start with https://)"),
    (httpx.ConnectTimeout, "it did not answer in time"),
    (httpx.ConnectError, "nothing answered at that address (check the address and port)"),
    (httpx.TimeoutException, "it did not answer in time"),
    (httpx.RemoteProtocolError, "it answered, but not as an ERP server does"),
)


def plain_connection_error(exc: BcappError) -> str:
    """The error's message, or for a network failure "could not connect to <host>: why"."""
    cause = exc.__cause__ or exc.__context__  # clients raise "from exc" or "from None"
    if not isinstance(cause, httpx.TransportError):
        return exc.message
    why = next((w for cls, w in _TRANSPORT_WORDS if isinstance(cause, cls)), str(cause))
    if "could not resolve" in str(cause):
        why = "no such host name (check the address)"
    try:
        host = cause.request.url.host or str(cause.request.url)
    except RuntimeError:  # no request attached to the error
        host = ""
    return f"Could not connect to {host or 'the ERP'}: {why}."


def record_check(
    connection: Connection | None, kind: str, settings: dict[str, Any], result: CheckResult
) -> None:
    """Remember a test of exactly the saved credentials (a refusal pauses the flows)."""
    if connection is None or connection.kind != kind:
        return
    if settings != connection.connector_settings():
        return  # the form held other values than the saved ones: nothing saved was tested
    _remember(connection, result)
    db.session.commit()
