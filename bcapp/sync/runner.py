"""Run one flow for one store: checks, run record, lock, the flow, and the error tree.

``run_flow(store_id, flow, *, run_id=None, dry_run=False, full=False, trigger="manual", **options)``
is the one entry point (jobs, the CLI and tests call it). It

1. finds the flow (``FLOWS``) and the store; an uninstalled store ends the
   run as cancelled and nothing else happens;
2. opens (or reopens) the :class:`SyncRun`; a store whose setup is unfinished, or
   whose ERP credentials are missing or refused, gets it cancelled with the reason
   (:func:`bcapp.onboarding.sync_blocker`; dry runs still run);
3. refuses, as a failed run with a merchant sentence, a store whose token
   BigCommerce refused, a missing or disabled connection, or a connector
   without the flow's capabilities;
4. takes the store's lock for the flow (held elsewhere → RetryableSyncError);
5. calls ``flow(ctx, **options)`` and commits.

It catches only the bcapp error tree:

* ReauthorizationRequired → the store becomes NEEDS_REAUTH with the reason,
  its queued jobs are cancelled and later runs refuse until a reinstall
  resets the status; the run fails.
* ConfigError → the run fails with the merchant's message (never retried).
* RetryableSyncError → the run fails with the reason and the error is
  re-raised: the job layer retries it (and flips the run back to queued).
* other SyncError at run level → the run fails.

Anything else is a bug: the run is marked failed and the exception propagates.

Inside a flow, :func:`for_each` runs one function per record: a record that
raises SkipRecord or FatalSyncError is rolled back alone (a savepoint per
record), logged as skipped/failed, and the batch goes on. Work is committed in
groups (``COMMIT_EVERY`` records or ``COMMIT_SECONDS``) and before an error
propagates; a flow that needs one record durable at once (a created order's
binding) calls ``ctx.commit()`` inside. RetryableSyncError and ConfigError stop
the batch.

``retry(store_id, entity, bc_id=..|erp_id=..)`` and ``replay(log_entry_id)``
run a record's registered retry handler as the built-in flows "retry" and
"replay" (see :mod:`bcapp.sync.registry`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from flask import current_app

from bcapp import logs, metrics
from bcapp.connectors import find as find_connector
from bcapp.errors import (
    ConfigError,
    FatalSyncError,
    ReauthorizationRequired,
    RetryableSyncError,
    SkipRecord,
    SyncError,
)
from bcapp.extensions import db, redis_ext
from bcapp.locks import RunLock
from bcapp.models import Connection, LogEntry, RunStatus, Store, StoreStatus, SyncRun
from bcapp.models.base import utcnow
from bcapp.onboarding import note_refusal, skip_run, sync_blocker
from bcapp.signals import store_paused
from bcapp.sync.binder import savepoint
from bcapp.sync.context import SyncContext
from bcapp.sync.recorder import COUNTERS, RunRecorder
from bcapp.sync.records import Outcome
from bcapp.sync.registry import (
    FLOWS,
    Flow,
    get_flow,
    register_flow,
    retry_handler,
    with_handler,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

#: for_each commits after this many records or seconds, whichever comes first.
COMMIT_EVERY = 200
COMMIT_SECONDS = 1.0

REAUTH_MESSAGE = (
    "BigCommerce refused the app's access to this store ({reason}). "
    "Open the app again from the control panel (or reinstall it) to resume syncing."
)


# -- per record -------------------------------------------------------------------------------


def _record_ids(record: Any) -> tuple[Any, Any]:
    return getattr(record, "bc_id", None), getattr(record, "erp_id", None)


def for_each(
    ctx: SyncContext,
    records: Iterable[T],
    fn: Callable[[T], Any],
    *,
    entity: str,
    ids: Callable[[T], tuple[Any, Any]] = _record_ids,
) -> int:
    """Run ``fn(record)`` for each record; one bad record never stalls the batch.

    ``fn`` records its own outcome with ``ctx.record``. Each record runs in a
    SAVEPOINT: a record that raises SkipRecord or FatalSyncError is rolled back
    alone and logged. Work is committed every ``COMMIT_EVERY`` records or
    ``COMMIT_SECONDS`` (the progress bar moves; a commit per record would cost
    an fsync each), at the end, and before any other error propagates, so what
    succeeded stays committed. A flow that must make one record durable at once
    (an exported order's binding) calls ``ctx.commit()`` inside ``fn``.
    Returns how many records were skipped or failed.
    """
    problems, pending, last = 0, 0, time.monotonic()
    for record in records:
        nested = savepoint()
        try:
            fn(record)
        except (SkipRecord, FatalSyncError) as exc:
            _undo(nested)
            _record_problem(ctx, record, exc, entity=entity, ids=ids)
            problems += 1
        except BaseException:
            _undo(nested)
            _keep_done(ctx)
            raise
        else:
            if nested.is_active:
                nested.commit()
        pending += 1
        if pending >= COMMIT_EVERY or time.monotonic() - last >= COMMIT_SECONDS:
            ctx.commit()
            pending, last = 0, time.monotonic()
    ctx.commit()
    return problems


def _undo(nested: Any) -> None:
    """Roll back one record: its savepoint, or (when ``fn`` committed) what came after."""
    if nested.is_active:
        nested.rollback()
    else:
        db.session.rollback()


def _keep_done(ctx: SyncContext) -> None:
    """Commit the records that succeeded before an error stops the batch."""
    try:
        ctx.recorder.flush_counts()
        db.session.commit()
    except Exception:  # the database itself failed: the original error says more
        log.exception("could not commit the records done before the error")
        db.session.rollback()


def _record_problem(
    ctx: SyncContext,
    record: Any,
    exc: SyncError,
    *,
    entity: str,
    ids: Callable[[Any], tuple[Any, Any]],
) -> None:
    bc_id, erp_id = ids(record)
    details = dict(exc.details)
    if exc.status is not None:
        details.setdefault("status", exc.status)
    if exc.remote:
        details.setdefault("remote", exc.remote)
    outcome = Outcome.SKIPPED if isinstance(exc, SkipRecord) else Outcome.FAILED
    ctx.record(
        outcome, entity, bc_id, erp_id, exc.message,
        request=details.pop("request", None), response=details.pop("response", None),
        details=details or None,
    )  # fmt: skip


# -- per run ----------------------------------------------------------------------------------


def run_flow(
    store_id: int,
    flow: str,
    *,
    run_id: int | None = None,
    dry_run: bool = False,
    full: bool = False,
    trigger: str = "manual",
    **options: Any,
) -> SyncRun | None:
    """Run ``flow`` for a store now (see the module docstring); returns the finished run.

    Returns None (and cancels ``run_id``) when the store is gone or uninstalled,
    and None without a new run while the store waits for re-authorisation (a
    queued ``run_id`` fails with the reason): webhooks keep arriving meanwhile
    and must not fill the dashboard with refusals.

    Raises:
        RetryableSyncError: the run should be tried again later (the run is marked failed).
    """
    registered = get_flow(flow)
    store = db.session.get(Store, store_id)
    if store is None or not store.is_installed:
        _cancel_run(run_id, "The store has uninstalled the app.")
        return None
    if store.status == StoreStatus.NEEDS_REAUTH and run_id is None:
        log.info("store %s needs re-authorisation; %s not run", store.store_hash, flow)
        return None
    run = open_run(store, flow, run_id=run_id, trigger=trigger, dry_run=dry_run, full=full)
    if not dry_run and (blocked := sync_blocker(store, registered)):
        return skip_run(run, blocked)  # setup unfinished, or the ERP's credentials missing
    started = time.perf_counter()
    with logs.bound(store_hash=store.store_hash, run_id=run.id, flow=flow):
        try:
            return _run(store, registered, run, dry_run=dry_run, full=full, options=options)
        finally:
            counts = {name: getattr(run, name) or 0 for name in COUNTERS}
            metrics.observe_run(flow, str(run.status), time.perf_counter() - started, counts)


def _run(
    store: Store, registered: Flow, run: SyncRun, *, dry_run: bool, full: bool,
    options: dict[str, Any],
) -> SyncRun:  # fmt: skip
    """Execute an opened run, turning the error tree into the run's outcome."""
    recorder = RunRecorder(run)
    try:
        spec = registered.for_options(options)  # retry/replay: the record's handler
        _execute(store, spec, run, dry_run=dry_run, full=full, options=options)
    except ReauthorizationRequired as exc:
        _pause_store(store, recorder, exc)
    except ConfigError as exc:
        _fail(recorder, exc.message)
        note_refusal(store, exc)  # the ERP refused its credentials: pause the store's flows
    except RetryableSyncError as exc:
        _fail(recorder, f"Interrupted: {exc.message}")
        raise
    except SyncError as exc:
        _fail(recorder, exc.message)
    except BaseException as exc:
        _fail(recorder, f"Unexpected error ({type(exc).__name__}): {exc}")
        raise
    return run


def _execute(
    store: Store, spec: Flow, run: SyncRun, *, dry_run: bool, full: bool, options: dict[str, Any]
) -> None:
    connection = check_ready(store, spec)
    # Unchanged records are counted, not logged, unless asked for (a preview lists them all;
    # a one-record run's only outcome is worth its row).
    listed = bool(options.pop("show_unchanged", False)) or dry_run or spec.per_record
    with RunLock(redis_ext.client, store.id, spec.lock_name) as lock, _keep_loaded():
        ctx = SyncContext(
            store, connection, run, flow=run.flow, dry_run=dry_run, full=full,
            direction=spec.direction, options=options, lock=lock,
            log_unchanged=spec.log_unchanged or listed,
        )  # fmt: skip
        ctx.recorder.start(dry_run=dry_run, full=full)
        db.session.commit()
        try:
            result = spec(ctx, **options)
            ctx.commit()
        finally:
            ctx.close()
        message = result if isinstance(result, str) else summary(run)
        ctx.recorder.finish(RunStatus.SUCCEEDED, ("Dry run: " if dry_run else "") + message)
        db.session.commit()


@contextlib.contextmanager
def _keep_loaded() -> Iterator[None]:
    """Don't expire store/connection/run on every per-record commit (saves a SELECT each)."""
    session = db.session()
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = previous


def check_ready(store: Store, spec: Flow) -> Connection | None:
    """The store's connection, or ConfigError saying why the flow cannot run."""
    if store.status == StoreStatus.NEEDS_REAUTH:
        raise ConfigError(REAUTH_MESSAGE.format(reason=store.status_reason or "access refused"))
    connection: Connection | None = db.session.execute(
        db.select(Connection).filter_by(store_id=store.id)
    ).scalar_one_or_none()
    if not spec.needs_connection:
        return connection
    if connection is None:
        raise ConfigError("Connect your ERP in the app's settings before syncing.")
    if not connection.enabled:
        raise ConfigError("The ERP connection is switched off in the app's settings.")
    missing = spec.requires - _capabilities(connection.kind)
    if missing:
        names = ", ".join(sorted(c.value for c in missing))
        raise ConfigError(f"The {connection.kind} connection cannot do this ({names}).")
    return connection


def _capabilities(kind: str) -> frozenset[Any]:
    cls = find_connector(kind)
    if cls is None:
        raise ConfigError(f"Unknown ERP type {kind!r}.")
    return frozenset(cls.capabilities)


def open_run(
    store: Store,
    flow: str,
    *,
    run_id: int | None = None,
    trigger: str = "manual",
    dry_run: bool = False,
    full: bool = False,
    job_id: str | None = None,
) -> SyncRun:
    """The run ``run_id`` of this store, or a new queued run; committed."""
    run = db.session.get(SyncRun, run_id) if run_id is not None else None
    if run is None or run.store_id != store.id:
        run = SyncRun(store_id=store.id, flow=flow, trigger=trigger, status=RunStatus.QUEUED,
                      dry_run=dry_run, full=full, job_id=job_id)  # fmt: skip
        db.session.add(run)
    db.session.commit()
    return run


def summary(run: SyncRun) -> str:
    """ "3 created, 1 failed" style sentence of the run's non-zero counters."""
    parts = [f"{getattr(run, name)} {name}" for name in COUNTERS if getattr(run, name)]
    return ", ".join(parts) or "Nothing to do."


def _fail(recorder: RunRecorder, message: str) -> None:
    db.session.rollback()
    recorder.finish(RunStatus.FAILED, message)
    db.session.commit()


def _pause_store(store: Store, recorder: RunRecorder, exc: ReauthorizationRequired) -> None:
    db.session.rollback()
    store.status, store.status_reason = StoreStatus.NEEDS_REAUTH, exc.message[:1000]
    recorder.finish(RunStatus.FAILED, REAUTH_MESSAGE.format(reason=exc.message))
    db.session.commit()
    log.warning("store %s needs re-authorisation: %s", store.store_hash, exc.message)
    sender = current_app._get_current_object()  # type: ignore[attr-defined]
    store_paused.send(sender, store=store)


def _cancel_run(run_id: int | None, message: str) -> None:
    run = db.session.get(SyncRun, run_id) if run_id is not None else None
    if run is not None and run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        run.status, run.message, run.finished_at = RunStatus.CANCELLED, message, utcnow()
        db.session.commit()


# -- retry and replay -------------------------------------------------------------------------


def _retry_flow(
    ctx: SyncContext,
    *,
    entity: str,
    bc_id: Any = None,
    erp_id: Any = None,
    payload: Any = None,
) -> Any:
    return retry_handler(entity).fn(ctx, bc_id=bc_id, erp_id=erp_id, payload=payload)


def _replay_flow(ctx: SyncContext, *, log_entry_id: int, mapping: str = "current") -> Any:
    """Re-send a log entry's record; ``mapping`` "original": with the field-mapping version
    that entry used (else the store's current one)."""
    entry = _log_entry(log_entry_id, ctx.install.id)
    if entry.request is None:
        raise ConfigError("This log entry has no stored request to replay.")
    if mapping == "original" and entry.mapping_version is not None:
        ctx.pin_mapping_version(entry.mapping_version)
    handler = retry_handler(entry.entity)
    return handler.fn(ctx, bc_id=entry.bc_id, erp_id=entry.erp_id, payload=entry.request)


def _log_entry(log_entry_id: int, store_id: int | None = None) -> LogEntry:
    entry = db.session.get(LogEntry, log_entry_id)
    if entry is None or (store_id is not None and entry.store_id != store_id):
        raise ConfigError("That log entry no longer exists.")
    return entry


def _resolve_retry(flow: Flow, options: Any) -> Flow:
    return with_handler(flow, retry_handler(options["entity"]))


def _resolve_replay(flow: Flow, options: Any) -> Flow:
    return with_handler(flow, retry_handler(_log_entry(options["log_entry_id"]).entity))


def _register_builtins() -> None:
    register_flow("retry", per_record=True)(_retry_flow)
    register_flow("replay", per_record=True)(_replay_flow)
    from dataclasses import replace

    FLOWS["retry"] = replace(FLOWS["retry"], resolver=_resolve_retry)
    FLOWS["replay"] = replace(FLOWS["replay"], resolver=_resolve_replay)


_register_builtins()


def retry(
    store_id: int, entity: str, *, bc_id: Any = None, erp_id: Any = None, **kw: Any
) -> SyncRun | None:
    """Re-sync one record from its latest state, now (the job layer enqueues this)."""
    if bc_id is None and erp_id is None:
        raise ValueError("retry() needs bc_id or erp_id")
    return run_flow(store_id, "retry", entity=entity, bc_id=bc_id, erp_id=erp_id, **kw)


def replay(log_entry_id: int, **kw: Any) -> SyncRun | None:
    """Re-send a log entry's stored (redacted) request through its entity's retry handler."""
    entry = _log_entry(log_entry_id)
    return run_flow(entry.store_id, "replay", log_entry_id=log_entry_id, **kw)
