"""Render a connector's ``settings_schema`` (JSON Schema) as a form, and read it back.

Each ERP describes its settings once, as JSON Schema; this module turns that
into form fields (enum → select, boolean → checkbox, integer → number, secrets
→ password inputs that are never filled) and turns a submitted form back into
typed values with per-field messages. Secrets (``writeOnly``) are never sent to
the browser: a saved one renders empty, and an empty submission keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bcapp import netguard

SECRET_PLACEHOLDER = "•••• saved — leave empty to keep"


@dataclass(frozen=True)
class FormField:
    """One input as the template draws it."""

    name: str
    label: str
    widget: str  # text | password | number | checkbox | select | url | email | textarea
    value: Any
    description: str = ""
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    secret: bool = False
    saved: bool = False  # a secret already stored
    minimum: float | None = None
    maximum: float | None = None
    group: str = ""  # title path of a nested object ("" = top level)
    #: The ERP code list (a ``ChoiceSource`` table) offered as suggestions ("" = none);
    #: named by the schema's ``x-choices``. Free entry stays: the ERP may not list it.
    choices: str = ""

    @property
    def placeholder(self) -> str:
        return SECRET_PLACEHOLDER if self.saved else ""


def _widget(spec: Mapping[str, Any]) -> str:
    if spec.get("writeOnly"):
        return "password"
    if "enum" in spec or "oneOf" in spec:
        return "select"
    kind = spec.get("type", "string")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        return "list"
    fmt = spec.get("format", "")
    if fmt in ("uri", "url"):
        return "url"
    if fmt == "email":
        return "email"
    if fmt == "textarea" or spec.get("maxLength", 0) > 500:
        return "textarea"
    return "text"


def _options(spec: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if "oneOf" in spec:
        return tuple(
            (str(o.get("const")), str(o.get("title", o.get("const")))) for o in spec["oneOf"]
        )
    titles = spec.get("enumNames") or spec.get("x-enumNames")
    values = spec.get("enum", [])
    if not titles:  # no names given: never show a code ("mplus", "store") as the choice
        titles = [_option_label(v) for v in values]
    return tuple((str(v), str(t)) for v, t in zip(values, titles, strict=False))


#: How option codes without a title in a schema read: an ERP by its name, "store" as BigCommerce.
_OPTION_WORDS = {"store": "BigCommerce"}


def _option_label(value: Any) -> str:
    from bcapp.connectors import registry
    from bcapp.web.wording import humanize

    text = str(value)
    cls = registry().get(text)
    return str(getattr(cls, "label", "")) or _OPTION_WORDS.get(text) or humanize(text)


def _label(name: str, spec: Mapping[str, Any]) -> str:
    """The field's title, with acronyms as merchants write them ("VAT rate field", "EAN")."""
    from bcapp.web.wording import fix_acronyms

    return fix_acronyms(spec.get("title") or name.replace("_", " ").capitalize())


def _walk(
    schema: Mapping[str, Any], prefix: str = "", group: str = ""
) -> list[tuple[str, Mapping[str, Any], str, bool]]:
    """(dotted name, spec, group title, required) for every leaf of ``schema``, in order."""
    required = set(schema.get("required", []))
    leaves = []
    for name, spec in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        if spec.get("x-managed"):
            continue  # filled by the app (the sign-in's tokens, the picked company): no field
        if spec.get("type") == "object" and "properties" in spec:
            title = spec.get("title") or name.replace("_", " ").capitalize()
            leaves += _walk(spec, f"{path}.", f"{group} › {title}" if group else title)
        else:
            leaves.append((path, spec, group, name in required))
    return leaves


def _get(values: Mapping[str, Any], path: str) -> Any:
    current: Any = values
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _put(values: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    for part in parents:
        values = values.setdefault(part, {})
    values[leaf] = value


def form_fields(
    schema: Mapping[str, Any],
    values: Mapping[str, Any] | None = None,
    saved_secrets: frozenset[str] | set[str] = frozenset(),
) -> list[FormField]:
    """Fields for ``schema`` filled from ``values`` (or defaults); secrets always empty.

    Nested objects become groups of fields with dotted names (``orders.unit``).
    """
    values = values or {}
    fields = []
    for path, spec, group, required in _walk(schema):
        secret = bool(spec.get("writeOnly"))
        value = _get(values, path)
        if value is None:
            value = spec.get("default", "")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        top, _, sub = group.partition(" › ")  # one collapsible group per top-level object
        label = _label(path.rsplit(".", 1)[-1], spec)
        fields.append(
            FormField(
                name=path,
                label=f"{sub} › {label}" if sub else label,
                widget=_widget(spec),
                value="" if secret else value,
                description=spec.get("description", ""),
                required=required and not (secret and path in saved_secrets),
                options=_options(spec),
                secret=secret,
                saved=secret and path in saved_secrets,
                minimum=spec.get("minimum"),
                maximum=spec.get("maximum"),
                group=top,
                choices=str(spec.get("x-choices") or ""),
            )
        )
    return fields


def _coerce(spec: Mapping[str, Any], raw: str) -> Any:
    """Typed value of one submitted string, or ValueError with the sentence to show."""
    kind = spec.get("type", "string")
    if kind == "integer":
        try:
            value: Any = int(raw)
        except ValueError:
            raise ValueError("Enter a whole number.") from None
    elif kind == "number":
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("Enter a number.") from None
    else:
        value = raw
    _check_bounds(spec, value)
    return value


def _check_bounds(spec: Mapping[str, Any], value: Any) -> None:
    allowed = spec.get("enum") or [o.get("const") for o in spec.get("oneOf", [])]
    if allowed and value not in allowed and str(value) not in map(str, allowed):
        raise ValueError("Choose one of the listed options.")
    if "minimum" in spec and value < spec["minimum"]:
        raise ValueError(f"Enter {spec['minimum']} or more.")
    if "maximum" in spec and value > spec["maximum"]:
        raise ValueError(f"Enter {spec['maximum']} or less.")
    if isinstance(value, str):
        if "minLength" in spec and len(value) < spec["minLength"]:
            raise ValueError(f"Enter at least {spec['minLength']} characters.")
        if "maxLength" in spec and len(value) > spec["maxLength"]:
            raise ValueError(f"Keep this under {spec['maxLength']} characters.")
        if "pattern" in spec and not re.search(spec["pattern"], value):
            raise ValueError(spec.get("x-patternMessage") or "This does not look right.")
        if spec.get("format") in ("uri", "url") and not re.match(r"^https?://\S+$", value):
            raise ValueError("Enter a web address starting with https://.")
        netguard.form_check(spec, value)  # ERP addresses: the vendor's hosts only


def _items(spec: Mapping[str, Any], raw: str) -> list[Any]:
    """A comma-separated list, each item typed by ``items`` (``[1, 2]`` for integers)."""
    item_spec = spec.get("items") or {}
    return [_coerce(item_spec, item.strip()) for item in raw.split(",") if item.strip()]


def read_form(
    schema: Mapping[str, Any],
    form: Mapping[str, Any],
    saved_secrets: frozenset[str] | set[str] = frozenset(),
) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed (nested) values from a submitted form, and messages by dotted field name.

    An empty secret whose value is already saved is left out of the result, so
    merging the result over the stored secrets keeps it.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for path, spec, _, required in _walk(schema):
        if spec.get("type") == "boolean":
            _put(values, path, form.get(path) in ("on", "true", "1", "yes"))
            continue
        raw = str(form.get(path, "")).strip()
        if spec.get("type") == "array":
            try:
                _put(values, path, _items(spec, raw))
            except ValueError as exc:
                errors[path] = str(exc)
            continue
        if not raw:
            if spec.get("writeOnly") and path in saved_secrets:
                continue
            if required:
                errors[path] = "This is required."
            elif "default" in spec:
                _put(values, path, spec["default"])
            continue
        try:
            _put(values, path, _coerce(spec, raw))
        except ValueError as exc:
            errors[path] = str(exc)
    return values, errors
