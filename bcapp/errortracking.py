"""Error tracking: Sentry, when ``SENTRY_DSN`` is set; nothing imported or sent otherwise.

:func:`init_error_tracking` runs in ``create_app`` (every process builds the app:
web, workers, clock, CLI) and starts sentry-sdk once per process with its Flask
and RQ integrations, so an unhandled error in a request or a job is reported
with its context. Without a DSN it returns before importing sentry-sdk: an
install that does not use Sentry loads none of it.

What leaves the process is scrubbed by :func:`scrub` (sentry-sdk's
``before_send``): values under secret-looking or personal keys (tokens,
secrets, passwords, authorisation, cookies, sessions, signatures, e-mail,
phone, names, addresses), the configured secrets wherever they appear in a
string, e-mail addresses in any text, and the request's query string, body and
cookies (the load callback's query carries a signed JWT; webhook bodies carry
customers). ``send_default_pii`` stays off, so no user or IP is attached, and
frames carry no local variables (a store object's repr holds its token).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bcapp.config import Settings

FILTERED = "[Filtered]"
#: Keys whose values never leave (matched anywhere in the key, case-insensitive).
SECRET_KEY = re.compile(
    r"token|secret|passw|authori[sz]ation|cookie|session|signature|api[_-]?key|jwt|"
    r"credential|dsn|e-?mail|phone|first_?name|last_?name|street|address|zip|postcode|iban",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
#: Settings whose values are scrubbed from every string of an event.
SECRET_SETTINGS = ("bc_client_secret", "secret_key", "smtp_password", "metrics_token")
_STARTED: dict[str, Any] = {}


def init_error_tracking(settings: Settings, transport: Any = None) -> bool:
    """Start Sentry for this process when a DSN is configured; True when it runs.

    ``transport`` replaces sentry-sdk's HTTP transport (tests pass a fake).
    """
    if not settings.sentry_dsn:
        return False
    if _STARTED.get("dsn") == settings.sentry_dsn and transport is None:
        return True
    import sentry_sdk  # only now: an install without Sentry never loads it
    from sentry_sdk.integrations.flask import FlaskIntegration
    from sentry_sdk.integrations.rq import RqIntegration

    secrets = _secret_values(settings)
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.sentry_environment or settings.bcapp_env,
        integrations=[FlaskIntegration(), RqIntegration()],
        send_default_pii=False,
        include_local_variables=False,  # a frame's locals hold tokens and customers
        before_send=lambda event, hint: scrub(event, secrets),
        before_breadcrumb=lambda crumb, hint: scrub(crumb, secrets),
        transport=transport,
    )
    _STARTED["dsn"] = settings.sentry_dsn
    return True


def _secret_values(settings: Settings) -> tuple[str, ...]:
    values = [getattr(settings, name) for name in SECRET_SETTINGS]
    values += settings.encryption_keys.split(",")
    return tuple(v.strip() for v in values if v and len(v.strip()) >= 6)


def scrub(event: Any, secrets: Iterable[str] = ()) -> Any:
    """``event`` with secrets and personal data replaced (see the module docstring)."""
    literals = tuple(secrets)
    request = event.get("request") if isinstance(event, dict) else None
    if isinstance(request, dict):
        for part in ("query_string", "data", "cookies", "env"):
            if part in request:
                request[part] = FILTERED
    if isinstance(event, dict):
        event.pop("user", None)
    return _walk(event, literals)


def _walk(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {
            k: FILTERED if isinstance(k, str) and SECRET_KEY.search(k) else _walk(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return type(value)(_walk(v, secrets) for v in value)
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, FILTERED)
        return EMAIL.sub(FILTERED, value)
    return value
