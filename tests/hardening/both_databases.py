"""Fixtures of the hardening tests that run on both databases: an app on SQLite and on a
fresh PostgreSQL database, and a store that has registered its webhooks."""

from __future__ import annotations

import pytest

from bcapp.extensions import db
from bcapp.models import Store
from tests.conftest import base_config


@pytest.fixture(params=["sqlite", "postgres"])
def app_config(request, tmp_path):
    if request.param == "postgres":
        return base_config(tmp_path, DATABASE_URL=request.getfixturevalue("fresh_pg_url"))
    return base_config(tmp_path)


@pytest.fixture
def hooked_store(app):
    s = Store(store_hash="abc123", access_token="tok", settings={}, webhook_secret="hook-secret")
    db.session.add(s)
    db.session.commit()
    return s
