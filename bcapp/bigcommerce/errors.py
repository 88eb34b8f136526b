"""BigCommerce answers turned into bcapp's error tree, with BigCommerce's own words.

One status table (:data:`OVERRIDES` on top of :data:`bcapp.errors.STATUS_TABLE`)
decides the class; :meth:`ApiError.from_response` fills in the message exactly
as BigCommerce wrote it, so a merchant reads "The field 'name' is invalid", not
"HTTP 422". The two API generations phrase errors differently:

* v3: ``{"status": 422, "title": "...", "type": "...", "errors": {"field": "why"}}``
* v2: ``[{"status": 400, "message": "...", "details": {...}}]``
* v3 payment actions (refund quotes, refunds) wrap the v3 error: ``{"data": [error]}``

Every class here is also an :class:`ApiError`, so callers that care only about
"BigCommerce refused" can catch that, while the runner keeps catching the
generic tree (``RetryableSyncError``, ``FatalSyncError``, ``ConfigError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from bcapp.errors import (
    BcappError,
    ConfigError,
    FatalSyncError,
    ReauthorizationRequired,
    RetryableSyncError,
    SyncError,
    error_for_status,
)

REMOTE = "bigcommerce"


class ApiError(BcappError):
    """Any error built from a BigCommerce answer (mixed into the concrete classes below)."""

    status: int | None = None

    @classmethod
    def from_response(
        cls, response: httpx.Response, *, retry_after: float | None = None
    ) -> BcappError:
        """Build the right error for ``response``, keeping BigCommerce's message verbatim.

        Args:
            response: a non-2xx answer from the API.
            retry_after: seconds to wait before retrying, when the caller knows better
                than the body (a 429's ``X-Rate-Limit-Time-Reset-Ms``).
        """
        body = _json_or_none(response)
        message, details = describe(body, response)
        details["method"] = response.request.method if _has_request(response) else None
        details["path"] = response.request.url.path if _has_request(response) else None
        error_cls = class_for_status(response.status_code)
        return build(
            error_cls,
            message,
            status=response.status_code,
            details=details,
            retry_after=retry_after,
        )


class TokenRejected(ApiError, ReauthorizationRequired):
    """401/403: the store's token is revoked or lacks a scope; the store must reopen the app."""


class BadRequest(ApiError, FatalSyncError):
    """400: BigCommerce could not read the request."""


class NotFound(ApiError, FatalSyncError):
    """404: the record (or endpoint) does not exist in this store."""


class Conflict(ApiError, FatalSyncError):
    """409: the record clashes with another (duplicate SKU, name, e-mail ...)."""


class PayloadTooLarge(ApiError, FatalSyncError):
    """413: more items in one request than BigCommerce allows."""


class Unprocessable(ApiError, FatalSyncError):
    """422: validation failed; ``details["errors"]`` holds BigCommerce's field errors."""


class RequestRefused(ApiError, FatalSyncError):
    """Any other 4xx BigCommerce refused for good."""


class RateLimited(ApiError, RetryableSyncError):
    """429: the store's shared quota is spent; ``retry_after`` says when it refreshes."""


class Unavailable(ApiError, RetryableSyncError):
    """5xx, 408, timeouts and dropped connections: worth trying again later."""


#: BigCommerce's refinements of the shared status table.
OVERRIDES: dict[int, type[BcappError]] = {
    400: BadRequest,
    401: TokenRejected,
    403: TokenRejected,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: Unprocessable,
    429: RateLimited,
}

#: What the generic fall-backs of the shared table become here.
_FALLBACKS: dict[type[BcappError], type[BcappError]] = {
    RetryableSyncError: Unavailable,
    FatalSyncError: RequestRefused,
    ConfigError: TokenRejected,
}


def class_for_status(status: int) -> type[BcappError]:
    """The error class for an HTTP status from BigCommerce."""
    cls = error_for_status(status, OVERRIDES)
    return _FALLBACKS.get(cls, cls)


def build(
    error_cls: type[BcappError],
    message: str,
    *,
    status: int | None,
    details: Mapping[str, Any] | None = None,
    retry_after: float | None = None,
) -> BcappError:
    """Instantiate ``error_cls`` with the keywords its branch of the tree accepts."""
    if issubclass(error_cls, RetryableSyncError):
        error: BcappError = error_cls(
            message, retry_after=retry_after, status=status, remote=REMOTE, details=details
        )
    elif issubclass(error_cls, SyncError):
        error = error_cls(message, status=status, remote=REMOTE, details=details)
    else:
        error = error_cls(message, details=details)
        error.status = status  # type: ignore[attr-defined]
    return error


def describe(body: Any, response: httpx.Response) -> tuple[str, dict[str, Any]]:
    """BigCommerce's message and structured details from an error body (v2 or v3)."""
    if isinstance(body, dict):
        message, details = _describe_v3(_unwrapped(body), response)
        return message, {**details, "body": body}
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return _describe_v2(body, response)
    text = response.text.strip()[:500] if response.content else ""
    return text or f"{response.status_code} {response.reason_phrase}", {"body": text or None}


def _unwrapped(body: dict[str, Any]) -> dict[str, Any]:
    """The error itself when the payment actions API wraps it as ``{"data": [error]}``."""
    if body.get("title") or body.get("message") or body.get("error") or body.get("errors"):
        return body
    wrapped = body.get("data")
    inner = wrapped[0] if isinstance(wrapped, list) and wrapped else None
    if isinstance(inner, dict) and (inner.get("title") or inner.get("message")):
        return inner
    return body


def _describe_v3(body: dict[str, Any], response: httpx.Response) -> tuple[str, dict[str, Any]]:
    title = str(body.get("title") or body.get("message") or body.get("error") or "")
    field_errors = body.get("errors")
    details: dict[str, Any] = {"body": body, "title": title or None, "type": body.get("type")}
    if isinstance(field_errors, dict) and field_errors:
        details["errors"] = dict(field_errors)
        listed = "; ".join(f"{key}: {value}" for key, value in field_errors.items())
        title = f"{title} ({listed})" if title else listed
    elif isinstance(field_errors, list) and field_errors:
        details["errors"] = list(field_errors)
    return title or f"{response.status_code} {response.reason_phrase}", details


def _describe_v2(body: list[Any], response: httpx.Response) -> tuple[str, dict[str, Any]]:
    messages = [str(item.get("message", "")) for item in body if isinstance(item, dict)]
    messages = [message for message in messages if message]
    details: dict[str, Any] = {"body": body, "messages": messages}
    item_details = [
        item.get("details") for item in body if isinstance(item, dict) and item.get("details")
    ]
    if item_details:
        details["errors"] = item_details
    return "; ".join(messages) or f"{response.status_code} {response.reason_phrase}", details


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - raises RuntimeError when the response was built by hand
    except RuntimeError:
        return False
    return True


def transport_error(exc: httpx.HTTPError, method: str, path: str) -> RetryableSyncError:
    """A timeout or dropped connection, as a retryable error naming what we were doing."""
    kind = (
        "did not answer in time"
        if isinstance(exc, httpx.TimeoutException)
        else "could not be reached"
    )
    return Unavailable(
        f"BigCommerce {kind} ({method} {path}): {exc}",
        status=None,
        remote=REMOTE,
        details={"method": method, "path": path, "exception": type(exc).__name__},
    )
