"""Login service (code exchange), install-flow targets, control panel, and the whole
lifecycle against the real app: install → token → load → uninstall."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock, SandboxStore
from bcapp.sandbox.bigcommerce.control_panel import install_url, load_url
from tests.sandbox_bc.conftest import CLIENT_ID, CLIENT_SECRET

APP = "https://app.example.com"


@pytest.fixture
def login(sb: BigCommerceSandbox):
    with httpx.Client(
        transport=httpx.WSGITransport(app=sb.wsgi_app), base_url="https://login.bigcommerce.com"
    ) as client:
        yield client


def exchange_body(sb: BigCommerceSandbox, store: SandboxStore, user_id: int = 1) -> dict:
    query = parse_qs(urlsplit(install_url(sb, store, user_id)).query)
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code": query["code"][0],
        "scope": query["scope"][0],
        "grant_type": "authorization_code",
        "redirect_uri": f"{APP}/bigcommerce/auth",
        "context": query["context"][0],
    }


def test_install_url_targets_the_auth_callback(sb: BigCommerceSandbox, store: SandboxStore) -> None:
    url = urlsplit(install_url(sb, store, 1))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{APP}/bigcommerce/auth"
    query = parse_qs(url.query)
    assert set(query) == {"code", "scope", "context", "account_uuid"}
    assert query["context"] == ["stores/abc123"] and "store_v2_orders" in query["scope"][0]


def test_load_url_carries_a_bigcommerce_jwt(sb: BigCommerceSandbox, store: SandboxStore) -> None:
    url = urlsplit(load_url(sb, store, 2))
    assert url.path == "/bigcommerce/load"
    token = parse_qs(url.query)["signed_payload_jwt"][0]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    claims = jwt.decode(token, CLIENT_SECRET, algorithms=["HS256"], audience=CLIENT_ID, issuer="bc")
    assert claims["iat"] == claims["nbf"] and claims["exp"] == claims["iat"] + 86400
    assert claims["sub"] == "stores/abc123" and claims["user"]["id"] == 2
    assert claims["owner"]["id"] == 1 and claims["channel_id"] is None and claims["jti"]


def test_exchange_json_and_form(
    sb: BigCommerceSandbox, store: SandboxStore, login: httpx.Client
) -> None:
    grant = login.post("/oauth2/token", json=exchange_body(sb, store))
    assert grant.status_code == 200
    data = grant.json()
    assert set(data) == {"access_token", "scope", "user", "owner", "context", "account_uuid"}
    assert data["context"] == "stores/abc123" and data["access_token"] == store.access_token
    form = login.post("/oauth2/token", data=exchange_body(sb, store, user_id=2))
    assert form.status_code == 200 and form.json()["user"]["id"] == 2


def test_exchange_refusals(
    sb: BigCommerceSandbox, store: SandboxStore, login: httpx.Client
) -> None:
    body = exchange_body(sb, store)
    for change, status, error in [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"code": "made-up"}, 400, "invalid_grant"),
        ({"redirect_uri": "https://evil.example.com/cb"}, 400, "invalid_grant"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ]:
        response = login.post("/oauth2/token", json={**body, **change})
        assert (response.status_code, response.json()["error"]) == (status, error)
    fresh = exchange_body(sb, store)
    wrong_store = login.post("/oauth2/token", json={**fresh, "context": "stores/zzz"})
    assert wrong_store.status_code == 400
    again = exchange_body(sb, store)
    assert login.post("/oauth2/token", json=again).status_code == 200
    assert login.post("/oauth2/token", json=again).json()["error"] == "invalid_grant"  # one use


def test_codes_expire_on_the_clock(
    sb: BigCommerceSandbox, store: SandboxStore, login: httpx.Client
) -> None:
    body = exchange_body(sb, store)
    sb.clock.advance(601)
    assert login.post("/oauth2/token", json=body).json()["error"] == "invalid_grant"


def test_reinstall_replaces_the_token(
    sb: BigCommerceSandbox, store: SandboxStore, login: httpx.Client, api: httpx.Client
) -> None:
    old = store.access_token
    new = login.post("/oauth2/token", json=exchange_body(sb, store)).json()["access_token"]
    assert new != old
    assert api.get("/v2/store", headers={"X-Auth-Token": old}).status_code == 401
    assert api.get("/v2/store", headers={"X-Auth-Token": new}).status_code == 200


def _panel(sb: BigCommerceSandbox) -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=sb.wsgi_app), base_url="http://127.0.0.1:5001"
    )


def _iframe_src(page: str) -> str:
    return html.unescape(re.search(r'<iframe id="app"[^>]* src="([^"]+)"', page).group(1))


def test_panel_pages(sb: BigCommerceSandbox, store: SandboxStore) -> None:
    sb.seed(store, products=4, customers=2, orders=3)
    with _panel(sb) as panel:
        assert "abc123" in panel.get("/manage/").text
        page = panel.get("/manage/store/abc123", params={"user": 2, "view": "install"}).text
        assert _iframe_src(page).startswith(f"{APP}/bigcommerce/auth?code=")
        assert "staff@abc123.example.com" in page
        opened = panel.get("/manage/store/abc123", params={"view": "load"}).text
        assert "/bigcommerce/load?signed_payload_jwt=" in _iframe_src(opened)
        assert "SKU-0002" in panel.get("/manage/store/abc123/products").text
        refused = panel.post("/manage/store/abc123/orders")  # no product from the ERP yet
        assert "No+product+from+your+ERP" in refused.headers["Location"] and len(store.orders) == 3
        # only seeded products (SKUs the ERP lacks): the "unknown SKU" test order
        placed = panel.post("/manage/store/abc123/orders", data={"unknown_sku": "1"})
        assert placed.status_code == 303
        assert len(store.orders) == 4 and store.events[-1]["scope"] == "store/order/created"
        order_id = max(store.orders)
        assert panel.post(f"/manage/store/abc123/orders/{order_id}/ship").status_code == 303
        assert store.orders[order_id]["status_id"] == 2
        created = panel.post("/manage/stores", data={"store_hash": "new1", "plan": "pro"})
        assert created.status_code == 303 and sb.stores["new1"].rate.quota == 450


def test_whole_lifecycle_against_the_app(tmp_path) -> None:
    from bcapp import create_app
    from bcapp.extensions import db
    from bcapp.models import Store, StoreUser
    from tests.conftest import CLIENT_ID as APP_ID
    from tests.conftest import CLIENT_SECRET as APP_SECRET
    from tests.conftest import base_config

    sb = BigCommerceSandbox(APP_ID, APP_SECRET, clock=SandboxClock(speed=0), app_url=APP)
    store = sb.create_store("life1", installed=False)
    app = create_app(base_config(tmp_path, APP_URL=APP))
    app.extensions["bcapp.login_transport"] = httpx.WSGITransport(app=sb.wsgi_app)
    sb.app_transport = httpx.WSGITransport(app=app)
    with app.app_context():
        db.create_all()
    browser = app.test_client()
    with _panel(sb) as panel:
        src = urlsplit(_iframe_src(panel.get("/manage/store/life1?view=install").text))
        assert browser.get(f"{src.path}?{src.query}").status_code == 200
        with app.app_context():
            saved = db.session.execute(db.select(Store)).scalar_one()
            assert saved.store_hash == "life1" and saved.access_token == store.access_token
        src = urlsplit(_iframe_src(panel.get("/manage/store/life1?view=load&user=2").text))
        assert browser.get(f"{src.path}?{src.query}").status_code == 200
        with app.app_context():
            assert {u.bc_user_id for u in db.session.execute(db.select(StoreUser)).scalars()} == {
                1,
                2,
            }
        assert panel.post("/manage/store/life1/remove-user?user=2").status_code == 303
        assert sb.callbacks[-1]["callback"] == "remove_user" and sb.callbacks[-1]["status"] == 204
        with app.app_context():
            assert {u.bc_user_id for u in db.session.execute(db.select(StoreUser)).scalars()} == {1}
        token = store.access_token
        assert panel.post("/manage/store/life1/uninstall").status_code == 303
    assert sb.callbacks[-1] == {
        "store_hash": "life1",
        "callback": "uninstall",
        "user_id": 1,
        "status": 204,
    }
    assert not store.installed and token not in store.tokens
    with app.app_context():
        assert not db.session.execute(db.select(Store)).scalar_one().is_installed
