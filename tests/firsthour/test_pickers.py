"""Point 6 of issue 21: mapping tables offer the store's own values and the ERP's codes, name
the ERP field that receives the value, mark an error in its own cell; storefronts by name."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from bcapp.extensions import db
from bcapp.mapping.rules import rules_for
from bcapp.sync.context import BC_TRANSPORT
from bcapp.web.store_facts import mapping_facts
from tests.bigcommerce.openapi_check import ValidatingTransport, spec_index
from tests.firsthour.conftest import connect_mplus_demo
from tests.orders.conftest import World


def test_store_values_come_from_settings_zones_tax_classes_and_orders(
    world: World, app: Any
) -> None:
    world.product("A1")
    world.order("A1", payment_method="Cash on Delivery")
    # every request and every answer of the sandbox's new endpoints must match BigCommerce's spec
    checked = ValidatingTransport(world.bc.transport(), spec_index(), check_responses="raise")
    app.extensions[BC_TRANSPORT] = checked
    facts = mapping_facts(world.store)
    assert facts.live
    assert {"Credit Card", "Bank Deposit", "Cash on Delivery"} <= set(facts.payment_methods)
    assert {"Flat Rate", "Pickup In Store", "Free Shipping"} <= set(facts.shipping_methods)
    assert facts.tax_classes[:2] == ("Default Tax Class", "Non-Taxable Products")
    paths = {path for _, path, _ in checked.seen}
    assert {"/stores/ord3rs/v2/payments/methods", "/stores/ord3rs/v2/tax_classes",
            "/stores/ord3rs/v2/shipping/zones"} <= paths  # fmt: skip


def test_the_mapping_page_offers_both_sides_and_names_the_erp_field(
    world: World, owner: Any
) -> None:
    page = owner.get("/app/settings/mappings").text
    assert '<datalist id="dl-payment-from">' in page and 'value="Credit Card"' in page
    assert 'value="Flat Rate"' in page and 'value="Default Tax Class"' in page
    assert '<datalist id="dl-payment-to">' in page and ">IDL — iDEAL<" in page  # AFAS's codes
    assert ">1 — BTW hoog verkoop (21%)<" in page and ">2 — DHL Parcel<" in page
    assert "AFAS payment method (PaTp)" in page and "AFAS delivery type (DtId)" in page
    assert "ERP payment condition" not in page  # AFAS takes it as payment method (PaTp)


def test_an_erp_that_lists_nothing_keeps_free_entry(world: World, owner: Any) -> None:
    world.afas.tables.payment_methods.clear()
    world.afas.connectors.pop("BCApp_DeliveryTypes", None)  # not imported by this merchant
    page = owner.get("/app/settings/mappings").text
    assert '<datalist id="dl-payment-to">' not in page and 'name="payment__to"' in page
    assert "Type the codes as AFAS Profit knows them." in page


def test_mplus_lists_payment_methods_and_vat_groups(world: World, owner: Any, app: Any) -> None:
    connect_mplus_demo(app)
    page = owner.get("/app/settings/mappings").text
    assert "Mplus payment method (paymentMethod)" in page and ">IDEAL — iDEAL<" in page
    assert "Mplus VAT group (vatCode)" in page and ">2 — 21%<" in page


def post_mappings(owner: Any, rows: list[tuple[str, str]]) -> Any:
    return owner.htmx_post("/app/settings/mappings", rows)  # a list: repeated names kept


def test_an_error_marks_its_own_cell_and_rows_are_added_and_removed(
    world: World, owner: Any
) -> None:
    r = post_mappings(owner, [
        ("payment__from", "PayPal"), ("payment__to", "PP"),
        ("payment__from", "Credit Card"), ("payment__to", ""),
        ("payment__from", "paypal"), ("payment__to", "X"),
    ])  # fmt: skip
    assert r.status_code == 422
    assert (
        'id="payment-1-to-error"' in r.text and "Choose the ERP code for “Credit Card”." in r.text
    )
    assert 'id="payment-2-from-error"' in r.text and "already in row 1" in r.text
    assert 'id="payment-0-from-error"' not in r.text and 'id="payment-0-to-error"' not in r.text
    assert 'value="PayPal"' in r.text and 'value="Credit Card"' in r.text  # rows kept as typed
    assert rules_for(world.store).mappings.payment == {}  # nothing saved while a cell is wrong

    r = post_mappings(owner, [
        ("payment__from", "PayPal"), ("payment__to", "PP"),
        ("payment__from", ""), ("payment__to", ""),  # a removed (emptied) row
        ("tax__from", "BE/Default Tax Class"), ("tax__to", "3"),
    ])  # fmt: skip
    assert r.status_code == 200
    db.session.refresh(world.store)
    assert rules_for(world.store).mappings.payment == {"PayPal": "PP"}
    assert rules_for(world.store).mappings.tax == {"BE/Default Tax Class": "3"}


@pytest.mark.parametrize("section", ["catalog", "orders"])
def test_storefronts_are_chosen_by_name(world: World, owner: Any, section: str) -> None:
    outlet = world.bc_store.add_storefront("Outlet")
    page = owner.get(f"/app/settings/{section}").text
    assert f'name="channels" value="{outlet}"' in page and "> Outlet</label>" in page
    form = [("channels__shown", "1"), ("channels", "1"), ("channels", str(outlet))]
    if section == "catalog":
        form += [("direction", "erp_to_store"), ("mode", "create_and_update"),
                 ("on_deleted_in_bc", "report")]  # fmt: skip
    else:
        form += [("export_statuses", "11"), ("customer_mode", "match")]
    r = owner.htmx_post(f"/app/settings/{section}", form)
    assert r.status_code == 200, r.text
    db.session.refresh(world.store)
    assert getattr(rules_for(world.store), section).channels in ((1, outlet), {1, outlet})


def test_a_slow_store_cannot_hold_the_mapping_page(
    world: World, owner: Any, app: Any, monkeypatch: Any
) -> None:
    import time

    import bcapp.web.store_facts as facts_module

    class Slow(httpx.BaseTransport):
        def __init__(self, inner: httpx.BaseTransport) -> None:
            self.inner = inner

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            time.sleep(0.2)
            return self.inner.handle_request(request)

    monkeypatch.setattr(facts_module, "MAPPING_DEADLINE", 0.3)
    app.extensions[BC_TRANSPORT] = Slow(world.bc.transport())
    started = time.monotonic()
    page = owner.get("/app/settings/mappings").text
    assert time.monotonic() - started < 3.5  # the statuses read (0.4 s) + the deadline
    assert "BigCommerce could not be read just now" in page and 'name="payment__from"' in page
