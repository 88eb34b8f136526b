"""CLI commands of the sync core: ``bcapp sync``, ``resync``, ``worker`` and ``tick``."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import with_appcontext

from bcapp.errors import BcappError, RetryableSyncError
from bcapp.extensions import db
from bcapp.models import Store, StoreStatus


def _stores(store_hash: str | None) -> list[Store]:
    stmt = db.select(Store).where(Store.status == StoreStatus.ACTIVE).order_by(Store.id)
    if store_hash:
        stmt = stmt.where(Store.store_hash == store_hash)
    stores = [s for s in db.session.execute(stmt).scalars() if s.is_installed]
    if store_hash and not stores:
        raise click.ClickException(f"No active installed store with hash {store_hash!r}.")
    return stores


def _run(store: Store, flow: str, *, enqueue: bool, **kwargs: Any) -> bool:
    """Run (or enqueue) one flow for one store and print the outcome; False on failure."""
    from bcapp.jobs.sync import enqueue_flow
    from bcapp.sync.runner import run_flow

    label = f"{store.store_hash} {flow}"
    try:
        if enqueue:
            job = enqueue_flow(store.id, flow, trigger="cli", **kwargs)
            click.echo(f"{label}: job {job.id} ({job.get_status().value})")
            return True
        run = run_flow(store.id, flow, trigger="cli", **kwargs)
    except RetryableSyncError as exc:
        click.echo(f"{label}: interrupted, try again later: {exc.message}", err=True)
        return False
    except BcappError as exc:
        click.echo(f"{label}: {exc.message}", err=True)
        return False
    if run is None:
        click.echo(f"{label}: store not installed")
        return False
    click.echo(f"{label}: {run.status} — {run.message}")
    return run.status == "succeeded"


@click.command("sync")
@click.argument("flow")
@click.option(
    "--store", "store_hash", help="Only this store (its hash); default every active store."
)
@click.option("--full", is_flag=True, help="Ignore the saved cursor: go through everything.")
@click.option("--dry-run", is_flag=True, help="Record what would change; write nothing.")
@click.option("--enqueue", is_flag=True, help="Queue the job for a worker instead of running here.")
@with_appcontext
def sync_command(
    flow: str, store_hash: str | None, full: bool, dry_run: bool, enqueue: bool
) -> None:
    """Run one sync flow now (e.g. ``bcapp sync products --store abc123 --dry-run``)."""
    from bcapp.sync.registry import get_flow

    get_flow(flow)
    ok = [_run(s, flow, enqueue=enqueue, full=full, dry_run=dry_run) for s in _stores(store_hash)]
    if not all(ok):
        raise SystemExit(1)


@click.command("resync")
@click.option(
    "--store", "store_hash", help="Only this store (its hash); default every active store."
)
@click.option(
    "--enqueue", is_flag=True, help="Queue the jobs for a worker instead of running here."
)
@with_appcontext
def resync_command(store_hash: str | None, enqueue: bool) -> None:
    """Full catalog sync: every catalog flow from the start, in order."""
    from bcapp.sync.registry import flows_in_group

    flows = flows_in_group("catalog")
    if not flows:
        raise click.ClickException("No catalog flows are installed.")
    ok = [_run(s, f.name, enqueue=enqueue, full=True) for s in _stores(store_hash) for f in flows]
    if not all(ok):
        raise SystemExit(1)


def _load_app() -> Any:
    """The CLI's app, without pushing a context (each job and tick pushes its own)."""
    from flask.cli import ScriptInfo

    return click.get_current_context().ensure_object(ScriptInfo).load_app()


@click.command("worker")
@click.option("--queue", "queues", multiple=True, help="Queue(s) to work, in priority order.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--concurrency", default=1, show_default=True,
              help="Worker processes (order exports mostly wait on the ERP).")  # fmt: skip
@click.option("--simple", is_flag=True, help="Run jobs in the worker process (no fork per job).")
def worker_command(queues: tuple[str, ...], burst: bool, concurrency: int, simple: bool) -> None:
    """Run an RQ worker (orders, default, catalog) with the app around every job."""
    from bcapp.jobs.queues import QUEUE_NAMES
    from bcapp.jobs.worker import run_pool

    run_pool(_load_app(), queues or QUEUE_NAMES, concurrency=concurrency, simple=simple,
             burst=burst)  # fmt: skip


@click.command("tick")
@click.option("--once", is_flag=True, help="Tick once and exit (for an external cron).")
@click.option("--every", default=60.0, show_default=True, help="Seconds between ticks.")
def tick_command(once: bool, every: float) -> None:
    """Enqueue the scheduled flows that are due, every minute (the clock process)."""
    from bcapp.jobs.runtime import set_app
    from bcapp.jobs.schedule import tick_loop

    set_app(_load_app())
    tick_loop(every=every, iterations=1 if once else None)


COMMANDS = (sync_command, resync_command, worker_command, tick_command)


def register(app: Any) -> None:
    """Add the sync core's commands to ``app.cli``."""
    for command in COMMANDS:
        app.cli.add_command(command)
