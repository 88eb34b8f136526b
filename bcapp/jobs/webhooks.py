"""CLI commands for webhooks and orders: ``ensure-webhooks``, ``reconcile``, ``requeue-events``.

They run the flows of :mod:`bcapp.sync.webhooks` and :mod:`bcapp.sync.orders`
for one store or every active store, here or (``--enqueue``) on a worker.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

STORE_HELP = "Only this store (its hash); default every active store."


@click.command("ensure-webhooks")
@click.option("--store", "store_hash", help=STORE_HELP)
@click.option("--enqueue", is_flag=True, help="Queue the job for a worker instead of running here.")
@with_appcontext
def ensure_webhooks_command(store_hash: str | None, enqueue: bool) -> None:
    """Create missing webhooks, re-activate deactivated ones, fix destination and headers."""
    from bcapp.jobs.cli import _run, _stores

    if not all([_run(s, "webhooks", enqueue=enqueue) for s in _stores(store_hash)]):
        raise SystemExit(1)


@click.command("reconcile")
@click.option("--store", "store_hash", help=STORE_HELP)
@click.option("--full", is_flag=True, help="Ignore the cursor: every order since install - 1 h.")
@click.option("--enqueue", is_flag=True, help="Queue the job for a worker instead of running here.")
@with_appcontext
def reconcile_command(store_hash: str | None, full: bool, enqueue: bool) -> None:
    """Export every order that should be in the ERP and is not (what webhooks missed)."""
    from bcapp.jobs.cli import _run, _stores

    if not all([_run(s, "orders", enqueue=enqueue, full=full) for s in _stores(store_hash)]):
        raise SystemExit(1)


@click.command("requeue-events")
@click.option("--older-than", default=60.0, show_default=True, help="Seconds since received.")
@with_appcontext
def requeue_events_command(older_than: float) -> None:
    """Queue again webhook events stored while Redis was down (still "received")."""
    from bcapp.jobs.events import requeue_stored_events

    click.echo(f"queued {requeue_stored_events(older_than=older_than)} events")


COMMANDS = (ensure_webhooks_command, reconcile_command, requeue_events_command)
