"""A new ERP gets the sign-in window, the budget card and webhook intake from its hooks alone.

``Ledger`` is a test-local ERP: a connector class carrying the three hooks of
:mod:`bcapp.connectors.hooks`, registered the way a package's ``CONNECTOR`` is (by its
kind in ``CONNECTORS``). Nothing in ``bcapp/web`` names it, so these tests show that the
web layer decides by the hooks only; an ERP without them is refused with 404.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from bcapp.connectors import CONNECTORS
from bcapp.connectors.base import Capability, Credentials, MemoryCredentials
from bcapp.connectors.hooks import (
    BudgetView,
    CallBudgetReport,
    ErpEvent,
    SignIn,
    SignInOption,
    WebhookRefused,
    WebhookVerifier,
)
from bcapp.errors import ConfigError
from bcapp.extensions import db
from bcapp.models import Connection, Store, WebhookEvent
from bcapp.sync.erp_webhooks import callback_token
from tests.web.conftest import Session

CALLBACK = "http://localhost/app/connect/ledger/callback"
WEBHOOK_SECRET = "ledger-webhook-secret"


class LedgerSignIn(SignIn["LedgerConnector"]):
    pick_title: ClassVar[str] = "Choose the Ledger book"
    pick_setting: ClassVar[str] = "book"

    def authorize_url(self, settings: Mapping[str, Any], redirect_uri: str, state: str) -> str:
        query = {"client_id": settings["client_id"], "redirect_uri": redirect_uri, "state": state}
        return "https://ledger.example/authorize?" + urlencode(query)

    def complete(self, connector: LedgerConnector, callback_url: str, state: str) -> None:
        query = parse_qs(urlsplit(callback_url).query)
        if query["state"] != [state]:
            raise ConfigError("The Ledger sign-in did not match.")
        with connector.credentials.locked():
            current = connector.credentials.read()
            connector.credentials.write({**current, "token": f"tok-{query['code'][0]}"})

    def options(self, connector: LedgerConnector) -> list[SignInOption]:
        return [SignInOption("B1", "Shop book"), SignInOption("B2", "Holding book", True)]

    def chosen(self, option: SignInOption) -> dict[str, Any]:
        return {"book": option.value, "book_name": option.label}

    def current_label(self, settings: Mapping[str, Any]) -> str:
        return str(settings.get("book_name") or "")

    def has_tokens(self, secrets: Mapping[str, Any]) -> bool:
        return bool(secrets.get("token"))


class LedgerBudget(CallBudgetReport):
    def snapshot(self, settings: Mapping[str, Any]) -> BudgetView | None:
        if not settings.get("book"):
            return None
        return BudgetView("Ledger", f"book {settings['book']}", None, None, None, None, None, None)


class LedgerWebhooks(WebhookVerifier):
    """Body: ``<hex HMAC-SHA256 of the JSON>|<JSON>``."""

    def verify(self, body: bytes, settings: Mapping[str, Any]) -> ErpEvent:
        signature, _, content = body.partition(b"|")
        expected = sign(content, str(settings.get("webhook_secret") or ""))
        if not hmac.compare_digest(expected, signature):
            raise WebhookRefused("signature does not match")
        data = json.loads(content)
        return ErpEvent(data["topic"], data["key"], None, content, payload=data)


class LedgerConnector:
    """Just enough of a connector for the connect step; the hooks are what matters."""

    kind: ClassVar[str] = "ledger"
    label: ClassVar[str] = "Ledger"
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    settings_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "client_id": {"type": "string"},
            "client_secret": {"type": "string", "writeOnly": True},
        },
    }
    rotating_credentials: ClassVar[bool] = True
    document_types: ClassVar[frozenset[Any]] = frozenset()
    order_features: ClassVar[frozenset[Any]] = frozenset()
    sign_in: ClassVar[SignIn[Any] | None] = LedgerSignIn()
    call_budget: ClassVar[CallBudgetReport | None] = LedgerBudget()
    webhooks: ClassVar[WebhookVerifier | None] = LedgerWebhooks()

    def __init__(
        self,
        settings: Mapping[str, Any],
        *,
        credentials: Credentials | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.settings = dict(settings)
        self.credentials = credentials or MemoryCredentials()

    def check(self) -> None:
        if not self.credentials.read().get("token"):
            raise ConfigError("Connect Ledger first.")

    def close(self) -> None:
        pass


def sign(content: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode(), content, hashlib.sha256).hexdigest().encode()


@pytest.fixture
def ledger(app: Any, store: Store, monkeypatch: pytest.MonkeyPatch) -> Connection:
    """The store's connection to Ledger, with its app registration saved."""
    monkeypatch.setitem(CONNECTORS, "ledger", LedgerConnector)
    app.extensions["bcapp.erp_transport"] = httpx.MockTransport(lambda r: httpx.Response(500))
    row = Connection(
        store_id=store.id,
        kind="ledger",
        settings={"client_id": "ledger-app"},
        secrets={"client_secret": "s3cret", "webhook_secret": WEBHOOK_SECRET},
    )
    db.session.add(row)
    db.session.commit()
    return row


def reload(row: Connection) -> Connection:
    db.session.expire_all()
    found = db.session.get(Connection, row.id)
    assert found is not None
    return found


def test_an_erp_with_a_sign_in_hook_is_connected_and_picked_through_the_app(
    ledger: Connection, session: Session, client: Any
) -> None:
    start = session.get("/app/connect/ledger/start")
    assert start.status_code == 303, start.text
    target = urlsplit(start.headers["Location"])
    assert target.netloc == "ledger.example"
    query = parse_qs(target.query)
    assert query["redirect_uri"] == [CALLBACK]

    done = client.get("/app/connect/ledger/callback",
                      query_string={"code": "abc", "state": query["state"][0]})  # fmt: skip
    assert done.status_code == 200, done.text
    assert "Ledger is connected" in done.text
    assert reload(ledger).secrets["token"] == "tok-abc"  # through the credentials hook

    picker = session.get("/app/connect/ledger/pick")
    assert picker.status_code == 200
    assert "Choose the Ledger book" in picker.text and "Holding book" in picker.text
    saved = session.post("/app/connect/ledger/pick", {"choice": "B1"})
    assert saved.status_code == 303, saved.text
    row = reload(ledger)
    assert (row.settings["book"], row.settings["book_name"]) == ("B1", "Shop book")
    assert row.checked_at is not None and row.check_message == ""  # its check() passed


def test_an_erp_with_a_budget_hook_gets_the_dashboard_card(
    ledger: Connection, session: Session
) -> None:
    row = reload(ledger)
    row.settings = {**row.settings, "book": "B1"}
    db.session.commit()
    page = session.get("/app/dashboard")
    assert page.status_code == 200
    assert "Ledger calls today" in page.text
    assert "No Ledger calls counted yet today (book B1)." in page.text


def test_an_erp_with_a_webhook_hook_gets_its_intake_route(
    ledger: Connection, client: Any, store: Store
) -> None:
    path = f"/webhooks/ledger/{callback_token(ledger.id)}"
    content = json.dumps({"topic": "Articles", "key": "A-1"}).encode()
    body = sign(content, WEBHOOK_SECRET) + b"|" + content

    assert client.post(path, data=body).status_code == 200
    assert client.post(path, data=body).status_code == 200  # the same delivery again
    forged = client.post(path, data=sign(content, "not-the-secret") + b"|" + content)
    assert forged.status_code == 401 and forged.json["error"] == "signature does not match"
    assert client.post(path + "0", data=body).status_code == 401  # not our token

    events = db.session.execute(db.select(WebhookEvent).filter_by(store_id=store.id)).scalars()
    [event] = list(events)
    assert (event.scope, event.resource_id) == ("ledger/Articles", "A-1")
    assert event.webhook_id == "ledger:" + hashlib.sha256(content).hexdigest()[:40]
    assert event.status == "ignored"  # the hook names no flow for this topic


@pytest.mark.parametrize(
    "path",
    [
        "/app/connect/afas/start",
        "/app/connect/afas/pick",
        "/app/connect/nonesuch/start",
    ],
)
def test_an_erp_without_a_sign_in_hook_has_no_connect_routes(
    afas: Any, session: Session, path: str
) -> None:
    assert session.get(path).status_code == 404


@pytest.mark.parametrize("kind", ["afas", "nonesuch"])
def test_an_erp_without_a_webhook_hook_has_no_intake_route(
    afas: Any, client: Any, kind: str
) -> None:
    assert client.post(f"/webhooks/{kind}/1.abc", data=b"{}").status_code == 404
