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
from bcapp.web.erp_oauth import no_tokens_yet

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
    from bcapp.web.settings import connection_context, read_connection

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
    from bcapp.web.settings import connection_context

    form_ctx = connection_context(request.form.get("kind") or None)
    return render_form(status, **form_ctx, outcome_html=body)
