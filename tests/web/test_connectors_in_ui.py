"""Every registered ERP renders in the settings form and reads back; Mplus checked live."""

from __future__ import annotations

import httpx
import pytest
from werkzeug.datastructures import MultiDict

from bcapp.connectors import registry
from bcapp.web.schema_form import form_fields, read_form

REQUIRED_SAMPLES = {"environment": "12345", "token": "t", "port": "34567", "ident": "i",
                    "secret": "s"}  # fmt: skip


def filled_form(schema):
    """The form as a merchant submits it untouched: defaults, plus the required fields."""
    form = MultiDict()
    for field in form_fields(schema):
        if field.widget == "checkbox":
            if field.value:
                form.add(field.name, "on")
        else:
            form.add(field.name, str(field.value if field.value is not None else ""))
    for name, value in REQUIRED_SAMPLES.items():
        if name in schema.get("properties", {}):
            form[name] = value
    return form


@pytest.mark.parametrize("kind", sorted(registry()))
def test_each_connector_schema_renders_and_reads_back_its_defaults(kind, session):
    schema = registry()[kind].settings_schema
    page = session.get("/app/settings/connection/fields", query_string={"kind": kind})
    assert page.status_code == 200
    for field in form_fields(schema):
        assert f'name="{field.name}"' in page.text
    values, errors = read_form(schema, filled_form(schema))
    assert errors == {}
    for name, spec in schema["properties"].items():
        if spec.get("x-managed"):  # filled by the connect step, never on the form
            assert f'name="{name}"' not in page.text
        elif "default" in spec and spec.get("type") != "object":
            assert values[name] == spec["default"], name


def test_typed_list_items_are_checked():
    schema = {"properties": {"branches": {"type": "array", "items": {"type": "integer"}}}}
    assert read_form(schema, {"branches": "1, 4"}) == ({"branches": [1, 4]}, {})
    assert read_form(schema, {"branches": "1, x"})[1] == {"branches": "Enter a whole number."}


def test_mplus_bad_secret_shows_mplus_words(app, session):
    from bcapp.sandbox.mplus import MplusSandbox, MplusState

    sandbox = MplusSandbox(MplusState(ident="shop-ident", secret="right"), sleep=lambda s: None)
    app.extensions["bcapp.erp_transport"] = httpx.WSGITransport(app=sandbox)
    form = {"kind": "mplus", "port": "34567", "ident": "shop-ident", "secret": "wrong"}
    bad = session.htmx_post("/app/settings/connection/test", form)
    assert "The connection test failed" in bad.text and "Invalid ident and/or secret" in bad.text
    good = session.htmx_post("/app/settings/connection/test", {**form, "secret": "right"})
    assert "Connected" in good.text, good.text
    assert "MplusKASSA" in session.get("/app/settings/connection/fields?kind=mplus").text
