"""The Exact Online REST wire protocol: bearer tokens, the call budget, OData pages, errors.

Every call goes ``budget permit → token → request → headers back into the budget``:

* the access token comes from a :class:`~bcapp.connectors.exact.oauth.TokenManager`
  (refreshed only when due, under the connection's lock);
* the :class:`~bcapp.connectors.exact.budget.CallBudget` of the division grants the
  call (or waits out a short minute, or raises ``RetryableSyncError``), and learns
  the limits from each answer's ``X-RateLimit-*`` headers; 400/401/403/404 answers
  count against their endpoint so it is backed off before Exact blocks it;
* errors come from the shared status table of :class:`~bcapp.connectors.http.HttpApi`
  with Exact's own words (``error.message.value``, plus the ``Reason`` header);
* answers are parsed with money as Decimal; lists follow ``__next`` page by page.

Point reads use ``$filter=ID eq guid'…'`` rather than ``Entity(guid'…')``: a missing
record then answers an empty list instead of a 404, which Exact counts as an error.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

import httpx

from bcapp.connectors.exact.budget import CallBudget, LocalCallBudget, Priority
from bcapp.connectors.exact.limits import COUNTED_ERRORS, RateHeaders
from bcapp.connectors.exact.oauth import site_url
from bcapp.connectors.exact.odata import (
    Row,
    eq,
    guid,
    guid_literal,
    loads,
    next_link,
    results,
    to_wire,
)
from bcapp.connectors.http import HttpApi, make_client, response_payload
from bcapp.errors import BcappError, RetryableSyncError

API = "api/v1"
#: Exact's page sizes: CRUD endpoints 60 rows, sync and bulk endpoints 1,000.
CRUD_PAGE, SYNC_PAGE = 60, 1000
#: Wait this long after a 429 that names no reset.
DEFAULT_RETRY_AFTER = 60.0
WEBHOOK_SUBSCRIPTIONS = "webhooks/WebhookSubscriptions"


class TokenSource(Protocol):
    """Anything that hands out a valid access token (``TokenManager``)."""

    def access_token(self) -> str: ...


@dataclass(frozen=True)
class Page:
    """One page of an OData list: its rows and whether another page follows."""

    rows: list[Row]
    more: bool


@dataclass(frozen=True)
class Me:
    """The connected user and the division Exact currently uses for them."""

    user_id: str
    current_division: int
    full_name: str = ""
    email: str = ""


@dataclass(frozen=True)
class DivisionInfo:
    """A division (administration) the user can pick."""

    code: int
    description: str
    current: bool = False


@dataclass(frozen=True)
class Subscription:
    """A webhook subscription of the app in one division."""

    id: str
    topic: str
    callback_url: str


def endpoint_of(path_or_url: str) -> str:
    """The endpoint Exact counts errors against: ``logistics/items`` for any key or query."""
    path = urlsplit(path_or_url).path.lstrip("/")
    parts = path.split("/")
    if parts[:2] == ["api", "v1"]:
        parts = parts[3:] if parts[2] != "current" else parts[2:]
    return "/".join(parts).split("(", 1)[0].lower()


def query(
    select: Sequence[str],
    *,
    filter: str | None = None,
    top: int | None = None,
    expand: Sequence[str] = (),
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The OData query options of a list request."""
    params = {"$select": ",".join(select), **(extra or {})}
    if filter:
        params["$filter"] = filter
    if top is not None:
        params["$top"] = str(top)
    if expand:
        params["$expand"] = ",".join(expand)
    return params


@dataclass
class ExactClient(HttpApi):
    """The Exact Online REST client of one division (see the module docstring).

    Attributes:
        division: the Exact division (administration) number; 0 until chosen.
        tokens: where access tokens come from.
        budget: the division's call budget (in Redis in production).
    """

    division: int = 0
    tokens: TokenSource | None = None
    budget: CallBudget = field(default_factory=lambda: LocalCallBudget("0"))

    remote: ClassVar[str] = "exact"
    remote_label: ClassVar[str] = "Exact Online"
    auth_message: ClassVar[str] = "Reconnect Exact Online: it refused our access token."
    forbidden_message: ClassVar[str] = (
        "Exact Online denied access: the connected user lacks the rights for this part of "
        "Exact or for this division."
    )

    @classmethod
    def connect(
        cls,
        site: str,
        tokens: TokenSource,
        *,
        division: int = 0,
        budget: CallBudget | None = None,
        transport: httpx.BaseTransport | None = None,
        record: bool = False,
    ) -> ExactClient:
        """A client for one country site and division."""
        headers = {"Accept": "application/json", "Prefer": "return=representation"}
        client = make_client(site_url(site) + "/", transport=transport, headers=headers)
        return cls(
            client=client,
            record=record,
            division=division,
            tokens=tokens,
            budget=budget or LocalCallBudget(str(division)),
        )

    # -- the call ------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        priority: Priority = Priority.CATALOG,
    ) -> httpx.Response:
        """One call: budget permit, token, request, headers back into the budget.

        The permit comes first: waiting for it must not age the token we send.
        """
        self.budget.acquire(priority, endpoint_of(path))
        self._authorize()
        response = super().request(method, path, params=params, json_body=to_wire(json_body))
        self.budget.observe(RateHeaders.parse(response.headers))
        return response

    def _authorize(self) -> None:
        if self.tokens is None:
            return
        token = self.tokens.access_token()
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.secrets = (token,)

    def error_from(self, response: httpx.Response) -> BcappError:
        """Teach the budget from the failed answer, then build the error from the table."""
        limits = RateHeaders.parse(response.headers)
        if response.status_code == 429:
            self.budget.exhaust(limits)
        else:
            self.budget.observe(limits)
        if response.status_code in COUNTED_ERRORS:
            self.budget.record_error(endpoint_of(str(response.request.url)))
        return super().error_from(response)

    def error_message(self, response: httpx.Response) -> str:
        """``error.message.value`` verbatim, with the ``Reason`` header when Exact sends one."""
        body = response_payload(response)
        text = ""
        if isinstance(body, Mapping) and isinstance(body.get("error"), Mapping):
            message = body["error"].get("message")
            text = str(message.get("value") if isinstance(message, Mapping) else message or "")
        text = text or super().error_message(response)
        reason = response.headers.get("reason")
        return f"{text} (Reason: {reason})" if reason else text

    def retry_after(self, response: httpx.Response) -> float | None:
        """A 429 waits for the reset it names (minute first), else Retry-After, else 60 s."""
        header = super().retry_after(response)
        if response.status_code != 429 or header is not None:
            return header
        limits = RateHeaders.parse(response.headers)
        reset = limits and (limits.minutely_reset or limits.daily_reset)
        if reset:
            return max(0.0, reset / 1000 - self.budget_clock())
        return DEFAULT_RETRY_AFTER

    def budget_clock(self) -> float:
        clock = getattr(self.budget, "clock", None)
        return float(clock()) if callable(clock) else time.time()

    # -- reads ---------------------------------------------------------------------------

    def path(self, resource: str) -> str:
        """``api/v1/{division}/{resource}`` (``current/Me`` has no division)."""
        if resource.lower().startswith("current/"):
            return f"{API}/{resource}"
        if not self.division:
            raise BcappError("Choose an Exact Online division before reading its data.")
        return f"{API}/{self.division}/{resource}"

    def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        priority: Priority = Priority.CATALOG,
    ) -> Any:
        return loads(self.request("GET", path, params=params, priority=priority).content)

    def pages(
        self,
        resource: str,
        *,
        select: Sequence[str],
        filter: str | None = None,
        top: int | None = None,
        expand: Sequence[str] = (),
        priority: Priority = Priority.CATALOG,
        extra: Mapping[str, str] | None = None,
    ) -> Iterator[Page]:
        """Every page of a list, following ``__next`` (always with ``$select``)."""
        params: dict[str, str] | None = query(
            select, filter=filter, top=top, expand=expand, extra=extra
        )
        path = self.path(resource)
        while True:
            body = self.get_json(path, params, priority)
            link = next_link(body)
            yield Page(results(body), bool(link))
            if not link:
                return
            path, params = self._same_site(link), None  # the link carries the query

    def _same_site(self, link: str) -> str:
        """``__next`` must stay on our site (the token must not go anywhere else)."""
        if urlsplit(link).netloc not in {"", self.client.base_url.netloc.decode()}:
            raise RetryableSyncError(
                f"Exact Online sent a next-page link to another host: {link}", remote="exact"
            )
        return link

    def find(
        self, resource: str, *, select: Sequence[str], filter: str | None = None, **kwargs: Any
    ) -> list[Row]:
        """Every row matching ``filter`` (for small sets: an order's lines, an e-mail)."""
        return [
            row
            for page in self.pages(resource, select=select, filter=filter, **kwargs)
            for row in page.rows
        ]

    def first(
        self,
        resource: str,
        *,
        select: Sequence[str],
        filter: str,
        expand: Sequence[str] = (),
        priority: Priority = Priority.CATALOG,
    ) -> Row | None:
        """The first row matching ``filter`` (``$top=1``), or None."""
        pages = self.pages(
            resource, select=select, filter=filter, top=1, expand=expand, priority=priority
        )
        rows = next(pages).rows
        return rows[0] if rows else None

    def get_by_id(
        self,
        resource: str,
        key_field: str,
        record_id: str,
        *,
        select: Sequence[str],
        expand: Sequence[str] = (),
        priority: Priority = Priority.CATALOG,
    ) -> Row | None:
        """One record by its GUID, or None (filtered, so a miss is not a counted 404)."""
        flt = eq(key_field, guid_literal(record_id))
        return self.first(resource, select=select, filter=flt, expand=expand, priority=priority)

    # -- writes --------------------------------------------------------------------------

    def create(
        self, resource: str, payload: Mapping[str, Any], *, priority: Priority = Priority.CATALOG
    ) -> Row:
        """POST a record; Exact answers it as stored (``Prefer: return=representation``)."""
        response = self.request("POST", self.path(resource), json_body=payload, priority=priority)
        rows = results(loads(response.content))
        return rows[0] if rows else {}

    def update(
        self,
        resource: str,
        record_id: str,
        payload: Mapping[str, Any],
        *,
        priority: Priority = Priority.CATALOG,
    ) -> None:
        path = self.path(f"{resource}({guid_literal(record_id)})")
        self.request("PUT", path, json_body=payload, priority=priority)

    def delete(
        self, resource: str, record_id: str, *, priority: Priority = Priority.CATALOG
    ) -> None:
        self.request(
            "DELETE", self.path(f"{resource}({guid_literal(record_id)})"), priority=priority
        )

    # -- the user and divisions ----------------------------------------------------------

    def me(self) -> Me:
        """The connected user and ``CurrentDivision`` (``/api/v1/current/Me``)."""
        select = ["UserID", "CurrentDivision", "FullName", "Email"]
        row = next(self.pages("current/Me", select=select)).rows[0]
        return Me(
            str(row["UserID"]),
            int(row["CurrentDivision"]),
            str(row.get("FullName") or ""),
            str(row.get("Email") or ""),
        )

    def divisions(self) -> list[DivisionInfo]:
        """The divisions the user can pick from (``system/Divisions``, read in the current one)."""
        if not self.division:
            self.division = self.me().current_division
        rows = self.find("system/Divisions", select=["Code", "Description", "Current"])
        return [
            DivisionInfo(int(r["Code"]), str(r.get("Description") or ""), bool(r.get("Current")))
            for r in rows
        ]

    # -- webhook subscriptions -----------------------------------------------------------

    def subscriptions(self) -> list[Subscription]:
        rows = self.find(WEBHOOK_SUBSCRIPTIONS, select=["ID", "Topic", "CallbackURL"])
        return [Subscription(guid(r["ID"]), str(r["Topic"]), str(r["CallbackURL"])) for r in rows]

    def subscribe(self, topic: str, callback_url: str) -> Subscription:
        row = self.create(WEBHOOK_SUBSCRIPTIONS, {"Topic": topic, "CallbackURL": callback_url})
        return Subscription(guid(row["ID"]), str(row["Topic"]), str(row["CallbackURL"]))

    def unsubscribe(self, subscription_id: str) -> None:
        self.delete(WEBHOOK_SUBSCRIPTIONS, subscription_id)

    def ensure_subscriptions(self, topics: Sequence[str], callback_url: str) -> list[Subscription]:
        """Subscribe to each topic not yet subscribed at ``callback_url`` (one list call)."""
        existing = [s for s in self.subscriptions() if s.callback_url == callback_url]
        have = {s.topic for s in existing}
        return existing + [self.subscribe(t, callback_url) for t in topics if t not in have]
