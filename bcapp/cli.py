"""Command line: ``bcapp <command>``.

Every command is registered on the ``bcapp`` group itself, so ``bcapp --help`` and
``bcapp <command> --help`` work on a machine with no configuration at all; the app
is built only when a command that needs it runs. A user error (an unknown flow or
store, a missing production setting) is one line on stderr and a non-zero exit,
not a traceback.

Against the demo: while ``bcapp demo`` runs, it leaves its settings in
``instance/demo.json``; a command run from the same checkout with no BCAPP_ENV,
DATABASE_URL or BC_CLIENT_ID in the environment uses them (and says so), so
``bcapp sync catalog --store demo1234`` just works.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

from bcapp import create_app
from bcapp.config import demo_state_path

#: Environment variables that mean "this is a configured install": the demo's state is not used.
CONFIGURED = ("BCAPP_ENV", "DATABASE_URL", "BC_CLIENT_ID")


def commands() -> list[click.Command]:
    """Every bcapp command (the db group is Flask-Migrate's)."""
    from bcapp.jobs.cli import COMMANDS as sync_commands
    from bcapp.jobs.webhooks import COMMANDS as webhook_commands

    return [
        demo, sandbox, rotate_keys, purge_logs, send_alerts, status,
        *sync_commands,  # sync, resync, worker, tick
        *webhook_commands,  # ensure-webhooks, reconcile, requeue-events
    ]  # fmt: skip


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


@click.command("status")
@click.option("--store", "store_hash", help="Only this store (its hash); default every store.")
@with_appcontext
def status(store_hash: str | None) -> None:
    """Workers, queues, and per store: last runs, failures waiting, webhooks, budget."""
    from bcapp.web.status import deployment_lines, store_lines, stores

    for line in deployment_lines():
        click.echo(line)
    found = stores(store_hash)
    if store_hash and not found:
        raise click.ClickException(f"No store with hash {store_hash!r}.")
    for store in found:
        click.echo("")
        for line in store_lines(store):
            click.echo(line)


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


# -- finding the running demo -------------------------------------------------------------------


def running_demo() -> dict[str, Any] | None:
    """The running demo's app settings, when its state file names a live process."""
    path = demo_state_path()
    try:
        state = json.loads(path.read_text())
        os.kill(int(state["pid"]), 0)  # raises when the demo is gone
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return dict(state["config"])


def cli_app() -> Flask:
    """The app for a CLI command: the environment's, or (unconfigured) the running demo's."""
    if not any(os.environ.get(name) for name in CONFIGURED):
        config = running_demo()
        if config is not None:
            click.echo(f"Using the running demo's state ({demo_state_path()}).", err=True)
            return create_app(config)
    return create_app()


# -- the group ----------------------------------------------------------------------------------


class BcappGroup(FlaskGroup):
    """Flask's group, but help never builds the app, and user errors are one line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*click.Group.list_commands(self, ctx), "db"})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "db" and cmd_name not in self.commands:
            # Flask-Migrate's group, imported when asked for: with it comes Alembic (11 MB),
            # which a worker started by this same script never needs.
            from flask_migrate.cli import db as db_group

            self.add_command(db_group)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        from bcapp.config import MissingConfiguration
        from bcapp.errors import BcappError

        try:
            return super().invoke(ctx)
        except BcappError as exc:
            raise click.ClickException(exc.message) from None
        except MissingConfiguration as exc:
            raise click.ClickException(str(exc)) from None


def build_cli() -> FlaskGroup:
    """The ``bcapp`` command group (app commands load the app when they run)."""
    cli = BcappGroup(create_app=cli_app, help="bcapp: BigCommerce ⇄ ERP sync you run yourself.")
    for command in commands():
        cli.add_command(command)
    return cli


def main() -> None:
    """Entry point of the ``bcapp`` script (worker, tick, demo and every command): logs set up."""
    from bcapp.logs import configure_logging

    configure_logging()
    build_cli().main(prog_name="bcapp")
