"""The queries behind the log, dashboard, alerts and retention on PostgreSQL (production's DB)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun
from bcapp.models.base import utcnow
from tests.web.conftest import make_store

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_config(tmp_path, fresh_pg_url):
    from tests.conftest import base_config

    return base_config(tmp_path, DATABASE_URL=fresh_pg_url)


def add(store, days_old=0, **kw):
    values = {"direction": "bc_to_erp", "entity": "order", "outcome": "created", **kw}
    db.session.add(
        LogEntry(store_id=store.id, created_at=utcnow() - timedelta(days=days_old), **values)
    )


def test_log_filters_chart_and_lineage_on_postgres(session, store):
    add(store, bc_id="1", erp_id="600", message="Exported as 600")
    add(store, bc_id="1:7", entity="shipment", erp_id="PS-7", direction="erp_to_bc")
    add(store, days_old=1, bc_id="2", outcome="failed", message="AFAS: Debiteur geblokkeerd")
    add(store, days_old=40, bc_id="3")
    db.session.commit()

    text = session.get("/app/activity", query_string={"q": "debiteur"}).text
    assert "Order #2<" in text and "Order #1<" not in text
    day = (utcnow() - timedelta(days=1)).date().isoformat()
    text = session.get("/app/activity", query_string={"date_from": day, "date_to": day}).text
    assert "Order #2<" in text and "Order #1<" not in text

    page = session.get("/app/dashboard/runs").text
    assert page  # renders on PostgreSQL

    from bcapp.web.dashboard import daily_counts

    chart = daily_counts(store.id)
    assert chart["exported"][-1] == 1 and chart["failed"][-2] == 1 and sum(chart["exported"]) == 1
    assert json.dumps(chart)

    lineage = session.get("/app/lineage/order/1").text
    assert "PS-7" in lineage and "Debiteur" not in lineage


def test_alerts_and_retention_on_postgres(app):
    from bcapp.alerts import collect, pending_count
    from bcapp.retention import purge_store

    store = make_store("pg")
    for days in (0, 10, 45):
        add(store, days_old=days, outcome="failed", bc_id=str(days), message="refused")
    for days in (50, 40):
        db.session.add(SyncRun(store_id=store.id, flow="catalog", status=RunStatus.SUCCEEDED,
                               created_at=utcnow() - timedelta(days=days)))  # fmt: skip
    db.session.commit()

    assert pending_count(store) == 3
    digest = collect(store)
    assert digest.entry_count == 3 and digest.last_entry_id == max(e.id for e in digest.entries)

    purged = purge_store(store)
    assert (purged.entries, purged.runs) == (1, 1)
    assert db.session.execute(db.select(db.func.count(SyncRun.id))).scalar() == 1
