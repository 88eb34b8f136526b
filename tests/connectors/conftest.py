"""The contract-suite registry: every ``factory_<kind>.py`` beside this file plugs an ERP in.

A factory module provides ``KIND`` and ``make(connector_ok=True) -> (connector, handle)``;
the handle drives the ERP's sandbox (see README.md). Discovery is by file name, so
adding an ERP never edits this file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

Factory = Callable[..., tuple[Any, Any]]


def _discover() -> dict[str, Factory]:
    found: dict[str, Factory] = {}
    for path in sorted(Path(__file__).parent.glob("factory_*.py")):
        module = importlib.import_module(f"tests.connectors.{path.stem}")
        found[getattr(module, "KIND", path.stem.removeprefix("factory_"))] = module.make
    return found


#: kind → make(connector_ok=True) -> (connector, sandbox handle)
CONTRACT_FACTORIES: dict[str, Factory] = _discover()


@pytest.fixture(params=sorted(CONTRACT_FACTORIES))
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def erp(kind: str) -> Iterator[tuple[Any, Any]]:
    """(connector with good credentials, sandbox handle) for one registered ERP."""
    connector, handle = CONTRACT_FACTORIES[kind](connector_ok=True)
    yield connector, handle
    connector.close()


@pytest.fixture
def erp_bad_credentials(kind: str) -> Iterator[tuple[Any, Any]]:
    connector, handle = CONTRACT_FACTORIES[kind](connector_ok=False)
    yield connector, handle
    connector.close()
