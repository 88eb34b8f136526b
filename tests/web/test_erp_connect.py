"""Connecting AccountView and Exact Online by signing in (issues 17 and 18, the merchant's side).

The merchant saves their app registration, presses "Connect …" (the vendor's sign-in in
a new window), comes back through the callback and picks the company or division. The
vendors are the sandboxes: their authorize pages redirect like the real ones, their
token endpoints trade codes for tokens. Forged, stale and replayed callbacks are refused;
a vendor's "no" is said in plain words.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from bcapp.connectors import CONNECTORS
from bcapp.connectors.accountview.connector import AccountViewConnector
from bcapp.connectors.exact.connector import ExactConnector
from bcapp.extensions import db
from bcapp.models import Connection
from bcapp.sandbox.accountview import AccountViewSandbox
from bcapp.sandbox.exact import ExactSandbox
from tests.web.conftest import Session

AV_CALLBACK = "http://localhost/app/connect/accountview/callback"
EXACT_CALLBACK = "http://localhost/app/connect/exact/callback"


@pytest.fixture
def av(app: Any, monkeypatch: pytest.MonkeyPatch) -> AccountViewSandbox:
    sandbox = AccountViewSandbox(
        companies=(("SHOP", "Webshop BV"), ("HOLD", "Holding BV")), redirect_uris=(AV_CALLBACK,)
    )
    sandbox.seed(3)
    monkeypatch.setitem(CONNECTORS, "accountview", AccountViewConnector)
    app.extensions["bcapp.erp_transport"] = sandbox.transport()
    return sandbox


@pytest.fixture
def exact(app: Any, monkeypatch: pytest.MonkeyPatch) -> ExactSandbox:
    sandbox = ExactSandbox(redirect_uri=EXACT_CALLBACK)
    monkeypatch.setitem(CONNECTORS, "exact", ExactConnector)
    app.extensions["bcapp.erp_transport"] = sandbox.transport()
    return sandbox


def save_registration(session: Session, form: dict[str, Any]) -> Any:
    page = session.post("/app/setup/erp", form)
    assert page.status_code == 303, page.text
    return page


def av_registration(session: Session, av: AccountViewSandbox) -> Any:
    form = {
        "kind": "accountview",
        "client_id": av.oauth.client_id,
        "client_secret": av.oauth.client_secret,
        "base_url": av.base_url,
    }
    return save_registration(session, form)


def sign_in(session: Session, kind: str, sandbox: Any, back: str = "setup") -> str:
    """Press "Connect …": the start route, then the vendor's authorize page; the callback URL."""
    start = session.get(f"/app/connect/{kind}/start", query_string={"back": back})
    assert start.status_code == 303, start.text
    with httpx.Client(transport=sandbox.transport()) as vendor:
        consent = vendor.get(start.headers["Location"])
    assert consent.status_code in (302, 303), consent.text
    return consent.headers["Location"]


def follow_callback(client: Any, url: str) -> Any:
    parts = urlsplit(url)
    return client.get(parts.path, query_string=parts.query)


def connection(store: Any) -> Connection:
    db.session.expire_all()
    return db.session.execute(db.select(Connection).filter_by(store_id=store.id)).scalar_one()


# -- the connect button --------------------------------------------------------------------


def test_saving_the_registration_offers_connect_in_a_new_window(av, session):
    page = av_registration(session, av)
    assert page.headers["Location"].startswith("/app/setup/erp")  # stays: nothing to test yet
    form = session.get("/app/setup/erp")
    assert "Connect AccountView" in form.text and "data-connect-popup" in form.text
    assert AV_CALLBACK in form.text  # the redirect URL to register with AccountView
    assert 'name="company_id"' not in form.text  # picked after the sign-in, not typed


def test_start_sends_the_window_to_the_vendor_with_a_state(av, session, store):
    av_registration(session, av)
    start = session.get("/app/connect/accountview/start")
    assert start.status_code == 303
    target = urlsplit(start.headers["Location"])
    assert target.path == "/ams/authorize.aspx"
    query = parse_qs(target.query)
    assert query["redirect_uri"] == [AV_CALLBACK] and query["state"][0]
    assert start.headers["Referrer-Policy"] == "no-referrer"


def test_start_without_a_registration_says_what_to_do(av, session):
    save_registration(session, {"kind": "accountview", "client_id": "", "client_secret": ""})
    start = session.get("/app/connect/accountview/start")
    assert start.status_code == 409
    assert "Save the client ID and secret of your AccountView app first" in start.text


# -- the callback --------------------------------------------------------------------------


def test_callback_stores_the_tokens_encrypted_and_hands_back_to_the_app(av, session, client, store):
    av_registration(session, av)
    done = follow_callback(client, sign_in(session, "accountview", av))
    assert done.status_code == 200, done.text
    assert "AccountView is connected" in done.text and "bcapp:erp-connect" in done.text
    row = connection(store)
    assert row.secrets["refresh_token"] and "refresh_token" not in (row.settings or {})
    raw = db.session.execute(db.text("select secrets from connections where id = :id"),
                             {"id": row.id}).scalar()  # fmt: skip
    assert row.secrets["refresh_token"] not in str(raw)  # encrypted at rest


def test_a_reused_state_is_refused(av, session, client):
    av_registration(session, av)
    callback = sign_in(session, "accountview", av)
    assert follow_callback(client, callback).status_code == 200
    again = follow_callback(client, callback)
    assert again.status_code == 400 and "used already" in again.text


def test_a_forged_state_is_refused(av, session, client, store):
    av_registration(session, av)
    callback = sign_in(session, "accountview", av)
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    forged = client.get(parts.path, query_string={"code": query["code"][0], "state": "x.y.z"})
    assert forged.status_code == 400 and "not started by this app" in forged.text
    assert not connection(store).secrets.get("refresh_token")


def test_an_expired_state_is_refused(av, session, client, monkeypatch):
    av_registration(session, av)
    callback = sign_in(session, "accountview", av)
    monkeypatch.setattr("bcapp.web.erp_oauth.STATE_MAX_AGE", -1)
    late = follow_callback(client, callback)
    assert late.status_code == 400 and "took too long" in late.text


def test_a_state_for_another_erp_is_refused(av, session, client):
    av_registration(session, av)
    parts = urlsplit(sign_in(session, "accountview", av))
    wrong = client.get("/app/connect/exact/callback", query_string=parts.query)
    assert wrong.status_code == 400 and "another ERP" in wrong.text


def test_the_vendors_refusal_is_shown_in_plain_words(av, session, client, store):
    av_registration(session, av)
    av.deny_next_authorization()
    done = follow_callback(client, sign_in(session, "accountview", av))
    assert "AccountView was not connected: access was declined" in done.text
    assert "Connect AccountView" in done.text
    assert not connection(store).secrets.get("refresh_token")


# -- the picker ----------------------------------------------------------------------------


def test_the_company_picked_is_saved_and_tested(av, session, client, store):
    av_registration(session, av)
    follow_callback(client, sign_in(session, "accountview", av))
    picker = session.get("/app/connect/accountview/pick", query_string={"back": "setup"})
    assert picker.status_code == 200
    assert "Webshop BV" in picker.text and "Holding BV" in picker.text
    holding = next(c for c in av.companies.values() if c.description == "Holding BV")
    chosen = session.post("/app/connect/accountview/pick",
                          {"choice": holding.id, "back": "setup"})  # fmt: skip
    assert chosen.status_code == 303 and "/app/setup/flows" in chosen.headers["Location"]
    row = connection(store)
    assert row.settings["company_id"] == holding.id
    assert row.settings["company_name"].startswith("Holding BV")
    assert row.checked_at is not None and row.check_message == ""
    shown = session.get("/app/settings")
    assert "Connected to AccountView" in shown.text and "Holding BV" in shown.text


def test_a_choice_not_offered_is_refused(av, session, client, store):
    av_registration(session, av)
    follow_callback(client, sign_in(session, "accountview", av))
    bad = session.post("/app/connect/accountview/pick", {"choice": "someone-else"})
    assert bad.status_code == 422 and "Choose one of the listed" in bad.text
    assert not connection(store).settings.get("company_id")


def test_exact_site_and_division_picker(exact, session, client, store):
    form = {
        "kind": "exact",
        "site": "be",
        "client_id": exact.app.client_id,
        "client_secret": exact.app.client_secret,
        "redirect_uri": EXACT_CALLBACK,
    }
    save_registration(session, form)
    start = session.get("/app/connect/exact/start")
    assert start.headers["Location"].startswith("https://start.exactonline.be/api/oauth2/auth?")
    done = follow_callback(client, sign_in(session, "exact", exact))
    assert "Exact Online is connected" in done.text
    assert connection(store).secrets["oauth"]["refresh_token"]
    picker = session.get("/app/connect/exact/pick")
    codes = [str(code) for code in exact.divisions]
    assert all(code in picker.text for code in codes)
    chosen = session.post("/app/connect/exact/pick", {"choice": codes[1], "back": "settings"})
    assert chosen.status_code == 303, chosen.text
    assert "/app/settings" in chosen.headers["Location"]
    assert connection(store).settings["division"] == int(codes[1])
    back = urlsplit(chosen.headers["Location"])
    shown = client.get(back.path, query_string=back.query)
    assert "Exact Online is connected." in shown.text
    assert f"Connected to Exact Online: <strong>administration {codes[1]}</strong>" in shown.text


def test_saving_the_settings_keeps_the_tokens(av, session, client, store):
    av_registration(session, av)
    follow_callback(client, sign_in(session, "accountview", av))
    session.get("/app/connect/accountview/pick")  # two companies: nothing chosen yet
    token = connection(store).secrets["refresh_token"]
    form = {"kind": "accountview", "client_id": av.oauth.client_id, "base_url": av.base_url,
            "save_anyway": "1"}  # fmt: skip
    session.post("/app/settings/connection", form)
    row = connection(store)
    assert row.secrets["refresh_token"] == token
    assert "refresh_token" not in row.settings and "access_token" not in row.settings


# -- the dashboard -------------------------------------------------------------------------


def connect_av(session: Session, client: Any, av: AccountViewSandbox, company: str) -> None:
    av_registration(session, av)
    follow_callback(client, sign_in(session, "accountview", av))
    chosen = next(c for c in av.companies.values() if c.description == company)
    picked = session.post("/app/connect/accountview/pick", {"choice": chosen.id})
    assert picked.status_code == 303, picked.text


def test_a_refused_refresh_shows_reconnect_accountview_and_reconnecting_resumes(
    av, session, client, store
):
    connect_av(session, client, av, "Webshop BV")
    av.revoke_refresh_tokens()
    av.expire_access_tokens()
    row = connection(store)
    row.secrets = {**row.secrets, "expires_at": 0}  # the stored access token is spent
    db.session.commit()
    form = {"kind": "accountview", "client_id": av.oauth.client_id, "base_url": av.base_url}
    tested = session.post("/app/settings/connection/test", form)
    assert "Reconnect AccountView" in tested.text
    assert connection(store).refused_at is not None  # flows paused

    dashboard = session.get("/app/dashboard")
    assert dashboard.status_code == 200
    assert "Reconnect AccountView</a>" in dashboard.text
    assert "/app/connect/accountview/start" in dashboard.text
    assert "data-connect-popup" in dashboard.text
    settings_page = session.get("/app/settings")
    assert "Reconnect AccountView" in settings_page.text

    follow_callback(client, sign_in(session, "accountview", av, back="settings"))
    webshop = next(c for c in av.companies.values() if c.description == "Webshop BV")
    again = session.post(
        "/app/connect/accountview/pick", {"choice": webshop.id, "back": "settings"}
    )
    assert again.status_code == 303 and "/app/settings" in again.headers["Location"]
    assert connection(store).refused_at is None  # flows resume
    assert "Reconnect AccountView" not in session.get("/app/dashboard").text


def test_the_dashboard_shows_exacts_calls_of_the_day(exact, session, client, store):
    form = {"kind": "exact", "site": "nl", "client_id": exact.app.client_id,
            "client_secret": exact.app.client_secret, "redirect_uri": EXACT_CALLBACK}  # fmt: skip
    save_registration(session, form)
    follow_callback(client, sign_in(session, "exact", exact))
    division = str(exact.current_division)
    assert session.post("/app/connect/exact/pick", {"choice": division}).status_code == 303
    used = exact.limits[exact.current_division].daily.used
    assert used > 0  # the connection test called Exact
    page = session.get("/app/dashboard")
    assert "Exact Online calls today" in page.text
    assert f"<strong>{used}</strong> of 5,000 calls used today" in page.text
    assert "1,000 kept for orders" in page.text


def test_exact_schedules_the_catalog_safety_net_every_two_hours(exact, session, store):
    from bcapp.jobs.schedule import interval_minutes
    from bcapp.models import Store
    from bcapp.sync.registry import FLOWS, load_flows

    form = {"kind": "exact", "site": "nl", "client_id": exact.app.client_id,
            "client_secret": exact.app.client_secret, "redirect_uri": EXACT_CALLBACK}  # fmt: skip
    save_registration(session, form)
    load_flows()
    db.session.expire_all()
    assert interval_minutes(db.session.get(Store, store.id), FLOWS["catalog"]) == 120
    page = session.get("/app/setup/general")
    assert 'id="catalog" name="catalog" type="number" value="120"' in page.text
    assert "Exact Online defaults" in page.text and "Catalog every 2 hours" in page.text


def test_a_merchants_own_catalog_interval_survives_choosing_exact(exact, session, store):
    from bcapp.models import Store

    session.post("/app/settings/schedules", {"catalog": "30"})
    form = {"kind": "exact", "site": "nl", "client_id": exact.app.client_id,
            "client_secret": exact.app.client_secret, "redirect_uri": EXACT_CALLBACK}  # fmt: skip
    save_registration(session, form)
    db.session.expire_all()
    assert db.session.get(Store, store.id).settings["schedules"]["catalog"] == 30


def test_reconnecting_exact_on_a_syncing_store_subscribes_its_webhooks_again(
    exact, session, client, store
):
    from bcapp.models import Store, SyncRun

    db.session.get(Store, store.id).setup_pending = False  # the store is syncing
    db.session.commit()
    form = {"kind": "exact", "site": "nl", "client_id": exact.app.client_id,
            "client_secret": exact.app.client_secret, "redirect_uri": EXACT_CALLBACK}  # fmt: skip
    save_registration(session, form)
    follow_callback(client, sign_in(session, "exact", exact, back="settings"))
    division = str(exact.current_division)
    session.post("/app/connect/exact/pick", {"choice": division, "back": "settings"})
    runs = db.session.execute(db.select(SyncRun).filter_by(store_id=store.id)).scalars()
    assert "erp_webhooks" in {r.flow for r in runs}


def test_syncing_cannot_start_before_the_sign_in(av, session, store):
    av_registration(session, av)
    started = session.post("/app/setup/start")
    assert started.status_code == 409 and "Connect AccountView first" in started.text
    db.session.expire_all()
    from bcapp.models import Store

    assert "setup" not in (db.session.get(Store, store.id).settings or {})  # not confirmed


def test_the_app_window_can_ask_how_the_sign_in_went(av, session, client):
    """Without window.opener (a vendor page may cut it) the app's window polls its ticket."""
    av_registration(session, av)
    ticket = "a1b2c3d4e5f60718"
    waiting = session.get("/app/connect/accountview/status", query_string={"ticket": ticket})
    assert waiting.json == {"result": "waiting"}
    start = session.get("/app/connect/accountview/start", query_string={"ticket": ticket})
    with httpx.Client(transport=av.transport()) as vendor:
        consent = vendor.get(start.headers["Location"])
    follow_callback(client, consent.headers["Location"])
    done = session.get("/app/connect/accountview/status", query_string={"ticket": ticket})
    assert done.json["result"] == "connected"

    av.deny_next_authorization()
    other = "ffeeddccbbaa9988"
    start = session.get("/app/connect/accountview/start", query_string={"ticket": other})
    with httpx.Client(transport=av.transport()) as vendor:
        consent = vendor.get(start.headers["Location"])
    follow_callback(client, consent.headers["Location"])
    refused = session.get("/app/connect/accountview/status", query_string={"ticket": other})
    assert refused.json["result"] == "failed" and "declined" in refused.json["message"]


def test_saving_in_the_settings_says_to_connect_next(av, session):
    form = {"kind": "accountview", "client_id": av.oauth.client_id,
            "client_secret": av.oauth.client_secret, "base_url": av.base_url}  # fmt: skip
    saved = session.post("/app/settings/connection", form)
    assert saved.status_code == 200
    assert "connect AccountView with the button above" in saved.text
    assert "Connect AccountView</a>" in saved.text


def test_testing_before_the_sign_in_does_not_pause_anything(av, session, store):
    av_registration(session, av)
    form = {"kind": "accountview", "client_id": av.oauth.client_id, "base_url": av.base_url}
    tested = session.post("/app/settings/connection/test", form)
    assert "Connect AccountView first" in tested.text
    assert connection(store).refused_at is None
    assert av.requests == []  # AccountView was not called
