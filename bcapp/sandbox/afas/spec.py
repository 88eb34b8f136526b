"""UpdateConnector validation driven by AFAS's own OpenAPI files (read at runtime).

The files live in ``../shared/erp-specs/afas`` beside the checkout (or where
``BCAPP_SHARED_DIR`` points); they are reference data and never ship. When they
are absent the sandbox falls back to :data:`BUILTIN_RULES`, a minimal rule set
for the connectors bcapp uses.

AFAS's ``required`` lists are stricter than AFAS itself: its own worked examples
omit fields the schema marks required (``CdDa``, ``BcId``, ``DbId`` given as
``@DbId`` ...). We treat a field as required only when *every* example of that
connector and method that has that element also has the field — the spec's own
examples are valid requests by definition.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

SPEC_FILES = (
    "profit-en-artikelen.json",
    "profit-en-inrichting.json",
    "profit-en-magazijn.json",
    "profit-en-mutaties.json",
    "profit-en-organisaties-en-personen.json",
    "profit-en-verkoop-en-orders.json",
)

#: connector → required Fields per element path, when the spec files are absent.
BUILTIN_RULES: dict[str, dict[str, set[str]]] = {
    "FbSales": {"FbSales": {"DbId"}, "FbSales/FbSalesLines": {"VaIt", "ItCd", "QuUn"}},
    "FbDirectInvoice": {
        "FbDirectInvoice": {"DbId"},
        "FbDirectInvoice/FbDirectInvoiceLines": {"VaIt", "ItCd", "QuUn"},
    },
    "FbSalesQuotation": {
        "FbSalesQuotation": {"DbId"},
        "FbSalesQuotation/FbSalesQuotationLines": {"VaIt", "ItCd", "QuUn"},
    },
    "FbDeliveryNote": {
        "FbDeliveryNote": {"DbId"},
        "FbDeliveryNote/FbDeliveryNoteLines": {"VaIt", "ItCd", "QuUn"},
    },
    "FbSubscription": {
        "FbSubscription": {"SuNr"},
        "FbSubscription/FbSubscriptionLines": {"VaIt", "ItCd", "InFr"},
    },
    "KnContact": {"KnContact": {"CdId"}},  # PUT only: blocks a linked delivery address
    "KnSalesRelationPer": {"KnSalesRelationPer": {"CuId"}, "KnSalesRelationPer/KnPerson": set()},
    # A financial mutation's root object is FiEntryPar (ROOT_OBJECTS); required as AFAS's
    # examples fill them (EnNo, which the schema lists, is in none of them).
    "FiEntries": {
        "FiEntryPar": {"Year", "Peri", "JoCo"},
        "FiEntryPar/FiEntries": {"VaAs", "AcNr", "EnDa", "BpDa"},
    },
    "KnSalesRelationOrg": {
        "KnSalesRelationOrg": {"CuId"},
        "KnSalesRelationOrg/KnOrganisation": {"Nm"},
    },
}


#: UpdateConnectors whose body's root object has another name than the connector.
ROOT_OBJECTS: dict[str, str] = {"FiEntries": "FiEntryPar"}


def root_object(connector: str) -> str:
    """The object a ``connector`` body starts with (``FiEntries`` → ``FiEntryPar``)."""
    return ROOT_OBJECTS.get(connector, connector)


def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (or ``BCAPP_SHARED_DIR``), when it exists."""
    env = os.environ.get("BCAPP_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[3] / ".." / "shared")
    for path in candidates:
        if (path / "erp-specs" / "afas").is_dir():
            return path.resolve()
    return None


@functools.lru_cache(maxsize=4)
def load_specs(root: str | None = None) -> dict[str, Any] | None:
    """Every AFAS spec file merged: paths and schemas (None when absent)."""
    base = Path(root) if root else shared_dir()
    if base is None:
        return None
    folder = base / "erp-specs" / "afas"
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for name in SPEC_FILES:
        file = folder / name
        if not file.exists():
            continue
        data = json.loads(file.read_text(encoding="utf-8"))
        paths.update(data.get("paths", {}))
        schemas.update(data.get("components", {}).get("schemas", {}))
    return {"paths": paths, "schemas": schemas} if paths else None


def request_schema(specs: Mapping[str, Any], connector: str, method: str) -> dict | None:
    """The request JSON schema of ``METHOD /connectors/{connector}`` (refs resolved)."""
    op = specs["paths"].get(f"/connectors/{connector}", {}).get(method.lower())
    if not op:
        return None
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = specs["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def examples(specs: Mapping[str, Any], connector: str, method: str) -> list[dict]:
    op = specs["paths"].get(f"/connectors/{connector}", {}).get(method.lower()) or {}
    content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    return [e["value"] for e in content.get("examples", {}).values() if "value" in e]


def elements(body: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(element path, element) for every element of an envelope, at any depth."""
    for name, obj in body.items():
        if not isinstance(obj, Mapping):
            continue
        path = f"{prefix}/{name}" if prefix else name
        items = obj.get("Element")
        for item in items if isinstance(items, list) else [items]:
            if not isinstance(item, Mapping):
                continue
            yield path, item
            objects = item.get("Objects") or []
            for sub in objects if isinstance(objects, list) else [objects]:
                if isinstance(sub, Mapping):
                    yield from elements(sub, path)


def schema_fields(schema: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, dict]]:
    """(element path, Fields schema) for every element the request schema describes."""
    for name, obj in schema.get("properties", {}).items():
        path = f"{prefix}/{name}" if prefix else name
        element = obj.get("properties", {}).get("Element", {})
        element = element.get("items", element)
        props = element.get("properties", {})
        if "Fields" in props:
            yield path, props["Fields"]
        objects = props.get("Objects", {})
        objects = objects.get("items", objects)
        yield from schema_fields(objects, path)


def effective_required(specs: Mapping[str, Any], connector: str, method: str) -> dict[str, set]:
    """Required fields per element path, relaxed by the spec's own examples.

    An element's examples are those of this connector at the same path or, when it
    has none there, every example of an element with the same name (e.g. a
    ``KnPerson`` inside a ``KnContact``) anywhere in the spec, for the same method.
    """
    schema = request_schema(specs, connector, method)
    if schema is None:
        return {}
    required = {path: set(f.get("required") or []) for path, f in schema_fields(schema)}
    own: dict[str, list[set[str]]] = {}
    for example in examples(specs, connector, method):
        for path, element in elements(example):
            own.setdefault(path, []).append(_given(element))
    by_name = _examples_by_element(id(specs), method.lower())
    for path in required:
        for given in own.get(path) or by_name.get(path.rsplit("/", 1)[-1], []):
            required[path] &= given
    return required


def _given(element: Mapping[str, Any]) -> set[str]:
    fields = element.get("Fields")
    given = set(fields.keys()) if isinstance(fields, Mapping) else set()
    return given | {k[1:] for k in element if k.startswith("@")}


@functools.lru_cache(maxsize=8)
def _examples_by_element(specs_id: int, method: str) -> dict[str, list[set[str]]]:
    """Element name → the field sets its examples give, over the whole spec."""
    specs = load_specs()
    out: dict[str, list[set[str]]] = {}
    if specs is None or id(specs) != specs_id:
        return out
    for item in specs["paths"].values():
        op = item.get(method) if isinstance(item, Mapping) else None
        content = (op or {}).get("requestBody", {}).get("content", {}).get("application/json", {})
        for example in content.get("examples", {}).values():
            for path, element in elements(example.get("value") or {}):
                out.setdefault(path.rsplit("/", 1)[-1], []).append(_given(element))
    return out


def strict_schema(specs: Mapping[str, Any], connector: str, method: str) -> dict | None:
    """The request schema with ``required`` lists relaxed as above (for jsonschema)."""
    schema = request_schema(specs, connector, method)
    if schema is None:
        return None
    schema = copy.deepcopy(schema)
    required = effective_required(specs, connector, method)
    as_attributes = {  # e.g. DbId given as "@DbId" on the element, as AFAS's examples do
        k[1:]
        for example in examples(specs, connector, method)
        for _, element in elements(example)
        for k in element
        if k.startswith("@")
    }
    for path, fields in schema_fields(schema):
        fields["required"] = sorted(required.get(path, set()) - as_attributes)
        fields["additionalProperties"] = False
    return schema


def validate_update(connector: str, method: str, body: Any) -> list[str]:
    """AFAS-style messages for an invalid UpdateConnector body (empty list: valid)."""
    root = root_object(connector)
    if not isinstance(body, Mapping) or root not in body:
        return [f"The request does not contain the object '{root}'."]
    specs = load_specs()
    if specs is None:
        return _validate_builtin(connector, method, body)
    parts = _rules(id(specs), connector, method.upper())
    if parts is None:
        return [f"UpdateConnector '{connector}' does not support {method.upper()}."]
    fields_by_path, required = parts
    errors: list[str] = []
    for path, element in elements({root: body[root]}):
        spec = fields_by_path.get(path)
        if spec is None:
            errors.append(f"Object '{path.rsplit('/', 1)[-1]}' is unknown in '{connector}'.")
            continue
        errors.extend(
            _check_fields(
                path, element.get("Fields") or {}, spec, required.get(path, set()), element
            )
        )
    return errors


@functools.lru_cache(maxsize=64)
def _rules(specs_id: int, connector: str, method: str) -> tuple[dict, dict] | None:
    """(Fields schema per path, effective required per path), computed once per operation."""
    specs = load_specs()
    if specs is None or id(specs) != specs_id:
        return None
    schema = request_schema(specs, connector, method)
    if schema is None:
        return None
    return dict(schema_fields(schema)), effective_required(specs, connector, method)


def _check_fields(
    path: str,
    fields: Mapping[str, Any],
    spec: Mapping[str, Any],
    required: set[str],
    element: Mapping[str, Any],
) -> list[str]:
    props = spec.get("properties", {})
    errors = []
    attrs = {k[1:] for k in element if k.startswith("@")}
    for name in sorted(required - set(fields) - attrs):
        label = props.get(name, {}).get("description", name).split("\n")[0]
        errors.append(f"Required field '{label}' ({name}) is not filled in ({path}).")
    for name, value in fields.items():
        if name not in props:
            errors.append(f"Field '{name}' does not exist in {path.rsplit('/', 1)[-1]}.")
        elif not _value_ok(value, props[name]):
            label = props[name].get("description", name).split("\n")[0]
            errors.append(f"Field '{label}' ({name}) has an invalid value: '{value}'.")
    return errors


def _value_ok(value: Any, prop: Mapping[str, Any]) -> bool:
    """Lenient like AFAS: numbers and booleans may come as strings ("1", "true")."""
    if value is None:
        return True
    kind = prop.get("type")
    text = str(value)
    if kind == "boolean":
        return isinstance(value, bool) or text.lower() in {"0", "1", "true", "false"}
    if kind in {"integer", "number"}:
        try:
            number = float(text)
        except ValueError:
            return False
        return kind == "number" or number == int(number)
    if prop.get("enum") and text not in prop["enum"]:
        return False
    max_length = prop.get("maxLength")
    return not (max_length and len(text) > max_length)


def _validate_builtin(connector: str, method: str, body: Mapping[str, Any]) -> list[str]:
    rules = BUILTIN_RULES.get(connector)
    if rules is None:
        return [f"UpdateConnector '{connector}' is not available in this environment."]
    if method.upper() != "POST":
        return []  # an update (PUT) names only what changes; required fields apply on insert
    errors = []
    root = root_object(connector)
    for path, element in elements({root: body[root]}):
        given = set((element.get("Fields") or {}).keys())
        given |= {k[1:] for k in element if k.startswith("@")}
        for name in sorted(rules.get(path, set()) - given):
            errors.append(f"Required field '{name}' is not filled in ({path}).")
    return errors


#: OpenAPI (type, format) → the ``dataType`` AFAS's metainfo names.
_DATA_TYPES = {
    ("integer", ""): "int",
    ("number", "number"): "decimal",
    ("number", ""): "decimal",
    ("boolean", ""): "boolean",
    ("string", "date"): "date",
    ("string", "date-time"): "date",
    ("string", "byte"): "blob",
}


def update_metainfo(connector: str) -> dict[str, Any] | None:
    """``GET /Metainfo/update/{connector}`` as Profit answers it: fields per (nested) object.

    From the spec's POST schema (fields, types, lengths) and the effective required
    lists (:func:`effective_required`); without the spec files, from
    :data:`BUILTIN_RULES` (field names only, as text). None: no such connector.
    """
    specs = load_specs()
    if specs is None:
        rules = BUILTIN_RULES.get(connector)
        if rules is None:
            return None
        fields_by_path = {
            path: {"properties": {n: {"type": "string"} for n in names}}
            for path, names in rules.items()
        }
        required = {path: set(names) for path, names in rules.items()}
    else:
        schema = request_schema(specs, connector, "POST")
        if schema is None:
            return None
        fields_by_path = dict(schema_fields(schema))
        required = effective_required(specs, connector, "POST")
    return _metainfo_object(connector, root_object(connector), fields_by_path, required)


def _enum_values(prop: Mapping[str, Any]) -> list[dict[str, str]]:
    """A field's fixed values as metainfo lists them, labelled from the spec's description
    (AFAS writes them as ``"Sales contact type\\n001 = Brons;\\n002 = Zilver;"``)."""
    labels: dict[str, str] = {}
    for line in str(prop.get("description") or "").split("\n")[1:]:
        code, sep, text = line.partition(" = ")
        if sep:
            labels[code.strip()] = text.strip().rstrip(";")
    return [{"id": v, "description": labels.get(v, v)} for v in prop.get("enum", [])]


def _metainfo_object(
    name: str, path: str, fields_by_path: Mapping[str, Any], required: Mapping[str, set]
) -> dict[str, Any]:
    props = fields_by_path.get(path, {}).get("properties", {})
    fields = []
    for field_id, prop in props.items():
        kind = _DATA_TYPES.get((prop.get("type", "string"), prop.get("format") or ""), "string")
        fields.append({
            "fieldId": field_id,
            "primaryKey": False,
            "dataType": kind,
            "label": str(prop.get("description") or field_id).split("\n")[0],
            "mandatory": field_id in required.get(path, set()),
            "length": int(prop.get("maxLength") or 0),
            "controlType": 1,
            "decimals": 2 if kind == "decimal" else 0,
            "decimalsFieldId": "",
            "notZero": False,
            "values": _enum_values(prop),
        })  # fmt: skip
    children = sorted(p for p in fields_by_path if p.rsplit("/", 1)[0] == path and p != path)
    objects = [
        _metainfo_object(child.rsplit("/", 1)[-1], child, fields_by_path, required)
        for child in children
    ]
    return {"name": name, "description": name, "fields": fields, "objects": objects}
