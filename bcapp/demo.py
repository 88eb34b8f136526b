"""The demo: the app on embedded defaults beside the BigCommerce sandbox.

Runs on SQLite and an embedded Redis, with generated keys in the instance
folder. The app is served on ``http://localhost:PORT`` and the sandbox (API,
login service and control panel) on ``http://127.0.0.1:PORT+1``: two origins,
so the control panel frames the app across origins the way BigCommerce does.
The app talks to the sandbox as its BigCommerce (``BC_LOGIN_URL``/``BC_API_URL``),
a background worker runs the app's jobs in-process, and a thread delivers the
sandbox's webhooks to the app. AFAS listens on PORT+2, MplusKASSA on PORT+3,
AccountView on PORT+4 and Exact Online on PORT+5 (the last two connect by signing in:
their sign-in pages are the sandboxes', which consent at once and call the app back).

The control panel's "Place a test order" uses products that came from the ERP
(so the first test order exports), with an option to add a SKU the ERP lacks.
While it runs, the demo leaves its settings in ``instance/demo.json``, so CLI
commands run from the same checkout work against its state (see :mod:`bcapp.cli`).
"""

from __future__ import annotations

import atexit
import json
import os
import threading
from pathlib import Path
from typing import Any

import click
from werkzeug.serving import make_server

from bcapp import create_app
from bcapp.config import ROOT, demo_state_path, settings_of

DEMO_CLIENT_ID = "bcapp-demo-client"
DEMO_CLIENT_SECRET = "bcapp-demo-secret-not-for-production"  # >= 32 bytes for HS256
DEMO_STORE = "demo1234"
DELIVERY_INTERVAL_S = 2.0


def sandbox_url(port: int) -> str:
    """Where the sandbox listens: the port after the app's, on 127.0.0.1."""
    return f"http://127.0.0.1:{port + 1}"


def erp_sandboxes(port: int) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Seeded ERP simulators for the demo: kind → (WSGI app, the settings that reach it).

    AFAS listens on PORT+2, MplusKASSA on PORT+3, AccountView on PORT+4 and Exact Online
    on PORT+5, so a visitor can connect any of them from the setup wizard and run real
    syncs without an ERP of their own.
    """
    from bcapp.sandbox.afas import AfasSandbox
    from bcapp.sandbox.mplus.demo import DEMO_SETTINGS, demo_sandbox

    afas = AfasSandbox(environment="12345")
    for index, code in enumerate(afas.seed(20, with_dimensions=3)):
        # stock where BigCommerce sells it: per size for the articles with dimensions
        for size in ("S", "M", "L") if index < 3 else ("",):
            afas.set_stock(code, "HOOFD", on_hand=25, reserved=3, dim1=size)
    afas_settings = {
        "environment": afas.environment,
        "environment_type": "test",
        "token": afas.token,
        "base_url": f"http://127.0.0.1:{port + 2}/ProfitRestServices",
    }
    mplus_settings = {
        **DEMO_SETTINGS,
        "port": port + 3,
        "base_url": f"http://127.0.0.1:{port + 3}/",
    }
    return {
        "afas": (afas.wsgi_app, afas_settings),
        "mplus": (demo_sandbox(), mplus_settings),
        "accountview": accountview_sandbox(port),
        "exact": exact_sandbox(port),
    }


def connect_callback(port: int, kind: str) -> str:
    """The app's sign-in callback for ``kind`` (bcapp.web.erp_oauth.callback_url)."""
    return f"http://localhost:{port}/app/connect/{kind}/callback"


def accountview_sandbox(port: int) -> tuple[Any, dict[str, Any]]:
    """AccountView.net on PORT+4: one company with 20 articles, its sign-in page is the
    sandbox's (it consents at once) and calls back to the app."""
    from bcapp.sandbox.accountview import AccountViewSandbox

    base = f"http://127.0.0.1:{port + 4}"
    sandbox = AccountViewSandbox(
        companies=(("DEMO", "Demo Webshop BV"), ("HOLD", "Demo Holding BV")),
        base_url=base,
        redirect_uris=(connect_callback(port, "accountview"),),
    )
    sandbox.seed(20)
    settings = {
        "client_id": sandbox.oauth.client_id,
        "client_secret": sandbox.oauth.client_secret,
        "base_url": base,
    }
    return sandbox.wsgi_app, settings


def exact_sandbox(port: int) -> tuple[Any, dict[str, Any]]:
    """Exact Online on PORT+5 (offered as the country site "demo"): two divisions, 25 items
    in the first; its consent page calls back to the app."""
    from bcapp.connectors.exact.settings import add_site
    from bcapp.sandbox.exact import ExactSandbox

    base = f"http://127.0.0.1:{port + 5}"
    sandbox = ExactSandbox(redirect_uri=connect_callback(port, "exact"))
    sandbox.division().seed_items(25)
    add_site("demo", base, f"demo sandbox ({base.split('://', 1)[1]})")
    settings = {
        "site": "demo",
        "client_id": sandbox.app.client_id,
        "client_secret": sandbox.app.client_secret,
        "redirect_uri": sandbox.app.redirect_uri,
        "webhook_secret": sandbox.app.webhook_secret,
    }
    return sandbox.wsgi_app, settings


def fresh_demo_database() -> str:
    """A new SQLite file for each demo run (the sandboxes keep their state in memory).

    A store left in the database from the previous run would hold a token the new
    BigCommerce sandbox never issued, so the demo always starts from an empty
    database (and an empty embedded Redis) unless DATABASE_URL says otherwise.
    """
    instance = ROOT / "instance"
    instance.mkdir(exist_ok=True)
    for name in ("demo.sqlite", "redis.db"):
        (instance / name).unlink(missing_ok=True)
    return os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'demo.sqlite'}"


def sandbox_hosts(port: int) -> str:
    """``ERP_ALLOWED_HOSTS`` for the demo: its ERP sandboxes on this machine (PORT+2 … PORT+5)."""
    return ",".join(f"127.0.0.1:{port + offset}" for offset in range(2, 6))


def demo_config(port: int, erp_settings: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """App settings for the demo: the sandbox is BigCommerce and may frame the app."""
    return {
        "DATABASE_URL": fresh_demo_database(),
        "DEMO_ERP_SETTINGS": erp_settings or {},
        "BCAPP_ENV": os.environ.get("BCAPP_ENV", "demo"),
        "BC_CLIENT_ID": os.environ.get("BC_CLIENT_ID", DEMO_CLIENT_ID),
        "BC_CLIENT_SECRET": os.environ.get("BC_CLIENT_SECRET", DEMO_CLIENT_SECRET),
        "APP_URL": f"http://localhost:{port}",
        "BC_LOGIN_URL": sandbox_url(port),
        "BC_API_URL": sandbox_url(port),
        "BC_ADMIN_URL": f"{sandbox_url(port)}/manage/store/{{hash}}",
        "FRAME_ANCESTORS": f"{sandbox_url(port)} http://localhost:{port + 1}",
        "ERP_ALLOWED_HOSTS": sandbox_hosts(port),
    }


def build_sandbox(
    *,
    app_url: str,
    client_id: str,
    client_secret: str,
    store_hash: str = DEMO_STORE,
    seed: bool = True,
) -> Any:
    """A real-time sandbox with one seeded store the user installs the app into."""
    from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock

    sandbox = BigCommerceSandbox(
        client_id,
        client_secret,
        clock=SandboxClock(speed=1.0),
        app_url=app_url,
        allow_http_hooks=True,
        timeout_delay=30.0,
    )
    store = sandbox.create_store(store_hash, plan="standard", installed=False)
    # As many merchants have it: a second storefront, and "Awaiting Shipment" renamed to
    # the label the order export moves exported orders to.
    store.add_storefront("Outlet")
    store.status_labels[9] = "Downloaded"
    if seed:
        sandbox.seed(store)
    return sandbox


def start_deliveries(sandbox: Any, interval: float = DELIVERY_INTERVAL_S) -> threading.Event:
    """Deliver due webhooks every ``interval`` seconds over real HTTP; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                sandbox.deliver_webhooks()
            except Exception as exc:  # a demo must keep running; say what happened
                click.echo(f"webhook delivery failed: {exc}", err=True)

    threading.Thread(target=loop, name="sandbox-webhooks", daemon=True).start()
    return stop


def upgrade_database(app: Any) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


def serve(app: Any, host: str, port: int) -> threading.Thread:
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread


def run_sandbox(
    host: str = "127.0.0.1",
    port: int = 5001,
    app_url: str = "http://localhost:5000",
    client_id: str = DEMO_CLIENT_ID,
    client_secret: str = DEMO_CLIENT_SECRET,
    store_hash: str = DEMO_STORE,
    seed: bool = True,
) -> None:
    """Serve the sandbox alone (``bcapp sandbox``); block until interrupted."""
    sandbox = build_sandbox(
        app_url=app_url,
        client_id=client_id,
        client_secret=client_secret,
        store_hash=store_hash,
        seed=seed,
    )
    start_deliveries(sandbox)
    click.echo(f"BigCommerce sandbox: http://{host}:{port}/manage/store/{store_hash}")
    serve(sandbox.wsgi_app, host, port).join()


def write_state(config: dict[str, Any], path: Path | None = None) -> Path:
    """Leave the demo's settings for CLI commands; removed again when the demo exits."""
    path = path or demo_state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"pid": os.getpid(), "config": config}, indent=2, default=str))
    atexit.register(lambda: path.unlink(missing_ok=True))
    return path


def run_demo(host: str = "127.0.0.1", port: int = 5000) -> None:
    """Start the app and the sandbox; print the control panel's URL; block until interrupted."""
    erps = erp_sandboxes(port)
    config = demo_config(port, {kind: settings for kind, (_, settings) in erps.items()})
    app = create_app(config)
    upgrade_database(app)
    state = write_state({**config, "INSTANCE_PATH": app.instance_path})
    for offset, (wsgi, _) in enumerate(erps.values(), start=2):
        serve(wsgi, host, port + offset)
    sandbox = build_sandbox(
        app_url=settings_of(app.config).app_url,
        client_id=settings_of(app.config).bc_client_id,
        client_secret=settings_of(app.config).bc_client_secret,
    )
    serve(app, "localhost" if host == "127.0.0.1" else host, port)
    from bcapp.jobs.worker import BackgroundWorker

    BackgroundWorker(app).start()  # installs enqueue webhook registration; flows run here
    start_deliveries(sandbox)
    click.echo(f"bcapp demo: open {sandbox_url(port)}/manage/store/{DEMO_STORE}")
    click.echo(
        "  (the setup wizard lists the demo ERP sandboxes' settings: AFAS, MplusKASSA, "
        "AccountView, Exact Online)"
    )
    click.echo(f"  CLI against this demo, from this checkout (it finds {state}):")
    click.echo(f"    bcapp sync catalog --store {DEMO_STORE}")
    click.echo(f"    bcapp reconcile --store {DEMO_STORE}")
    serve(sandbox.wsgi_app, host, port + 1).join()
