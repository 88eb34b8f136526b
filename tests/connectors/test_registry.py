"""Connectors are found by package: a new ERP touches nothing outside its own package."""

from __future__ import annotations

from bcapp.connectors import make_connector, registry
from bcapp.errors import ConfigError


def test_every_erp_package_is_registered_by_its_kind():
    found = registry()
    assert {"afas", "mplus"} <= set(found)
    for kind, cls in found.items():
        assert cls.kind == kind and cls.label
        assert cls.settings_schema.get("type") == "object"


def test_an_unknown_kind_is_a_sentence_not_a_keyerror():
    try:
        make_connector("nonesuch", {})
    except ConfigError as exc:
        assert "nonesuch" in exc.message
    else:
        raise AssertionError("an unknown ERP type must be refused")


def test_connector_classes_satisfy_the_protocol_shape():
    for cls in registry().values():
        for member in ("check", "close", "fetch_products", "create_order", "fetch_credit_note"):
            assert callable(getattr(cls, member, None)), (cls.kind, member)
