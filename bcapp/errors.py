"""The one error tree every layer raises and the runner catches.

::

    BcappError
    ├── ConfigError            shown to the merchant, never retried (bad credentials, mapping)
    │   ├── ReauthorizationRequired   BigCommerce refused our token: the store must reopen the app
    │   └── CredentialsRefused        the ERP refused its credentials: flows pause until fixed
    └── SyncError              something went wrong while moving a record
        ├── RetryableSyncError 429, 5xx, timeouts, lock contention; carries ``retry_after``
        ├── FatalSyncError     the other side refused the record for good (validation error)
        └── SkipRecord         this record cannot be synced; log it and let the batch go on

Clients turn HTTP answers into these through one status table per remote
(:func:`error_for_status`), so a flow never looks at a status code. Every error
keeps the remote's own message: merchants fix problems with the ERP's or
BigCommerce's words, not ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class BcappError(Exception):
    """Base of every error bcapp raises on purpose."""

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return self.message


class ConfigError(BcappError):
    """A problem only the merchant can fix; retrying would fail the same way."""


class ReauthorizationRequired(ConfigError):
    """BigCommerce answered 401/403: the store's token is revoked or lacks a scope."""


class CredentialsRefused(ConfigError):
    """The ERP answered 401/403 (or its SOAP equivalent): its credentials are wrong or revoked.

    The store's flows pause until the merchant enters credentials that pass the
    connection test (:mod:`bcapp.onboarding`), so a revoked token costs one failed
    run, not one per schedule tick.
    """


class SyncError(BcappError):
    """A failure while syncing one record or batch.

    Attributes:
        status: the remote's HTTP status, when there was one.
        remote: which side answered ("bigcommerce", "afas", "mplus", ...).
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        remote: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.status = status
        self.remote = remote


class RetryableSyncError(SyncError):
    """Worth trying again later: ``retry_after`` seconds, when the remote said so."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class FatalSyncError(SyncError):
    """The remote refused the request for good; retrying the same payload cannot help."""


class SkipRecord(SyncError):
    """This one record cannot be synced (logged against it); the batch goes on."""


#: The shared status table: HTTP status → error class. Remotes refine it
#: (BigCommerce maps 401/403 to ReauthorizationRequired, AFAS sends
#: validation errors as 500) by passing ``overrides``.
STATUS_TABLE: dict[int, type[BcappError]] = {
    400: FatalSyncError,
    401: CredentialsRefused,
    403: CredentialsRefused,
    404: FatalSyncError,
    408: RetryableSyncError,
    409: FatalSyncError,
    413: FatalSyncError,
    422: FatalSyncError,
    423: RetryableSyncError,
    425: RetryableSyncError,
    429: RetryableSyncError,
}


def error_for_status(
    status: int, overrides: Mapping[int, type[BcappError]] | None = None
) -> type[BcappError]:
    """Return the error class for an HTTP status (5xx retryable, other 4xx fatal)."""
    if overrides and status in overrides:
        return overrides[status]
    if status in STATUS_TABLE:
        return STATUS_TABLE[status]
    if status >= 500:
        return RetryableSyncError
    return FatalSyncError
