"""Bad input never yields a 500 (issue 15.6), on SQLite and PostgreSQL.

Before: ``GET /app/activity`` with ``run=2147483648``, ``page=9223372036854775807``,
``page=10**20`` or ``date_to=9999-12-31``; signed webhook bodies 100,000 levels deep
(RecursionError), with ``\\u0000`` in a string (PostgreSQL refused it), a NUL in
``producer``, ``data`` as a list; a correctly signed load JWT whose ``user.id`` is
"abc", null or 10**30: each was a 500.
"""

from __future__ import annotations

import json
import math

import pytest

from bcapp.extensions import db
from bcapp.models import StoreUser, WebhookEvent
from tests.conftest import make_jwt
from tests.hardening import both_databases
from tests.web.conftest import make_store, open_app
from tests.webhooks.test_intake import deliver, payload

#: Both databases, and a store with its webhooks (shared with the other hardening module).
app_config = both_databases.app_config
hooked_store = both_databases.hooked_store


def stored() -> int:
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count(WebhookEvent.id))).scalar_one()


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"run": "2147483648"}, 400),
        ({"run": "2147483647"}, 200),
        ({"page": "9223372036854775807"}, 400),
        ({"page": str(10**20)}, 400),
        ({"page": "1" * 500}, 400),
        ({"page": "-5"}, 200),
        ({"page": "abc"}, 200),
        ({"date_to": "9999-12-31"}, 400),
        ({"date_from": "0001-01-01"}, 400),
        ({"date_to": "9998-12-31", "date_from": "1900-01-01"}, 200),
        ({"date_to": "2026-02-30"}, 200),
        ({"q": "a\x00b", "entity": "\x00"}, 200),
    ],
)
def test_activity_filters_out_of_range_are_a_400_not_a_500(app, client, query, status):
    store = make_store("actstore")
    token = open_app(client, store.store_hash)
    r = client.get("/app/activity", query_string=query, headers={"X-Bcapp-Session": token})
    assert r.status_code == status, r.text[:300]


def test_a_lineage_with_a_nul_in_the_order_id_is_not_a_500(app, client):
    store = make_store("linstore")
    token = open_app(client, store.store_hash)
    r = client.get("/app/lineage/order/12%0034", headers={"X-Bcapp-Session": token})
    assert r.status_code == 200


def deep(levels: int) -> str:
    return (
        '{"scope":"store/order/created","producer":"stores/abc123","data":{"id":1,"x":'
        + ("[" * levels + "]" * levels)
        + "}}"
    )


HOSTILE = {
    "100,000 levels deep": deep(100_000),
    "33 levels deep": deep(33),
    "a NUL in a string": json.dumps({**payload(), "hash": "a\u0000b"}),
    "a NUL in a key": json.dumps({**payload(), "ke\u0000y": 1}),
    "a NUL in producer": json.dumps({**payload(), "producer": "stores/abc123\u0000"}),
    "data as a list on uninstall": json.dumps(
        {**payload(scope="store/app/uninstalled"), "data": [1, 2]}
    ),
    "data as a list": json.dumps({**payload(), "data": [1]}),
    "a lone surrogate": json.dumps({**payload(), "hash": "\ud800"}),
    "NaN": json.dumps({**payload(), "created_at": math.nan}),
    "Infinity by size": json.dumps(payload()).replace(
        '"created_at": ', '"created_at": 1e999, "x": '
    ),
    "an object for an id": json.dumps({**payload(), "data": {"type": "order", "id": {"a": 1}}}),
    "an id past 64 bits": json.dumps({**payload(), "data": {"type": "order", "id": 2**64}}),
    "a string for the body": json.dumps("store/order/created"),
    "not UTF-8": b'{"scope": "\xff"}',
    "a scope with a NUL": json.dumps({**payload(), "scope": "store/order\u0000"}),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_json_in_a_signed_delivery_is_a_400_and_stores_nothing(
    app, client, hooked_store, name
):
    body = HOSTILE[name]
    r = deliver(client, body.decode("latin-1") if isinstance(body, bytes) else body)
    assert r.status_code == 400, (name, r.status_code, r.text[:200])
    assert stored() == 0


def test_a_webhook_id_with_control_characters_is_refused(app, client, hooked_store):
    r = deliver(client, payload(), webhook_id="msg\u0001x")
    assert r.status_code == 400 and stored() == 0


@pytest.mark.parametrize(
    "user",
    [{"id": "abc"}, {"id": None}, {"id": 10**30}, {"id": -1}, {"id": True}, {"id": 1.5},
     {"id": 5, "email": 7}, {"id": 5, "email": "a\u0000@b"}, "not an object"],
)  # fmt: skip
def test_a_signed_load_jwt_with_a_malformed_user_is_a_401(app, client, user):
    store = make_store("jwtstore")
    users_before = db.session.execute(db.select(db.func.count(StoreUser.id))).scalar_one()
    token = make_jwt(store.store_hash, user=user)
    r = client.get("/bigcommerce/load", query_string={"signed_payload_jwt": token})
    assert r.status_code == 401, r.text[:300]
    db.session.expire_all()
    assert db.session.execute(db.select(db.func.count(StoreUser.id))).scalar_one() == users_before


@pytest.mark.parametrize("claims", [{"owner": {"id": "x"}}, {"channel_id": "abc"},
                                    {"channel_id": 10**30}])  # fmt: skip
def test_other_malformed_claims_are_a_401(app, client, claims):
    store = make_store("jwtstore2")
    token = make_jwt(store.store_hash, **claims)
    r = client.get("/bigcommerce/load", query_string={"signed_payload_jwt": token})
    assert r.status_code == 401
