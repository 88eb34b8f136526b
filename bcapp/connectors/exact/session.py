"""What every part of the Exact connector shares: tokens, the shared call budget, the client.

:class:`ExactSession` builds the :class:`~bcapp.connectors.exact.client.ExactClient`
of the merchant's division on first use:

* **Tokens** live in the app's credentials hook under one key (``oauth``, see
  :class:`NestedCredentials`), so they stay one encrypted object among the
  connection's secrets and a save of the settings page keeps them. Without a
  hook (a one-off ``check()`` from the settings page) the stored access token is
  used while it is valid and *never refreshed*: a refresh whose new tokens could
  not be stored would disconnect the merchant (:class:`StoredTokens`).
* **The budget** is the division's :class:`~bcapp.connectors.exact.budget_redis.RedisCallBudget`
  (namespaced by the app's key prefix) inside an app with Redis, else an
  in-process one (:func:`shared_budget`).
* **The division** comes from the settings, or ``/current/Me`` when 0.

:meth:`ExactSession.lookup` reads the rows whose field equals any of many values,
in OR-ed chunks (a CRUD endpoint with a filter: Exact's mandatory filtering is met).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, cast

import httpx
from flask import has_app_context

from bcapp.connectors.base import Credentials, MemoryCredentials
from bcapp.connectors.exact.budget import DEFAULT_MAX_WAIT, CallBudget
from bcapp.connectors.exact.budget import Priority as Priority
from bcapp.connectors.exact.budget_redis import budget_for
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.oauth import (
    RECONNECT,
    AppCredentials,
    TokenEndpoint,
    TokenManager,
    TokenSet,
)
from bcapp.connectors.exact.odata import Row
from bcapp.connectors.exact.settings import TOKENS_KEY, ExactSettings
from bcapp.errors import ConfigError, RetryableSyncError

#: Values OR-ed into one filter (keeps URLs well under Exact's limit).
LOOKUP_CHUNK = 25


class NestedCredentials:
    """The OAuth tokens inside one key of a connection's secrets (a ``Credentials``)."""

    def __init__(self, inner: Credentials, key: str = TOKENS_KEY) -> None:
        self.inner = inner
        self.key = key

    def read(self) -> dict[str, Any]:
        value = self.inner.read().get(self.key)
        return dict(value) if isinstance(value, Mapping) else {}

    def write(self, values: Mapping[str, Any]) -> None:
        self.inner.write({**self.inner.read(), self.key: dict(values)})

    def locked(self) -> AbstractContextManager[None]:
        return self.inner.locked()


class StoredTokens:
    """Without a credentials hook: the stored access token while valid, and never a refresh."""

    def __init__(self, values: Mapping[str, Any], clock: Callable[[], float]) -> None:
        self.tokens = TokenSet.from_values(values)
        self.clock = clock

    def access_token(self) -> str:
        if self.tokens is None:
            raise ConfigError(RECONNECT + "no Exact Online authorisation is stored.")
        if self.tokens.stale(self.clock()):
            raise RetryableSyncError(
                "The Exact Online access token is due for renewal, which only a sync run does "
                "(it stores the new tokens at once). Try again after the next sync.",
                retry_after=60,
                remote="exact",
            )
        return self.tokens.access_token


def shared_budget(division: int, **policy: Any) -> CallBudget:
    """The division's budget in Redis inside an app with Redis, else an in-process one."""
    redis, namespace = None, ""
    if has_app_context():
        from bcapp.extensions import key_prefix, redis_ext

        try:
            redis, namespace = redis_ext.client, key_prefix()
        except Exception:  # no Redis configured or reachable: count in this process
            redis = None
    return cast(CallBudget, budget_for(division, redis, namespace=namespace, **policy))


class ExactSession:
    """Tokens, budget and client of one connector instance (see the module docstring)."""

    settings: ExactSettings

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        credentials: Credentials | None = None,
        transport: httpx.BaseTransport | None = None,
        record: bool = False,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = DEFAULT_MAX_WAIT,
        budget: CallBudget | None = None,
    ) -> None:
        self.settings = ExactSettings.parse(settings)
        self.transport = transport
        self.record = record
        self.clock, self.sleep, self.max_wait = clock, sleep, max_wait
        self._budget = budget
        self.app = AppCredentials(
            self.settings.client_id, self.settings.client_secret, self.settings.redirect_uri
        )
        self.endpoint = TokenEndpoint.connect(self.settings.site, transport=transport)
        if credentials is None:
            stored = settings.get(TOKENS_KEY)
            self.tokens: Any = StoredTokens(stored if isinstance(stored, Mapping) else {}, clock)
            self.credentials: Credentials = MemoryCredentials()
        else:
            self.credentials = NestedCredentials(credentials)
            self.tokens = TokenManager(self.endpoint, self.app, self.credentials, clock=clock)
        self._client: ExactClient | None = None

    # -- the client ----------------------------------------------------------------------

    @property
    def client(self) -> ExactClient:
        """The client of the merchant's division (built, and the division learnt, on first use)."""
        if self._client is None:
            client = ExactClient.connect(
                self.settings.site,
                self.tokens,
                division=self.settings.division,
                budget=self._budget or self._make_budget(self.settings.division or "current"),
                transport=self.transport,
                record=self.record,
            )
            if not client.division:
                client.division = client.me().current_division
                client.budget = self._budget or self._make_budget(client.division)
            self._client = client
        return self._client

    def _make_budget(self, division: int | str) -> CallBudget:
        policy = {"clock": self.clock, "sleep": self.sleep, "max_wait": self.max_wait}
        policy["reserve_fraction"] = self.settings.reserve_fraction
        if division == "current":  # only /current/Me is asked before the division is known
            from bcapp.connectors.exact.budget import LocalCallBudget

            return LocalCallBudget("current", **policy)
        return shared_budget(int(division), **policy)

    @property
    def last_exchange(self) -> Any:
        """What we last sent to Exact and what it said (tokens removed), for the activity log."""
        return self._client.last_exchange if self._client is not None else None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        self.endpoint.close()

    # -- reads shared by the parts -------------------------------------------------------

    def lookup(
        self,
        resource: str,
        field: str,
        literals: Iterable[str],
        *,
        select: Sequence[str],
        priority: Priority = Priority.CATALOG,
    ) -> Iterator[Row]:
        """Rows whose ``field`` equals any of ``literals`` (OData literals), chunk by chunk."""
        unique = list(dict.fromkeys(literals))
        for i in range(0, len(unique), LOOKUP_CHUNK):
            flt = " or ".join(f"{field} eq {v}" for v in unique[i : i + LOOKUP_CHUNK])
            yield from self.client.find(resource, select=select, filter=flt, priority=priority)
