"""Everything one flow run needs, handed to the flow as ``ctx``.

A flow is ``def flow(ctx: SyncContext, **options)``. Through ``ctx`` it reaches:

* ``ctx.install`` (the app's :class:`~bcapp.models.Store` row: id, hash, settings),
  ``ctx.connection``, ``ctx.settings`` (``install.settings``), ``ctx.rules`` (the
  typed view, :class:`~bcapp.mapping.rules.StoreRules`), ``ctx.options``;
* ``ctx.connector`` — the ERP :class:`~bcapp.connectors.base.Connector`, built on
  first use from the connection (transport from ``app.extensions[ERP_TRANSPORT]``
  when set: tests and the demo route it to a sandbox);
* ``ctx.store`` — the store's :class:`~bcapp.bigcommerce.store.BigCommerceStore`,
  speaking canonical records (transport from ``app.extensions[BC_TRANSPORT]``,
  rate budget from ``app.extensions[BC_BUDGET]`` or a per-store Redis budget);
* ``ctx.binder`` — the :class:`~bcapp.sync.binder.Binder` of this connection;
* ``ctx.dry_run`` — True: write nothing remote, record what *would* change
  with :meth:`preview` (``ctx.store`` refuses writes in a dry run as a safety
  net; ERP connectors cannot be guarded by method, so flows must check);
  ``ctx.full`` — True: ignore the saved cursor;
* cursors: ``ctx.load_cursor()`` and ``ctx.commit(cursor=batch.cursor)`` — the
  cursor is written in the same transaction as the batch (bindings, log
  entries), so it never runs ahead of committed work; a dry run never moves it;
* recording: ``ctx.record(outcome, entity, bc_id, erp_id, message, request,
  response, details)``, ``ctx.set_total(n)``, ``ctx.heartbeat()``, ``ctx.note(msg)``.

A batch loop over the connector looks like::

    for batch in ctx.connector.fetch_products(ctx.load_cursor()):
        ctx.add_total(len(batch.records))
        for_each(ctx, batch.records, lambda p: sync_product(ctx, p), entity="product")
        ctx.commit(cursor=batch.cursor)
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import Any

from flask import current_app

from bcapp.bigcommerce.budget_redis import budget_for
from bcapp.bigcommerce.ratelimit import Budget
from bcapp.bigcommerce.store import BigCommerceStore
from bcapp.config import current_settings
from bcapp.connectors import connector_class, make_connector
from bcapp.connectors.base import Capability, Connector, StoreLedConnector
from bcapp.errors import ConfigError, RetryableSyncError
from bcapp.extensions import db, key_prefix, redis_ext
from bcapp.locks import RunLock
from bcapp.mapping import versions as mapping_versions
from bcapp.mapping.fields import FieldMappings
from bcapp.mapping.rules import StoreRules, rules_for
from bcapp.models import Connection, Cursor, LogEntry, Store, SyncRun
from bcapp.sync.binder import Binder
from bcapp.sync.credentials import ConnectionCredentials
from bcapp.sync.recorder import RunRecorder
from bcapp.sync.records import Direction, Outcome, RecordId, field_changes

log = logging.getLogger(__name__)

#: ``app.extensions`` keys through which tests and the demo inject transports.
ERP_TRANSPORT = "bcapp.erp_transport"
BC_TRANSPORT = "bcapp.bc_transport"
#: Optional shared budget object for every BigCommerce client (else one per store in Redis).
BC_BUDGET = "bcapp.bc_budget"


class SyncContext:
    """One run of one flow for one store."""

    def __init__(
        self,
        install: Store,
        connection: Connection | None,
        run: SyncRun,
        *,
        flow: str,
        dry_run: bool = False,
        full: bool = False,
        direction: str = Direction.ERP_TO_BC,
        options: dict[str, Any] | None = None,
        lock: RunLock | None = None,
        log_unchanged: bool = True,
    ) -> None:
        self.install = install
        self.connection = connection
        self.run = run
        self.flow = flow
        self.dry_run = dry_run
        self.full = full
        self.options = dict(options or {})
        self.recorder = RunRecorder(run, direction=direction, log_unchanged=log_unchanged)
        self.binder = Binder(connection.id if connection else 0, dry_run=dry_run)
        self._lock = lock
        self._closers: list[Connector | BigCommerceStore] = []

    # -- what the flow talks to ---------------------------------------------------------------

    @property
    def settings(self) -> dict[str, Any]:
        """The store's merchant settings (:attr:`rules` is the typed view)."""
        return self.install.settings or {}

    @cached_property
    def rules(self) -> StoreRules:
        """The merchant's settings, typed and with defaults (read once per run)."""
        return rules_for(self.install)

    @cached_property
    def field_mappings(self) -> FieldMappings:
        """The store's current field mappings for its ERP (read once per run).

        From here on every log entry of the run names this version.
        """
        kind = self.connection.kind if self.connection is not None else ""
        mappings = mapping_versions.current(self.install.id, kind)
        self.recorder.mapping_version = mappings.version
        return mappings

    def pin_mapping_version(self, number: int) -> None:
        """Map this run's records with saved version ``number`` (Replay with the original).

        Raises ConfigError when the version no longer exists (its store was reset).
        """
        row = mapping_versions.get(self.install.id, number)
        if row is None:
            raise ConfigError(f"Field-mapping version {number} no longer exists.")
        self.__dict__["field_mappings"] = mapping_versions.typed(row)
        self.recorder.mapping_version = number

    @cached_property
    def connector(self) -> Connector:
        """The ERP connector, built on first use."""
        if self.connection is None:
            raise ConfigError("Connect your ERP in the app's settings first.")
        kwargs: dict[str, Any] = {"transport": current_app.extensions.get(ERP_TRANSPORT)}
        if connector_class(self.connection.kind).rotating_credentials:
            kwargs["credentials"] = ConnectionCredentials(self.connection.id, redis_ext.client)
        connector = make_connector(
            self.connection.kind, self.connection.connector_settings(), **kwargs
        )
        self._closers.append(connector)
        return connector

    @property
    def store_led(self) -> StoreLedConnector:
        """The connector as one that takes the catalog or stock from the store.

        Raises ConfigError (a sentence for the merchant) when this ERP cannot.
        """
        connector = self.connector
        if not isinstance(connector, StoreLedConnector):
            raise ConfigError(
                f"The {connector.label} connection cannot receive the store's catalog or "
                "stock. Set the catalog direction to 'ERP to store' in the catalog settings."
            )
        return connector

    def can(self, capability: Capability) -> bool:
        """Whether the store's ERP connector has ``capability`` (False without a connection)."""
        return self.connection is not None and capability in self.connector.capabilities

    @cached_property
    def store(self) -> BigCommerceStore:
        """The store's BigCommerce, speaking canonical records, built on first use.

        A dry run's store refuses every write, even if a flow forgets to check.
        """
        store = BigCommerceStore.connect(
            self.install.store_hash,
            self.install.access_token or "",
            api_url=current_settings().bc_api_url,
            transport=current_app.extensions.get(BC_TRANSPORT),
            budget=self._budget(),
            timeout=current_settings().http_timeout,
            read_only=self.dry_run,
            max_in_flight=current_settings().bc_max_in_flight,
        )
        self._closers.append(store)
        return store

    def _budget(self) -> Budget:
        """The store's rate budget, shared by every worker through Redis."""
        shared: Budget | None = current_app.extensions.get(BC_BUDGET)
        if shared is not None:
            return shared
        return budget_for(self.install.store_hash, redis_ext.client, namespace=key_prefix())

    # -- cursors ------------------------------------------------------------------------------

    def _cursor_key(self, name: str | None) -> str:
        return name or self.flow

    def _cursor_row(self, name: str | None) -> Cursor | None:
        if self.connection is None:
            return None
        stmt = db.select(Cursor).filter_by(
            connection_id=self.connection.id, flow=self._cursor_key(name)
        )
        return db.session.execute(stmt).scalar_one_or_none()

    def load_cursor(self, name: str | None = None) -> str | None:
        """The saved position (None on a full run or the first run)."""
        if self.full:
            return None
        row = self._cursor_row(name)
        return row.value if row else None

    def _stage_cursor(self, value: str | None, name: str | None) -> None:
        if self.dry_run or self.connection is None:
            return
        row = self._cursor_row(name)
        if row is None:
            row = Cursor(connection_id=self.connection.id, flow=self._cursor_key(name))
            db.session.add(row)
        row.value = value

    def commit(self, *, cursor: Any = ..., cursor_name: str | None = None) -> None:
        """Make the batch durable; with ``cursor=`` also move the cursor, in the same transaction.

        Pass ``cursor=batch.cursor`` after a batch's records are done. A flow
        that raises before this call keeps the previous cursor.
        """
        self.check_lock()
        if cursor is not ...:
            self._stage_cursor(cursor, cursor_name)
        self.recorder.heartbeat()
        self.recorder.flush_counts()
        db.session.commit()

    # -- recording ----------------------------------------------------------------------------

    def record(
        self,
        outcome: Outcome | str,
        entity: str,
        bc_id: RecordId | None = None,
        erp_id: RecordId | None = None,
        message: str = "",
        request: Any = None,
        response: Any = None,
        details: dict[str, Any] | None = None,
        *,
        direction: str | None = None,
    ) -> LogEntry | None:
        """Count and log one record's outcome (see :meth:`RunRecorder.record`)."""
        return self.recorder.record(
            outcome, entity, bc_id, erp_id, message, request, response, details, direction=direction
        )

    def preview(
        self,
        entity: str,
        before: Any,
        after: Any,
        *,
        bc_id: RecordId | None = None,
        erp_id: RecordId | None = None,
        message: str = "",
    ) -> Outcome:
        """Record what a write would do: created (no ``before``), updated or unchanged.

        ``details["changes"]`` lists the field differences. Used in dry runs, and
        handy in real runs to log what an update changed.
        """
        changes = field_changes(before, after)
        if before is None:
            outcome = Outcome.CREATED
        else:
            outcome = Outcome.UPDATED if changes else Outcome.UNCHANGED
        self.record(outcome, entity, bc_id, erp_id, message, request=after,
                    details={"changes": changes})  # fmt: skip
        return outcome

    def note(self, message: str, **kwargs: Any) -> LogEntry:
        """An uncounted log line about the run."""
        return self.recorder.note(message, **kwargs)

    def set_total(self, total: int | None) -> None:
        self.recorder.set_total(total)

    def add_total(self, count: int) -> None:
        self.recorder.add_total(count)

    def heartbeat(self) -> None:
        """Show the run is alive; raises when the run's lock was lost to another worker."""
        self.check_lock()
        self.recorder.heartbeat()

    def check_lock(self) -> None:
        if self._lock is not None and self._lock.lost:
            raise RetryableSyncError(
                "The run lost its lock (the worker stalled); it will run again.", retry_after=30
            )

    def close(self) -> None:
        """Close whatever the run opened (connector, BigCommerce client)."""
        for thing in reversed(self._closers):
            try:
                thing.close()
            except Exception:  # closing must never mask the run's own outcome
                log.exception("closing %r failed", thing)
        self._closers.clear()
