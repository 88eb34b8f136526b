"""Secrets at rest, key rotation, and refusing unsafe production configuration."""

from __future__ import annotations

import os

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bcapp import create_app
from bcapp.extensions import db
from bcapp.models import Connection, Store
from tests.conftest import base_config


def _seed() -> None:
    store = Store(
        store_hash="abc123",
        access_token="bc-plain-token",
        settings={},
        webhook_secret="hook-plain-secret",
    )
    db.session.add(store)
    db.session.flush()
    db.session.add(
        Connection(
            store_id=store.id,
            kind="afas",
            settings={"env": "1"},
            secrets={"token": "afas-plain-token"},
        )
    )
    db.session.commit()


def _raw_rows() -> str:
    rows = db.session.execute(text("SELECT access_token, webhook_secret FROM stores")).all()
    rows += db.session.execute(text("SELECT secrets, settings FROM connections")).all()
    return repr(rows)


def test_raw_rows_hold_no_plaintext(app):
    _seed()
    raw = _raw_rows()
    for plain in ("bc-plain-token", "hook-plain-secret", "afas-plain-token"):
        assert plain not in raw
    db.session.expire_all()
    assert db.session.execute(db.select(Connection)).scalar_one().secrets == {
        "token": "afas-plain-token"
    }


def test_rotate_keys_reencrypts_with_the_first_key(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    cfg = base_config(tmp_path, ENCRYPTION_KEYS=old)
    app = create_app(cfg)
    with app.app_context():
        db.create_all()
        _seed()
    rotated = create_app({**cfg, "ENCRYPTION_KEYS": f"{new},{old}"})
    result = rotated.test_cli_runner().invoke(args=["rotate-keys"])
    assert result.exit_code == 0, result.output
    assert "stores.access_token: 1" in result.output and "connections.secrets: 1" in result.output
    only_new = create_app({**cfg, "ENCRYPTION_KEYS": new})
    with only_new.app_context():
        store = db.session.execute(db.select(Store)).scalar_one()
        assert store.access_token == "bc-plain-token"
        assert (
            db.session.execute(db.select(Connection)).scalar_one().secrets["token"]
            == "afas-plain-token"
        )
        db.engine.dispose()


def test_wrong_key_fails_loudly(tmp_path):
    cfg = base_config(tmp_path)
    app = create_app(cfg)
    with app.app_context():
        db.create_all()
        _seed()
    other = create_app({**cfg, "ENCRYPTION_KEYS": Fernet.generate_key().decode()})
    with other.app_context(), pytest.raises(RuntimeError, match="cannot be decrypted"):
        db.session.execute(db.select(Store)).scalar_one()


@pytest.mark.parametrize("missing", ["ENCRYPTION_KEYS", "SECRET_KEY", "BC_CLIENT_SECRET"])
def test_production_refuses_to_start_without_secrets(tmp_path, missing):
    cfg = base_config(tmp_path, BCAPP_ENV="production")
    cfg[missing] = ""
    with pytest.raises(RuntimeError, match=missing):
        create_app(cfg)


def test_demo_generates_a_key_into_the_instance_folder(tmp_path, caplog):
    cfg = base_config(tmp_path, BCAPP_ENV="demo", ENCRYPTION_KEYS="")
    app = create_app(cfg)
    key_file = os.path.join(app.instance_path, "encryption.key")
    assert os.path.exists(key_file)
    assert "generated a key" in caplog.text
    with app.app_context():
        db.create_all()
        _seed()
        assert "bc-plain-token" not in _raw_rows()
    # a restart reads the same key back
    again = create_app(cfg)
    with again.app_context():
        assert db.session.execute(db.select(Store)).scalar_one().access_token == "bc-plain-token"
        db.engine.dispose()


def test_config_mapping_overrides_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_URL", "https://from-env.example")
    monkeypatch.setenv("BC_API_URL", "https://api.env.example")
    app = create_app(base_config(tmp_path, APP_URL="https://from-mapping.example"))
    assert app.config["APP_URL"] == "https://from-mapping.example"
    assert app.config["BC_API_URL"] == "https://api.env.example"
    assert app.config["BC_LOGIN_URL"] == "https://login.bigcommerce.com"


def test_database_url_becomes_sqlalchemy_uri(tmp_path):
    app = create_app(base_config(tmp_path, DATABASE_URL="postgres://u@h:5432/d"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h:5432/d"
    default = create_app({k: v for k, v in base_config(tmp_path).items() if k != "DATABASE_URL"})
    assert default.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/bcapp.sqlite")
