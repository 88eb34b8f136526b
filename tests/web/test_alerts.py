"""Failure alerts: one digest per storm, by real SMTP (aiosmtpd) and to a real HTTP receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from bcapp.extensions import db
from bcapp.models import LogEntry, RunStatus, SyncRun
from tests.browser.conftest import free_port
from tests.web.conftest import make_store


class Sink:
    """Collects what the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp() -> Any:
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, sink
    controller.stop()


@pytest.fixture
def receiver() -> Any:
    bodies: list[dict] = []
    status = {"code": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            bodies.append(json.loads(self.rfile.read(length)))
            self.send_response(status["code"])
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", bodies, status
    server.shutdown()


@pytest.fixture
def alerting(app, smtp):
    controller, _ = smtp
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS="none")
    store = make_store("storm")
    store.settings = {"general": {"alert_email": "ops@example.com"}}
    db.session.commit()
    return store


def fail(store, n, message="AFAS: debtor 123 is blocked"):
    for i in range(n):
        db.session.add(
            LogEntry(store_id=store.id, direction="bc_to_erp", entity="order", bc_id=str(100 + i),
                     outcome="failed", message=message)
        )  # fmt: skip
    db.session.commit()


def test_a_storm_of_failures_sends_one_digest_by_email(alerting, smtp):
    from bcapp.alerts import flush_alerts, pending_count

    _, sink = smtp
    fail(alerting, 120)
    assert pending_count(alerting) == 120

    digest = flush_alerts(alerting)

    assert digest is not None and digest.total == 120
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert mail.rcpt_tos == ["ops@example.com"]
    text = mail.content.decode()
    assert "120 sync failures in store storm" in text
    assert "debtor 123 is blocked" in text and "and 95 more" in text
    assert pending_count(alerting) == 0


def test_nothing_more_is_sent_until_the_interval_passes(alerting, smtp, app):
    from bcapp.alerts import flush_alerts

    _, sink = smtp
    fail(alerting, 3)
    flush_alerts(alerting)
    fail(alerting, 2)
    assert flush_alerts(alerting) is None  # within ALERT_DIGEST_MINUTES
    app.config["ALERT_DIGEST_MINUTES"] = 0
    later = flush_alerts(alerting)
    assert later is not None and later.total == 2
    assert len(sink.messages) == 2


def test_failed_runs_are_in_the_digest_and_the_webhook_gets_json(alerting, receiver):
    from bcapp.alerts import flush_alerts

    url, bodies, _ = receiver
    alerting.settings = {"general": {"alert_webhook_url": url}}
    db.session.add(SyncRun(store_id=alerting.id, flow="orders", status=RunStatus.FAILED,
                           message="AFAS refused the token"))  # fmt: skip
    db.session.commit()
    fail(alerting, 1)

    flush_alerts(alerting)

    assert len(bodies) == 1
    body = bodies[0]
    assert body["failures"] == 2 and body["store_hash"] == "storm"
    assert body["failed_runs"][0]["message"] == "AFAS refused the token"
    assert body["failed_records"][0]["bc_id"] == "100"
    assert "Run orders failed" in body["text"]


def test_a_failing_receiver_keeps_the_failures_pending_for_the_next_tick(alerting, receiver):
    from bcapp.alerts import flush_all, pending_count

    url, bodies, status = receiver
    alerting.settings = {"general": {"alert_webhook_url": url}}
    db.session.commit()
    fail(alerting, 4)
    status["code"] = 503

    assert flush_all() == {"sent": 0, "errors": 1}
    assert pending_count(alerting) == 4

    status["code"] = 204
    assert flush_all() == {"sent": 1, "errors": 0}
    assert pending_count(alerting) == 0 and len(bodies) == 2


def test_without_a_channel_failures_are_marked_seen_silently(app, smtp):
    from bcapp.alerts import flush_alerts, pending_count

    store = make_store("quiet")
    fail(store, 5)
    assert flush_alerts(store) is None
    assert pending_count(store) == 0
    assert smtp[1].messages == []


def test_send_alerts_command(alerting, smtp):
    fail(alerting, 2)
    from flask import current_app

    result = current_app.test_cli_runner().invoke(args=["send-alerts"])
    assert result.exit_code == 0 and "sent 1 digests" in result.output
    assert len(smtp[1].messages) == 1
