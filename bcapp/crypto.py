"""Secrets at rest: MultiFernet over ENCRYPTION_KEYS, as a SQLAlchemy column type.

The first key encrypts, every key decrypts; rotating means putting a new key
first and running ``bcapp rotate-keys``, which re-encrypts every secret with it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from bcapp.config import settings_of

log = logging.getLogger(__name__)


class Vault:
    """Encrypts and decrypts with the app's keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        self._fernet = MultiFernet([Fernet(k.strip().encode()) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise RuntimeError("a stored secret cannot be decrypted with ENCRYPTION_KEYS") from exc

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode()).decode()


def init_vault(app: Flask) -> None:
    """Bind a Vault to ``app``; outside production a missing key is generated once."""
    from bcapp.config import MissingConfiguration, is_production

    raw = settings_of(app.config).encryption_keys or ""
    keys = [k for k in raw.split(",") if k.strip()]
    if not keys:
        if is_production(app.config):
            raise MissingConfiguration(
                "ENCRYPTION_KEYS is not set: production refuses to store secrets unencrypted. "
                "Generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            )
        keys = [instance_key(app)]
    app.extensions["bcapp.vault"] = Vault(keys)


def instance_key(app: Flask) -> str:
    """Read or create the demo's key file in the instance folder (and say so)."""
    path = os.path.join(app.instance_path, "encryption.key")
    if not os.path.exists(path):
        os.makedirs(app.instance_path, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(Fernet.generate_key().decode())
        log.warning("No ENCRYPTION_KEYS set: generated a key into %s (demo only)", path)
    with open(path) as fh:
        return fh.read().strip()


def vault() -> Vault:
    found: Vault = current_app.extensions["bcapp.vault"]
    return found


class EncryptedText(TypeDecorator[str]):
    """A text column stored as a Fernet token; reads give back the plaintext."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else vault().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else vault().decrypt(value)


class EncryptedJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object stored encrypted (ERP credentials)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None, dialect: Any) -> str | None:
        return None if value is None else vault().encrypt(json.dumps(value, sort_keys=True))

    def process_result_value(self, value: str | None, dialect: Any) -> dict[str, Any] | None:
        if value is None:
            return None
        loaded: dict[str, Any] = json.loads(vault().decrypt(value))
        return loaded
