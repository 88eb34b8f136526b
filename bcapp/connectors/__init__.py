"""ERP connectors: one package per ERP, registered by kind in ``CONNECTORS``.

The registry is filled lazily (:func:`registry`) so importing ``bcapp`` never
imports every ERP's client libraries.
"""

from __future__ import annotations

import importlib
from typing import Any

from bcapp.connectors.base import Capability, Connector

#: kind → "module:ClassName"; each ERP package adds its line here.
CONNECTOR_PATHS: dict[str, str] = {
    "afas": "bcapp.connectors.afas:AfasConnector",
    "mplus": "bcapp.connectors.mplus:MplusConnector",
}

CONNECTORS: dict[str, type[Connector]] = {}


def registry() -> dict[str, type[Connector]]:
    """Import and return every registered connector class, keyed by kind."""
    for kind, path in CONNECTOR_PATHS.items():
        if kind not in CONNECTORS:
            module, _, name = path.partition(":")
            CONNECTORS[kind] = getattr(importlib.import_module(module), name)
    return CONNECTORS


def make_connector(kind: str, settings: dict[str, Any], **kwargs: Any) -> Connector:
    """Build the connector of ``kind`` from decrypted settings.

    Without an injected ``transport`` (tests and the demo inject sandboxes) the
    connector talks through the outbound guard: the vendor's addresses only.
    """
    try:
        cls = registry()[kind]
    except KeyError:
        from bcapp.errors import ConfigError

        raise ConfigError(f"Unknown ERP type {kind!r}.") from None
    if kwargs.get("transport") is None:
        from bcapp.connectors.http import guarded_transport

        kwargs["transport"] = guarded_transport(kind)
    return cls(settings, **kwargs)  # type: ignore[call-arg]


__all__ = ["CONNECTORS", "CONNECTOR_PATHS", "Capability", "Connector", "make_connector", "registry"]
