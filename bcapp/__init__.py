"""bcapp: a self-hostable BigCommerce app that keeps a store and its ERP in sync.

Hub and spoke: BigCommerce on one side, the merchant's ERP on the other, and
canonical records (``bcapp.connectors.base``) between them. Web requests
verify, store, enqueue and answer; RQ workers run the sync flows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from bcapp import config as config_module
from bcapp.config import ROOT, settings_of
from bcapp.errortracking import init_error_tracking
from bcapp.jobs import runtime as job_runtime


class App(Flask):
    """Flask, with a config that knows when it changed (see ``config.current_settings``)."""

    config_class = config_module.VersionedConfig


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the Flask app from the environment, overridden by ``config``."""
    values = config_module.load(config)
    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=values.get("INSTANCE_PATH") or str(ROOT / "instance"),
    )
    app.config.update(values)
    init_error_tracking(settings_of(app.config), transport=values.get("SENTRY_TRANSPORT"))
    _configure_database(app)
    _check_production_secrets(app)
    _init_extensions(app)
    _connect_signals()
    _register_blueprints(app)
    return app


def _configure_database(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or settings_of(app.config).database_url
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        url = "sqlite:///" + os.path.join(app.instance_path, "bcapp.sqlite")
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})


def _check_production_secrets(app: Flask) -> None:
    if config_module.is_production(app.config):
        missing = [
            k for k in ("SECRET_KEY", "BC_CLIENT_ID", "BC_CLIENT_SECRET") if not app.config.get(k)
        ]
        if missing:
            raise config_module.MissingConfiguration(
                f"Refusing to start in production without {', '.join(missing)}."
            )
    elif not settings_of(app.config).secret_key:
        app.config["SECRET_KEY"] = _instance_secret(app)


def _instance_secret(app: Flask) -> str:
    import secrets

    path = os.path.join(app.instance_path, "secret.key")
    os.makedirs(app.instance_path, exist_ok=True)
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    with open(path) as fh:
        return fh.read().strip()


def _init_extensions(app: Flask) -> None:
    from bcapp import models  # noqa: F401  (register the tables)
    from bcapp.crypto import init_vault
    from bcapp.extensions import db, migrate, redis_ext

    init_vault(app)
    db.init_app(app)
    migrate.init_app(app, directory=str(ROOT / "migrations"), render_as_batch=True)
    redis_ext.init_app(app)


def _connect_signals() -> None:
    """Wire layers that must not import each other: a paused store's jobs are cancelled."""
    from bcapp.jobs.queues import cancel_store_jobs_receiver
    from bcapp.signals import store_paused

    store_paused.connect(cancel_store_jobs_receiver)


def _register_blueprints(app: Flask) -> None:
    from bcapp.web import register_blueprints

    register_blueprints(app)


job_runtime.set_app_factory(create_app)
