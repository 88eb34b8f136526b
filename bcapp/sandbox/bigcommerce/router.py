"""A small router for the store API: path patterns → handler functions.

Handlers take a ``Call`` (the store, path ids, query, parsed body) and return
``Reply``; errors are raised as ``ApiError``. Each resource module exposes a
``ROUTES`` list that ``app.py`` assembles into one table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import MultiDict

from bcapp.sandbox.bigcommerce.errors import ApiError, bad_request, unprocessable

if TYPE_CHECKING:
    from bcapp.sandbox.bigcommerce.state import SandboxStore

MAX_LIMIT = 250


@dataclass
class Call:
    """One API request, as a handler sees it."""

    store: SandboxStore
    client_id: str
    version: str
    method: str
    params: dict[str, int]
    query: MultiDict
    raw_body: bytes = b""
    _parsed: Any = field(default=None, repr=False)

    def json(self) -> Any:
        """The parsed body; malformed JSON is a 400 in BigCommerce's shape."""
        if self._parsed is None:
            if not self.raw_body.strip():
                raise bad_request("The request body is empty; a JSON body is required.")
            try:
                self._parsed = json.loads(self.raw_body)
            except (ValueError, UnicodeDecodeError) as exc:
                raise bad_request(f"The request body is not valid JSON: {exc}") from exc
        return self._parsed

    def json_object(self) -> dict[str, Any]:
        """The body, which must be a JSON object."""
        body = self.json()
        if not isinstance(body, dict):
            raise unprocessable("The request body must be a JSON object.")
        return body

    def json_list(self, maximum: int, what: str) -> list[dict[str, Any]]:
        """The body as a non-empty array of objects of at most ``maximum`` items."""
        body = self.json()
        if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
            raise unprocessable(f"The request body must be an array of {what}.")
        if not body:
            raise unprocessable(f"The request body must contain at least one of {what}.")
        if len(body) > maximum:
            raise ApiError(
                413,
                "The request payload is too large. "
                f"The maximum items allowed in the array is {maximum}.",
            )
        return body

    def ids(self, name: str) -> list[int] | None:
        """A ``name:in`` (or plain ``name``) filter of integer ids, or None when absent."""
        raw = self.query.get(f"{name}:in", self.query.get(name))
        if raw is None:
            return None
        try:
            return [int(part) for part in str(raw).split(",") if part.strip()]
        except ValueError as exc:
            raise unprocessable(f"The filter {name}:in must be a list of integers.") from exc

    def strings(self, name: str) -> list[str] | None:
        """A ``name:in`` (or plain ``name``) filter of strings, or None when absent."""
        raw = self.query.get(f"{name}:in", self.query.get(name))
        return None if raw is None else [p for p in str(raw).split(",") if p]

    def includes(self) -> set[str]:
        """The ``include=`` values."""
        return {p.strip() for p in self.query.get("include", "").split(",") if p.strip()}


@dataclass
class Reply:
    """A handler's answer: status and JSON body (None means no body)."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Route:
    """``pattern`` like ``/v3/catalog/products/{product_id}``; ids are integers."""

    method: str
    pattern: str
    handler: Handler

    def regex(self) -> re.Pattern[str]:
        body = re.sub(r"\{(\w+)\}", r"(?P<\1>\\d+)", self.pattern)
        return re.compile(f"^{body}/?$")


class Router:
    """Matches (method, path) against the routes in registration order."""

    def __init__(self, routes: list[Route]) -> None:
        self._table = [(r.method, r.regex(), r.handler) for r in routes]

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, int]]:
        """The handler and its path ids; 404 for an unknown path, 405 for a wrong method."""
        path_known = False
        for route_method, regex, handler in self._table:
            found = regex.match(path)
            if found:
                path_known = True
                if route_method == method:
                    return handler, {k: int(v) for k, v in found.groupdict().items()}
        if path_known:
            raise ApiError(405, f"The method {method} is not allowed on {path}.")
        raise ApiError(404, f"The requested resource {path} was not found.")


def page_args(call: Call, default: int = 50) -> tuple[int, int]:
    """``page`` and ``limit`` from the query, validated as BigCommerce does (max 250)."""
    try:
        page = int(call.query.get("page", 1))
        limit = int(call.query.get("limit", default))
    except ValueError as exc:
        raise unprocessable(
            "page and limit must be integers.", page="integer", limit="integer"
        ) from exc
    if page < 1:
        raise unprocessable("page must be 1 or more.", page="must be >= 1")
    if limit < 1 or limit > MAX_LIMIT:
        raise unprocessable(f"limit must be between 1 and {MAX_LIMIT}.", limit=f"1..{MAX_LIMIT}")
    return page, limit


def _chunk(call: Call, items: list[Any], default: int) -> tuple[list[Any], int, int]:
    page, limit = page_args(call, default)
    return items[(page - 1) * limit : page * limit], page, limit


def v3_page(
    call: Call,
    items: list[Any],
    render: Callable[[Any], Any] | None = None,
    default: int = 50,
) -> Reply:
    """A v3 list reply with ``meta.pagination``; ``render`` is applied to the page only."""
    chunk, page, limit = _chunk(call, items, default)
    total = len(items)
    total_pages = max(1, -(-total // limit))
    links: dict[str, str] = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < total_pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    pagination = {
        "total": total,
        "count": len(chunk),
        "per_page": limit,
        "current_page": page,
        "total_pages": total_pages,
        "links": links,
    }
    data = [render(item) for item in chunk] if render else chunk
    return Reply(200, {"data": data, "meta": {"pagination": pagination}})


def v2_page(
    call: Call,
    items: list[Any],
    render: Callable[[Any], Any] | None = None,
    default: int = 50,
) -> Reply:
    """A v2 list reply: a bare array, or 204 No Content when the page is empty."""
    chunk, _, _ = _chunk(call, items, default)
    if not chunk:
        return Reply(204)
    return Reply(200, [render(item) for item in chunk] if render else chunk)


def one(data: Any, status: int = 200) -> Reply:
    """A v3 single-resource reply."""
    return Reply(status, {"data": data, "meta": {}})
