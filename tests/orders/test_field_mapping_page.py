"""The field mapper's settings page against a real store (BigCommerce sandbox) and AFAS.

The merchant sees AFAS's own fields with type and length, previews unsaved
templates on a real order (values and the full FbSales request), is refused a
template that can overflow its field (the field named), saves a version, and the
next export and the dry run both use it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.mapping import versions
from bcapp.models import RunStatus, StoreUser
from bcapp.sandbox.afas.spec import load_specs
from tests.web.conftest import Session, open_app

PAGE = "/app/settings/fields"


#: Field types and lengths come from AFAS's OpenAPI files (../shared/erp-specs/afas); a checkout
#: without them has the sandbox's built-in field names only.
needs_afas_spec = pytest.mark.skipif(
    load_specs() is None, reason="AFAS OpenAPI files not found (../shared/erp-specs/afas)"
)


def signed_in(world: Any, client: Any) -> Session:
    db.session.add(StoreUser(store_id=world.store.id, bc_user_id=1, is_owner=True,
                             email="owner@shop.test"))  # fmt: skip
    db.session.commit()
    return Session(client, open_app(client, world.store.store_hash))


@needs_afas_spec
def test_afas_fields_are_offered_with_type_length_and_todays_value(world, client):
    session = signed_in(world, client)

    page = session.get(PAGE, query_string={"record": "order"})

    assert page.status_code == 200, page.text
    assert 'name="t.order.Fref"' in page.text and "≤ 32" in page.text  # Invoice reference
    assert "{{ order.customer_message }}" in page.text  # what Re gets today
    assert 'name="t.order.RfCs"' not in page.text  # the reference the app finds orders by


def test_preview_shows_values_and_the_full_request_without_saving(world, client):
    session = signed_in(world, client)
    world.product("SKU-1", 12.5)
    order_id = world.order(
        "SKU-1",
        customer_message="Back door",
        billing={"form_fields": [{"name": "PO number", "value": "PO-4711"}]},
    )

    page = session.post(f"{PAGE}/preview", {
        "record": "order", "subject": str(order_id),
        "t.order.Fref": '{{ form["PO number"] }}',
        "t.order.Re": "{{ order.customer_message | upper }}",
    })  # fmt: skip

    assert page.status_code == 200, page.text
    assert f"Order {order_id}" in page.text and "PO-4711" in page.text
    request = page.text.split('<pre id="preview-request"')[1].split(">", 1)[1].split("</pre>")[0]
    body = json.loads(request.replace("&#34;", '"').replace("&amp;", "&").replace("&lt;", "<")
                      .replace("&gt;", ">").replace("&#39;", "'"))  # fmt: skip
    fields = body["FbSales"]["Element"]["Fields"]
    assert fields["Fref"] == "PO-4711" and fields["Re"] == "BACK DOOR"
    assert fields["RfCs"] == str(order_id)
    assert versions.history(world.store.id) == []  # a preview saves nothing
    assert world.erp_orders() == []  # and sends nothing


@needs_afas_spec
def test_save_refuses_what_can_overflow_then_export_and_dry_run_use_the_version(world, client):
    session = signed_in(world, client)
    world.product("SKU-1", 12.5)
    order_id = world.order("SKU-1", customer_message="Ring twice")

    refused = session.post(
        f"{PAGE}/save", {"record": "order", "t.order.Fref": "{{ order.customer_message }}"}
    )
    assert refused.status_code == 422
    assert "Fref" in refused.text and "32" in refused.text and "truncate" in refused.text
    assert versions.history(world.store.id) == []

    saved = session.post(f"{PAGE}/save", {
        "record": "order", "t.order.Fref": "{{ order.customer_message | truncate(32) }}",
    })  # fmt: skip
    assert saved.status_code == 200, saved.text
    [version] = versions.history(world.store.id)
    assert (version.number, version.author) == (
        1,
        "owner@example.com",
    )  # the user BigCommerce signed in

    dry = world.run("order_export", order_id=order_id, dry_run=True)
    assert dry.status == RunStatus.SUCCEEDED
    [preview] = world.log("order")
    assert preview.request["instructions"]["fields"] == {"Fref": "Ring twice"}
    assert preview.mapping_version == 1
    assert world.erp_orders() == []

    world.export(order_id)
    assert world.erp_orders(order_id)[0]["fields"]["Fref"] == "Ring twice"


@needs_afas_spec
def test_versions_compare_and_roll_back_from_the_page(world, client):
    session = signed_in(world, client)
    for text in ("first", "second"):
        session.post(f"{PAGE}/save", {"record": "order", "t.order.Fref": text})

    changes = session.get(f"{PAGE}/versions/2")
    assert changes.status_code == 200
    assert "<code>first</code>" in changes.text and "<code>second</code>" in changes.text

    back = session.post(f"{PAGE}/versions/1/rollback", {"record": "order"})
    assert back.status_code == 302
    current = versions.current(world.store.id, "afas")
    assert current.version == 3 and current.rules["order"]["Fref"].template == "first"


def test_store_product_fields_preview_on_an_erp_article(world, client):
    session = signed_in(world, client)
    world.afas.add_article("MUG-9", "Big mug", price="12.5")

    page = session.post(f"{PAGE}/preview", {
        "record": "store_product", "subject": "MUG-9",
        "t.store_product.page_title": "{{ product.name | upper }} | Shop",
    })  # fmt: skip

    assert page.status_code == 200, page.text
    assert "ERP article MUG-9" in page.text and "BIG MUG | Shop" in page.text
    assert "&#34;page_title&#34;: &#34;BIG MUG | Shop&#34;" in page.text  # the product body
    shown = session.get(PAGE, query_string={"record": "store_product"})
    assert 'name="t.store_product.page_title"' in shown.text and "≤ 255" in shown.text
