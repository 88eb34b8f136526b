"""The merchant's field mappings: templates per record type and ERP field, checked and applied.

A :class:`FieldMappings` is one saved :class:`~bcapp.models.MappingVersion` in
typed form. Each entry keeps the ERP field's description as the connector gave
it when the merchant saved (type, length, required), so a run converts and
checks values without asking the ERP again, and a field the ERP changed since
shows up as a failed record, not as a request the ERP refuses.

:func:`evaluate` turns one record's context into ERP values (a failing template
raises :class:`MappingFailure` naming the template, the field and the value);
:func:`check_rules` is what saving runs: every field writable, every template
valid, and every result fitting its field on a real record and on a record with
long texts (a template that could overflow is refused, naming the field).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from bcapp.canonical import ErpValue
from bcapp.mapping.templates import TemplateFailure, check_syntax, render

#: Text fields of the stress record: as long as a merchant's store could plausibly have.
LONG_TEXT = 1000


@dataclass(frozen=True)
class FieldSpec:
    """An ERP field as saved with its template (from the connector's ``ErpField``)."""

    template: str
    kind: str = "string"
    length: int | None = None
    required: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"template": self.template, "kind": self.kind, "length": self.length,
                "required": self.required}  # fmt: skip


class Describes(Protocol):
    """An ERP field's description (the connector's ``ErpField``)."""

    @property
    def kind(self) -> str: ...
    @property
    def length(self) -> int | None: ...
    @property
    def required(self) -> bool: ...


def build(
    erp_kind: str,
    templates: Mapping[str, Mapping[str, str]],
    writable: Mapping[str, Mapping[str, Describes]],
    tables: Mapping[str, Mapping[str, str]] | None = None,
) -> FieldMappings:
    """Mappings from the merchant's templates and the ERP's field descriptions.

    Blank templates are dropped (the built-in value applies); a field the ERP does not
    describe keeps the template with a text type, so :func:`check_rules` names it.
    """
    rules: dict[str, dict[str, FieldSpec]] = {}
    for record, entries in templates.items():
        for name, template in entries.items():
            if not str(template).strip():
                continue
            described = writable.get(record, {}).get(name)
            rules.setdefault(record, {})[name] = FieldSpec(
                template=str(template),
                kind=described.kind if described else "string",
                length=described.length if described else None,
                required=described.required if described else False,
            )
    return FieldMappings(None, erp_kind, rules, {k: dict(v) for k, v in (tables or {}).items()})


class MappingFailure(TemplateFailure):
    """A template failed for one record: which record type, field, template and value."""

    def __init__(
        self, message: str, *, record: str, field: str, template: str, value: str = ""
    ) -> None:
        super().__init__(message, template=template, field=field)
        self.record = record
        self.value = value

    def sentence(self) -> str:
        """What the activity log says."""
        shown = f' (value "{self.value[:80]}")' if self.value else ""
        return (f"Field mapping failed for {self.record} field {self.field}: {self.message}"
                f"{shown}. Template: {self.template}")  # fmt: skip

    def details(self) -> dict[str, str]:
        return {"record": self.record, "field": self.field, "template": self.template,
                "value": self.value[:500], "error": self.message}  # fmt: skip


@dataclass(frozen=True)
class FieldMappings:
    """A store's saved mappings for one ERP kind (``version`` None: the built-in ones)."""

    version: int | None = None
    erp_kind: str = ""
    rules: Mapping[str, Mapping[str, FieldSpec]] = field(default_factory=dict)
    tables: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @classmethod
    def from_json(
        cls, version: int | None, erp_kind: str, rules: Any, tables: Any
    ) -> FieldMappings:
        """From a MappingVersion's JSON columns (unknown shapes are dropped)."""
        typed: dict[str, dict[str, FieldSpec]] = {}
        for record, entries in (rules or {}).items():
            for name, raw in (entries or {}).items():
                spec = raw if isinstance(raw, Mapping) else {"template": str(raw)}
                typed.setdefault(str(record), {})[str(name)] = FieldSpec(
                    template=str(spec.get("template") or ""),
                    kind=str(spec.get("kind") or "string"),
                    length=int(spec["length"]) if spec.get("length") else None,
                    required=bool(spec.get("required")),
                )
        clean_tables = {
            str(name): {str(k): str(v) for k, v in (rows or {}).items()}
            for name, rows in (tables or {}).items()
        }
        return cls(version, erp_kind, typed, clean_tables)

    def rules_json(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {r: {n: s.as_dict() for n, s in e.items()} for r, e in self.rules.items()}

    def has(self, record: str) -> bool:
        """Whether any template fills a field of ``record``."""
        return bool(self.rules.get(record))

    def mentions(self, word: str) -> bool:
        """Whether any template reads ``word`` (e.g. "metafields": worth fetching them)."""
        return any(word in s.template for e in self.rules.values() for s in e.values())


def evaluate(
    mappings: FieldMappings, record: str, context: Mapping[str, Any]
) -> dict[str, ErpValue]:
    """ERP field → value for one record of type ``record`` (empty: nothing mapped).

    Raises:
        MappingFailure: a template failed or its value does not fit its field.
    """
    out: dict[str, ErpValue] = {}
    for name, spec in mappings.rules.get(record, {}).items():
        try:
            text = render(spec.template, context, mappings.tables)
        except TemplateFailure as exc:
            raise MappingFailure(exc.message, record=record, field=name,
                                 template=spec.template) from None  # fmt: skip
        out[name] = convert(spec, text, record=record, name=name)
    return out


def convert(spec: FieldSpec, text: str, *, record: str, name: str) -> ErpValue:
    """The template's text as the field's type (None: empty, the field is left out)."""
    value = text.strip()

    def fail(message: str) -> MappingFailure:
        return MappingFailure(message, record=record, field=name, template=spec.template,
                              value=text)  # fmt: skip

    if not value:
        if spec.required:
            raise fail("the field is required and the template gave nothing")
        return None
    if spec.kind == "integer":
        try:
            return int(Decimal(value).to_integral_exact())
        except (InvalidOperation, ArithmeticError):
            raise fail("not a whole number") from None
    if spec.kind == "number":
        try:
            return float(Decimal(value))
        except InvalidOperation:
            raise fail("not a number") from None
    if spec.kind == "boolean":
        if value.lower() not in {"true", "false", "1", "0", "yes", "no"}:
            raise fail("not true or false")
        return value.lower() in {"true", "1", "yes"}
    if spec.kind == "date":
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            raise fail("not a date (YYYY-MM-DD)") from None
    if spec.length and len(text) > spec.length:
        raise fail(f"longer than the {spec.length} characters the field takes")
    return text


def check_rules(
    mappings: FieldMappings,
    writable: Mapping[str, Mapping[str, Any]],
    samples: Mapping[str, Mapping[str, Any]],
) -> dict[str, str]:
    """Problems of mappings about to be saved, by ``"record.field"`` (empty: fine).

    Args:
        writable: record type → field name → anything (the fields the ERP takes).
        samples: record type → a context to try each template on (the preview's
            real record, or a made-up one); each is also tried with long texts.
    """
    problems: dict[str, str] = {}
    for record, entries in mappings.rules.items():
        for name, spec in entries.items():
            key = f"{record}.{name}"
            if name not in writable.get(record, {}):
                problems[key] = f"{name} is not a field the ERP takes for a {record}."
                continue
            try:
                check_syntax(spec.template, mappings.tables)
                sample = samples.get(record)
                if sample is not None:
                    for context in (sample, stretched(sample)):
                        convert(spec, render(spec.template, context, mappings.tables),
                                record=record, name=name)  # fmt: skip
            except MappingFailure as exc:
                problems[key] = f"{name}: {exc.message}" + (
                    " with long texts in the record (add | truncate(n))"
                    if "longer than" in exc.message else "")  # fmt: skip
            except TemplateFailure as exc:
                problems[key] = f"{name}: {exc.message}"
    return problems


#: Record fields a customer or merchant types freely: what the stress record makes long.
FREE_TEXT = frozenset({
    "customer_message", "name", "first_name", "last_name", "company", "street", "street2",
    "city", "state", "description", "shipping_method", "payment_method", "email",
})  # fmt: skip
#: Context parts that are free text throughout (form fields, metafields, custom fields).
FREE_PARTS = frozenset({"form", "metafields", "custom_fields"})


def stretched(context: Any, free: bool = False) -> Any:
    """``context`` with its free texts made :data:`LONG_TEXT` long (codes, numbers kept)."""
    if isinstance(context, Mapping):
        return {
            k: stretched(v, free or k in FREE_PARTS)
            if not isinstance(v, str)
            else (_long(v) if free or k in FREE_TEXT else v)
            for k, v in context.items()
        }
    if isinstance(context, list):
        return [stretched(v, free) for v in context]
    return _long(context) if free and isinstance(context, str) else context


def _long(text: str) -> str:
    return (text * (LONG_TEXT // len(text) + 1))[:LONG_TEXT] if text else "x" * LONG_TEXT
