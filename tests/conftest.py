"""Shared fixtures: an app per test on SQLite (or PostgreSQL), real Redis, signed JWTs.

Servers: PostgreSQL at TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test)
and Redis at TEST_REDIS_URL (default redis://127.0.0.1:6379/15). A test that needs one skips
with a reason when it is absent, except under CI=true, where its absence fails the run.

Isolation: every test app gets its own ``RQ_QUEUE_PREFIX``, which every Redis key the app
makes carries (queues, job ids, locks, rate budgets, the hand-off list); the ``app`` fixture
deletes that prefix's keys afterwards. PostgreSQL tests create a database of their own
(``fresh_pg_url``). So two test runs on one machine, or a test run beside a benchmark,
never see each other's jobs or locks.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskCliRunner

from bcapp import App, create_app
from bcapp.cli import build_cli
from bcapp.extensions import db as _db


class BcappCliRunner(FlaskCliRunner):
    """``app.test_cli_runner()`` runs the ``bcapp`` command group against the test's app.

    The app itself carries no commands (``create_app`` does not import the CLI, which sits
    above every layer), so tests invoke the same group the ``bcapp`` script runs.
    """

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Any:
        return super().invoke(cli or build_cli(), args, **kwargs)


App.test_cli_runner_class = BcappCliRunner

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CLIENT_ID = "test-client-id"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need_server(name: str, reason: str) -> None:
    """Skip (or, under CI, fail) because a server is missing."""
    message = f"{name} is not reachable: {reason}"
    if IN_CI:
        pytest.fail(message + " (CI=true requires it)")
    pytest.skip(message)


def postgres_available() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=2):
            return None
    except Exception as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def redis_available() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except redis.RedisError as exc:
        return str(exc)


@pytest.fixture(scope="session")
def pg_url() -> str:
    problem = postgres_available()
    if problem:
        need_server("PostgreSQL", problem)
    return PG_URL


@pytest.fixture
def fresh_pg_url(pg_url: str) -> Iterator[str]:
    """A new empty PostgreSQL database for one test (parallel runs never share tables)."""
    import psycopg

    name = f"bcapp_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield pg_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> str:
    problem = redis_available()
    if problem:
        need_server("Redis", problem)
    return REDIS_URL


def test_prefix() -> str:
    """A Redis key prefix of one test's own (letters, digits and ``-``: valid in RQ job ids)."""
    return f"t{uuid.uuid4().hex[:10]}-"


def clear_redis(app: Any) -> int:
    """Delete every Redis key of ``app``'s prefix (its queues, jobs, locks); returns how many."""
    import redis

    prefix = app.config.get("RQ_QUEUE_PREFIX") or ""
    if not prefix:
        return 0
    client = redis.Redis.from_url(app.config.get("REDIS_URL") or REDIS_URL)
    try:
        keys = list(client.scan_iter(f"*{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        return len(keys)
    except redis.RedisError:
        return 0
    finally:
        client.close()


def base_config(tmp_path: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "BCAPP_ENV": "test",
        "TESTING": True,
        "BC_CLIENT_ID": CLIENT_ID,
        "BC_CLIENT_SECRET": CLIENT_SECRET,
        "APP_URL": "http://localhost",
        "SECRET_KEY": "test-secret-key",
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": f"sqlite:///{tmp_path}/test.sqlite",
        "REDIS_URL": REDIS_URL,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "RQ_QUEUE_PREFIX": test_prefix(),
        **overrides,
    }


@pytest.fixture
def app_config(tmp_path: Any) -> dict[str, Any]:
    """Config for the ``app`` fixture; override keys in a test module's own fixture."""
    return base_config(tmp_path)


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Any]:
    application = create_app(app_config)
    with application.app_context():
        _db.create_all()
        yield application
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()
    clear_redis(application)


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def make_jwt(
    store_hash: str,
    *,
    user_id: int = 1,
    owner_id: int = 1,
    email: str = "owner@example.com",
    secret: str = CLIENT_SECRET,
    audience: str = CLIENT_ID,
    algorithm: str = "HS256",
    **claims: Any,
) -> str:
    """A signed_payload_jwt as BigCommerce signs it (nbf == iat, exp a day later)."""
    now = int(time.time())
    payload = {
        "aud": audience,
        "iss": "bc",
        "iat": now,
        "nbf": now,
        "exp": now + 86400,
        "jti": str(uuid.uuid4()),
        "sub": f"stores/{store_hash}",
        "user": {"id": user_id, "email": email, "locale": "en-US"},
        "owner": {"id": owner_id, "email": "owner@example.com"},
        "url": "/",
        "channel_id": None,
        **claims,
    }
    return jwt.encode(payload, secret, algorithm=algorithm)
