"""The MplusQapi SOAP client for one Mplus installation.

Every installation has its own port on ``api.mpluskassa.nl`` and takes its
credentials in the query string: ``https://api.mpluskassa.nl:{port}/?ident=…&secret=…``.
Because the secret is part of the URL, nothing here logs a raw URL: our own
log lines use :func:`redact_url`, and :class:`RedactQueryFilter` scrubs the
request line httpx itself logs at INFO.

Errors, from one table (:meth:`MplusClient.error_for_fault` / ``_error_for_http``):

* Transport failures (timeouts, refused connections) → RetryableSyncError.
* Fault ``Client.Authentication`` (or any fault naming ident/secret), and HTTP
  401/403 → ConfigError with Mplus's own text in the sentence.
* Fault ``Server``/``Server.*`` and HTTP 5xx without a fault → RetryableSyncError.
* Other ``Client*`` faults (a request Mplus cannot read) → FatalSyncError.
* Result enums in a normal answer (``…-RESULT-FAILED`` with ``errorMessage``)
  are checked by :func:`check_result`, because only the caller knows which
  outcomes are fine (``…-ALREADY-EXISTS`` is success for an idempotent export).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from bcapp import metrics
from bcapp.connectors.mplus import soap
from bcapp.errors import (
    BcappError,
    ConfigError,
    CredentialsRefused,
    FatalSyncError,
    RetryableSyncError,
)

log = logging.getLogger(__name__)

REMOTE = "mplus"
DEFAULT_HOST = "api.mpluskassa.nl"
#: Connect fast; Mplus builds big getProducts pages slowly.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
_SECRET_PARAM = re.compile(r"((?:^|[?&])(?:ident|secret)=)[^&\s\"']*", re.IGNORECASE)
REDACTED = "***"


def redact_url(url: str | httpx.URL) -> str:
    """The URL with ``ident`` and ``secret`` values masked."""
    return _SECRET_PARAM.sub(rf"\g<1>{REDACTED}", str(url))


class RedactQueryFilter(logging.Filter):
    """Masks ident/secret in any log record's arguments (httpx logs every request URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                redact_url(a) if isinstance(a, str | httpx.URL) else a for a in record.args
            )
        if isinstance(record.msg, str) and "secret=" in record.msg:
            record.msg = redact_url(record.msg)
        return True


_FILTER = RedactQueryFilter()


def install_log_redaction() -> None:
    """Attach the redaction filter to httpx's loggers (idempotent; never at import)."""
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)


def base_url(port: int | None = None, host: str = DEFAULT_HOST, override: str = "") -> str:
    """``https://{host}:{port}/`` or the configured override (the sandbox, a proxy)."""
    if override:
        parts = urlsplit(override)
        return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    if not port:
        raise ConfigError(
            "Enter the port number of your Mplus API (Mplus gives it with the ident)."
        )
    return f"https://{host}:{int(port)}/"


@dataclass(frozen=True)
class Exchange:
    """One call, without secrets, for the activity log."""

    operation: str
    url: str
    status: int | None
    elapsed_ms: float
    error: str = ""


class MplusClient:
    """Calls MplusQapi operations with dict payloads (see :mod:`.soap`).

    Args:
        url: the installation's base URL (see :func:`base_url`).
        ident: the API ident Mplus issued.
        secret: the API secret (only ever sent in the query string).
        transport: an httpx transport, e.g. ``httpx.WSGITransport(sandbox)``.
        timeout: seconds or an httpx.Timeout.
    """

    def __init__(
        self,
        url: str,
        ident: str,
        secret: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        install_log_redaction()
        self.url = url
        self._secrets = (ident, secret)
        self._http = httpx.Client(
            transport=transport,
            timeout=timeout,
            params={"ident": ident, "secret": secret},
            headers={"Content-Type": "text/xml; charset=utf-8"},
            follow_redirects=False,
        )
        self.last_exchange: Exchange | None = None

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def call(self, operation: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Send one operation and return its decoded answer, or raise from the error tree."""
        payload = soap.request(operation, body)
        started = time.perf_counter()
        try:
            answer = self._http.post(self.url, content=payload, headers={"SOAPAction": operation})
        except httpx.TimeoutException as exc:
            raise self._record_error(
                operation,
                started,
                RetryableSyncError(
                    f"Mplus did not answer {operation} in time ({type(exc).__name__}).",
                    remote=REMOTE,
                ),
            ) from None
        except httpx.TransportError as exc:
            raise self._record_error(
                operation,
                started,
                RetryableSyncError(
                    f"Could not reach Mplus at {redact_url(self.url)}: {exc}", remote=REMOTE
                ),
            ) from None
        metrics.observe_erp(REMOTE, operation, answer.status_code, time.perf_counter() - started)
        try:
            return self._decode(operation, answer)
        finally:
            self.last_exchange = Exchange(
                operation, redact_url(self.url), answer.status_code, _ms(started)
            )

    def _record_error(self, operation: str, started: float, error: BcappError) -> BcappError:
        metrics.observe_erp(REMOTE, operation, None, time.perf_counter() - started)
        self.last_exchange = Exchange(
            operation, redact_url(self.url), None, _ms(started), error.message
        )
        log.warning("mplus %s failed: %s", operation, error.message)
        return error

    def _decode(self, operation: str, answer: httpx.Response) -> dict[str, Any]:
        try:
            decoded = soap.response(operation, answer.content)
        except soap.SoapFormatError as exc:
            raise self._error_for_http(operation, answer, str(exc)) from None
        if isinstance(decoded, soap.Fault):
            raise self.error_for_fault(operation, decoded, answer.status_code)
        if answer.status_code >= 400:
            raise self._error_for_http(operation, answer, "")
        return decoded

    def error_for_fault(self, operation: str, fault: soap.Fault, status: int) -> BcappError:
        """The error tree's answer to a SOAP fault."""
        text = self._scrub(fault.message or fault.detail or fault.code)
        kind = fault.kind.lower()
        if "auth" in kind or re.search(r"\b(ident|secret)\b", text, re.IGNORECASE):
            return CredentialsRefused(
                f"Mplus refused the API ident and secret: {text.rstrip('.')}. "
                "Check them in the Mplus settings (and that this API port is yours).",
                details={"fault": fault.code},
            )
        if kind.startswith("server"):
            return RetryableSyncError(
                f"Mplus had a server error in {operation}: {text}", status=status, remote=REMOTE
            )
        return FatalSyncError(
            f"Mplus refused the {operation} request: {text}",
            status=status,
            remote=REMOTE,
            details={"fault": fault.code},
        )

    def _error_for_http(self, operation: str, answer: httpx.Response, reason: str) -> BcappError:
        status = answer.status_code
        if status in (401, 403):
            return CredentialsRefused(
                f"Mplus refused the API ident and secret (HTTP {status}). "
                "Check them in the Mplus settings."
            )
        if status >= 500 or status in (408, 429):
            return RetryableSyncError(
                f"Mplus answered {operation} with HTTP {status}.",
                status=status,
                remote=REMOTE,
                retry_after=_retry_after(answer),
            )
        return FatalSyncError(
            f"Mplus answered {operation} with HTTP {status} ({reason or 'no SOAP body'}).",
            status=status,
            remote=REMOTE,
        )

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            if secret and len(secret) >= 4:
                text = text.replace(secret, REDACTED)
        return text


def check_result(
    operation: str,
    answer: Mapping[str, Any],
    ok: Iterable[str] = (),
    *,
    field: str = "result",
) -> str:
    """Return the result enum when it is OK (or in ``ok``); raise FatalSyncError otherwise.

    The error keeps Mplus's ``errorMessage`` verbatim: merchants fix data with
    Mplus's words.
    """
    result = str(answer.get(field, ""))
    if result.endswith("-OK") or result in set(ok):
        return result
    message = answer.get("errorMessage") or result or "no result"
    raise FatalSyncError(
        f"Mplus {operation} failed: {message}", remote=REMOTE, details={"result": result}
    )


def _retry_after(answer: httpx.Response) -> float | None:
    raw = answer.headers.get("retry-after", "")
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
