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
@click.option("--store", "store_hash", help=STORE_HELP)
@with_appcontext
def requeue_events_command(older_than: float, store_hash: str | None) -> None:
    """Queue again the unprocessed webhook events no live job holds (the tick does it too).

    Prints exactly what it queued; events whose job is queued, running or waiting
    for its retry are left to it.
    """
    from bcapp.jobs.cli import _stores
    from bcapp.jobs.handoff import recover_events

    stores = [s.id for s in _stores(store_hash)] if store_hash else [None]
    queued, held, given_up = [], 0, []
    for store_id in stores:
        report = recover_events(store_id, older_than=older_than, limit=100_000)
        queued += report.queued
        held += report.held
        given_up += report.given_up
    click.echo(f"queued {len(queued)} events" + (f": {_ids(queued)}" if queued else ""))
    if held:
        click.echo(f"{held} events left to the job that holds them")
    if given_up:
        click.echo(f"gave up on {len(given_up)} events whose job kept dying: {_ids(given_up)}")


def _ids(ids: list[int], shown: int = 20) -> str:
    text = ", ".join(map(str, ids[:shown]))
    return text + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


COMMANDS = (ensure_webhooks_command, reconcile_command, requeue_events_command)
