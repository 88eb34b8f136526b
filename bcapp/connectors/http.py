"""The shared HTTP layer for REST ERPs: one client factory, one status table, one log record.

Every REST connector talks through :class:`HttpApi`. It gives the three things a
connector must never get wrong on its own:

* **Errors from one table.** Transport failures (timeouts, refused connections)
  and 5xx become :class:`~bcapp.errors.RetryableSyncError`; validation errors
  become :class:`~bcapp.errors.FatalSyncError` carrying the ERP's own message
  verbatim; 401/403 become :class:`~bcapp.errors.ConfigError` with a sentence a
  merchant understands. Subclasses refine the table (AFAS sends validation
  errors as HTTP 500) with ``status_overrides`` and :meth:`HttpApi.classify`.
* **What we sent and what the ERP said.** Each request leaves an
  :class:`Exchange` in ``last_exchange`` (and in ``exchanges`` while recording),
  with secrets removed, so flows can write it to the activity log.
* **Tests without sockets.** ``transport`` is injectable: tests and the demo
  mount a sandbox's WSGI app with :class:`httpx.WSGITransport`.
* **Only the vendor's addresses.** Without an injected transport every ERP client
  talks through :class:`GuardedTransport`: http(s) only, to the connector's vendor
  hosts (or the operator's ``ERP_ALLOWED_HOSTS``), connecting only to public
  addresses, checked on the very address connected to (:mod:`bcapp.netguard`); an
  ERP's error text reaches the merchant only from such an address.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

import httpcore
import httpx

from bcapp import metrics, netguard
from bcapp.errors import (
    BcappError,
    ConfigError,
    FatalSyncError,
    RetryableSyncError,
    SyncError,
    error_for_status,
)

#: Connect fast, read patiently: ERPs build big GetConnector pages slowly.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
#: Header names whose values never reach a log.
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-auth-token", "x-api-key"})
#: Body keys (any depth, case-insensitive) whose values never reach a log.
SECRET_KEYS = frozenset({"token", "password", "secret", "api_key", "apikey", "access_token"})
REDACTED = "***"
#: Bodies longer than this are cut in the log record (the activity log is not a dump).
MAX_LOGGED_BODY = 20_000


@dataclass(frozen=True)
class Exchange:
    """One request/response pair with secrets removed: what the activity log stores."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int | None = None
    response_body: Any = None
    elapsed_ms: float = 0.0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict for the activity log."""
        return {
            "method": self.method,
            "url": self.url,
            "request_headers": self.request_headers,
            "request_body": self.request_body,
            "status": self.status,
            "response_body": self.response_body,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "error": self.error,
        }


def make_client(
    base_url: str,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    headers: Mapping[str, str] | None = None,
) -> httpx.Client:
    """An httpx client for one ERP: base URL, timeouts, optional sandbox transport.

    The TLS context (the system CA bundle, parsed) is built once per process: it
    cost ~25 ms of CPU per client, i.e. per job, since each job builds its connector.
    Without a ``transport`` the client goes through :class:`GuardedTransport`.
    """
    return httpx.Client(
        base_url=base_url,
        transport=transport or GuardedTransport(),
        verify=_tls_context(),
        timeout=timeout,
        headers=dict(headers or {}),
        follow_redirects=False,
    )


@cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verifying context (certifi's CA bundle); an SSLContext is thread-safe."""
    return httpx.create_ssl_context()


class GuardedBackend(httpcore.SyncBackend):
    """Opens TCP connections only to public addresses, unless the operator allowed the host.

    The name is resolved here and the connection made to the checked address itself,
    so a second, different DNS answer (rebinding) cannot slip past the check.
    """

    def __init__(self, allowed: tuple[netguard.Allowed, ...]) -> None:
        self.allowed = allowed

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if not netguard.is_allowed(host, port, self.allowed):
            try:
                host = netguard.public_addresses(host, port)[0]
            except OSError as exc:  # as httpcore maps its own: a connect error, retried
                raise httpcore.ConnectError(str(exc)) from exc
        return super().connect_tcp(host, port, timeout, local_address, socket_options)

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise netguard.AddressRefused("ERP connections use http(s) over the network only.")


#: Response extension set by :class:`GuardedTransport`: the answer came over the network.
GUARDED = "bcapp.guarded"


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport, restricted to the vendor's addresses (:mod:`bcapp.netguard`).

    ``kind`` (the connector's) limits requests to that vendor's hosts and the
    operator's ``ERP_ALLOWED_HOSTS``; without it only the address rules apply. No
    proxy from the environment: the address checked is the one connected to.
    Refusals raise :class:`~bcapp.netguard.AddressRefused` (a ConfigError: shown to the
    merchant, never retried).
    """

    def __init__(self, kind: str | None = None, *, allowed: Iterable[Any] | None = None,
                 **kwargs: Any) -> None:  # fmt: skip
        kwargs.setdefault("verify", _tls_context())
        super().__init__(trust_env=False, **kwargs)
        self.kind = kind
        self.allowed = netguard.allowed_hosts() if allowed is None else tuple(allowed)
        self._pool._network_backend = GuardedBackend(self.allowed)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in netguard.SCHEMES:
            raise netguard.AddressRefused("ERP connections use http or https only.")
        if self.kind is not None:  # the host alone: the URL may carry credentials (Mplus)
            origin = f"{url.scheme}://{url.netloc.decode('ascii', 'replace').rsplit('@', 1)[-1]}/"
            netguard.check_url(self.kind, origin, allowed=self.allowed)
        response = super().handle_request(request)
        # It crossed the network to a checked address; the allowance it was checked against
        # travels with it, so judging the answer needs no app context (a scan's pool thread).
        response.extensions[GUARDED] = self.allowed
        return response


def guarded_transport(kind: str | None = None) -> GuardedTransport:
    """The transport an ERP connector of ``kind`` gets when none is injected."""
    return GuardedTransport(kind)


def redact(value: Any, secrets: Iterable[str] = (), keys: frozenset[str] = SECRET_KEYS) -> Any:
    """Copy ``value`` with secret keys masked and every known secret string replaced.

    Args:
        value: a JSON-like structure, or a string.
        secrets: literal secret values (tokens) to scrub wherever they appear.
        keys: dict keys whose values are masked whole.
    """
    literals = [s for s in secrets if s and len(s) >= 4]
    return _redact(value, literals, keys)


def _redact(value: Any, literals: list[str], keys: frozenset[str]) -> Any:
    if isinstance(value, Mapping):
        return {
            k: REDACTED if str(k).lower() in keys else _redact(v, literals, keys)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(v, literals, keys) for v in value]
    if isinstance(value, str):
        for secret in literals:
            value = value.replace(secret, REDACTED)
        return value
    return value


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with authentication values masked."""
    return {k: REDACTED if k.lower() in SECRET_HEADERS else v for k, v in headers.items()}


def parse_retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds form only), or None."""
    raw = response.headers.get("retry-after")
    try:
        return max(0.0, float(raw)) if raw else None
    except ValueError:
        return None


def response_payload(response: httpx.Response) -> Any:
    """The body as JSON when it is JSON, else as (possibly cut) text."""
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return response.text[:MAX_LOGGED_BODY]


@dataclass
class HttpApi:
    """Base of a REST ERP client: sends requests, records exchanges, raises from the table.

    Subclasses set ``remote`` and the merchant sentences, and may override
    :meth:`error_message` (where the ERP puts its words) and :meth:`classify`.

    Attributes:
        client: the httpx client (see :func:`make_client`).
        secrets: literal secret values scrubbed from every logged exchange.
        record: keep every exchange in ``exchanges`` (tests, conformance checks).
    """

    client: httpx.Client
    secrets: tuple[str, ...] = ()
    record: bool = False
    last_exchange: Exchange | None = None
    exchanges: list[Exchange] = field(default_factory=list)

    remote: ClassVar[str] = "erp"
    remote_label: ClassVar[str] = "The ERP"
    auth_message: ClassVar[str] = "{label} refused our credentials: check them in the settings."
    forbidden_message: ClassVar[str] = "{label} denied access: check the user's permissions."
    status_overrides: ClassVar[dict[int, type[BcappError]]] = {}

    def close(self) -> None:
        """Release the connection pool."""
        self.client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> httpx.Response:
        """Send one request; return the 2xx response or raise from the status table."""
        started = time.perf_counter()
        try:
            response = self.client.request(method, path, params=params, json=json_body)
        except httpx.TimeoutException as exc:
            self._log(method, path, params, json_body, started, error=f"timeout: {exc}")
            raise RetryableSyncError(
                f"{self.remote_label} did not answer in time.", remote=self.remote
            ) from exc
        except httpx.TransportError as exc:
            self._log(method, path, params, json_body, started, error=f"transport: {exc}")
            raise RetryableSyncError(
                f"{self.remote_label} could not be reached ({type(exc).__name__}).",
                remote=self.remote,
            ) from exc
        self._log(method, path, params, json_body, started, response=response)
        if response.is_success:
            return response
        raise self.error_from(response)

    def error_from(self, response: httpx.Response) -> BcappError:
        """Build the error for a non-2xx response (the status table plus the ERP's words).

        The ERP's own words are taken only from the vendor's (or an allowed) address.
        """
        cls = self.classify(response)
        message = self.error_message(response) if self.answered_by_vendor(response) else ""
        details = {"status": response.status_code, "body": self.last_body()}
        if cls is ConfigError or issubclass(cls, ConfigError):
            template = self.auth_message if response.status_code == 401 else self.forbidden_message
            text = template.format(label=self.remote_label)
            if message:
                text = f"{text} ({self.remote_label} says: {message})"
            return cls(text, details=details)
        if issubclass(cls, RetryableSyncError):
            return cls(
                message or f"{self.remote_label} answered HTTP {response.status_code}.",
                retry_after=self.retry_after(response),
                status=response.status_code,
                remote=self.remote,
                details=details,
            )
        if issubclass(cls, SyncError):
            return cls(
                message
                or f"{self.remote_label} refused the request (HTTP {response.status_code}).",
                status=response.status_code,
                remote=self.remote,
                details=details,
            )
        return cls(message or f"HTTP {response.status_code}", details=details)

    def answered_by_vendor(self, response: httpx.Response) -> bool:
        """Whether the response came from the ERP's vendor, or a host the operator allowed.

        Only an answer that crossed the network (through :class:`GuardedTransport`) can
        come from somewhere else: an injected transport (a sandbox in tests and the demo)
        has no address to judge. A kind without registered hosts
        (:data:`bcapp.netguard.VENDOR_HOSTS`) cannot be judged either: both pass.
        """
        allowed = response.extensions.get(GUARDED)
        if allowed is None:
            return True
        try:
            url = response.request.url
        except RuntimeError:
            return True
        if self.remote not in netguard.VENDOR_HOSTS:
            return True
        port = url.port or (443 if url.scheme == "https" else 80)
        return netguard.is_vendor(self.remote, url.host, port) or netguard.is_allowed(
            url.host, port, allowed
        )

    def classify(self, response: httpx.Response) -> type[BcappError]:
        """The error class for a response; override when the status alone is ambiguous."""
        return error_for_status(response.status_code, self.status_overrides)

    def error_message(self, response: httpx.Response) -> str:
        """The remote's own error text, verbatim (override per ERP)."""
        body = response_payload(response)
        if isinstance(body, Mapping):
            for key in ("message", "error", "title", "detail"):
                text = body.get(key)
                if isinstance(text, str) and text:
                    return text
        return body.strip()[:500] if isinstance(body, str) else ""

    def retry_after(self, response: httpx.Response) -> float | None:
        """How long the remote asked us to wait (override when it says so in the body)."""
        return parse_retry_after(response)

    def last_body(self) -> Any:
        """The (redacted) response body of the last exchange."""
        return self.last_exchange.response_body if self.last_exchange else None

    def _log(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        started: float,
        *,
        response: httpx.Response | None = None,
        error: str = "",
    ) -> None:
        status = response.status_code if response is not None else None
        metrics.observe_erp(
            self.remote, metrics.operation_of(method, path), status, time.perf_counter() - started
        )
        url = str(self.client.build_request(method, path, params=params).url)
        headers = dict(self.client.headers)
        exchange = Exchange(
            method=method,
            url=redact(url, self.secrets),
            request_headers=redact_headers(headers),
            request_body=redact(body, self.secrets),
            status=response.status_code if response is not None else None,
            response_body=(
                redact(_cut(response_payload(response)), self.secrets)
                if response is not None
                else None
            ),
            elapsed_ms=(time.perf_counter() - started) * 1000,
            error=error,
        )
        self.last_exchange = exchange
        if self.record:
            self.exchanges.append(exchange)


def _cut(payload: Any) -> Any:
    """Keep logged bodies bounded: cut long text, summarise huge JSON."""
    if isinstance(payload, str):
        return payload[:MAX_LOGGED_BODY]
    text = json.dumps(payload, default=str)
    if len(text) <= MAX_LOGGED_BODY:
        return payload
    return text[:MAX_LOGGED_BODY] + "…"


__all__ = [
    "DEFAULT_TIMEOUT",
    "Exchange",
    "FatalSyncError",
    "GuardedTransport",
    "HttpApi",
    "guarded_transport",
    "make_client",
    "parse_retry_after",
    "redact",
    "redact_headers",
]
