"""The Settings page: every choice of the setup wizard, editable later, one section at a time.

Sections post to ``/app/settings/<section>``; htmx swaps just the section's
form (inline validation, 422 with messages), and without JavaScript the same
routes answer with the whole page.
"""

from __future__ import annotations

import functools
from typing import Any

from flask import Blueprint, abort, g, render_template, request

from bcapp.extensions import db
from bcapp.mapping.rules import (
    BC_ORDER_STATUSES,
    CATALOG_FIELDS,
    CUSTOMER_FIELDS,
    FLOW_NAMES,
    merged,
    with_section,
)
from bcapp.mapping.validation import validate_section
from bcapp.web import erp, erp_form
from bcapp.web.access import ACCESS_KEY, edit_required, owner_required
from bcapp.web.erp_choices import erp_choices, erp_field_label
from bcapp.web.erp_form import connection_context, read_connection
from bcapp.web.erp_oauth import no_tokens_yet
from bcapp.web.forms import SECTION_TITLES, mapping_rows, raw_section
from bcapp.web.session import store_required
from bcapp.web.store_facts import (
    StoreFacts,
    check_channels,
    customer_groups,
    mapping_facts,
    store_facts,
)

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
FACT_SECTIONS = frozenset({"orders", "catalog", "mappings", "customers_from_erp"})


def section_context(
    section: str, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """Everything a section partial needs: values, errors and the choices to offer."""
    connection = erp.connection_of(g.store)
    facts = store_facts(g.store) if section in FACT_SECTIONS else StoreFacts(BC_ORDER_STATUSES)
    pickers: dict[str, Any] = {}
    if section == "mappings":  # the store's own values left, the ERP's codes right
        classifies = "classification" in erp.supported_features(
            connection.kind if connection else None
        )
        pickers = {
            "customer_groups": customer_groups(g.store) if classifies else None,
            "mapping_facts": mapping_facts(g.store),
            "erp_lists": erp_choices(g.store),
            "erp_field": functools.partial(erp_field_label, connection.kind if connection else ""),
        }
    elif section == "orders" and "revenue_accounts" in erp.supported_features(
        connection.kind if connection else None
    ):  # the journal and ledger-account settings get the ERP's lists as suggestions
        pickers = {"erp_lists": erp_choices(g.store)}
    return {
        **pickers,
        "section": section,
        "title": SECTION_TITLES[section],
        "values": values if values is not None else stored_section(section),
        "errors": errors or {},
        "connection": connection,
        "erp_label": erp.label_of(connection.kind) if connection else "",
        "flow_names": FLOW_NAMES,
        "supported": erp.supported_flows(connection.kind if connection else None),
        "features": erp.supported_features(connection.kind if connection else None),
        "document_types": erp.supported_documents(connection.kind if connection else None),
        "bc_statuses": facts.statuses,
        "store_facts": facts,
        "catalog_fields": CATALOG_FIELDS,
        "customer_fields": CUSTOMER_FIELDS,
        "connector_schedules": erp.connector_schedules(connection.kind if connection else None),
        "mapping_rows": mapping_rows,
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
    connection = erp.connection_of(g.store)
    if connection is not None and request.args.get("connected") == connection.kind:
        g.saved = True  # back from the sign-in and the picker (bcapp.web.erp_connect)
        g.check = erp.CheckResult(True, f"{erp.label_of(connection.kind)} is connected.")
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
    connection = erp.connection_of(g.store)
    offered = erp.supported_documents(connection.kind if connection else None)
    choose = "Your ERP connector cannot make this document: choose " + (
        " or ".join(d.replace("_", " ") for d in offered) + "."
    )
    if section == "orders" and "document_type" in raw and values["document_type"] not in offered:
        errors["document_type"] = choose
    per_storefront = values.get("document_type") if section == "mappings" else None
    if isinstance(per_storefront, dict):
        for index, doc in enumerate(per_storefront.values()):
            if doc not in offered:
                errors["document_type"] = choose
                errors[f"document_type.{index}.to"] = choose
    return values, errors


def save_rules(section: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate the posted section and store it when it is clean."""
    current = merged(g.store.settings)[section]
    values, errors = validated(section, raw_section(section, request.form), current)
    if not errors:
        g.store.settings = with_section(g.store.settings, section, values)
        db.session.commit()
    return values, errors


@bp.post("/access")
@store_required
@owner_required
def save_access() -> Any:
    """The owner's choice: may other users change settings, or only view?"""
    allowed = request.form.get("others", "edit") != "view"
    g.store.settings = {**(g.store.settings or {}), ACCESS_KEY: {"others_may_edit": allowed}}
    db.session.commit()
    return render_template("settings/_access.html", others_may_edit=allowed, access_saved=True)


@bp.post("/<section>")
@store_required
@edit_required
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
    wizard = request.args.get("wizard") == "1"
    return render_template("settings/_erp_fields.html", wizard=wizard, **connection_context(kind))


@bp.post("/connection")
@store_required
@edit_required
def save_connection() -> Any:
    """Save the ERP connection after a passing test (or "Save anyway"); see erp_form."""

    def render_form(status: int, **ctx: Any) -> Any:
        body, _ = render_section("connection", status, context=ctx)
        return erp_form.retarget(body, status)

    def saved(result: erp.CheckResult) -> Any:
        g.saved, g.check = True, result
        return render_form(200, **connection_context())

    return erp_form.submit(render_form, saved)


@bp.post("/connection/test")
@store_required
@edit_required
def test_connection() -> Any:
    """Try the credentials on the form (saved secrets fill empty fields).

    Only a test of exactly the saved credentials is remembered: a pass resumes
    flows paused by a refusal, a refusal pauses them.
    """
    kind, values, errors = read_connection()
    if errors:
        result = erp.CheckResult(False, "Fill in the fields marked above first.")
        return render_template("settings/_check.html", result=result, errors=errors), 422
    connection = erp.connection_of(g.store)
    if no_tokens_yet(connection, kind):  # nothing to test before the vendor's sign-in
        label = erp.label_of(kind)
        message = f"Connect {label} first: its sign-in opens in a new window."
        result = erp.CheckResult(False, message)
        return render_template("settings/_check.html", result=result, errors={})
    settings = erp.effective_settings(connection, kind, values)
    result = erp.check_settings(kind, settings, connection)
    erp.record_check(connection, kind, settings, result)
    return render_template("settings/_check.html", result=result, errors={})
