"""Multi-user and isolation: every user of a store gets in; nobody reaches another store's data
by editing ids in URLs or forms (404, never the other store's data)."""

from __future__ import annotations

import pytest

from bcapp.extensions import db
from bcapp.models import Binding, Connection, LogEntry, RunStatus, Store, SyncRun
from tests.web.conftest import Session, make_store, open_app

SECRET_B = "store-b-only-message"


@pytest.fixture
def two_stores(app, client):
    a, b = make_store("storea"), make_store("storeb")
    b.settings = {"general": {"alert_email": "b@b.test", "log_retention_days": 99}}
    conn_b = Connection(store_id=b.id, kind="afas", settings={}, secrets={"token": "B-TOKEN"})
    db.session.add(conn_b)
    db.session.flush()
    run_b = SyncRun(store_id=b.id, flow="orders", status=RunStatus.RUNNING, message=SECRET_B)
    db.session.add(run_b)
    db.session.flush()
    entry_b = LogEntry(store_id=b.id, run_id=run_b.id, direction="bc_to_erp", entity="order",
                       bc_id="900", erp_id="B-ERP-1", outcome="failed", message=SECRET_B,
                       request={"order": 900})  # fmt: skip
    db.session.add(entry_b)
    db.session.add(Binding(connection_id=conn_b.id, entity="order", bc_id="900", erp_id="B-ERP-1"))
    db.session.commit()
    return a, b, run_b, entry_b


def test_second_user_of_a_store_gets_in(app, client):
    store = make_store("shared")
    token = open_app(client, "shared", user_id=42)  # not the owner; added on first load
    assert Session(client, token).get("/app").status_code == 200
    assert {u.bc_user_id for u in db.session.get(Store, store.id).users} == {1, 42}


def test_a_user_of_store_a_cannot_read_store_b(client, two_stores):
    _, _, run_b, entry_b = two_stores
    a = Session(client, open_app(client, "storea"))

    assert a.get(f"/app/activity/{entry_b.id}").status_code == 404
    for url in (
        "/app/activity",
        f"/app/activity?run={run_b.id}",
        f"/app/activity?q={entry_b.bc_id}",
        "/app/lineage/order/900",
        "/app/dashboard/runs",
        "/app/dashboard/dry-run",
        "/app",
        "/app/settings/general",
        "/app/settings/connection",
    ):
        r = a.get(url)
        assert r.status_code == 200, url
        assert SECRET_B not in r.text and "B-ERP-1" not in r.text and "b@b.test" not in r.text, url


def test_a_user_of_store_a_cannot_change_store_b(client, two_stores):
    _, b, _, entry_b = two_stores
    a = Session(client, open_app(client, "storea"))

    assert a.htmx_post(f"/app/activity/{entry_b.id}/retry").status_code == 404
    assert a.htmx_post(f"/app/activity/{entry_b.id}/replay").status_code == 404
    # a forged store id in the form is ignored: the session names the store
    r = a.post(
        "/app/settings/general",
        {"store_id": str(b.id), "store_hash": "storeb", "alert_email": "evil@a.test",
         "log_retention_days": "1"},
    )  # fmt: skip
    assert r.status_code == 200
    db.session.expire_all()
    assert db.session.get(Store, b.id).settings["general"]["alert_email"] == "b@b.test"
    assert db.session.execute(db.select(SyncRun).filter_by(flow="retry")).first() is None


def test_a_token_edited_to_name_store_b_is_refused(client, two_stores):
    import base64
    import json

    token = open_app(client, "storea")
    payload, rest = token.split(".", 1)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["s"] = two_stores[1].id
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    r = client.get("/app/activity", headers={"X-Bcapp-Session": f"{forged}.{rest}"})
    assert r.status_code == 401 and SECRET_B not in r.text
