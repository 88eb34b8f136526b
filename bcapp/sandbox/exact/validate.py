"""Request-body validation: unknown fields, wrong types and read-only fields → Exact's 400.

Exact's REST API runs on WCF Data Services (OData v2), whose messages for a bad
payload start with "Error processing request stream." The wording for an unknown
property and a value of the wrong type follows WCF's; the read-only wording is
our choice (see bcapp/connectors/exact/README.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bcapp.sandbox.exact.schema import Entity, Field, builtin, validation_entity

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DATE = re.compile(r"^(/Date\(-?\d+([+-]\d{4})?\)/|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-][\d:]+)?)?)$")
SYSTEM_TYPES = {
    "Edm.Guid": "System.Guid",
    "Edm.String": "System.String",
    "Edm.Double": "System.Double",
    "Edm.Int32": "System.Int32",
    "Edm.Int16": "System.Int16",
    "Edm.Int64": "System.Int64",
    "Edm.Boolean": "System.Boolean",
    "Edm.Byte": "System.Byte",
    "Edm.DateTime": "System.DateTime",
}
PREFIX = "Error processing request stream."


def validate_body(entity_name: str, method: str, body: Any) -> list[str]:
    """Exact-style messages for everything wrong with a POST/PUT body (empty: valid)."""
    if not isinstance(body, Mapping):
        return [f"{PREFIX} JSON text specified is not valid."]
    entity = validation_entity(entity_name)
    errors: list[str] = []
    for name, value in body.items():
        errors.extend(_check(entity, entity_name, name, value, method.lower()))
    return errors


def _check(entity: Entity, entity_name: str, name: str, value: Any, method: str) -> list[str]:
    model = _model(entity_name)
    spec = entity.fields.get(name)
    if spec is None:
        return [
            f"{PREFIX} The property name '{name}' specified for type "
            f"'Exact.Web.Api.Models.{model}' is not valid."
        ]
    if method not in spec.methods:
        return [f"Property '{name}' of 'Exact.Web.Api.Models.{model}' is read-only for {method}."]
    if spec.collection:
        return _check_collection(spec, value, method)
    if not value_ok(spec.type, value):
        system = SYSTEM_TYPES.get(spec.type, spec.type)
        return [
            f"{PREFIX} Error encountered in converting the value from request payload for "
            f"property '{name}' to type '{system}', which is the property's expected type. "
            "See inner exception for more detail."
        ]
    return []


def _check_collection(spec: Field, value: Any, method: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{PREFIX} A collection was expected for property '{spec.name}'."]
    errors: list[str] = []
    for row in value:
        # Lines embedded in a new header are created, so they follow the POST rules.
        errors.extend(validate_body(spec.type, "post" if method == "put" else method, row))
    return errors


def value_ok(edm: str, value: Any) -> bool:
    """True when ``value`` converts to the OData type ``edm`` the way WCF would accept it."""
    if value is None:
        return True
    if edm == "Edm.String":
        return isinstance(value, str)
    if edm == "Edm.Guid":
        return isinstance(value, str) and bool(GUID.match(value))
    if edm == "Edm.Boolean":
        return isinstance(value, bool)
    if edm == "Edm.DateTime":
        return isinstance(value, str) and bool(DATE.match(value))
    if edm == "Edm.Double":
        return _number(value) is not None
    if edm in {"Edm.Int32", "Edm.Int16", "Edm.Int64", "Edm.Byte"}:
        number = _number(value)
        return number is not None and number == int(number) and _in_range(edm, int(number))
    return True


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _in_range(edm: str, number: int) -> bool:
    bits = {"Edm.Int16": 15, "Edm.Int32": 31, "Edm.Int64": 63}
    if edm == "Edm.Byte":
        return 0 <= number <= 255
    limit = 2 ** bits[edm]
    return -limit <= number < limit


def _model(entity_name: str) -> str:
    known = builtin().get(entity_name)
    return known.model if known else entity_name
