"""ERP connectors: one package per ERP, found by kind in ``CONNECTORS``.

Every subpackage of ``bcapp.connectors`` that exports ``CONNECTOR`` (its
:class:`~bcapp.connectors.base.Connector` class) is a connector: adding an ERP
means adding its package, nothing outside it. The registry is filled lazily
(:func:`registry`) so importing ``bcapp`` never imports every ERP's client
libraries, and a worker asks only for the kinds it runs (:func:`find` imports the
package of that name first: a worker of AFAS stores never loads Mplus's lxml, 6 MB
for the four ERPs); a package that fails to import is logged and left out, so one
broken ERP never takes the others down.
"""

from __future__ import annotations

import importlib
import importlib.util
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


def find(kind: str) -> type[Connector] | None:
    """The connector class of ``kind``, or None; the package named ``kind`` is tried before
    every package is imported (each ERP's package is named by its kind)."""
    cls = CONNECTORS.get(kind)
    if cls is not None or _discovered:
        return cls
    if kind.isidentifier() and kind not in NOT_ERPS and _has_package(kind):
        try:
            module = importlib.import_module(f"{__name__}.{kind}")
        except Exception:
            log.exception("the %s connector could not be imported", kind)
            return None
        found = getattr(module, "CONNECTOR", None)
        if found is not None:
            CONNECTORS.setdefault(found.kind, found)
        if kind in CONNECTORS:
            return CONNECTORS[kind]
    return registry().get(kind)


def _has_package(name: str) -> bool:
    spec = importlib.util.find_spec(f"{__name__}.{name}")
    return spec is not None and spec.submodule_search_locations is not None


def registry() -> dict[str, type[Connector]]:
    """Every connector class, keyed by kind."""
    discover()
    return CONNECTORS


def connector_class(kind: str) -> type[Connector]:
    """The connector class of ``kind``; ConfigError (a sentence) for an unknown kind."""
    cls = find(kind)
    if cls is None:
        raise ConfigError(f"Unknown ERP type {kind!r}.")
    return cls


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
