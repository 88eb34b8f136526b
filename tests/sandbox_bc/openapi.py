"""Check HTTP exchanges with the sandbox against BigCommerce's own OpenAPI files.

Reusable by any test that talks to the sandbox through httpx::

    from tests.sandbox_bc.openapi import validate_exchange, spec_dir
    response = client.get("/v3/catalog/products")
    validate_exchange(response.request, response)             # response only
    validate_exchange(response.request, response, request=True)  # and the request

The spec is chosen by the URL (``/stores/{hash}/v2|v3/...``) among the files in
``../shared/bigcommerce-openapi`` (or ``$BCAPP_SHARED_DIR/bigcommerce-openapi``).
Tests call ``require_specs()`` first: it skips with a reason when the folder is absent.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_FILES = (
    "products_catalog.v3.yml",
    "product-variants_catalog.v3.yml",
    "product-variant-options_catalog.v3.yml",
    "categories_catalog.v3.yml",
    "category-trees_catalog.v3.yml",
    "brands_catalog.v3.yml",
    "inventory.v3.yml",
    "locations.v3.yml",
    "customers.v3.yml",
    "orders.v3.yml",
    "webhooks.v3.yml",
    "channels.v3.yml",
    "orders.v2.oas2.yml",
    "store_information.v2.yml",
)
API_URL = re.compile(r"^/stores/[^/]+/(v2|v3)(/.*)$")


def spec_dir() -> Path | None:
    """The folder with BigCommerce's OpenAPI files, or None when it is absent."""
    base = os.environ.get("BCAPP_SHARED_DIR")
    root = Path(base) if base else Path(__file__).resolve().parents[2] / "../shared"
    folder = root / "bigcommerce-openapi"
    return folder if (folder / "products_catalog.v3.yml").is_file() else None


def require_specs() -> Path:
    """The spec folder, or skip the calling test with the reason."""
    folder = spec_dir()
    if folder is None:
        pytest.skip(
            "BigCommerce OpenAPI files not found (../shared/bigcommerce-openapi or "
            "$BCAPP_SHARED_DIR): spec conformance is not checked"
        )
    return folder


@cache
def _spec(name: str) -> tuple[OpenAPI, str, list[tuple[re.Pattern[str], dict[str, Any]]]]:
    folder = require_specs()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(folder / name, encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=loader)
    version = "v2" if "/v2" in raw["servers"][0]["url"] else "v3"
    paths = [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "/?$"), item)
        for p, item in raw["paths"].items()
    ]
    return OpenAPI.from_dict(raw, config=Config(spec_validator_cls=None)), version, paths


def spec_for(method: str, url_path: str) -> tuple[OpenAPI, str]:
    """The spec (and its file name) that documents ``method`` on an API path."""
    match = API_URL.match(url_path)
    if not match:
        raise ValueError(f"not a store API path: {url_path}")
    version, path = match.groups()
    for name in SPEC_FILES:
        api, spec_version, paths = _spec(name)
        if spec_version != version:
            continue
        # literal paths first, so /catalog/products/channel-assignments beats /{product_id}
        for regex, item in sorted(paths, key=lambda p: p[0].pattern.count("[^/]+")):
            if regex.match(path) and method.lower() in item:
                return api, name
    raise LookupError(f"no BigCommerce spec documents {method} {version}{path}")


class _Request:
    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )

    host_url = property(
        lambda self: f"{self._request.url.scheme}://{self._request.url.netloc.decode()}"
    )
    path = property(lambda self: self._request.url.path)
    method = property(lambda self: self._request.method.lower())
    body = property(lambda self: self._request.content or None)
    content_type = property(
        lambda self: self._request.headers.get("content-type", "application/json").lower()
    )


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    status_code = property(lambda self: self._response.status_code)
    headers = property(lambda self: Headers(list(self._response.headers.items())))
    data = property(lambda self: self._response.content or None)
    content_type = property(
        lambda self: self._response.headers.get("content-type", "application/json").lower()
    )


def validate_request(request: httpx.Request) -> None:
    """Raise when ``request`` does not match BigCommerce's spec for it."""
    api, _ = spec_for(request.method, request.url.path)
    api.validate_request(_Request(request))


def validate_exchange(
    request: httpx.Request,
    response: httpx.Response,
    *,
    request_too: bool = False,
    response_too: bool = True,
) -> str:
    """Raise when ``response`` (and with ``request_too`` the request) breaks the spec.

    Returns the spec file name used, for messages."""
    api, name = spec_for(request.method, request.url.path)
    if request_too:
        api.validate_request(_Request(request))
    if response_too:
        api.validate_response(_Request(request), _Response(response))
    return name
