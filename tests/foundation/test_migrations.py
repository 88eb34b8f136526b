"""``flask db upgrade`` on an empty database gives exactly the models' schema."""

from __future__ import annotations

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


def test_upgrade_on_empty_postgres_matches_models(tmp_path, fresh_pg_url):
    app = create_app(base_config(tmp_path, DATABASE_URL=fresh_pg_url))
    assert _diff(app) == []
