"""Point 11 of issue 21: the store owner (named by BigCommerce's load payload) decides whether
the store's other users may change credentials and settings, or only view."""

from __future__ import annotations

from typing import Any

from bcapp.extensions import db
from bcapp.models import LogEntry, StoreUser
from tests.orders.conftest import World

CHANGES = [
    ("/app/settings/stock", {"buffer": "2"}),
    ("/app/settings/connection", {"kind": "afas"}),
    ("/app/settings/connection/test", {"kind": "afas"}),
    ("/app/setup/flows", {"orders": "on"}),
    ("/app/setup/start", {}),
    ("/app/dashboard/run/catalog", {}),
    ("/app/dashboard/dry-run", {}),
    ("/app/dashboard/resync", {"confirm": "1"}),
    ("/app/dashboard/test-alert", {}),
    ("/app/activity/retry", {"run": "1"}),
]


def test_other_users_may_edit_until_the_owner_says_view_only(
    world: World, owner: Any, staff: Any
) -> None:
    user = db.session.execute(db.select(StoreUser).filter_by(bc_user_id=2)).scalar_one()
    assert not user.is_owner  # the load payload named user 1 as the owner
    assert staff.htmx_post("/app/settings/stock", {"buffer": "1"}).status_code == 200

    assert "What the store's other users may do" in owner.get("/app").text
    assert "What the store's other users may do" not in staff.get("/app").text
    assert staff.htmx_post("/app/settings/access", {"others": "view"}).status_code == 403
    r = owner.htmx_post("/app/settings/access", {"others": "view"})
    assert r.status_code == 200 and "Saved." in r.text

    for url, form in CHANGES:
        r = staff.htmx_post(url, form)
        assert r.status_code == 403, url
        assert "view the dashboard and the activity log only" in r.text
    page = staff.get("/app").text
    assert "(view only)" in page and "Sync catalog now" not in page
    assert staff.get("/app/activity").status_code == 200
    assert staff.get("/app/settings/stock").status_code == 200  # viewing is allowed
    assert ">Save<" not in staff.get("/app/settings/stock").text

    entry = LogEntry(store_id=world.store.id, direction="bc_to_erp", entity="order", bc_id="9",
                     outcome="failed", message="no")  # fmt: skip
    db.session.add(entry)
    db.session.commit()
    assert staff.htmx_post(f"/app/activity/{entry.id}/retry").status_code == 403
    assert ">Retry<" not in staff.get(f"/app/activity/{entry.id}").text
    assert ">Retry<" in owner.get(f"/app/activity/{entry.id}").text

    owner.htmx_post("/app/settings/access", {"others": "edit"})
    assert staff.htmx_post("/app/settings/stock", {"buffer": "3"}).status_code == 200
