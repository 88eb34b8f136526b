"""The store's ERP connection as the settings pages see it: choose, save, test.

Testing the credentials is the one place a web request calls the ERP, because
the merchant waits for the answer; it runs with a short deadline so a hanging
ERP cannot hold a worker, and it shows the ERP's own words when it fails.
"""

from __future__ import annotations

import concurrent.futures
import inspect
from dataclasses import dataclass
from typing import Any

from flask import current_app

from bcapp.connectors import make_connector, registry
from bcapp.connectors.base import Capability, secret_fields, split_settings
from bcapp.errors import BcappError
from bcapp.extensions import db
from bcapp.models import Connection, Store
from bcapp.models.base import utcnow

#: Which capability a flow needs; a connector without it gets the flow hidden.
FLOW_CAPABILITIES: dict[str, tuple[Capability, ...]] = {
    "catalog": (Capability.PRODUCTS, Capability.CATALOG_TO_ERP),
    "stock": (Capability.STOCK, Capability.STOCK_TO_ERP),
    "orders": (Capability.ORDERS,),
    "customers": (Capability.CUSTOMERS,),
    "shipments": (Capability.SHIPMENTS_FROM_ERP, Capability.SHIPMENTS_TO_ERP),
    "refunds": (Capability.CREDIT_NOTES,),
    "order_status": (Capability.ORDER_STATUS,),
}


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


def connectors() -> dict[str, Any]:
    """Registered connector classes by kind, sorted by label for the chooser."""
    return dict(sorted(registry().items(), key=lambda item: getattr(item[1], "label", item[0])))


def connection_of(store: Store) -> Connection | None:
    """The store's connection (at most one per store)."""
    return db.session.execute(
        db.select(Connection).filter_by(store_id=store.id)
    ).scalar_one_or_none()


def supported_flows(kind: str | None) -> set[str]:
    """Flows the connector of ``kind`` can run (every flow when no ERP is chosen yet)."""
    cls = registry().get(kind or "")
    if cls is None:
        return set(FLOW_CAPABILITIES)
    caps = set(getattr(cls, "capabilities", ()))
    return {flow for flow, needs in FLOW_CAPABILITIES.items() if caps.intersection(needs)}


def saved_secret_names(connection: Connection | None, kind: str) -> set[str]:
    """Secrets already stored for ``kind`` (an ERP switch forgets the old ones)."""
    if connection is None or connection.kind != kind:
        return set()
    return {k for k, v in (connection.secrets or {}).items() if v not in (None, "")}


def effective_settings(connection: Connection | None, kind: str, values: dict) -> dict[str, Any]:
    """Submitted values over the stored ones of the same ERP (keeps unchanged secrets)."""
    stored = connection.connector_settings() if connection and connection.kind == kind else {}
    return {**stored, **values}


def save_connection(store: Store, kind: str, values: dict[str, Any]) -> Connection:
    """Store plain settings and encrypted secrets; empty secrets keep the saved ones."""
    schema = registry()[kind].settings_schema
    connection = connection_of(store)
    merged = effective_settings(connection, kind, values)
    plain, hidden = split_settings(schema, merged)
    if connection is None:
        connection = Connection(store_id=store.id, kind=kind)
        db.session.add(connection)
    if connection.kind != kind:
        connection.checked_at, connection.check_message = None, ""
    connection.kind = kind
    connection.settings = plain
    connection.secrets = {k: v for k, v in hidden.items() if k in secret_fields(schema)}
    db.session.commit()
    return connection


def check_settings(kind: str, settings: dict[str, Any]) -> CheckResult:
    """Run the connector's ``check()`` under a deadline; the ERP's words on failure."""
    timeout = float(current_app.config.get("ERP_CHECK_TIMEOUT", 15))
    kwargs: dict[str, Any] = {}
    transport = current_app.extensions.get("bcapp.erp_transport")
    if transport is not None:
        kwargs["transport"] = transport
    if _accepts(kind, "timeout"):
        kwargs["timeout"] = timeout
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_check, kind, settings, kwargs)
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


def _check(kind: str, settings: dict[str, Any], kwargs: dict[str, Any]) -> CheckResult:
    connector = None
    try:
        connector = make_connector(kind, settings, **kwargs)
        connector.check()
    except BcappError as exc:
        return CheckResult(False, exc.message)
    except Exception as exc:  # a connector bug must still answer the merchant
        return CheckResult(False, f"The connection test failed unexpectedly: {exc}")
    finally:
        if connector is not None and hasattr(connector, "close"):
            connector.close()
    return CheckResult(True, "Connected. The ERP accepted these credentials.")


def record_check(connection: Connection | None, kind: str, result: CheckResult) -> None:
    """Remember the last test on the saved connection of the same ERP."""
    if connection is not None and connection.kind == kind:
        connection.checked_at = utcnow()
        connection.check_message = "" if result.ok else result.message
        db.session.commit()
