"""ConnectionCredentials: rotated tokens are stored encrypted, at once, by one worker at a time."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from bcapp.errors import RetryableSyncError
from bcapp.extensions import db, redis_ext
from bcapp.models import Connection, Store
from bcapp.sync.credentials import ConnectionCredentials
from tests.conftest import base_config, clear_redis

pytestmark = pytest.mark.redis


def _connection() -> Connection:
    store = Store(store_hash="cred1", access_token="t", settings={})
    connection = Connection(store=store, kind="memory", settings={}, secrets={"refresh": "r0"})
    db.session.add(connection)
    db.session.commit()
    return connection


@pytest.fixture(params=["sqlite", "postgres"])
def app(request: Any, tmp_path: Any, redis_url: str) -> Any:
    from bcapp import create_app

    overrides = {}
    if request.param == "postgres":
        overrides["DATABASE_URL"] = request.getfixturevalue("fresh_pg_url")
    application = create_app(base_config(tmp_path, **overrides))
    with application.app_context():
        db.create_all()
        yield application
        db.session.remove()
        db.engine.dispose()
    clear_redis(application)


def test_a_write_survives_the_run_rolling_back_and_is_encrypted(app: Any) -> None:
    connection = _connection()
    creds = ConnectionCredentials(connection.id, redis_ext.client)
    connection.check_message = "half-done work of a run"
    with creds.locked():
        assert creds.read() == {"refresh": "r0"}
        creds.write({"refresh": "rotated-refresh-token", "access": "fresh-access-token"})
    db.session.rollback()  # the run fails after the refresh
    assert creds.read() == {"refresh": "rotated-refresh-token", "access": "fresh-access-token"}
    raw = db.session.execute(text("SELECT secrets FROM connections")).scalar_one()
    assert "rotated-refresh-token" not in raw and "fresh-access-token" not in raw  # Fernet


def test_two_workers_refresh_once(app: Any) -> None:
    """Each worker re-reads under the lock: the second sees the first's token and keeps it."""
    connection = _connection()
    connection_id = connection.id
    refreshes: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2, timeout=20)

    def worker() -> None:
        try:
            with app.app_context():
                creds = ConnectionCredentials(connection_id, redis_ext.client)
                start.wait()
                with creds.locked():
                    current = creds.read()
                    if current["refresh"] == "r0":  # still stale: spend it
                        time.sleep(0.2)  # the vendor round trip
                        refreshes.append("r0")
                        creds.write({"refresh": "r1"})
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)
            start.abort()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert refreshes == ["r0"]
    assert ConnectionCredentials(connection.id, redis_ext.client).read() == {"refresh": "r1"}


def test_a_worker_that_cannot_get_the_lock_is_retried_not_run(app: Any) -> None:
    connection = _connection()
    holder = ConnectionCredentials(connection.id, redis_ext.client)
    waiter = ConnectionCredentials(connection.id, redis_ext.client, wait=0.2)
    with holder.locked(), pytest.raises(RetryableSyncError), waiter.locked():
        pass
