"""The setup wizard: what a merchant sees on first load, one short step at a time.

Steps reuse the Settings sections (same partials, same validation), so
everything chosen here stays editable later. Each step posts, saves and
redirects to the next (POST/redirect/GET, the session token riding in the
URL like every in-app link). Finishing marks ``settings["setup"]["completed"]``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for

from bcapp.extensions import db
from bcapp.mapping.rules import merged, with_section
from bcapp.web import erp
from bcapp.web.forms import raw_section
from bcapp.web.session import app_url, store_required
from bcapp.web.settings import connection_context, read_connection, section_context, validated

bp = Blueprint("setup", __name__, url_prefix="/app/setup")

#: step → (title, the settings sections it edits)
STEPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "erp": ("Connect your ERP", ("connection",)),
    "flows": ("Flows", ("flows",)),
    "orders": ("Orders", ("orders",)),
    "catalog": ("Catalog & stock", ("catalog", "stock", "fulfilment")),
    "mappings": ("Mappings", ("mappings",)),
    "general": ("General settings", ("schedules", "general")),
}
ORDER = tuple(STEPS)


def setup_completed(store: Any) -> bool:
    return bool(((store.settings or {}).get("setup") or {}).get("completed"))


def _neighbour(step: str, offset: int) -> str | None:
    index = ORDER.index(step) + offset
    return ORDER[index] if 0 <= index < len(ORDER) else None


def render_step(step: str, status: int = 200, **ctx: Any) -> Any:
    """The wizard page for ``step`` (values from the store unless ``ctx`` overrides)."""
    title, sections = STEPS[step]
    back = _neighbour(step, -1)
    if step == "erp":
        body = ctx or connection_context()
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
        submit_label="Finish" if step == ORDER[-1] else "Save and continue",
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
def save(step: str) -> Any:
    if step not in STEPS:
        abort(404)
    if step == "erp":
        kind, values, errors = read_connection()
        if errors:
            return render_step(step, 422, **connection_context(kind or None, values, errors))
        erp.save_connection(g.store, kind, values)
    else:
        errors = _save_sections(STEPS[step][1])
        if errors is not None:
            return errors
    following = _neighbour(step, 1)
    if following is None:
        g.store.settings = {**(g.store.settings or {}), "setup": {"completed": True}}
        db.session.commit()
        return redirect(app_url("home.index"), 303)
    return redirect(app_url("setup.show", step=following), 303)


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
