"""Sentry: started only with SENTRY_DSN, reporting request and job errors without secrets."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from bcapp import create_app
from tests.conftest import CLIENT_SECRET, base_config

DSN = "https://public@sentry.example.test/42"


class FakeTransport:
    """Collects the envelopes sentry-sdk would send (no network)."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    def events(self) -> list[dict[str, Any]]:
        return [
            json.loads(item.payload.get_bytes())
            for envelope in self.envelopes
            for item in envelope.items
            if item.type == "event"
        ]


@pytest.fixture
def transport() -> Iterator[FakeTransport]:
    import sentry_sdk
    from sentry_sdk.transport import Transport

    fake = FakeTransport()

    class Collecting(Transport):
        def capture_envelope(self, envelope: Any) -> None:
            fake.envelopes.append(envelope)

    fake.cls = Collecting  # type: ignore[attr-defined]
    yield fake
    sentry_sdk.init(dsn=None)  # the rest of the test run reports nothing


def test_nothing_of_sentry_is_loaded_without_a_dsn(tmp_path: Any) -> None:
    script = textwrap.dedent(f"""
        import sys
        from bcapp import create_app
        app = create_app({base_config(tmp_path)!r})
        app.test_client().get("/healthz")
        print(sorted(m for m in sys.modules if m.startswith("sentry")))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=str(tmp_path.parent)).stdout  # fmt: skip
    assert out.strip() == "[]"


def test_a_request_error_reaches_sentry_scrubbed(tmp_path: Any, transport: Any) -> None:
    import sentry_sdk

    app = create_app(
        base_config(tmp_path, SENTRY_DSN=DSN, SENTRY_TRANSPORT=transport.cls({"dsn": DSN}))
    )

    def boom() -> str:
        raise RuntimeError(f"refused with {CLIENT_SECRET} for jan@example.com")

    app.add_url_rule("/boom", view_func=boom)
    app.testing = False  # let Flask report the error instead of raising it into the test
    # built at run time: the frames' source lines, which Sentry sends, must not hold them
    jwt, token, session = ("-".join(("eyJhbGciOi", p)) for p in ("jwt", "tok", "sess"))
    response = app.test_client().get(
        f"/boom?signed_payload_jwt={jwt}",
        headers={"Authorization": f"Bearer {token}", "X-Bcapp-Session": session},
    )
    assert response.status_code == 500
    sentry_sdk.flush()
    events = transport.events()
    assert len(events) == 1
    event = events[0]
    assert event["exception"]["values"][0]["type"] == "RuntimeError"
    assert event["environment"] == "test"
    sent = json.dumps(event)
    for leaked in (CLIENT_SECRET, "jan@example.com", jwt, token, session):
        assert leaked not in sent, sent[max(0, sent.find(leaked) - 200) : sent.find(leaked) + 50]
    assert "user" not in event


def test_a_job_error_reaches_sentry_with_the_rq_integration(
    tmp_path: Any, transport: Any, redis_url: str
) -> None:
    import sentry_sdk
    from rq import SimpleWorker

    from bcapp.jobs.queues import queue
    from tests.conftest import clear_redis

    app = create_app(
        base_config(tmp_path, SENTRY_DSN=DSN, SENTRY_TRANSPORT=transport.cls({"dsn": DSN}))
    )
    try:
        with app.app_context():
            q = queue("default")
            q.enqueue("tests.ops.test_errortracking.failing_job", "pat@example.com")
            SimpleWorker([q], connection=q.connection).work(burst=True)
        sentry_sdk.flush()
        events = transport.events()
        assert [e["exception"]["values"][-1]["type"] for e in events] == ["ValueError"]
        assert "rq-job" in events[0].get("contexts", {}) or "rq" in json.dumps(events[0])
        assert "pat@example.com" not in json.dumps(events[0])
    finally:
        clear_redis(app)


def failing_job(email: str) -> None:
    """A job that fails with personal data in its message."""
    raise ValueError(f"could not export the order of {email}")
