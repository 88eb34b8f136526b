"""The app's landing page (``/app``, also ``/app/dashboard``): the setup wizard's first step
until an ERP is connected, then the dashboard; the general settings (alerts, log retention) sit
below both. It composes the dashboard, setup and settings modules, so it sits above them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request

from bcapp.web import erp
from bcapp.web.access import others_may_edit
from bcapp.web.dashboard import dashboard_context
from bcapp.web.erp_form import connection_context
from bcapp.web.session import store_required
from bcapp.web.settings import stored_section
from bcapp.web.setup import STEPS, next_step, setup_completed

bp = Blueprint("home", __name__)


def render_home(status: int = 200) -> Any:
    """What ``/app`` and the load callback show for ``g.store``."""
    connection = erp.connection_of(g.store)
    context = connection_context() if connection is None else dashboard_context()
    return (
        render_template(
            "home.html",
            store=g.store,
            user=g.user,
            steps=STEPS,
            setup_done=setup_completed(g.store),
            next_step=next_step(g.store),
            started=request.args.get("started", ""),
            others_may_edit=others_may_edit(g.store),
            general=stored_section("general"),
            general_errors={},
            active_section="dashboard",
            **context,
        ),
        status,
    )


@bp.get("/app")
@bp.get("/app/dashboard", endpoint="dashboard")
@store_required
def index() -> Any:
    return render_home()
