"""Configuration, read from the environment in one place.

Every key may also be passed in the ``config`` mapping of ``create_app``
(tests do). The README's configuration table documents the same names.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

#: name → (default, description). The README table is generated from this.
SETTINGS: dict[str, tuple[Any, str]] = {
    "BCAPP_ENV": (
        "production",
        "production, development, demo or test; production refuses unsafe defaults",
    ),
    "BC_CLIENT_ID": ("", "The app's client id from the BigCommerce developer portal"),
    "BC_CLIENT_SECRET": ("", "The app's client secret (signs load JWTs and webhooks)"),
    "APP_URL": ("http://localhost:5000", "Public base URL of the app (https in production)"),
    "BC_LOGIN_URL": (
        "https://login.bigcommerce.com",
        "BigCommerce login service (OAuth token exchange)",
    ),
    "BC_API_URL": ("https://api.bigcommerce.com", "BigCommerce API base"),
    "BC_ADMIN_URL": (
        "",
        "Control-panel base for admin links; default https://store-{hash}.mybigcommerce.com/manage",
    ),
    "SECRET_KEY": ("", "Signs in-app session tokens; required in production"),
    "DATABASE_URL": ("", "SQLAlchemy URL; default a SQLite file in the instance folder"),
    "REDIS_URL": (
        "",
        "Redis for queues, locks and rate budgets; demo falls back to an embedded Redis",
    ),
    "ENCRYPTION_KEYS": ("", "Comma-separated Fernet keys; the first encrypts, all decrypt"),
    "SESSION_TOKEN_MAX_AGE": (3600, "Seconds an in-app session token stays valid"),
    "JWT_LEEWAY": (60, "Seconds of clock skew allowed on signed_payload_jwt"),
    "HTTP_TIMEOUT": (20.0, "Seconds before an outbound HTTP request times out"),
    "LOG_RETENTION_DAYS": (30, "Default days activity-log entries are kept"),
    "SMTP_HOST": ("", "SMTP server for failure alert e-mails; empty disables e-mail alerts"),
    "SMTP_PORT": (587, "SMTP port (587 with STARTTLS, 465 with SSL, 25 plain)"),
    "SMTP_USER": ("", "SMTP login user; empty sends without logging in"),
    "SMTP_PASSWORD": ("", "SMTP login password"),
    "SMTP_FROM": ("bcapp@localhost", "Sender address of alert e-mails"),
    "SMTP_TLS": ("starttls", "starttls, ssl or none: how the SMTP connection is secured"),
    "ALERT_DIGEST_MINUTES": (15, "At most one failure digest per store per this many minutes"),
    "ERP_CHECK_TIMEOUT": (15.0, "Seconds the settings page waits for an ERP connection test"),
    "WEBHOOK_HANDOFF": (
        "list",
        "list: the intake pushes event ids to one Redis list and the orders workers make the "
        "jobs (lightest request); rq: the intake makes the RQ jobs itself",
    ),
    "RQ_QUEUE_PREFIX": ("", "Prefix of queue names and lock keys (deployments sharing a Redis)"),
    "SYNC_RETRY_INTERVALS": (
        "30,120,600,1800,3600",
        "Comma-separated seconds between retries of a job or webhook event that failed "
        "retryably (EVENT_RETRY_INTERVALS, the events' former setting, is read as this too)",
    ),
    "MAX_CONTENT_LENGTH": (
        1024 * 1024,
        "Largest request body in bytes, enforced while it is read (chunked too); the webhook "
        "intake takes at most 256 KB",
    ),
    "EVENT_RECOVERY_SECONDS": (
        120,
        "A stored webhook event still unprocessed this long, and held by no live job, is "
        "queued again by the tick",
    ),
    "ERP_ALLOWED_HOSTS": (
        "",
        "Hosts an ERP address may use besides the vendor's (host, host:port or *.domain, "
        "comma separated; http and private addresses allowed), for test servers and sandboxes",
    ),
    "WORKER_LEASE_SECONDS": (
        30,
        "Seconds a worker may go silent before the webhook event ids and jobs it held count "
        "as stranded",
    ),
}

#: Names a setting had before: old name → the setting that replaced it. An old name given
#: (environment or overrides) still sets the new one, unless the new one is given too.
RENAMED: dict[str, str] = {"EVENT_RETRY_INTERVALS": "SYNC_RETRY_INTERVALS"}

_INT_KEYS = {
    "SESSION_TOKEN_MAX_AGE", "JWT_LEEWAY", "LOG_RETENTION_DAYS", "SMTP_PORT",
    "ALERT_DIGEST_MINUTES", "MAX_CONTENT_LENGTH",
}  # fmt: skip
_FLOAT_KEYS = {
    "HTTP_TIMEOUT", "ERP_CHECK_TIMEOUT", "EVENT_RECOVERY_SECONDS", "WORKER_LEASE_SECONDS",
}  # fmt: skip
_INT_LIST_KEYS = {"SYNC_RETRY_INTERVALS"}


def _coerce(key: str, value: Any) -> Any:
    if key in _INT_KEYS:
        return int(value)
    if key in _FLOAT_KEYS:
        return float(value)
    if key in _INT_LIST_KEYS and isinstance(value, str):
        return [int(part) for part in value.split(",") if part.strip()]
    return value


def load(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Merge defaults, the environment and ``overrides`` (highest wins)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for key, (default, _) in SETTINGS.items():
        values[key] = _coerce(key, env.get(key, default))
    for key, value in (overrides or {}).items():
        values[key] = _coerce(key, value) if key in SETTINGS else value
    given = {**env, **(overrides or {})}
    for old, new in RENAMED.items():
        if old in given and new not in given:
            values[new] = _coerce(new, given[old])
    return values


class MissingConfiguration(RuntimeError):
    """Production was started without a setting it cannot do without (said in one line)."""


def is_production(config: Mapping[str, Any]) -> bool:
    """True unless the app runs as demo, development or test."""
    return config.get("BCAPP_ENV", "production") == "production"
