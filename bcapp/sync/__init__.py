"""Sync flows and the machinery they run in.

Flows are plain functions over canonical records (:mod:`bcapp.canonical`),
bindings and cursors; they never see an HTTP payload. What a flow author needs:

* :func:`register_flow` / :func:`register_retry` — announce a flow and a
  per-entity retry handler (:mod:`bcapp.sync.registry` explains the options);
* :class:`SyncContext` (``ctx``) — the install, connection, rules, ``ctx.connector``
  (the ERP), ``ctx.store`` (the BigCommerce facade), ``ctx.binder``, ``ctx.dry_run``,
  cursors, ``ctx.record``/``ctx.preview`` (:mod:`bcapp.sync.context`);
* :func:`for_each` — per-record loop that logs a skipped/failed record and
  goes on (:mod:`bcapp.sync.runner`);
* :class:`Outcome`, :class:`Direction`, :func:`payload_hash`, :func:`field_changes`
  (:mod:`bcapp.sync.records`);
* :func:`run_flow` — run a flow now; jobs (``bcapp.jobs.sync``) enqueue it.

Flow modules live beside this one (``bcapp/sync/products.py``, ...) and are
imported by :func:`load_flows` when a worker, the tick or the CLI needs them.
"""

from bcapp.sync.binder import Binder
from bcapp.sync.context import BC_BUDGET, BC_TRANSPORT, ERP_TRANSPORT, SyncContext
from bcapp.sync.records import Direction, Outcome, field_changes, payload_hash, redact
from bcapp.sync.registry import (
    FLOWS,
    PERIODIC,
    RETRY_HANDLERS,
    Flow,
    RetryHandler,
    get_flow,
    load_flows,
    register_flow,
    register_retry,
)
from bcapp.sync.runner import for_each, replay, retry, run_flow

__all__ = [
    "BC_BUDGET",
    "BC_TRANSPORT",
    "ERP_TRANSPORT",
    "FLOWS",
    "PERIODIC",
    "RETRY_HANDLERS",
    "Binder",
    "Direction",
    "Flow",
    "Outcome",
    "RetryHandler",
    "SyncContext",
    "field_changes",
    "for_each",
    "get_flow",
    "load_flows",
    "payload_hash",
    "redact",
    "register_flow",
    "register_retry",
    "replay",
    "retry",
    "run_flow",
]
