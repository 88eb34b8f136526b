"""``flask db upgrade`` on an empty database gives exactly the models' schema."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from bcapp import create_app
from bcapp.extensions import db
from tests.conftest import base_config


def _diff(app):
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, db.metadata)
        db.engine.dispose()
    return diff


def test_upgrade_on_empty_sqlite_matches_models(tmp_path):
    app = create_app(base_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/migr.sqlite"))
    assert _diff(app) == []


@pytest.fixture
def empty_pg(pg_url):
    name = f"bcapp_migr_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_on_empty_postgres_matches_models(tmp_path, empty_pg):
    app = create_app(base_config(tmp_path, DATABASE_URL=empty_pg))
    assert _diff(app) == []
