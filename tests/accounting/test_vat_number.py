"""A B2B customer's VAT number travels from a BigCommerce form field to the ERP relation."""

from __future__ import annotations

from bcapp.models import LogEntry
from bcapp.sync.vat import malformed, normalised

B2B = {"company": "Bakkerij de Vries BV",
       "form_fields": [{"name": "VAT number", "value": "nl 8192.34.567 b01"}]}  # fmt: skip


def notes(world) -> list[str]:
    from bcapp.extensions import db

    rows = db.session.execute(db.select(LogEntry).filter_by(store_id=world.store.id)).scalars()
    return [r.message for r in rows]


def test_order_with_a_b2b_vat_number_creates_the_afas_relation_with_vaid(world):
    world.product("SKU-1")
    order_id = world.order("SKU-1", billing=B2B)

    world.export(order_id)

    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert debtor["VatNr"] == "NL819234567B01"  # what AFAS received as VaId, normalised
    assert debtor["kind"] == "organisation"
    assert len(world.erp_orders(order_id)) == 1


def test_a_malformed_vat_number_is_logged_and_not_sent(world):
    world.product("SKU-1")
    bad = {**B2B, "form_fields": [{"name": "VAT number", "value": "NL12345"}]}
    order_id = world.order("SKU-1", billing=bad)

    world.export(order_id)

    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert debtor["VatNr"] == ""
    assert any('VAT number "NL12345"' in m and "not sent" in m for m in notes(world))
    assert len(world.erp_orders(order_id)) == 1  # the order itself still goes


def test_the_merchant_names_the_form_field(world):
    world.product("SKU-1")
    world.settings("customers", vat_number_field="BTW-nummer")
    billing = {**B2B, "form_fields": [{"name": "btw nummer", "value": "BE 0123.456.789"}],
               "country_iso2": "BE"}  # fmt: skip
    world.export(world.order("SKU-1", billing=billing))
    [debtor] = world.afas.debtors_with_email("jan@example.com")
    assert debtor["VatNr"] == "BE0123456789"


def test_vat_shapes_per_country():
    assert normalised("819234567B01", "NL") == "NL819234567B01"
    assert normalised("CHE-123.456.789 MWST", "CH") == "CHE123456789MWST"
    assert normalised("094259216", "GR") == "EL094259216"
    assert not malformed("DE123456789") and malformed("DE12345678")
    assert malformed("FR1234") and not malformed("FRXX123456789")
    assert not malformed("US-12-3456789")  # no known format: sent as typed
