"""Fixtures: an Mplus sandbox mounted into the real client/connector (no sockets).

Every request the client sends is validated by the sandbox against the WSDL's
schema; ``sandbox`` fails the test at teardown if any request was invalid.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bcapp.connectors.mplus import MplusConnector
from bcapp.connectors.mplus.client import MplusClient
from bcapp.sandbox.mplus import MplusSandbox, MplusState

URL = "https://api.mpluskassa.nl:34567/"


@pytest.fixture
def sandbox() -> Iterator[MplusSandbox]:
    app = MplusSandbox(MplusState(ident="shop-ident", secret="s3cr3t-value"), sleep=lambda s: None)
    yield app
    assert app.invalid_requests == [], "the client sent requests outside the WSDL"


@pytest.fixture
def state(sandbox: MplusSandbox) -> MplusState:
    return sandbox.state


@pytest.fixture
def settings() -> dict[str, Any]:
    return {"port": 34567, "ident": "shop-ident", "secret": "s3cr3t-value", "page_size": 2}


@pytest.fixture
def connector(sandbox: MplusSandbox, settings: dict[str, Any]) -> Iterator[MplusConnector]:
    conn = MplusConnector(settings, transport=httpx.WSGITransport(app=sandbox))
    yield conn
    conn.close()


@pytest.fixture
def client(sandbox: MplusSandbox) -> Iterator[MplusClient]:
    c = MplusClient(URL, "shop-ident", "s3cr3t-value", transport=httpx.WSGITransport(app=sandbox))
    yield c
    c.close()
