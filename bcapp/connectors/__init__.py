"""ERP connectors: one package per ERP, found by kind in ``CONNECTORS``.

Every subpackage of ``bcapp.connectors`` that exports ``CONNECTOR`` (its
:class:`~bcapp.connectors.base.Connector` class) is a connector: adding an ERP
means adding its package, nothing outside it. The registry is filled lazily
(:func:`registry`) so importing ``bcapp`` never imports every ERP's client
libraries; a package that fails to import is logged and left out, so one broken
ERP never takes the others down.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any

from bcapp.connectors.base import Capability, Connector
from bcapp.connectors.http import guarded_transport
from bcapp.errors import ConfigError

log = logging.getLogger(__name__)

#: kind → connector class: every discovered package's ``CONNECTOR`` (tests add their own).
CONNECTORS: dict[str, type[Connector]] = {}
#: Modules of this package that are not ERPs.
NOT_ERPS = frozenset({"base", "hooks", "http"})
_discovered = False


def discover() -> None:
    """Import every ERP package once and register its ``CONNECTOR`` by its ``kind``."""
    global _discovered
    if _discovered:
        return
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg or info.name in NOT_ERPS:
            continue
        try:
            module = importlib.import_module(f"{__name__}.{info.name}")
        except Exception:
            log.exception("the %s connector could not be imported", info.name)
            continue
        cls = getattr(module, "CONNECTOR", None)
        if cls is not None:
            CONNECTORS.setdefault(cls.kind, cls)
    _discovered = True


def registry() -> dict[str, type[Connector]]:
    """Every connector class, keyed by kind."""
    discover()
    return CONNECTORS


def connector_class(kind: str) -> type[Connector]:
    """The connector class of ``kind``; ConfigError (a sentence) for an unknown kind."""
    try:
        return registry()[kind]
    except KeyError:
        raise ConfigError(f"Unknown ERP type {kind!r}.") from None


def make_connector(kind: str, settings: dict[str, Any], **kwargs: Any) -> Connector:
    """Build the connector of ``kind`` from decrypted settings.

    Without an injected ``transport`` (tests and the demo inject sandboxes) the
    connector talks through the outbound guard: the vendor's addresses only.
    """
    cls = connector_class(kind)
    if kwargs.get("transport") is None:
        kwargs["transport"] = guarded_transport(kind)
    return cls(settings, **kwargs)  # type: ignore[call-arg]


__all__ = [
    "CONNECTORS",
    "Capability",
    "Connector",
    "connector_class",
    "discover",
    "make_connector",
    "registry",
]
