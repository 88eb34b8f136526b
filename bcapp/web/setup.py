"""The setup wizard: what a merchant sees on first load, one short step at a time.

Steps reuse the Settings sections (same partials, same validation), so
everything chosen here stays editable later. Each step posts, saves and
redirects to the next (POST/redirect/GET, the session token riding in the
URL like every in-app link); the ERP step tests the credentials before it
saves them (:mod:`bcapp.web.erp_form`).

Nothing syncs while the wizard is open (:mod:`bcapp.onboarding`): the last
step shows what the first sync would do — the catalog dry run's counts and
the orders that would be exported now, with their current statuses — and
only its "Start syncing" button opens the gate.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, make_response, redirect, render_template, request, url_for

from bcapp.extensions import db
from bcapp.mapping.rules import merged, with_section
from bcapp.onboarding import connection_problem, start_syncing
from bcapp.web import erp, erp_form
from bcapp.web.access import can_edit, edit_required, view_only_page
from bcapp.web.dashboard import runnable_flows
from bcapp.web.enqueue import enqueue_flow
from bcapp.web.erp_oauth import no_tokens_yet
from bcapp.web.forms import raw_section
from bcapp.web.preview import PREVIEW_FLOW, catalog_part
from bcapp.web.session import app_url, store_required
from bcapp.web.settings import connection_context, section_context, validated

bp = Blueprint("setup", __name__, url_prefix="/app/setup")

#: step → (title, the settings sections it edits)
STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "erp": ("Connect your ERP", ("connection",)),
    "flows": ("Flows", ("flows",)),
    "orders": ("Orders & customers", ("orders", "customers")),
    "catalog": ("Catalog & stock", ("catalog", "stock", "fulfilment")),
    "mappings": ("Mappings", ("mappings",)),
    "general": ("General settings", ("schedules", "general")),
    "start": ("Preview and start", ()),
}
ORDER = tuple(STEPS)


def setup_completed(store: Any) -> bool:
    """Whether the merchant confirmed the last step (the onboarding gate is open)."""
    return bool(store.syncing_enabled)


def next_step(store: Any) -> str:
    """Where "Continue the setup" leads: the ERP step while the connection needs
    credentials, else the last step (every other step already has its defaults)."""
    connection = erp.connection_of(store)
    if connection is None or connection_problem(connection):
        return "erp"
    if no_tokens_yet(connection, connection.kind):  # saved, not yet signed in
        return "erp"
    return "start"


def _neighbour(step: str, offset: int) -> str | None:
    index = ORDER.index(step) + offset
    return ORDER[index] if 0 <= index < len(ORDER) else None


def render_step(step: str, status: int = 200, **ctx: Any) -> Any:
    """The wizard page for ``step`` (values from the store unless ``ctx`` overrides)."""
    title, sections = STEPS[step]
    back = _neighbour(step, -1)
    if step == "erp":
        body = ctx or connection_context()
    elif step == "start":
        from bcapp.web.preview import first_sync_preview

        body = {"preview": first_sync_preview(g.store), **ctx}
    else:
        body = {
            **section_context(sections[0]),
            "all_values": ctx.get("all_values") or merged(g.store.settings),
            "errors": ctx.get("errors", {}),
        }
    page = render_template(
        "setup.html",
        steps=STEPS,
        step=step,
        step_title=title,
        step_sections=sections,
        wizard=True,
        form_action=url_for("setup.save", step=step),
        submit_label="Save and continue",
        back_url=app_url("setup.show", step=back) if back else None,
        **body,
    )
    return page, status


@bp.get("/<step>")
@store_required
def show(step: str) -> Any:
    if step not in STEPS:
        abort(404)
    if step != "erp" and erp.connection_of(g.store) is None:
        return redirect(app_url("setup.show", step="erp"), 303)
    return render_step(step)


@bp.post("/<step>")
@store_required
@edit_required
def save(step: str) -> Any:
    if step not in STEPS or step == "start":
        abort(404)
    if step == "erp":
        return _save_erp()
    errors = _save_sections(STEPS[step][1])
    if errors is not None:
        return errors
    return redirect(app_url("setup.show", step=_neighbour(step, 1)), 303)


def _save_erp() -> Any:
    """Test, then save the connection; on to the next step (htmx follows HX-Redirect)."""

    def render_form(status: int, **ctx: Any) -> Any:
        body, _ = render_step("erp", status, **ctx)
        if erp_form.is_htmx():  # only the form, swapped in place (HX-Retarget)
            body = render_template(
                "settings/_connection.html", wizard=True, submit_label="Save and continue",
                form_action=url_for("setup.save", step="erp"), back_url=None, **ctx,
            )  # fmt: skip
        return erp_form.retarget(body, status)

    def saved(result: erp.CheckResult) -> Any:
        if no_tokens_yet(erp.connection_of(g.store), request.form.get("kind", "")):
            return _go(app_url("setup.show", step="erp", saved=1))  # now: "Connect …"
        # a reinstall (the other steps were finished before) goes straight to the last step
        finished = ((g.store.settings or {}).get("setup") or {}).get("completed")
        return _go(app_url("setup.show", step="start" if finished else _neighbour("erp", 1)))

    return erp_form.submit(render_form, saved)


def _go(url: str) -> Any:
    """Redirect; an htmx request is told to navigate (a 303 would be followed inside it)."""
    if erp_form.is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


@bp.post("/start")
@store_required
@edit_required
def start() -> Any:
    """Open the onboarding gate and queue the first runs of the scheduled flows."""
    connection = erp.connection_of(g.store)
    problem = connection_problem(connection) if connection else "Connect your ERP first."
    if connection is not None and no_tokens_yet(connection, connection.kind):
        problem = f"Connect {erp.label_of(connection.kind)} first (the ERP connection step)."
    if problem:
        return render_step("start", 409, start_error=problem)
    start_syncing(g.store)
    g.store.settings = {**(g.store.settings or {}), "setup": {"completed": True}}
    if request.form.get("skip_waiting") and connection is not None:
        _orders_from_now(connection)
    db.session.commit()
    errors = [e.error for e in (enqueue_flow(g.store, f) for f in runnable_flows(g.store))]
    started = "queue" if any(errors) else "started"
    return redirect(app_url("home.index", started=started), 303)


@bp.route("/start/preview", methods=("GET", "POST"))
@store_required
def catalog_preview() -> Any:
    """The catalog part of the last step; POST starts the dry run (again, with ``again``)."""
    error = ""
    if request.method == "POST":
        if not can_edit():
            return view_only_page()
        current = catalog_part(g.store)
        if not current.dry_run_active and (current.dry_run is None or request.form.get("again")):
            error = enqueue_flow(g.store, PREVIEW_FLOW, dry_run=True).error
    preview = catalog_part(g.store)
    return render_template("setup/_catalog_preview.html", preview=preview, enqueue_error=error)


def _orders_from_now(connection: Any) -> None:
    """Start the order reconciliation at now: the orders waiting today are left alone.

    The reconciliation re-reads ``OVERLAP`` before its cursor, so the cursor is set that
    far ahead: its first run reads from now on (webhooks bring the orders placed meanwhile).
    """
    from bcapp.models import Cursor
    from bcapp.models.base import utcnow
    from bcapp.sync.orders import OVERLAP

    cursor = db.session.execute(
        db.select(Cursor).filter_by(connection_id=connection.id, flow=ORDERS_FLOW)
    ).scalar_one_or_none() or Cursor(connection_id=connection.id, flow=ORDERS_FLOW)
    cursor.value = (utcnow() + OVERLAP).isoformat()
    db.session.add(cursor)


#: The order reconciliation flow, whose cursor is BigCommerce's date_modified (bcapp.sync.orders).
ORDERS_FLOW = "orders"


def _save_sections(sections: tuple[str, ...]) -> Any:
    """Validate every section of the step; save all or none; a 422 page on errors."""
    current = merged(g.store.settings)
    all_values = dict(current)
    all_errors: dict[str, str] = {}
    for section in sections:
        raw = raw_section(section, request.form)
        values, errors = validated(section, raw, current[section])
        all_values[section] = values
        all_errors.update(errors)
    if all_errors:
        step = next(s for s, (_, secs) in STEPS.items() if secs == sections)
        return render_step(step, 422, all_values=all_values, errors=all_errors)
    settings = g.store.settings
    for section in sections:
        settings = with_section(settings, section, all_values[section])
    g.store.settings = settings
    db.session.commit()
    return None
