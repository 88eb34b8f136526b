"""Checks one recorded AFAS exchange against AFAS's OpenAPI files (see test_conformance)."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema

from bcapp.sandbox.afas.spec import load_specs, strict_schema

SPECS = load_specs()
SKIP_REASON = (
    "AFAS OpenAPI files not found (../shared/erp-specs/afas or BCAPP_SHARED_DIR): "
    "conformance is checked where the vendor files are present"
)


def operation(path: str) -> tuple[str, dict]:
    """The spec path template and GET operation for a request path."""
    assert SPECS is not None
    rest = path.split("/ProfitRestServices", 1)[1]
    if rest in SPECS["paths"]:
        return rest, SPECS["paths"][rest]["get"]
    parts = rest.strip("/").split("/")
    if parts[0] == "connectors" and len(parts) == 2:
        return "/connectors/{Endpoint}", SPECS["paths"]["/connectors/{Endpoint}"]["get"]
    if parts[0] == "Metainfo" and len(parts) == 3 and parts[1] in {"get", "update"}:
        return "/Metainfo/{Type}/{Endpoint}", SPECS["paths"]["/Metainfo/{Type}/{Endpoint}"]["get"]
    raise AssertionError(f"GET {rest} is not a path of the AFAS spec")


def check_get(url: str) -> str:
    """Path and query parameters of a GET are the spec's; returns the path template."""
    parts = urlsplit(url)
    template, op = operation(parts.path)
    declared = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "query"}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        assert name in declared, f"{name} is not a parameter of GET {template}"
        if name == "operatortypes":
            allowed = {str(v) for v in declared[name]["schema"]["enum"]}
            assert set(value.replace(";", ",").split(",")) <= allowed, value
        if name in {"skip", "take"}:
            assert int(value) >= 0
    return template


@functools.lru_cache(maxsize=32)
def _schema(connector: str, method: str) -> dict | None:
    return strict_schema(SPECS, connector, method) if SPECS is not None else None


def check_update(method: str, url: str, body: Any) -> None:
    """An UpdateConnector body validates against its request schema."""
    assert SPECS is not None
    connector = urlsplit(url).path.rsplit("/", 1)[-1]
    schema = _schema(connector, method)
    assert schema is not None, f"{method} {connector} is not in the spec"
    jsonschema.validate(body, schema)


def check_exchange(exchange: Any) -> None:
    if exchange.method == "GET":
        check_get(exchange.url)
    else:
        check_update(exchange.method, exchange.url, exchange.request_body)
