"""Check every request (and answer) the client exchanges against BigCommerce's OpenAPI files.

:class:`ValidatingTransport` wraps any httpx transport (a MockTransport, the
sandbox's WSGITransport); it picks the spec whose server and path template match
the request and validates with openapi-core. A request that does not conform
fails the test at once; answers are checked too unless ``check_responses`` is off.

The published specs have a few defects that would refuse correct requests; the
patches in :data:`SPEC_PATCHES` loosen exactly those, each with its reason.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict


def shared_dir() -> Path | None:
    """``../shared/bigcommerce-openapi`` (or under ``$BCAPP_SHARED_DIR``), if present."""
    base = os.environ.get("BCAPP_SHARED_DIR")
    root = Path(base) if base else Path(__file__).resolve().parents[2] / "../shared"
    folder = (root / "bigcommerce-openapi").resolve()
    return folder if folder.is_dir() else None


def _walk(node: Any, visit: Callable[[dict[str, Any]], None]) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _writable_ids(spec: dict[str, Any]) -> None:
    """Batch updates must send ``id`` (the docs say so), yet the schemas mark it readOnly."""

    def visit(node: dict[str, Any]) -> None:
        props = node.get("properties")
        if isinstance(props, dict):
            for name in ("id", "category_id"):
                if isinstance(props.get(name), dict):
                    props[name].pop("readOnly", None)

    _walk(spec, visit)


def _variant_create_without_ids(spec: dict[str, Any]) -> None:
    """Product create takes ``variants`` typed as the *full* variant, which requires ids a new
    product cannot have yet (the docs' own create example sends none)."""
    schemas = spec.get("components", {}).get("schemas", {})
    full = schemas.get("productVariant_Full")
    if full and isinstance(full.get("required"), list):
        full["required"] = [name for name in full["required"] if name not in ("id", "product_id")]


def _sort_with_direction(spec: dict[str, Any]) -> None:
    """v2 ``sort`` says "add ``:asc`` or ``:desc``" in its description but its enum forbids it."""
    param = spec.get("components", {}).get("parameters", {}).get("sort")
    if param and "direction" in param.get("description", ""):
        enum = param["schema"].pop("enum", [])
        param["schema"]["pattern"] = "^(" + "|".join(enum) + ")(:(asc|desc))?$"


SPEC_PATCHES: list[Callable[[dict[str, Any]], None]] = [
    _writable_ids,
    _variant_create_without_ids,
    _sort_with_direction,
]


class _Request:
    """An httpx.Request seen through openapi-core's request protocol."""

    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "application/json")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qs(url.query, keep_blank_values=True)),
            header=Headers(dict(request.headers)),
            cookie=ImmutableMultiDict(),
        )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(dict(response.headers))
        self.content_type = response.headers.get("content-type", "application/json")
        self.data = response.content or None


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile(
        "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
    )


class SpecIndex:
    """All BigCommerce specs, and which one serves a given version and path."""

    def __init__(self, folder: Path) -> None:
        self.routes: list[tuple[str, re.Pattern[str], int, str, OpenAPI]] = []
        config = Config(spec_validator_cls=None)  # the published files are not strictly valid
        for file in sorted(folder.glob("*.yml")):
            raw = yaml.load(file.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            for patch in SPEC_PATCHES:
                patch(raw)
            app = OpenAPI.from_dict(raw, config=config)
            version = "v2" if raw["servers"][0]["url"].endswith("/v2") else "v3"
            for template in raw.get("paths", {}):
                static = len(re.sub(r"\{[^}]+\}", "", template))
                self.routes.append((version, _template_regex(template), static, file.name, app))
        # Prefer the template with the most fixed text (channel-assignments over {product_id}).
        self.routes.sort(key=lambda route: -route[2])

    def find(self, url: httpx.URL) -> tuple[str, OpenAPI] | None:
        match = re.match(r"^/stores/[^/]+/(v[23])(/.*)$", url.path)
        if not match:
            return None
        version, path = match.groups()
        for route_version, regex, _, name, app in self.routes:
            if route_version == version and regex.match(path):
                return name, app
        return None


@cache
def spec_index() -> SpecIndex | None:
    folder = shared_dir()
    return SpecIndex(folder) if folder else None


class SpecViolation(AssertionError):
    """A request or answer that BigCommerce's spec does not allow."""


class ValidatingTransport(httpx.BaseTransport):
    """Validate each request (and answer) against the spec, then pass it on.

    Args:
        check_responses: ``"raise"`` fails on a non-conforming 2xx answer, ``"record"``
            keeps the problem in ``response_issues`` (for reporting a simulator's
            deviations without failing the client's tests), ``False`` skips answers.

    Attributes:
        seen: ``(method, path, spec file)`` of every request, for assertions.
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        index: SpecIndex | None,
        *,
        check_responses: str | bool = "raise",
    ) -> None:
        self.inner = inner
        self.index = index
        self.check_responses = check_responses
        self.seen: list[tuple[str, str, str]] = []
        self.response_issues: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.index is None:  # no spec beside this checkout: behaviour is still tested
            self.seen.append((request.method, request.url.path, "-"))
            return self.inner.handle_request(request)
        found = self.index.find(request.url)
        if found is None:
            raise SpecViolation(
                f"{request.method} {request.url.path}: no BigCommerce spec has this path"
            )
        name, app = found
        request.read()
        try:
            app.validate_request(_Request(request))
        except Exception as exc:
            raise SpecViolation(
                f"{request.method} {request.url} against {name}: {_why(exc)}"
            ) from exc
        self.seen.append((request.method, request.url.path, name))
        response = self.inner.handle_request(request)
        if self.check_responses and response.status_code < 300:
            self._check_response(app, name, request, response)
        return response

    def _check_response(
        self, app: OpenAPI, name: str, request: httpx.Request, response: httpx.Response
    ) -> None:
        response.read()
        try:
            app.validate_response(_Request(request), _Response(response))
        except Exception as exc:
            where = f"{request.method} {request.url.path} ({name})"
            problem = f"answer {response.status_code} to {where}: {_why(exc)}"
            if self.check_responses == "record":
                self.response_issues.append(problem)
            else:
                raise SpecViolation(problem) from exc


def _why(exc: BaseException) -> str:
    parts = [str(exc)]
    cause = exc.__cause__
    while cause is not None:
        errors = getattr(cause, "schema_errors", None)
        if errors:
            parts = [type(cause).__name__]
            parts.extend(
                f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
                for error in errors
            )
        else:
            parts.append(str(cause))
        cause = cause.__cause__
    return " | ".join(parts)[:1500]
