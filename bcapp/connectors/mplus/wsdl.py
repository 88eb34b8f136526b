"""The MplusQapi WSDL as data: element order, field types and operations, read once.

Mplus speaks document/literal SOAP described by one 1.2 MB WSDL (374
operations, every type inline in ``<types>``). We ship that file beside this
module (MIT, see ``mplusqapi.wsdl.NOTICE``) and index it lazily, on first use:
for each complex type the ordered sequence of its child elements (extensions
flattened), and for each operation its input and output element. The codec in
:mod:`bcapp.connectors.mplus.soap` needs nothing more, which is why we do not
run zeep at all (see ``bench/mplus_soap.py`` for the measured difference).

The schema uses only ``sequence``, ``element``, ``complexContent/extension``
and enumerated ``simpleType`` restrictions, so the index is small and exact.

:func:`xml_schema` builds an :class:`lxml.etree.XMLSchema` from the same
``<types>`` for validation (the sandbox and the tests use it; it takes about a
second to compile, so production code never calls it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

WSDL_PATH = Path(__file__).with_name("mplusqapi.wsdl")
TNS = "urn:mplusqapi"
XSD = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"

#: The one SOAP-ENC type the WSDL uses; the real schema is not fetched (no network).
_SOAP_ENC_STUB = (
    f'<schema xmlns="{XSD}" targetNamespace="{SOAP_ENC}">'
    '<simpleType name="base64"><restriction base="base64Binary"/></simpleType></schema>'
).encode()
_SOAP_ENC_URL = "mplus-soap-encoding.xsd"


@dataclass(frozen=True, slots=True)
class Field:
    """One child element of a complex type.

    Attributes:
        name: local name (namespace ``urn:mplusqapi``).
        type: ``"xsd:<builtin>"`` for a simple value, ``"enum"`` for an
            enumeration, otherwise the key of a complex type in :attr:`Index.types`.
        many: maxOccurs="unbounded".
        required: minOccurs is not 0.
    """

    name: str
    type: str
    many: bool
    required: bool

    @property
    def is_complex(self) -> bool:
        """True when the value is a nested structure (a dict)."""
        return not (self.type.startswith("xsd:") or self.type == "enum")


@dataclass(frozen=True)
class Operation:
    """An operation's input and output element names."""

    name: str
    input: str
    output: str


class Index:
    """Ordered fields of every complex type and the operations of the port type."""

    def __init__(self, root: etree._Element) -> None:
        schema = root.find(f"{{{WSDL_NS}}}types/{{{XSD}}}schema")
        if schema is None:
            raise ValueError("The Mplus WSDL has no <types><schema>.")
        self._nodes: dict[str, etree._Element] = {}
        self.enums: dict[str, tuple[str, ...]] = {}
        self.elements: dict[str, str] = {}
        self._fields: dict[str, tuple[Field, ...]] = {}
        self._by_name: dict[str, dict[str, Field]] = {}
        self._scan(schema)
        self.operations = _operations(root)

    def _scan(self, schema: etree._Element) -> None:
        for node in schema:
            if not isinstance(node.tag, str):
                continue
            name = node.get("name")
            local = etree.QName(node).localname
            if local == "complexType":
                self._nodes[name] = node
            elif local == "simpleType":
                self.enums[name] = tuple(e.get("value") for e in node.iter(f"{{{XSD}}}enumeration"))
            elif local == "element":
                self.elements[name] = self._element_type(node, f"#{name}")

    def _element_type(self, element: etree._Element, anonymous_key: str) -> str:
        """The type key of an element: builtin, enum, named complex or inline complex."""
        ref = element.get("type")
        if ref is None:
            inline = element.find(f"{{{XSD}}}complexType")
            if inline is None:
                return "xsd:string"
            self._nodes[anonymous_key] = inline
            return anonymous_key
        prefix, _, local = ref.rpartition(":")
        if prefix in ("xsd", "") and local not in self._nodes and local not in self.enums:
            return f"xsd:{local}"
        if prefix == "SOAP-ENC":
            return "xsd:base64Binary"
        return "enum" if local in self.enums else local

    def fields(self, type_key: str) -> tuple[Field, ...]:
        """Child elements of a complex type, in schema order (base type first)."""
        cached = self._fields.get(type_key)
        if cached is None:
            cached = tuple(self._collect(type_key))
            self._fields[type_key] = cached
            self._by_name[type_key] = {f.name: f for f in cached}
        return cached

    def field_map(self, type_key: str) -> dict[str, Field]:
        """Child elements of a complex type by name."""
        if type_key not in self._by_name:
            self.fields(type_key)
        return self._by_name[type_key]

    def _collect(self, type_key: str) -> list[Field]:
        node = self._nodes[type_key]
        out: list[Field] = []
        extension = node.find(f"{{{XSD}}}complexContent/{{{XSD}}}extension")
        if extension is not None:
            out.extend(self.fields(extension.get("base").rpartition(":")[2]))
            node = extension
        sequence = node.find(f"{{{XSD}}}sequence")
        for element in sequence if sequence is not None else ():
            if not isinstance(element.tag, str) or etree.QName(element).localname != "element":
                continue
            name = element.get("name")
            out.append(
                Field(
                    name=name,
                    type=self._element_type(element, f"{type_key}/{name}"),
                    many=element.get("maxOccurs") == "unbounded",
                    required=element.get("minOccurs") != "0",
                )
            )
        return out

    def operation(self, name: str) -> Operation:
        """The operation called ``name``; KeyError names it when the WSDL lacks it."""
        try:
            return self.operations[name]
        except KeyError:
            raise KeyError(f"MplusQapi has no operation {name!r}") from None


def _operations(root: etree._Element) -> dict[str, Operation]:
    parts = {
        message.get("name"): message.find(f"{{{WSDL_NS}}}part").get("element").rpartition(":")[2]
        for message in root.iterfind(f"{{{WSDL_NS}}}message")
    }
    out: dict[str, Operation] = {}
    for op in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation"):
        source = op.find(f"{{{WSDL_NS}}}input").get("message").rpartition(":")[2]
        target = op.find(f"{{{WSDL_NS}}}output").get("message").rpartition(":")[2]
        out[op.get("name")] = Operation(op.get("name"), parts[source], parts[target])
    return out


@functools.cache
def wsdl_root(path: Path = WSDL_PATH) -> etree._Element:
    """The parsed WSDL (cached per process)."""
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()


@functools.cache
def index(path: Path = WSDL_PATH) -> Index:
    """The type and operation index of the WSDL (cached per process)."""
    return Index(wsdl_root(path))


class _StubResolver(etree.Resolver):  # type: ignore[misc]  # lxml ships no stubs
    def resolve(self, url, pubid, context):  # type: ignore[no-untyped-def]
        if url and url.endswith(_SOAP_ENC_URL):
            return self.resolve_string(_SOAP_ENC_STUB, context)
        return None


@functools.cache
def xml_schema(path: Path = WSDL_PATH) -> etree.XMLSchema:
    """An XMLSchema of the WSDL's ``<types>`` (slow to build; for sandbox and tests)."""
    schema = wsdl_root(path).find(f"{{{WSDL_NS}}}types/{{{XSD}}}schema")
    copy = etree.fromstring(etree.tostring(schema))
    for imp in copy.iterfind(f"{{{XSD}}}import"):
        if imp.get("namespace") == SOAP_ENC:
            imp.set("schemaLocation", _SOAP_ENC_URL)
    parser = etree.XMLParser(resolve_entities=False)
    parser.resolvers.add(_StubResolver())
    doc = etree.fromstring(etree.tostring(copy), parser, base_url=str(path))
    return etree.XMLSchema(doc)
