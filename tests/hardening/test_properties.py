"""Property-based tests (issue 15.7): generated inputs never produce a 5xx, and what is
refused changes nothing stored.

For the webhook intake (signed and unsigned), the load and install callbacks, the
activity log's filters and every settings form (settings sections, the ERP connection
and its test, each setup-wizard step). Example counts come from the hypothesis profile
in ``tests/hardening/conftest.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bcapp.extensions import db
from bcapp.mapping.rules import DEFAULTS
from bcapp.models import Connection, Store, StoreUser, WebhookEvent
from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxClock
from bcapp.sync.context import BC_TRANSPORT
from tests.conftest import make_jwt
from tests.foundation.test_install import GRANT
from tests.hardening import both_databases
from tests.web.conftest import Session, make_store, open_app
from tests.webhooks.test_intake import SIGNER

pytestmark = pytest.mark.redis

# -- strategies -------------------------------------------------------------------------------

HOSTILE_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "💥",
    "<script>x</script>",
    "'; DROP TABLE x;--",
    "9" * 400,
    "-1",
    "1e999",
    "NaN",
    " ",
    "%00",
    "../../etc/passwd",
    "\u202e",
]
#: Text a URL or a form can carry (no lone surrogates: they cannot be sent).
texts = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_TEXT))
#: Text a JSON body can carry: escaped lone surrogates too.
texts_with_surrogates = st.one_of(
    texts, st.just("\ud800"), st.text(st.characters(codec=None), max_size=10)
)
numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, texts_with_surrogates)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(texts_with_surrogates, inner, max_size=4)
    ),
    max_leaves=12,
)
SCOPES = [
    "store/order/created",
    "store/order/updated",
    "store/app/uninstalled",
    "store/customer/created",
    "store/shipment/created",
    "store/cart/created",
]
scopes = st.one_of(st.sampled_from(SCOPES), texts)
ids = st.one_of(st.integers(min_value=0, max_value=10**6), numbers, texts, st.none(), json_values)
payloads = st.one_of(
    st.fixed_dictionaries(
        {
            "scope": scopes,
            "producer": st.one_of(st.just("stores/abc123"), texts),
            "data": st.one_of(st.fixed_dictionaries({"type": texts, "id": ids}), json_values),
            "created_at": st.one_of(st.integers(), numbers, texts),
        },
        optional={"hash": texts_with_surrogates, "store_id": texts, "extra": json_values},
    ),
    json_values,
)

#: Both databases, and a store with its webhooks (shared with the other hardening module).
app_config = both_databases.app_config
hooked_store = both_databases.hooked_store


def dumps(value: Any) -> str:
    return json.dumps(value)  # NaN and Infinity as Python writes them; surrogates escaped


def count(model: Any) -> int:
    db.session.expire_all()
    return db.session.execute(db.select(db.func.count(model.id))).scalar_one()


# -- the intake -------------------------------------------------------------------------------


def post_signed(client: Any, body: str | bytes, msg_id: str) -> Any:
    raw = body if isinstance(body, str) else body.decode("utf-8", "surrogateescape")
    now = datetime.now(UTC)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": SIGNER.sign(msg_id, now, raw),
        "X-Bcapp-Hook": "abc123.hook-secret",
        "Content-Type": "application/json",
    }
    return client.post(
        "/webhooks/bigcommerce", data=raw.encode("utf-8", "surrogatepass"), headers=headers
    )


@given(
    payload=payloads,
    msg=st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20),
)
def test_property_signed_deliveries_never_5xx_and_refusals_store_nothing(
    app, client, hooked_store, payload, msg
):
    before = count(WebhookEvent)
    r = post_signed(client, dumps(payload), f"msg_{msg}")
    assert r.status_code in (200, 400, 401), (r.status_code, r.text[:200])
    after = count(WebhookEvent)
    assert after == before if r.status_code != 200 else after - before in (0, 1)


HEADER_NAMES = [
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "X-Bcapp-Hook",
    "Content-Type",
]
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)


@given(
    body=st.binary(max_size=2000),
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), header_values, max_size=5),
)
def test_property_unsigned_junk_is_refused_and_stores_nothing(
    app, client, hooked_store, body, headers
):
    before = count(WebhookEvent)
    r = client.post("/webhooks/bigcommerce", data=body, headers=headers)
    assert r.status_code in (400, 401, 413), r.status_code
    assert count(WebhookEvent) == before


# -- the load and install callbacks ------------------------------------------------------------

people = st.one_of(
    st.fixed_dictionaries({"id": ids}, optional={"email": st.one_of(texts, numbers)}), json_values
)


@given(
    user=people,
    owner=st.one_of(st.none(), people),
    channel=st.one_of(st.none(), ids),
    sub=st.one_of(st.just("stores/abc123"), texts),
)
def test_property_signed_load_never_5xx_and_a_refusal_adds_no_user(
    app, client, hooked_store, user, owner, channel, sub
):
    before = count(StoreUser)
    token = make_jwt("abc123", user=user, owner=owner, channel_id=channel, sub=sub)
    r = client.get("/bigcommerce/load", query_string={"signed_payload_jwt": token})
    assert r.status_code in (200, 401), (r.status_code, r.text[:200])
    if r.status_code == 401:
        assert count(StoreUser) == before


@given(token=st.one_of(texts, st.binary(max_size=200).map(lambda b: b.hex())))
def test_property_junk_load_tokens_are_a_401(app, client, hooked_store, token):
    r = client.get("/bigcommerce/load", query_string={"signed_payload_jwt": token})
    assert r.status_code == 401


grants = st.one_of(
    st.just(GRANT),
    st.fixed_dictionaries(
        {
            "access_token": st.one_of(texts, numbers, st.none()),
            "user": people,
            "owner": people,
            "scope": st.one_of(texts, numbers),
            "context": st.one_of(st.just("stores/abc123"), texts),
        },
        optional={"account_uuid": st.one_of(texts, numbers)},
    ),
    json_values,
)


LOGIN_STATUSES = [200, 200, 400, 401, 500, 503]


@given(
    code=texts,
    context=st.one_of(st.just("stores/abc123"), texts),
    scope=texts,
    account=texts,
    answer=st.tuples(st.sampled_from(LOGIN_STATUSES), grants),
)
def test_property_install_never_5xx_but_for_bigcommerce_failing(
    app, client, code, context, scope, account, answer
):
    status, body = answer
    content = json.dumps(body).encode()  # escaped: the login service's bytes are valid JSON
    app.extensions["bcapp.login_transport"] = httpx.MockTransport(
        lambda request: httpx.Response(
            status, content=content, headers={"Content-Type": "application/json"}
        )
    )
    before = count(Store)
    query = {"code": code, "context": context, "scope": scope, "account_uuid": account}
    r = client.get("/bigcommerce/auth", query_string=query)
    upstream_failed = status >= 500 or (status == 200 and body is not GRANT)
    allowed = (200, 400, 502) if upstream_failed else (200, 400)
    assert r.status_code in allowed, (r.status_code, r.text[:300])
    if r.status_code != 200:
        assert count(Store) == before


# -- the activity log's filters ---------------------------------------------------------------

FILTER_KEYS = ["direction", "entity", "outcome", "date_from", "date_to", "q", "run", "page"]
filter_values = st.one_of(
    texts,
    st.integers().map(str),
    st.dates().map(str),
    st.sampled_from(["bc_to_erp", "failed", "9999-12-31", "0"]),
)


@given(query=st.dictionaries(st.sampled_from(FILTER_KEYS), filter_values, max_size=8))
def test_property_activity_filters_never_5xx(app, client, query):
    store = db.session.execute(
        db.select(Store).filter_by(store_hash="actprop")
    ).scalar_one_or_none()
    store = store or make_store("actprop")
    token = open_app(client, store.store_hash)
    r = client.get("/app/activity", query_string=query, headers={"X-Bcapp-Session": token})
    assert r.status_code in (200, 400), (r.status_code, query)


# -- every settings form ----------------------------------------------------------------------

#: Sections saved by a page of their own rather than /app/settings/<section>.
OWN_PAGES = {"drift": "/app/drift/tolerances"}
SETTINGS_FORMS = [OWN_PAGES.get(s, f"/app/settings/{s}") for s in DEFAULTS] + [
    "/app/settings/connection",
    "/app/settings/connection/test",
    *(
        f"/app/setup/{step}"
        for step in ("erp", "flows", "orders", "catalog", "mappings", "general")
    ),
]
FIELDS = sorted(
    {key for values in DEFAULTS.values() for key in values}
    | {
        "kind",
        "environment",
        "environment_type",
        "token",
        "base_url",
        "host",
        "port",
        "ident",
        "secret",
        "payment__from",
        "payment__to",
        "order_status__from",
        "order_status__to",
        "orders.unit",
        "connectors.products.connector",
        "stock_branches",
    }
)
form_values = st.one_of(
    texts,
    st.integers().map(str),
    st.sampled_from(
        [
            "afas",
            "mplus",
            "on",
            "true",
            "12345",
            "https://12345.rest.afas.online/ProfitRestServices",
            "http://169.254.169.254/",
            "1,2,3",
            "99999999999999999999",
        ]
    ),
)
forms = st.lists(st.tuples(st.sampled_from(FIELDS), form_values), max_size=14)


@pytest.fixture
def settings_session(app, client):
    from bcapp.connectors import CONNECTORS
    from bcapp.connectors.afas.connector import AfasConnector
    from bcapp.sandbox.afas import AfasSandbox

    store = make_store("formprop")
    sandbox = BigCommerceSandbox(clock=SandboxClock(speed=0))
    store.access_token = sandbox.create_store(store.store_hash).access_token
    db.session.commit()
    app.extensions[BC_TRANSPORT] = sandbox.transport()
    app.extensions["bcapp.erp_transport"] = AfasSandbox().transport()
    CONNECTORS.setdefault("afas", AfasConnector)
    return store, Session(client, open_app(client, store.store_hash))


def snapshot(store_id: int) -> tuple[Any, Any]:
    db.session.expire_all()
    store = db.session.get(Store, store_id)
    connection = db.session.execute(db.select(Connection).filter_by(store_id=store_id)).scalar()
    saved = (
        None if connection is None else (connection.kind, connection.settings, connection.secrets)
    )
    return json.dumps(store.settings, sort_keys=True, default=str), saved


@given(url=st.sampled_from(SETTINGS_FORMS), form=forms, htmx=st.booleans())
def test_property_settings_forms_never_5xx_and_refusals_change_nothing(
    app, settings_session, url, form, htmx
):
    store, session = settings_session
    before = snapshot(store.id)
    headers = {"HX-Request": "true"} if htmx else {}
    r = session.post(url, [(key, value) for key, value in form], headers=headers)
    assert r.status_code in (200, 303, 422), (r.status_code, url, form, r.text[:300])
    if r.status_code == 422:
        assert snapshot(store.id) == before, (url, form)
    STATUSES[url, r.status_code] = STATUSES.get((url, r.status_code), 0) + 1


#: What the settings-form property saw, by form and status (so a run that only ever got
#: refused, e.g. by a broken session, shows: see the test below).
STATUSES: dict[tuple[str, int], int] = {}


def test_the_settings_property_reached_saves_and_refusals():
    """Runs after the property (same module): both outcomes happened, for most forms."""
    if not STATUSES:
        pytest.skip("the property test did not run")
    assert {status for _, status in STATUSES} >= {200, 422}
