"""The app's landing page: the setup wizard's first step until an ERP is connected,
then the dashboard; the general settings (alerts, log retention) sit below both."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request

from bcapp.web import erp
from bcapp.web.session import store_required

bp = Blueprint("home", __name__)


def render_home(status: int = 200) -> Any:
    """What ``/app`` and the load callback show for ``g.store``."""
    from bcapp.web.access import others_may_edit
    from bcapp.web.settings import connection_context, stored_section
    from bcapp.web.setup import STEPS, next_step, setup_completed

    connection = erp.connection_of(g.store)
    context: dict[str, Any] = {}
    if connection is None:
        context = connection_context()
    else:
        from bcapp.web.dashboard import dashboard_context

        context = dashboard_context()
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
@store_required
def index() -> Any:
    return render_home()
