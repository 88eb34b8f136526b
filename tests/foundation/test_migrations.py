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


def test_long_skus_fit_after_upgrade_on_postgres(tmp_path, fresh_pg_url):
    """BigCommerce SKUs run to 255 characters; bindings and log entries must hold them."""
    from bcapp.models import Binding, Connection, LogEntry, Store

    app = create_app(base_config(tmp_path, DATABASE_URL=fresh_pg_url))
    sku = "S" * 255
    with app.app_context():
        upgrade()
        store = Store(store_hash="longsku", access_token="t", settings={})
        db.session.add(store)
        db.session.flush()
        connection = Connection(store_id=store.id, kind="mplus", settings={})
        db.session.add(connection)
        db.session.flush()
        db.session.add(
            Binding(
                connection_id=connection.id, entity="article_number", bc_id=sku, erp_id="9" * 255
            )
        )
        db.session.add(
            LogEntry(
                store_id=store.id,
                direction="bc_to_erp",
                entity="stock",
                bc_id=sku,
                erp_id=sku,
                outcome="updated",
            )
        )
        db.session.commit()
        assert db.session.execute(db.select(Binding.bc_id)).scalar_one() == sku
        db.engine.dispose()


def test_upgrade_keeps_finished_setups_syncing_and_closes_the_gate_of_the_others(tmp_path):
    """The onboarding gate (issue 21) must not stop a store that finished the old wizard."""
    import json

    from flask_migrate import upgrade as migrate_to

    app = create_app(base_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/gate.sqlite"))
    with app.app_context():
        migrate_to(revision="f5525e984468")
        with db.engine.begin() as conn:
            for n, settings in enumerate(({"setup": {"completed": True}}, {"flows": {}})):
                conn.exec_driver_sql(
                    "INSERT INTO stores (store_hash, scope, account_uuid, owner_email, status,"
                    " status_reason, settings, created_at, updated_at)"
                    " VALUES (?, '', '', '', 'active', '', ?, '2026-01-01', '2026-01-01')",
                    (f"s{n}", json.dumps(settings)),
                )
            conn.exec_driver_sql(
                "INSERT INTO connections (store_id, kind, settings, enabled, check_message,"
                " created_at, updated_at)"
                " VALUES (1, 'afas', '{}', 1, '', '2026-01-01', '2026-01-01')"
            )
        migrate_to()
        with db.engine.connect() as conn:
            rows = dict(conn.exec_driver_sql("SELECT store_hash, setup_pending FROM stores").all())
            refused = conn.exec_driver_sql("SELECT refused_message FROM connections").scalar()
        db.engine.dispose()
    assert rows == {"s0": 0, "s1": 1} and refused == ""
