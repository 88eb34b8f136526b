"""Points 3 and 4 of issue 21: switching ERP starts clean and can be undone; saving tests the
credentials; missing or refused credentials show "Reconnect your ERP" and pause the flows."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from bcapp import netguard
from bcapp.extensions import db
from bcapp.jobs.schedule import tick
from bcapp.models import Binding, Connection, Cursor, RunStatus
from bcapp.sandbox.mplus.demo import DEMO_SETTINGS, demo_sandbox
from tests.orders.conftest import World


def afas_form(world: World, **over: Any) -> dict[str, Any]:
    values = {"kind": "afas", **world.afas.settings(), **over}
    return {k: v for k, v in values.items() if v is not None}


def mplus_form(**over: Any) -> dict[str, Any]:
    return {
        "kind": "mplus",
        **DEMO_SETTINGS,
        "port": "443",
        "base_url": "https://api.mpluskassa.nl:443/",
        **over,
    }


def current() -> Connection:
    return db.session.execute(
        db.select(Connection).where(Connection.store_id.is_not(None))
    ).scalar_one()


def test_switching_erp_asks_first_then_starts_clean_and_switching_back_resumes(
    world: World, owner: Any, app: Any
) -> None:
    import httpx

    afas = current()
    db.session.add(Binding(connection_id=afas.id, entity="product", bc_id="1", erp_id="A0020"))
    db.session.add(Cursor(connection_id=afas.id, flow="catalog", value='{"m": 1, "k": "A0020"}'))
    afas.check_message, afas.checked_at = "", afas.created_at  # "Last test: connected"
    db.session.commit()
    mplus = demo_sandbox()
    app.extensions["bcapp.erp_transport"] = httpx.WSGITransport(app=mplus)

    r = owner.htmx_post("/app/settings/connection", mplus_form())
    assert r.status_code == 409
    assert "Switch from AFAS Profit to MplusKASSA?" in r.text and "1 link" in r.text
    assert current().kind == "afas"  # nothing switched without the merchant's yes

    r = owner.htmx_post("/app/settings/connection", {**mplus_form(), "confirm_switch": "1"})
    assert r.status_code == 200 and "Settings saved." in r.text
    new = current()
    assert new.kind == "mplus" and new.id != afas.id
    page = owner.get("/app/settings").text
    assert "MplusKASSA" in page and "Last test" in page and "connected" in page
    parked = db.session.get(Connection, afas.id)
    assert parked.store_id is None and parked.parked_store_id == world.store.id
    assert parked.secrets is None and parked.checked_at is None  # old test result cleared
    # the new ERP never reads the old one's cursor or bindings
    run = world.run("catalog")
    assert "Not an Mplus sync marker" not in run.message and run.status == RunStatus.SUCCEEDED
    read_by_new = db.select(Binding).filter_by(connection_id=new.id, erp_id="A0020")
    assert db.session.execute(read_by_new).first() is None

    # switching back: confirm, enter the token again, and the old links resume
    app.extensions["bcapp.erp_transport"] = world.afas.transport()
    r = owner.htmx_post("/app/settings/connection", afas_form(world))
    assert r.status_code == 409 and "its own 1 link" in r.text
    owner.htmx_post("/app/settings/connection", {**afas_form(world), "confirm_switch": "1"})
    assert current().id == afas.id
    cursor = db.session.execute(db.select(Cursor).filter_by(connection_id=afas.id)).scalar_one()
    assert cursor.value == '{"m": 1, "k": "A0020"}'


def test_saving_tests_the_credentials_and_a_refusal_needs_save_anyway(
    world: World, owner: Any
) -> None:
    good = current().connector_settings()["token"]
    r = owner.htmx_post("/app/settings/connection", afas_form(world, token="wrong"))
    assert r.status_code == 422
    assert "Not saved: the connection test failed." in r.text and "Save anyway" in r.text
    assert current().connector_settings()["token"] == good  # the working token is kept

    r = owner.htmx_post(
        "/app/settings/connection", {**afas_form(world, token="wrong"), "save_anyway": "1"}
    )
    assert r.status_code == 200 and "Saved without a working connection" in r.text
    connection = current()
    assert connection.connector_settings()["token"] == "wrong"
    assert connection.refused_at is not None  # AFAS refused it: the flows pause

    # every page says so, the schedule skips the store, a run asked for is not run
    for url in ("/app", "/app/activity", "/app/settings/orders"):
        assert "Reconnect your ERP." in owner.get(url).text, url
    assert not [j for j in tick() if f"store-{world.store.id}-catalog" in j.id]
    assert world.run("catalog").status == RunStatus.CANCELLED

    r = owner.htmx_post("/app/settings/connection", afas_form(world, token=good))
    assert r.status_code == 200 and "Connected." in r.text
    assert current().refused_at is None and "Reconnect your ERP." not in owner.get("/app").text
    assert world.run("catalog").status == RunStatus.SUCCEEDED


def test_a_run_refused_by_the_erp_pauses_the_store_after_one_failure(
    world: World, owner: Any
) -> None:
    world.afas.token = "rotated-by-the-merchant"  # the saved token stops working
    first = world.run("catalog")
    assert first.status == RunStatus.FAILED and "refused" in first.message
    assert current().refused_at is not None
    assert world.run("catalog").status == RunStatus.CANCELLED  # no failing run per tick
    page = owner.get("/app").text
    assert "Reconnect your ERP." in page and "Needs attention" in page


def test_missing_credentials_after_a_reinstall_show_reconnect(world: World, owner: Any) -> None:
    connection = current()
    connection.secrets = None  # what an uninstall leaves
    db.session.commit()
    page = owner.get("/app").text
    assert "Reconnect your ERP." in page and "credentials are missing" in page
    run = world.run("catalog")
    assert run.status == RunStatus.CANCELLED and run.message.startswith("Reconnect your ERP")


def test_network_errors_are_said_in_plain_words(
    world: World, owner: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.extensions.pop("bcapp.erp_transport")
    r = owner.htmx_post(
        "/app/settings/connection/test", afas_form(world, base_url="localhost:5002/Profit")
    )
    assert "must be a web address starting with https://" in r.text  # refused before sending
    assert "UnsupportedProtocol" not in r.text
    monkeypatch.setattr(  # a vendor's name that does not resolve (here: no DNS at all)
        netguard.socket, "getaddrinfo", lambda *a, **k: (_ for _ in ()).throw(socket.gaierror(-2))
    )
    address = "https://99999.rest.afas.online/ProfitRestServices"
    r = owner.htmx_post("/app/settings/connection/test", afas_form(world, base_url=address))
    assert "Could not connect to 99999.rest.afas.online: no such host name" in r.text
    assert "unexpectedly" not in r.text and "Errno" not in r.text


def test_after_a_reinstall_the_wizard_goes_from_credentials_to_the_last_step(
    world: World, owner: Any
) -> None:
    connection = current()
    connection.secrets = None  # deleted by the uninstall
    world.store.setup_pending = True  # closed by the uninstall
    world.store.settings = {**world.store.settings, "setup": {"completed": True}}
    db.session.commit()
    page = owner.get("/app").text
    assert "Reconnect your ERP." in page and "/app/setup/erp" in page
    r = owner.htmx_post("/app/setup/erp", afas_form(world))
    assert r.status_code == 204 and "/app/setup/start" in r.headers["HX-Redirect"]
    assert current().connector_settings()["token"] == world.afas.token
