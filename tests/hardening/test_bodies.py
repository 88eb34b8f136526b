"""Every request body is bounded while it is read, chunked included (issue 15.3).

Before: the intake's 256 KB limit was checked against Content-Length only: an unsigned
100 MB ``Transfer-Encoding: chunked`` POST was read whole (gunicorn workers +83 MB)
before its 401, and a signed 10 MB chunked delivery was stored as a 10 MB row.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import socket
import threading
import time
from datetime import UTC, datetime

import pytest
from werkzeug.test import EnvironBuilder

from bcapp.extensions import db
from bcapp.models import Store, WebhookEvent
from tests.conftest import base_config
from tests.hardening.stack import Stack, children, free_port
from tests.web.conftest import make_store, open_app
from tests.webhooks.test_intake import SIGNER

MB = 1024 * 1024


class Endless(io.RawIOBase):
    """A request body stream of ``size`` bytes that counts what was read of it."""

    def __init__(self, size: int, fill: bytes = b"x") -> None:
        self.size, self.fill, self.read_bytes = size, fill, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self.size - self.read_bytes)
        buffer[:n] = self.fill * n
        self.read_bytes += n
        return n


def call_chunked(app, path: str, stream: Endless, headers: dict[str, str] | None = None):
    """Call the app as gunicorn does for a chunked request: no length, a terminated stream."""
    environ = EnvironBuilder(path=path, method="POST", headers=headers or {}).get_environ()
    environ.pop("CONTENT_LENGTH", None)
    environ.update({"wsgi.input": stream, "wsgi.input_terminated": True,
                    "HTTP_TRANSFER_ENCODING": "chunked"})  # fmt: skip
    statuses: list[str] = []
    body = b"".join(app.wsgi_app(environ, lambda status, h, exc=None: statuses.append(status)))
    return int(statuses[0].split()[0]), body


@pytest.fixture
def store(app):
    s = Store(store_hash="abc123", access_token="tok", settings={}, webhook_secret="hook-secret")
    db.session.add(s)
    db.session.commit()
    return s


def signed_headers(body_prefix: bytes, msg_id: str = "msg_big") -> dict[str, str]:
    now = datetime.now(UTC)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": SIGNER.sign(msg_id, now, body_prefix.decode()),
            "X-Bcapp-Hook": "abc123.hook-secret", "Content-Type": "application/json"}  # fmt: skip


def test_the_intake_stops_reading_an_unsigned_chunked_body_at_its_limit(app, store):
    stream = Endless(100 * MB)
    status, _ = call_chunked(app, "/webhooks/bigcommerce", stream)
    assert status == 413
    assert stream.read_bytes <= 256 * 1024 + 64 * 1024  # not 100 MB


def test_a_signed_10_mb_chunked_delivery_is_refused_and_not_stored(app, store):
    body = json.dumps({"scope": "store/order/created", "producer": "stores/abc123",
                       "data": {"id": 1, "pad": "x" * (10 * MB)}}).encode()  # fmt: skip
    stream = Endless(len(body))
    stream.fill = b" "  # the stream's bytes differ from body; the intake refuses by size first
    status, _ = call_chunked(app, "/webhooks/bigcommerce", stream, signed_headers(body))
    assert status == 413
    assert stream.read_bytes < MB
    assert db.session.execute(db.select(WebhookEvent)).first() is None


def test_every_form_is_bounded_too(app, client):
    store = make_store("formstore")
    token = open_app(client, store.store_hash)
    stream = Endless(20 * MB, fill=b"a")
    headers = {"X-Bcapp-Session": token, "Content-Type": "application/x-www-form-urlencoded"}
    status, _ = call_chunked(app, "/app/settings/general", stream, headers)
    assert status == 413
    assert stream.read_bytes <= app.config["MAX_CONTENT_LENGTH"] + 64 * 1024
    db.session.expire_all()
    assert db.session.get(Store, store.id).settings == {}


def test_a_content_length_over_the_limit_is_refused_before_reading(client, store):
    r = client.post("/webhooks/bigcommerce", data=b"x" * (300 * 1024))
    assert r.status_code == 413


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as fh:
        return int(next(line for line in fh if line.startswith("VmRSS")).split()[1])


@pytest.mark.redis
@pytest.mark.slow
def test_gunicorn_answers_413_mid_stream_and_closes_the_connection(tmp_path, redis_url):
    """A real chunked request against gunicorn with the project's gunicorn.conf.py."""
    from bcapp import create_app

    config = base_config(tmp_path, BCAPP_ENV="development")
    with create_app(config).app_context():
        db.create_all()
    stack = Stack(config, tmp_path)
    port = free_port()
    try:
        web = stack.gunicorn(port, workers=1)
        warm = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        warm.request("POST", "/webhooks/bigcommerce", body=b"{}")  # the worker has booted
        assert warm.getresponse().status == 401
        warm.close()
        [worker] = children(web.pid)
        before = rss_kb(worker)
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        head = b"POST /webhooks/bigcommerce HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        head += b"Content-Type: application/json\r\n\r\n"
        sock.sendall(head)
        sent, chunk = 0, b"x" * 65536
        frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        answer = bytearray()

        def read() -> None:
            with contextlib.suppress(OSError):  # a reset once the server hangs up
                while data := sock.recv(65536):
                    answer.extend(data)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        with pytest.raises(OSError):  # the server hangs up on the rest of the 100 MB
            while sent < 100 * MB:
                sock.sendall(frame)
                sent += len(chunk)
                if answer:
                    time.sleep(0.2)  # the 413 is in: the server closes its side next
        reader.join(10)
        sock.close()
        assert answer.startswith(b"HTTP/1.1 413"), bytes(answer[:200])
        assert sent < 20 * MB, f"sent {sent / MB:.0f} MB before the server stopped reading"
        assert rss_kb(worker) - before < 20 * 1024, "the worker did not hold the body"
    finally:
        stack.stop()
