"""Whether a store's flows may run now: the one rule the runner, the schedule and events ask.

Two things stop a store's syncing without anything being wrong with a record:

* **the onboarding gate** — nothing writes to the merchant's ERP or live store
  until they confirmed the setup's last step ("Start syncing"). A first install
  closes the gate (``Store.setup_pending``), an uninstall closes it again (so a
  reinstall asks again), and only "Start syncing" opens it. A re-authorisation
  of a store that is already syncing (BigCommerce sends a new install callback
  when the app's scopes change) leaves it open;
* **the ERP connection** — its credentials are missing (an uninstall deletes
  them) or the ERP refused them (a connection test, or a run that got a 401).
  The store's flows pause until credentials pass the connection test, so a
  revoked token costs one failed run, not one per schedule tick.

Dry runs (previews) are never stopped: they write nothing. Flows that need no
ERP connection (the webhook watchdog) are not stopped by the gate either.
"""

from __future__ import annotations

import logging
from typing import Any

from bcapp.errors import CredentialsRefused
from bcapp.extensions import db
from bcapp.models import Connection, RunStatus, Store, SyncRun
from bcapp.models.base import utcnow

log = logging.getLogger(__name__)

SETUP_UNFINISHED = (
    "Setup is not finished: nothing syncs until you confirm the last setup step "
    "(Start syncing) in the app."
)
CREDENTIALS_MISSING = (
    "Reconnect your ERP: its credentials are missing (they are deleted when the app is "
    "uninstalled). Enter them in the app's settings; syncing resumes once the connection "
    "test passes."
)
CREDENTIALS_REFUSED = (
    "Reconnect your ERP: it refused the saved credentials ({reason}). Syncing is paused "
    "until credentials that pass the connection test are saved."
)


def current_connection(store: Store) -> Connection | None:
    """The store's current ERP connection (parked ones of earlier ERPs are not it)."""
    return db.session.execute(
        db.select(Connection).filter_by(store_id=store.id)
    ).scalar_one_or_none()


def missing_credentials(connection: Connection) -> list[str]:
    """Titles of the required secret settings the connection lacks (none: complete)."""
    from bcapp.connectors import find

    cls = find(connection.kind)
    if cls is None:
        return []
    schema = cls.settings_schema
    secrets = connection.secrets or {}
    props = schema.get("properties", {})
    return [
        str(props[name].get("title") or name)
        for name in schema.get("required", [])
        if props.get(name, {}).get("writeOnly") and secrets.get(name) in (None, "")
    ]


def connection_problem(connection: Connection | None) -> str | None:
    """Why the connection cannot be used now (missing or refused credentials), or None."""
    if connection is None:
        return None
    if missing_credentials(connection):
        return CREDENTIALS_MISSING
    if connection.refused_at is not None:
        reason = connection.refused_message or "the ERP answered 401"
        return CREDENTIALS_REFUSED.format(reason=reason.rstrip("."))
    return None


def sync_blocker(
    store: Store, flow: Any = None, connection: Connection | None = None
) -> str | None:
    """Why ``store`` may not run ``flow`` (any flow when None) now; None when it may.

    ``connection`` saves a query when the caller has it already.
    """
    if flow is not None and not getattr(flow, "needs_connection", True):
        return None
    if store.setup_pending:
        return SETUP_UNFINISHED
    return connection_problem(connection or current_connection(store))


def skip_run(run: SyncRun, reason: str) -> SyncRun:
    """Close a run the gate stopped: cancelled (not failed), with the reason; committed."""
    now = utcnow()
    run.status, run.message = RunStatus.CANCELLED, reason
    run.started_at = run.started_at or now
    run.finished_at = now
    db.session.commit()
    log.info("store %s: %s not run: %s", run.store_id, run.flow, reason)
    return run


def note_refusal(store: Store, error: Exception) -> None:
    """Pause the store's flows when a run's error says the ERP refused the credentials."""
    if not isinstance(error, CredentialsRefused):
        return
    connection = current_connection(store)
    if connection is not None:
        mark_refused(connection, error.message)
        db.session.commit()


def mark_refused(connection: Connection, message: str) -> None:
    """Remember that the ERP refused the connection's credentials (flows pause)."""
    connection.refused_at = utcnow()
    connection.refused_message = message[:1000]


def clear_refusal(connection: Connection) -> None:
    """The credentials passed a test: flows may run again."""
    connection.refused_at, connection.refused_message = None, ""


def close_gate(sender: Any, store: Store, **_: Any) -> None:
    """``store_uninstalled`` receiver: a reinstall must confirm "Start syncing" again."""
    store.setup_pending = True
    db.session.commit()


def close_gate_on_first_install(sender: Any, store: Store, **_: Any) -> None:
    """``store_installed`` receiver: a store without an ERP yet starts with the gate closed.

    A store that has a connection is either already syncing (a re-authorisation)
    or was uninstalled (which closed the gate): it is left as it is.
    """
    if current_connection(store) is None and not store.setup_pending:
        store.setup_pending = True
        db.session.commit()


def start_syncing(store: Store) -> None:
    """Open the gate (the setup's last step was confirmed); the caller commits."""
    store.setup_pending = False
