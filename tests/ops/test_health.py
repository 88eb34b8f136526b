"""``/healthz`` and ``/readyz``: what a load balancer or an orchestrator probes."""

from __future__ import annotations

import time

import pytest
from flask_migrate import upgrade

from bcapp import create_app
from bcapp.extensions import db
from tests.conftest import base_config, clear_redis


def _migrated_app(tmp_path, **overrides):
    app = create_app(base_config(tmp_path, **overrides))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture
def ready_app(tmp_path, redis_url):
    app = _migrated_app(tmp_path)
    yield app
    clear_redis(app)


def test_healthz_answers_without_a_session_or_dependencies(tmp_path):
    app = create_app(
        base_config(
            tmp_path,
            DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
            REDIS_URL="redis://127.0.0.1:1/0",
        )
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_ready_with_database_redis_and_schema_at_head(ready_app):
    response = ready_app.test_client().get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "ok", "migrations": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_fails_quickly_when_redis_is_down(ready_app):
    ready_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    started = time.monotonic()
    response = ready_app.test_client().get("/readyz")
    assert time.monotonic() - started < 5
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"] in ("unreachable", "timeout")
    assert body["checks"]["database"] == "ok"
    assert "127.0.0.1" not in response.get_data(as_text=True)  # nothing about the setup


def test_readyz_fails_when_the_database_is_down(tmp_path, redis_url):
    app = create_app(base_config(tmp_path, DATABASE_URL="postgresql://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"] in ("unreachable", "timeout")
    assert checks["redis"] == "ok"
    assert "nobody" not in response.get_data(as_text=True)


def test_readyz_fails_while_migrations_are_not_at_head(tmp_path, redis_url):
    app = create_app(base_config(tmp_path))
    with app.app_context():
        upgrade(revision="f5525e984468")  # an older revision: the release step has not run
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["migrations"] == "behind"
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert app.test_client().get("/readyz").status_code == 200
