"""Activity log: list, filters, search, pages, detail with redaction, Retry/Replay, lineage."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from bcapp.extensions import db
from bcapp.models import Binding, Connection, LogEntry
from bcapp.models.base import utcnow


@pytest.fixture
def app_config(tmp_path, redis_url):
    from tests.conftest import base_config

    return base_config(tmp_path, REDIS_URL=redis_url, RQ_QUEUE_PREFIX=f"t{uuid.uuid4().hex[:8]}-")


def entry(store, **kw):
    values = {
        "store_id": store.id, "direction": "bc_to_erp", "entity": "order", "outcome": "created",
        "flow": "orders", **kw,
    }  # fmt: skip
    row = LogEntry(**values)
    db.session.add(row)
    db.session.commit()
    return row


def test_list_shows_direction_ids_admin_link_and_outcome(session, store):
    entry(store, bc_id="101", erp_id="60000001", message="Order 101 exported")
    page = session.get("/app/activity").text
    assert "BigCommerce → ERP" in page and "60000001" in page and "Order 101 exported" in page
    assert 'href="https://store-storea.mybigcommerce.com/manage/orders/101"' in page
    assert "/app/lineage/order/101" in page


def test_admin_base_can_be_configured(app, session, store):
    app.config["BC_ADMIN_URL"] = "https://admin.example/{hash}/manage"
    entry(store, bc_id="7", entity="product")
    assert (
        "https://admin.example/storea/manage/products/edit/7" in session.get("/app/activity").text
    )


def test_filters_and_search(session, store):
    entry(store, bc_id="1", outcome="failed", message="AFAS: debtor blocked")
    entry(store, bc_id="2", direction="erp_to_bc", entity="product", erp_id="A-1")
    entry(store, bc_id="3", created_at=utcnow() - timedelta(days=3))

    def ids(**args):
        text = session.get("/app/activity", query_string=args).text
        labels = {"1": "Order #1<", "2": "Product A-1<", "3": "Order #3<"}  # record labels
        return {i for i, label in labels.items() if label in text}

    assert ids() == {"1", "2", "3"}
    assert ids(outcome="failed") == {"1"}
    assert ids(direction="erp_to_bc") == {"2"}
    assert ids(entity="order") == {"1", "3"}
    assert ids(q="A-1") == {"2"}
    assert ids(q="debtor") == {"1"}
    assert ids(date_to=(utcnow() - timedelta(days=2)).date().isoformat()) == {"3"}
    assert ids(date_from=(utcnow() - timedelta(days=1)).date().isoformat()) == {"1", "2"}


def test_htmx_filter_answers_just_the_table(session, store):
    entry(store, bc_id="1")
    r = session.get("/app/activity", headers={"HX-Request": "true", "HX-Target": "log"})
    assert r.text.lstrip().startswith('<section id="log"') and "<html" not in r.text


def test_pagination(session, store):
    for i in range(55):
        entry(store, bc_id=str(1000 + i))
    first = session.get("/app/activity").text
    assert "Order #1054<" in first and "Order #1004<" not in first and "Older" in first
    second = session.get("/app/activity", query_string={"page": 2}).text
    assert "Order #1004<" in second and "Order #1054<" not in second and "Newer" in second


def test_detail_shows_request_answer_and_hides_secrets(session, store):
    row = entry(
        store, bc_id="5", outcome="failed", message="Profit: Artikel X bestaat niet",
        request={"FbSales": {"Element": {"Fields": {"DbId": "10001"}}}, "token": "s3cret-token"},
        response={"externalMessage": "Artikel X bestaat niet", "profitLogReference": "abc"},
    )  # fmt: skip
    page = session.get(f"/app/activity/{row.id}").text
    assert "Artikel X bestaat niet" in page and "FbSales" in page and "profitLogReference" in page
    assert "s3cret-token" not in page
    assert ">Retry<" in page and ">Replay<" in page


def test_retry_and_replay_enqueue_through_the_job_layer(session, store, afas):
    db.session.add(Connection(store_id=store.id, kind="afas", settings={}, secrets={}))
    db.session.commit()
    row = entry(store, bc_id="77", outcome="failed", request={"order": 77})

    r = session.htmx_post(f"/app/activity/{row.id}/retry")
    assert r.status_code == 202, r.text
    assert "Retry queued as run #" in r.text
    r = session.htmx_post(f"/app/activity/{row.id}/replay")
    assert r.status_code == 202 and "Replay queued as run #" in r.text

    from bcapp.models import SyncRun

    runs = db.session.execute(db.select(SyncRun).order_by(SyncRun.id)).scalars().all()
    assert [(r.flow, r.status, r.trigger) for r in runs] == [
        ("retry", "queued", "retry"),
        ("replay", "queued", "replay"),
    ]


def test_replay_without_stored_request_is_explained(session, store):
    row = entry(store, bc_id="78", outcome="failed")
    r = session.htmx_post(f"/app/activity/{row.id}/replay")
    assert r.status_code == 409 and "no stored request" in r.text


def test_lineage_follows_an_order_to_erp_order_shipments_and_credit_notes(session, store):
    conn = Connection(store_id=store.id, kind="afas", settings={}, secrets={})
    db.session.add(conn)
    db.session.flush()
    db.session.add(Binding(connection_id=conn.id, entity="order", bc_id="500", erp_id="60000009"))
    db.session.add(Binding(connection_id=conn.id, entity="shipment", bc_id="500:3", erp_id="PS-1"))
    db.session.commit()
    entry(store, bc_id="500", erp_id="60000009", message="exported")
    entry(store, bc_id="500:3", erp_id="PS-1", entity="shipment", direction="erp_to_bc")
    entry(store, bc_id="9", erp_id="CN-4", entity="credit_note", details={"order_bc_id": "500"})
    entry(store, bc_id="501", message="another order")
    entry(store, bc_id="5000", message="not a prefix match")

    page = session.get("/app/lineage/order/500").text
    assert "60000009" in page and "PS-1" in page and "CN-4" in page
    assert "another order" not in page and "not a prefix match" not in page


def test_a_failure_fixed_later_says_so(session, store):
    failed = entry(store, bc_id="31", outcome="failed", message="AFAS down")
    assert "Synced since" not in session.get(f"/app/activity/{failed.id}").text
    entry(store, bc_id="32", outcome="created")  # another order
    entry(store, bc_id="31", outcome="created", erp_id="60000031", message="Exported")
    page = session.get(f"/app/activity/{failed.id}").text
    assert "Synced since" in page and "Exported" in page
