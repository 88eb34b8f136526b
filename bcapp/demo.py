"""The demo: the app on embedded defaults beside a control-panel stand-in.

Runs on SQLite and an embedded Redis, with generated keys in the instance
folder. The control panel is served from 127.0.0.1 and frames the app from
localhost, so the demo crosses origins the way BigCommerce does.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import click
from werkzeug.serving import make_server

DEMO_CLIENT_ID = "bcapp-demo-client"
DEMO_CLIENT_SECRET = "bcapp-demo-secret"


def demo_config(port: int) -> dict[str, Any]:
    return {
        "BCAPP_ENV": os.environ.get("BCAPP_ENV", "demo"),
        "BC_CLIENT_ID": os.environ.get("BC_CLIENT_ID", DEMO_CLIENT_ID),
        "BC_CLIENT_SECRET": os.environ.get("BC_CLIENT_SECRET", DEMO_CLIENT_SECRET),
        "APP_URL": f"http://localhost:{port}",
        "FRAME_ANCESTORS": f"http://127.0.0.1:{port + 1} http://localhost:{port + 1}",
    }


def upgrade_database(app: Any) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def serve(app: Any, host: str, port: int) -> threading.Thread:
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def run_demo(host: str = "127.0.0.1", port: int = 5000) -> None:
    """Start app and control panel; block until interrupted."""
    from bcapp import create_app
    from bcapp.sandbox.standin import create_control_panel

    app = create_app(demo_config(port))
    upgrade_database(app)
    panel = create_control_panel(
        app_url=f"http://localhost:{port}",
        client_id=app.config["BC_CLIENT_ID"],
        client_secret=app.config["BC_CLIENT_SECRET"],
        app=app,
    )
    serve(app, "localhost" if host == "127.0.0.1" else host, port)
    click.echo(f"bcapp demo: open the control panel at http://127.0.0.1:{port + 1}/")
    serve(panel, host, port + 1).join()
