"""Outbound addresses are the vendor's (issue 15.2).

Before: ``POST /app/settings/connection/test`` with ``base_url=http://127.0.0.1:<port>/internal``
sent ``GET /internal/MetaInfo`` with the AFAS token to that host and showed its body under
"Your ERP said:"; saving accepted metadata, Redis, ``file://`` and ``gopher://`` addresses,
and workers then called them and logged the answers.
"""

from __future__ import annotations

import socket
import threading
from typing import Any

import httpx
import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bcapp import netguard
from bcapp.connectors import make_connector
from bcapp.connectors.afas.client import AfasClient
from bcapp.connectors.http import GUARDED, GuardedTransport
from bcapp.errors import ConfigError
from bcapp.extensions import db
from bcapp.models import Connection
from bcapp.netguard import AddressRefused, check_url, is_public, parse_allowed
from bcapp.sandbox.afas import AfasSandbox
from tests.web.conftest import Session, make_store, open_app

SECRET_PAGE = "TOP SECRET internal admin page"


class Internal:
    """A server on 127.0.0.1 that must never be reached: it counts every request."""

    def __init__(self, answer: Any = None) -> None:
        self.hits: list[str] = []

        @Request.application
        def app(request: Request) -> Response:
            self.hits.append(request.full_path)
            if answer is not None:
                return answer(request)
            return Response(SECRET_PAGE, status=500)

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def internal():
    server = Internal()
    yield server
    server.close()


@pytest.fixture
def session(client, app):
    store = make_store("ssrfstore")
    return Session(client, open_app(client, store.store_hash))


def afas_form(**over: Any) -> dict[str, Any]:
    sandbox = AfasSandbox()
    return {"kind": "afas", "environment": "12345", "environment_type": "production",
            "token": sandbox.token, **over}  # fmt: skip


HOSTILE = [
    "http://127.0.0.1:{port}/internal/admin",
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "https://evil.example.com/ProfitRestServices",
    "https://12345.rest.afas.online.evil.example.com/ProfitRestServices",
    "https://user:pw@12345.rest.afas.online/ProfitRestServices",
    "https://10.0.0.7/ProfitRestServices",
    "https://[::1]/ProfitRestServices",
]


def test_the_connection_test_never_calls_an_internal_address(session, internal):
    url = f"http://127.0.0.1:{internal.port}/internal/admin"
    r = session.htmx_post("/app/settings/connection/test", afas_form(base_url=url))
    assert r.status_code == 422
    assert "The AFAS address must start with https://" in r.text
    assert internal.hits == [] and SECRET_PAGE not in r.text


@pytest.mark.parametrize("template", HOSTILE)
def test_saving_an_address_outside_the_vendors_is_refused(session, internal, template):
    url = template.format(port=internal.port)
    r = session.post("/app/settings/connection", afas_form(base_url=url))
    assert r.status_code == 422
    assert "AFAS" in r.text or "web address" in r.text
    assert db.session.execute(db.select(Connection)).scalar_one_or_none() is None
    assert internal.hits == []


def test_mplus_host_and_address_are_checked_too(session, internal):
    form = {"kind": "mplus", "port": "34567", "ident": "i", "secret": "s",
            "base_url": f"http://127.0.0.1:{internal.port}/"}  # fmt: skip
    r = session.post("/app/settings/connection", form)
    assert r.status_code == 422 and "MplusKASSA" in r.text
    r = session.post(
        "/app/settings/connection", {**form, "base_url": "", "host": "169.254.169.254"}
    )
    assert r.status_code == 422 and "MplusKASSA" in r.text
    assert internal.hits == []


def test_the_vendors_own_address_is_saved(session):
    url = "https://12345.resttest.afas.online/ProfitRestServices"
    # no internet here: the test of the (valid) vendor address fails, "Save anyway" keeps it
    r = session.post("/app/settings/connection", afas_form(base_url=url, save_anyway="1"))
    assert r.status_code == 200, r.text
    assert db.session.execute(db.select(Connection)).scalar_one().settings["base_url"] == url


def test_the_operator_may_allow_a_test_server(app, session, internal):
    app.config["ERP_ALLOWED_HOSTS"] = f"127.0.0.1:{internal.port}"
    url = f"http://127.0.0.1:{internal.port}/ProfitRestServices"
    # the test server is no AFAS, so its connection test fails: "Save anyway" keeps the address
    r = session.post("/app/settings/connection", afas_form(base_url=url, save_anyway="1"))
    assert r.status_code == 200, r.text
    assert internal.hits  # the allowed address was connected to
    other_port = f"http://127.0.0.1:{internal.port + 1}/ProfitRestServices"
    refused = session.post(
        "/app/settings/connection", afas_form(base_url=other_port, save_anyway="1")
    )
    assert refused.status_code == 422 and "must start with https://" in refused.text


def test_an_address_saved_before_the_rules_is_refused_when_used(app, internal):
    settings = {"environment": "12345", "token": "t",
                "base_url": f"http://127.0.0.1:{internal.port}/internal"}  # fmt: skip
    with pytest.raises(ConfigError, match="must start with https:"):
        make_connector("afas", settings)
    assert internal.hits == []


def test_a_vendor_name_that_resolves_to_a_private_address_is_not_connected(app, monkeypatch):
    """DNS says 12345.rest.afas.online is 127.0.0.1 (rebinding, a poisoned resolver)."""
    calls = []

    def lying_dns(host, port, *args, **kwargs):
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(netguard.socket, "getaddrinfo", lying_dns)
    connector = make_connector("afas", {"environment": "12345", "token": "t"})
    with pytest.raises(AddressRefused, match="not a public internet address"):
        connector.check()
    assert calls == ["12345.rest.afas.online"]


@pytest.mark.parametrize("follow", [False, True])
def test_a_redirect_to_an_internal_address_is_not_followed(app, follow):
    target = Internal()
    bounce = Internal(lambda request: Response("", status=302, headers={
        "Location": f"http://127.0.0.1:{target.port}/latest/meta-data/"}))  # fmt: skip
    try:
        allowed = parse_allowed(f"127.0.0.1:{bounce.port}")
        transport = GuardedTransport("afas", allowed=allowed)
        with httpx.Client(transport=transport, follow_redirects=follow) as client:
            if follow:
                with pytest.raises(AddressRefused):
                    client.get(f"http://127.0.0.1:{bounce.port}/ProfitRestServices")
            else:
                assert client.get(f"http://127.0.0.1:{bounce.port}/x").status_code == 302
        assert bounce.hits and target.hits == []
    finally:
        target.close()
        bounce.close()


def test_an_erps_words_are_shown_only_from_the_vendors_address():
    def answer(request: httpx.Request) -> httpx.Response:  # as if it crossed the network
        return httpx.Response(
            500, json={"externalMessage": "Internal detail"}, extensions={GUARDED: ()}
        )

    for url, shown in (("https://12345.rest.afas.online/ProfitRestServices", True),
                       ("https://evil.example.com/ProfitRestServices", False)):  # fmt: skip
        client = AfasClient.connect(url, "t", transport=httpx.MockTransport(answer))
        with pytest.raises(Exception) as info:
            client.request("GET", "connectors/x")
        assert ("Internal detail" in info.value.message) is shown


def test_an_allowed_test_servers_words_are_shown_without_an_app_context():
    """A full scan reads pages in pool threads (no app context): the answer is judged by the
    allowance its transport checked the address against, not by the thread's context."""
    allowed = parse_allowed("127.0.0.1:5002")

    def answer(request: httpx.Request) -> httpx.Response:  # as if it crossed the network
        return httpx.Response(
            500, json={"externalMessage": "Profit says no"}, extensions={GUARDED: allowed}
        )

    client = AfasClient.connect(
        "http://127.0.0.1:5002/ProfitRestServices", "t", transport=httpx.MockTransport(answer)
    )
    with pytest.raises(Exception) as info:
        client.request("GET", "connectors/x")
    assert "Profit says no" in info.value.message


@pytest.mark.parametrize(
    ("address", "public"),
    [("8.8.8.8", True), ("2a00:1450:4001::200e", True), ("127.0.0.1", False),
     ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
     ("169.254.169.254", False), ("100.100.100.200", False), ("0.0.0.0", False),
     ("::1", False), ("fe80::1", False), ("fd00:ec2::254", False),
     ("::ffff:127.0.0.1", False), ("224.0.0.1", False), ("not-an-ip", False)],
)  # fmt: skip
def test_public_addresses(address, public):
    assert is_public(address) is public


def test_the_vendors_hosts_per_erp():
    check_url("afas", "https://98765.restaccept.afas.online/ProfitRestServices")
    check_url("mplus", "https://api.mpluskassa.nl:40123/")
    check_url("exact", "https://start.exactonline.de/api/v1")
    check_url("accountview", "https://www.accountview.net/api/v3")
    for kind, url in (("afas", "https://12345.rest.afas.online:8443/"),
                      ("afas", "http://12345.rest.afas.online/"),
                      ("mplus", "https://api.mpluskassa.nl.evil.test/"),
                      ("exact", "https://exactonline.nl.evil.test/"),
                      ("accountview", "https://accountview.net.evil.test/")):  # fmt: skip
        with pytest.raises(AddressRefused):
            check_url(kind, url)
    assert parse_allowed("127.0.0.1:8080, *.test.example [::1]") == (
        netguard.Allowed("127.0.0.1", 8080),
        netguard.Allowed("*.test.example", None),
        netguard.Allowed("::1", None),
    )
