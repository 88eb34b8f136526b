"""The Settings page: every choice of the setup wizard, editable later, one section at a time.

Sections post to ``/app/settings/<section>``; htmx swaps just the section's
form (inline validation, 422 with messages), and without JavaScript the same
routes answer with the whole page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request

from bcapp.extensions import db
from bcapp.mapping.rules import (
    BC_ORDER_STATUSES,
    CATALOG_FIELDS,
    FLOW_NAMES,
    merged,
    with_section,
)
from bcapp.mapping.validation import validate_section
from bcapp.web import erp
from bcapp.web.forms import SECTION_TITLES, mapping_rows, raw_section
from bcapp.web.schema_form import form_fields, read_form
from bcapp.web.session import store_required
from bcapp.web.store_facts import StoreFacts, check_channels, store_facts

bp = Blueprint("settings", __name__, url_prefix="/app/settings")

RULE_SECTIONS = tuple(s for s in SECTION_TITLES if s != "connection")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def stored_section(section: str) -> dict[str, Any]:
    """The store's values of ``section`` with defaults; retention defaults to the server's."""
    values = merged(g.store.settings).get(section, {})
    if section == "general":
        from bcapp.retention import retention_days

        values["log_retention_days"] = retention_days(g.store)
    return values


#: Sections that show the store's own status labels or channel names (read from BigCommerce).
FACT_SECTIONS = frozenset({"orders", "catalog", "mappings"})


def section_context(
    section: str, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """Everything a section partial needs: values, errors and the choices to offer."""
    connection = erp.connection_of(g.store)
    facts = store_facts(g.store) if section in FACT_SECTIONS else StoreFacts(BC_ORDER_STATUSES)
    return {
        "section": section,
        "title": SECTION_TITLES[section],
        "values": values if values is not None else stored_section(section),
        "errors": errors or {},
        "connection": connection,
        "flow_names": FLOW_NAMES,
        "supported": erp.supported_flows(connection.kind if connection else None),
        "bc_statuses": facts.statuses,
        "store_facts": facts,
        "catalog_fields": CATALOG_FIELDS,
        "mapping_rows": mapping_rows,
    }


def connection_context(
    kind: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ERP chooser and the chosen connector's schema form."""
    connection = erp.connection_of(g.store)
    choices = erp.connectors()
    kind = kind or (connection.kind if connection else None) or next(iter(choices), None)
    cls = choices.get(kind or "")
    fields = []
    if cls is not None:
        stored = connection.settings if connection and connection.kind == kind else {}
        fields = form_fields(
            cls.settings_schema,
            values if values is not None else stored,
            erp.saved_secret_names(connection, kind or ""),
        )
    return {
        "section": "connection",
        "title": SECTION_TITLES["connection"],
        "connection": connection,
        "choices": choices,
        "kind": kind,
        "fields": fields,
        "erp_description": cls.settings_schema.get("description", "") if cls else "",
        "errors": errors or {},
    }


def render_section(
    section: str,
    status: int = 200,
    *,
    full: bool | None = None,
    context: dict[str, Any] | None = None,
) -> Any:
    """The section's form alone for htmx, or inside the settings page."""
    if context is None:
        context = connection_context() if section == "connection" else section_context(section)
    partial = "settings/_connection.html" if section == "connection" else "settings/_form.html"
    if full is None:
        full = not is_htmx()
    if not full:
        return render_template("settings/_section.html", partial=partial, **context), status
    return (
        render_template(
            "settings/page.html",
            partial=partial,
            sections=SECTION_TITLES,
            active_section="settings",
            **context,
        ),
        status,
    )


@bp.get("")
@store_required
def index() -> Any:
    return render_section("connection", full=True)


@bp.get("/<section>")
@store_required
def show(section: str) -> Any:
    if section not in SECTION_TITLES:
        abort(404)
    return render_section(section)


def validated(
    section: str, raw: Any, current: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The section's rules checked, then its storefronts against the store's own channels."""
    values, errors = validate_section(section, raw, current=current)
    check_channels(g.store, raw, values, errors)
    return values, errors


def save_rules(section: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the posted section and store it when it is clean."""
    current = merged(g.store.settings)[section]
    values, errors = validated(section, raw_section(section, request.form), current)
    if not errors:
        g.store.settings = with_section(g.store.settings, section, values)
        db.session.commit()
    return values, errors


@bp.post("/<section>")
@store_required
def save(section: str) -> Any:
    if section not in RULE_SECTIONS:
        abort(404)
    values, errors = save_rules(section)
    g.saved = not errors
    ctx = section_context(section, values, errors)
    return render_section(section, 422 if errors else 200, context=ctx)


@bp.get("/connection/fields")
@store_required
def connection_fields() -> Any:
    """The credential fields of the ERP picked in the chooser (htmx swap)."""
    kind = request.args.get("kind", "")
    if kind not in erp.connectors():
        abort(404)
    return render_template("settings/_erp_fields.html", **connection_context(kind))


def read_connection() -> tuple[str, dict[str, Any], dict[str, str]]:
    """The posted ERP kind and its typed values, with messages by field."""
    kind = request.form.get("kind", "")
    cls = erp.connectors().get(kind)
    if cls is None:
        return kind, {}, {"kind": "Choose your ERP."}
    saved = erp.saved_secret_names(erp.connection_of(g.store), kind)
    values, errors = read_form(cls.settings_schema, request.form, saved)
    return kind, values, errors


@bp.post("/connection")
@store_required
def save_connection() -> Any:
    kind, values, errors = read_connection()
    if errors:
        ctx = connection_context(kind or None, values, errors)
        return render_section("connection", 422, context=ctx)
    erp.save_connection(g.store, kind, values)
    g.saved = True
    return render_section("connection", context=connection_context(kind))


@bp.post("/connection/test")
@store_required
def test_connection() -> Any:
    """Try the credentials on the form (saved secrets fill empty fields)."""
    kind, values, errors = read_connection()
    if errors:
        result = erp.CheckResult(False, "Fill in the fields marked above first.")
        return render_template("settings/_check.html", result=result, errors=errors), 422
    connection = erp.connection_of(g.store)
    result = erp.check_settings(kind, erp.effective_settings(connection, kind, values))
    erp.record_check(connection, kind, result)
    return render_template("settings/_check.html", result=result, errors={})
