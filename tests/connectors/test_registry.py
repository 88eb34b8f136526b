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


def test_the_web_hooks_are_read_off_the_connector_classes():
    from bcapp.connectors.hooks import call_budget_of, sign_in_of, webhooks_of

    found = registry()
    signs_in = {kind for kind, cls in found.items() if sign_in_of(cls) is not None}
    assert {"accountview", "exact"} <= signs_in and "afas" not in signs_in
    assert call_budget_of(found["exact"]) is not None and webhooks_of(found["exact"]) is not None
    assert call_budget_of(found["afas"]) is None and webhooks_of(found["mplus"]) is None

    class NotAHook:
        sign_in = "something else"

    assert sign_in_of(NotAHook) is None and sign_in_of(None) is None
