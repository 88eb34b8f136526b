"""Configuration: every variable, its type, default and meaning, in one typed object.

:class:`Settings` owns every configuration variable the app reads. Each field is
one environment variable (the field's name in upper case) with its type, default
and the sentence the README's configuration table shows (a test keeps the two in
step, and another that the code reads no variable this class does not declare).

Values come from the environment, overridden by the ``config`` mapping given to
``create_app`` (tests do), and land in Flask's ``app.config`` under their upper-case
names; :func:`current_settings` gives the current app's values back as a typed
:class:`Settings`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints

from flask import Config, current_app

#: The checkout (or installed tree): templates, static files, migrations, ``instance/``.
ROOT = Path(__file__).resolve().parent.parent


def demo_state_path() -> Path:
    """Where a running ``bcapp demo`` leaves its settings for CLI commands."""
    return ROOT / "instance" / "demo.json"


def setting(default: Any, doc: str) -> Any:
    """A :class:`Settings` field: its default and what it is for (the README's words)."""
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Settings:
    """Every configuration variable (see the module docstring)."""

    bcapp_env: str = setting(
        "production",
        "production, development, demo or test; production refuses unsafe defaults",
    )
    bc_client_id: str = setting("", "The app's client id from the BigCommerce developer portal")
    bc_client_secret: str = setting("", "The app's client secret (signs load JWTs and webhooks)")
    app_url: str = setting(
        "http://localhost:5000", "Public base URL of the app (https in production)"
    )
    bc_login_url: str = setting(
        "https://login.bigcommerce.com", "BigCommerce login service (OAuth token exchange)"
    )
    bc_api_url: str = setting("https://api.bigcommerce.com", "BigCommerce API base")
    bc_max_in_flight: int = setting(
        8,
        "BigCommerce requests one worker sends to a store at once; all of them take permits "
        "from the store's one shared rate budget (1 sends one at a time)",
    )
    bc_admin_url: str = setting(
        "",
        "Control-panel base for admin links; default https://store-{hash}.mybigcommerce.com/manage",
    )
    secret_key: str = setting("", "Signs in-app session tokens; required in production")
    database_url: str = setting("", "SQLAlchemy URL; default a SQLite file in the instance folder")
    redis_url: str = setting(
        "", "Redis for queues, locks and rate budgets; demo falls back to an embedded Redis"
    )
    encryption_keys: str = setting(
        "", "Comma-separated Fernet keys; the first encrypts, all decrypt"
    )
    session_token_max_age: int = setting(3600, "Seconds an in-app session token stays valid")
    jwt_leeway: int = setting(60, "Seconds of clock skew allowed on signed_payload_jwt")
    frame_ancestors: str = setting(
        "https://*.bigcommerce.com https://*.mybigcommerce.com",
        "Origins allowed to frame the app (space separated): BigCommerce's control panel; "
        "the demo and tests name their stand-in's",
    )
    http_timeout: float = setting(20.0, "Seconds before an outbound HTTP request times out")
    log_retention_days: int = setting(30, "Default days activity-log entries are kept")
    smtp_host: str = setting(
        "", "SMTP server for failure alert e-mails; empty disables e-mail alerts"
    )
    smtp_port: int = setting(587, "SMTP port (587 with STARTTLS, 465 with SSL, 25 plain)")
    smtp_user: str = setting("", "SMTP login user; empty sends without logging in")
    smtp_password: str = setting("", "SMTP login password")
    smtp_from: str = setting("bcapp@localhost", "Sender address of alert e-mails")
    smtp_tls: str = setting("starttls", "starttls, ssl or none: how the SMTP connection is secured")
    alert_digest_minutes: int = setting(
        15, "At most one failure digest per store per this many minutes"
    )
    erp_check_timeout: float = setting(
        15.0, "Seconds the settings page waits for an ERP connection test"
    )
    erp_allowed_hosts: str = setting(
        "",
        "Hosts an ERP address may use besides the vendor's (host, host:port or *.domain, "
        "comma separated; http and private addresses allowed), for test servers and sandboxes",
    )
    webhook_handoff: str = setting(
        "list",
        "list: the intake pushes event ids to one Redis list and the orders workers make the "
        "jobs (lightest request); rq: the intake makes the RQ jobs itself",
    )
    webhook_store_cache_seconds: float = setting(
        10.0,
        "Seconds the webhook intake keeps a store's secret in memory (an uninstall or a "
        "secret rotation is seen at once regardless)",
    )
    rq_queue_prefix: str = setting(
        "", "Prefix of every Redis key: queues, job ids, locks (deployments sharing a Redis)"
    )
    sync_retry_intervals: tuple[int, ...] = setting(
        (30, 120, 600, 1800, 3600),
        "Comma-separated seconds between retries of a job or webhook event that failed "
        "retryably (EVENT_RETRY_INTERVALS, the events' former setting, is read as this too)",
    )
    order_lock_ttl: float = setting(
        120.0,
        "Seconds a per-order (or per-customer) lock lives without renewal: how soon a killed "
        "worker's order can be exported by another",
    )
    order_lock_wait: float = setting(
        10.0, "Seconds an export waits for another worker's lock on the same order"
    )
    max_content_length: int = setting(
        1024 * 1024,
        "Largest request body in bytes, enforced while it is read (chunked too); the webhook "
        "intake takes at most 256 KB",
    )
    event_recovery_seconds: float = setting(
        120.0,
        "A stored webhook event still unprocessed this long, and held by no live job, is "
        "queued again by the tick",
    )
    worker_lease_seconds: float = setting(
        30.0,
        "Seconds a worker may go silent before the webhook event ids and jobs it held count "
        "as stranded",
    )
    log_level: str = setting("INFO", "Lowest level logged: DEBUG, INFO, WARNING or ERROR")
    log_format: str = setting(
        "text",
        "text (one readable line) or json (one JSON object per line, with store_hash, run_id, "
        "job_id, flow and webhook_id when known)",
    )
    metrics_token: str = setting(
        "",
        "Bearer token that GET /metrics requires (Authorization: Bearer ...); empty: /metrics "
        "answers 404",
    )
    prometheus_multiproc_dir: str = setting(
        "",
        "A directory writable by every web and worker process: metrics are then summed across "
        "processes (gunicorn, RQ's forked jobs); empty: each process counts alone",
    )
    sentry_dsn: str = setting(
        "", "Sentry DSN: errors of the web app and the jobs go to Sentry; empty: nothing is sent"
    )
    sentry_environment: str = setting(
        "", "The environment Sentry files errors under; default BCAPP_ENV"
    )

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every variable's name (upper case), in the README's order."""
        return tuple(f.name.upper() for f in fields(cls))

    @classmethod
    def table(cls) -> Iterator[tuple[str, Any, str]]:
        """(name, default, meaning) per variable: the README's configuration table."""
        for f in fields(cls):
            yield f.name.upper(), _shown(f.default), f.metadata["doc"]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """The typed view of a (loaded) Flask config."""
        return cls(**{f.name: config[f.name.upper()] for f in fields(cls)})

    def as_config(self) -> dict[str, Any]:
        """NAME → value, as Flask's ``app.config`` holds them."""
        return {f.name.upper(): getattr(self, f.name) for f in fields(self)}


#: Names a setting had before: old name → the setting that replaced it. An old name given
#: (environment or overrides) still sets the new one, unless the new one is given too.
RENAMED: dict[str, str] = {"EVENT_RETRY_INTERVALS": "SYNC_RETRY_INTERVALS"}

_TYPES: dict[str, Any] = {}


def _types() -> dict[str, Any]:
    if not _TYPES:
        hints = get_type_hints(Settings)
        _TYPES.update({f.name.upper(): hints[f.name] for f in fields(Settings)})
    return _TYPES


def _shown(default: Any) -> Any:
    """A default as the README shows it (lists comma separated)."""
    if isinstance(default, tuple):
        return ",".join(str(part) for part in default)
    return default


def coerce(name: str, value: Any) -> Any:
    """``value`` (from the environment: a string) as the type ``name`` is declared with."""
    kind = _types().get(name)
    if kind is int:
        return int(value)
    if kind is float:
        return float(value)
    if kind == tuple[int, ...]:
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        return tuple(int(part) for part in value)
    if kind is str:
        return "" if value is None else str(value)
    return value


def load(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Merge defaults, the environment and ``overrides`` (highest wins), typed.

    Keys of ``overrides`` that are not settings (Flask's own, ``INSTANCE_PATH``,
    test-only switches) pass through unchanged.
    """
    env = os.environ if environ is None else environ
    given = {**env, **(overrides or {})}
    values = Settings().as_config()
    for name in values:
        if name in given:
            values[name] = coerce(name, given[name])
    for old, new in RENAMED.items():
        if old in given and new not in given:
            values[new] = coerce(new, given[old])
    for key, value in (overrides or {}).items():
        values.setdefault(key, value)
    return values


class VersionedConfig(Config):
    """Flask's config, counting its changes, so the typed view is rebuilt only after one.

    :func:`current_settings` is called on hot paths (every Redis key carries the
    prefix); building a :class:`Settings` costs ~20 µs, a version check well under 1.
    """

    version = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self.version += 1

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self.version += 1

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.version += 1
        return super().setdefault(key, default)

    def pop(self, key: Any, *default: Any) -> Any:
        self.version += 1
        return super().pop(key, *default)


def current_settings() -> Settings:
    """The current app's settings, typed (rebuilt when ``app.config`` changed)."""
    return settings_of(current_app.config)


def settings_of(config: Mapping[str, Any]) -> Settings:
    """The typed view of an app's config, cached on a :class:`VersionedConfig`."""
    version = getattr(config, "version", None)
    cached: tuple[int, Settings] | None = getattr(config, "_typed", None)
    if version is not None and cached is not None and cached[0] == version:
        return cached[1]
    typed = Settings.from_config(config)
    if version is not None:
        object.__setattr__(config, "_typed", (version, typed))
    return typed


def replace(base: Settings, **changes: Any) -> Settings:
    """A copy of ``base`` with ``changes`` (for tests and the demo)."""
    return dataclasses.replace(base, **changes)


class MissingConfiguration(RuntimeError):
    """Production was started without a setting it cannot do without (said in one line)."""


def is_production(config: Mapping[str, Any]) -> bool:
    """True unless the app runs as demo, development or test."""
    return config.get("BCAPP_ENV", "production") == "production"
