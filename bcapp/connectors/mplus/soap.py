"""A thin SOAP 1.1 codec for MplusQapi: plain dicts in, envelopes out, and back.

Payloads are nested dicts keyed by the WSDL's element names; a repeated element
(maxOccurs="unbounded") is a list. Encoding walks the type's sequence in schema
order, so a dict's key order never matters and the envelope validates against
the WSDL. Decoding converts leaves by their declared type: ``long``/``int`` →
int, ``boolean`` → bool, ``decimal`` → Decimal, the rest stays text. Unknown
response elements are ignored (Mplus adds fields between versions); unknown
request keys raise, because a typo would otherwise be dropped silently.

Money and quantities stay raw here (cents, value + decimalPlaces); the
conversions to Decimal live in :mod:`bcapp.connectors.mplus.units`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lxml import etree

from bcapp.connectors.mplus.wsdl import TNS, Index, index

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_NSMAP = {"SOAP-ENV": SOAP_ENV, "ns": TNS}
_INTS = frozenset({"xsd:long", "xsd:int", "xsd:short", "xsd:integer", "xsd:byte"})
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass(frozen=True)
class Fault:
    """A SOAP fault as Mplus sent it."""

    code: str  # e.g. "SOAP-ENV:Client" (prefix kept as sent)
    message: str
    detail: str = ""

    @property
    def kind(self) -> str:
        """The fault code without its namespace prefix, e.g. ``Client.Authentication``."""
        return self.code.rpartition(":")[2]


class SoapFormatError(ValueError):
    """The answer is not a SOAP envelope we can read."""


def to_text(value: Any) -> str:
    """One leaf value as XML text (booleans lower-case, Decimals without exponent)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def build(parent: etree._Element, type_key: str, value: Mapping[str, Any], idx: Index) -> None:
    """Append ``value``'s children to ``parent`` in the order the type declares them."""
    fields = idx.fields(type_key)
    unknown = set(value) - {f.name for f in fields}
    if unknown:
        raise ValueError(f"{type_key} has no element(s) {sorted(unknown)}")
    for field in fields:
        item = value.get(field.name)
        if item is None:
            if field.required and field.is_complex:
                # e.g. getProducts' pluNumbers: a required, possibly empty list wrapper
                etree.SubElement(parent, f"{{{TNS}}}{field.name}")
            continue
        for one in item if field.many else (item,):
            child = etree.SubElement(parent, f"{{{TNS}}}{field.name}")
            if field.is_complex:
                build(child, field.type, one, idx)
            else:
                child.text = to_text(one)


def envelope(element: str, body: Mapping[str, Any], idx: Index | None = None) -> bytes:
    """A SOAP envelope whose Body holds ``element`` (a top-level WSDL element) built from body."""
    idx = idx or index()
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=_NSMAP)
    payload = etree.SubElement(etree.SubElement(root, f"{{{SOAP_ENV}}}Body"), f"{{{TNS}}}{element}")
    build(payload, idx.elements[element], body, idx)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def request(operation: str, body: Mapping[str, Any] | None = None) -> bytes:
    """The request envelope of an operation."""
    idx = index()
    return envelope(idx.operation(operation).input, body or {}, idx)


def parse_leaf(text: str | None, type_key: str) -> Any:
    """Convert one leaf's text by its schema type."""
    text = text or ""
    if type_key in _INTS:
        return int(text)
    if type_key == "xsd:boolean":
        return text.strip() in ("true", "1")
    if type_key == "xsd:decimal":
        return Decimal(text)
    return text


def parse(element: etree._Element, type_key: str, idx: Index) -> dict[str, Any]:
    """A complex element as a dict (repeated children as lists, unknown children skipped)."""
    fields = idx.field_map(type_key)
    out: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        field = fields.get(child.tag.rpartition("}")[2])
        if field is None:
            continue
        value = (
            parse(child, field.type, idx)
            if field.is_complex
            else parse_leaf(child.text, field.type)
        )
        if field.many:
            out.setdefault(field.name, []).append(value)
        else:
            out[field.name] = value
    return out


def body_element(content: bytes) -> etree._Element:
    """The first child of SOAP-ENV:Body (the payload or a Fault)."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapFormatError(f"not XML: {exc}") from None
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or body is None:
        raise SoapFormatError("not a SOAP 1.1 envelope")
    for child in body:
        if isinstance(child.tag, str):
            return child
    raise SoapFormatError("empty SOAP Body")


def fault_of(element: etree._Element) -> Fault | None:
    """The Fault in a Body's first child, or None when it is a payload."""
    if element.tag != f"{{{SOAP_ENV}}}Fault":
        return None
    detail = element.find("detail")
    return Fault(
        code=(element.findtext("faultcode") or "").strip(),
        message=(element.findtext("faultstring") or "").strip(),
        detail=" ".join(detail.itertext()).strip() if detail is not None else "",
    )


def response(operation: str, content: bytes) -> dict[str, Any] | Fault:
    """Decode an answer to ``operation``: its payload as a dict, or the Fault."""
    idx = index()
    element = body_element(content)
    fault = fault_of(element)
    if fault is not None:
        return fault
    expected = idx.operation(operation).output
    if element.tag != f"{{{TNS}}}{expected}":
        raise SoapFormatError(f"expected {expected}, got {etree.QName(element).localname}")
    return parse(element, idx.elements[expected], idx)


def fault_envelope(code: str, message: str, detail: str = "") -> bytes:
    """A SOAP 1.1 Fault envelope (the sandbox sends these; gSOAP's layout)."""
    root = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=_NSMAP)
    fault = etree.SubElement(etree.SubElement(root, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = message
    if detail:
        etree.SubElement(fault, "detail").text = detail
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
