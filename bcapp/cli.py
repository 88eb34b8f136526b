"""Command line: ``bcapp <command>`` (or ``flask --app bcapp <command>``).

Commands: demo, sandbox, rotate-keys, plus Flask-Migrate's ``db`` group. Flow commands
(sync, resync, ensure-webhooks, purge-logs) register here as their flows land.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def register_cli(app: Flask) -> None:
    app.cli.add_command(rotate_keys)
    app.cli.add_command(demo)
    app.cli.add_command(sandbox)
    from bcapp.jobs.cli import register as register_sync_commands

    register_sync_commands(app)  # sync, resync, worker, tick
    app.cli.add_command(purge_logs)
    app.cli.add_command(send_alerts)
    from bcapp.jobs.webhooks import COMMANDS as webhook_commands

    for command in webhook_commands:  # ensure-webhooks, reconcile, requeue-events
        app.cli.add_command(command)


@click.command("purge-logs")
@with_appcontext
def purge_logs() -> None:
    """Delete activity-log entries (and their payloads) past each store's retention."""
    from bcapp.retention import purge_all

    results = purge_all()
    entries, runs = sum(r.entries for r in results), sum(r.runs for r in results)
    click.echo(f"purged {entries} log entries and {runs} runs from {len(results)} stores")


@click.command("send-alerts")
@click.option("--force", is_flag=True, help="Send now, ignoring ALERT_DIGEST_MINUTES.")
@with_appcontext
def send_alerts(force: bool) -> None:
    """Send each store's pending failure digest (e-mail and/or webhook)."""
    from bcapp.alerts import flush_all

    counts = flush_all(force=force)
    click.echo(f"sent {counts['sent']} digests, {counts['errors']} could not be sent")


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-encrypt every stored secret with the first key of ENCRYPTION_KEYS."""
    from bcapp.rotation import rotate_all

    counts = rotate_all()
    click.echo(", ".join(f"{name}: {n}" for name, n in counts.items()) or "nothing to rotate")


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Run the app with the sandboxes on embedded defaults (SQLite, embedded Redis)."""
    from bcapp.demo import run_demo

    run_demo(host=host, port=port)


@click.command("sandbox")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True, type=int)
@click.option("--app-url", default="http://localhost:5000", show_default=True)
@click.option("--seed/--no-seed", default=True, show_default=True)
def sandbox(host: str, port: int, app_url: str, seed: bool) -> None:
    """Run the BigCommerce sandbox alone (API, login service, control panel)."""
    from bcapp.demo import run_sandbox

    run_sandbox(host=host, port=port, app_url=app_url, seed=seed)


def build_cli() -> FlaskGroup:
    """The ``bcapp`` command group (app commands load the app from the environment)."""
    from bcapp import create_app

    cli = FlaskGroup(create_app=lambda: create_app())
    # Commands on the group itself resolve without building the app, so the demo and the
    # sandbox start on a fresh machine with no production configuration.
    cli.add_command(demo)
    cli.add_command(sandbox)
    return cli


def main() -> None:
    """Entry point of the ``bcapp`` script."""
    build_cli().main(prog_name="bcapp")
