"""The ERP connection form, shared by the setup wizard's first step and the settings page.

Saving runs the connection test first: credentials the ERP refuses do not
replace working ones unless the merchant explicitly chooses "Save anyway".
Choosing another ERP than the saved one asks for confirmation first, because
the new ERP starts from a clean slate (see :func:`bcapp.web.erp.switch_to`).
An ERP the merchant connects by signing in (AccountView, Exact Online) is saved
untested until it has tokens: its test cannot pass before the sign-in
(:mod:`bcapp.web.erp_connect`).

The form posts with htmx and the answer lands in the form's outcome area, so
what the merchant typed (secrets included, which are never sent back to the
browser) stays in the inputs while they confirm or choose "Save anyway".
Field errors re-render the whole form (``HX-Retarget``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, make_response, render_template, request

from bcapp.web import erp
from bcapp.web.erp_choices import erp_choices
from bcapp.web.erp_oauth import callback_url, connect_status, no_tokens_yet
from bcapp.web.forms import SECTION_TITLES
from bcapp.web.schema_form import form_fields, read_form

CONFIRM_SWITCH = "confirm_switch"
SAVE_ANYWAY = "save_anyway"


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def retarget(body: str, status: int, target: str = "#form-connection") -> Any:
    """An htmx answer that replaces ``target`` (the whole form) instead of the outcome area."""
    response = make_response(body, status)
    if is_htmx():
        response.headers["HX-Retarget"] = target
        response.headers["HX-Reswap"] = "outerHTML"
    return response


def submit(render_form: Callable[..., Any], saved: Callable[[erp.CheckResult], Any]) -> Any:
    """Validate, confirm a switch, test, then save; ``render_form(status, **ctx)`` draws the
    form with errors or an outcome, ``saved(result)`` answers after a save."""
    kind, values, errors = read_connection()
    if errors:
        return render_form(422, **connection_context(kind or None, values, errors))
    current = erp.connection_of(g.store)
    confirmed = bool(request.form.get(CONFIRM_SWITCH))
    if current is not None and current.kind != kind and not confirmed:
        summary = erp.switch_summary(g.store, current, kind)
        return outcome("settings/_switch.html", 409, render_form, summary=summary, kind=kind)
    if no_tokens_yet(current, kind):  # nothing to test before the vendor's sign-in
        erp.save_connection(g.store, kind, values)
        label = erp.label_of(kind)
        hint = f"connect {label} with the button above (its sign-in opens in a new window)."
        return saved(erp.CheckResult(False, hint))
    settings = erp.effective_settings(current, kind, values)
    result = erp.check_settings(kind, settings, current)
    if not result.ok and not request.form.get(SAVE_ANYWAY):
        return outcome(
            "settings/_check.html", 422, render_form,
            result=result, errors={}, offer_save_anyway=True, confirmed_switch=confirmed,
        )  # fmt: skip
    erp.save_connection(g.store, kind, values, result)
    return saved(result)


def outcome(template: str, status: int, render_form: Callable[..., Any], **ctx: Any) -> Any:
    """The outcome area's content for htmx; without JavaScript the whole form around it."""
    body = render_template(template, **ctx)
    if is_htmx():
        return body, status
    form_ctx = connection_context(request.form.get("kind") or None)
    return render_form(status, **form_ctx, outcome_html=body)


def connection_context(
    kind: str | None = None,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ERP chooser and the chosen connector's schema form.

    An ERP the store used before shows the settings it had (never its secrets);
    the last test is shown only for the ERP that is current and chosen.
    """
    connection = erp.connection_of(g.store)
    choices = erp.connectors()
    kind = kind or (connection.kind if connection else None) or next(iter(choices), None)
    cls = choices.get(kind or "")
    fields = []
    if cls is not None:
        fields = form_fields(
            cls.settings_schema,
            values if values is not None else erp.stored_settings(g.store, kind or ""),
            erp.saved_secret_names(connection, kind or ""),
        )
    same = connection is not None and connection.kind == kind
    return {
        "section": "connection",
        "title": SECTION_TITLES["connection"],
        "connection": connection,
        "tested": connection if same else None,
        "choices": choices,
        "kind": kind,
        "fields": fields,
        "erp_description": cls.settings_schema.get("description", "") if cls else "",
        "erp_label": erp.label_of(connection.kind) if connection else "",
        "errors": errors or {},
        "connect": connect_status(connection, kind),
        "connect_callback": callback_url(kind or ""),
        "erp_lists": field_choices(fields, connection if same else None),
    }


def field_choices(fields: list[Any], connection: Any) -> dict[str, Any]:
    """The ERP's codes for the fields that name a code list (``x-choices``).

    Only from the saved ERP whose last test passed: one whose credentials are missing
    or refused would only hold the page up until the lists' deadline.
    """
    if connection is None or not connection.checked_at or connection.check_message:
        return {}
    if not any(getattr(f, "choices", "") for f in fields):
        return {}
    return erp_choices(g.store)


def read_connection() -> tuple[str, dict[str, Any], dict[str, str]]:
    """The posted ERP kind and its typed values, with messages by field."""
    kind = request.form.get("kind", "")
    cls = erp.connectors().get(kind)
    if cls is None:
        return kind, {}, {"kind": "Choose your ERP."}
    saved = erp.saved_secret_names(erp.connection_of(g.store), kind)
    values, errors = read_form(cls.settings_schema, request.form, saved)
    return kind, values, errors
