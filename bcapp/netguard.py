"""Outbound addresses are the vendor's: which hosts an ERP connection may talk to.

A merchant types their ERP's address into the settings; a worker then sends the
ERP's credentials there and shows its answers in the activity log. So an address
must be the vendor's own:

* **https on the vendor's domains**, per connector kind (:data:`VENDOR_HOSTS`): AFAS
  ``{environment}.rest|resttest|restaccept.afas.online`` (port 443), MplusKASSA
  ``api.mpluskassa.nl`` (any port: Mplus gives each installation its own),
  AccountView ``*.accountview.net`` and Exact Online ``start.exactonline.<tld>``. A new
  ERP adds its line, or calls :func:`register_vendor` from its package;
* **unless the operator allows a host** with ``ERP_ALLOWED_HOSTS`` (a self-hosted test
  server, the demo's sandboxes): ``host``, ``host:port`` or ``*.domain``, comma
  separated; those may use http and private addresses;
* **never a loopback, link-local, private, shared or metadata address**, checked again
  after DNS resolution, at connect time, on the address actually connected to (a
  name that resolves to ``169.254.169.254`` is refused; DNS rebinding gains nothing):
  see ``GuardedTransport`` in :mod:`bcapp.connectors.http`. Redirects are never
  followed, and only http(s) is ever spoken.

Saving such an address is refused with a sentence naming the field's rule
(:func:`form_check`, through the settings schema's ``x-erp-address`` keyword), and a
connector refuses it again when it is built (:func:`check_url`), for addresses saved
before these rules.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_app_context

from bcapp.errors import ConfigError

SCHEMES = ("http", "https")


@dataclass(frozen=True)
class HostRule:
    """Hosts (a full regular-expression match) and ports (None: any) of one vendor."""

    pattern: str
    ports: frozenset[int] | None
    example: str

    def matches(self, host: str, port: int) -> bool:
        ok_port = self.ports is None or port in self.ports
        return ok_port and re.fullmatch(self.pattern, host) is not None


#: Connector kind → the vendor's hosts. The extension point for the next ERPs.
VENDOR_HOSTS: dict[str, tuple[HostRule, ...]] = {
    "afas": (
        HostRule(
            r"[0-9]{1,10}\.(?:rest|resttest|restaccept)\.afas\.online",
            frozenset({443}),
            "https://12345.rest.afas.online/ProfitRestServices",
        ),
    ),
    "mplus": (HostRule(r"api\.mpluskassa\.nl", None, "https://api.mpluskassa.nl:<port>/"),),
    "accountview": (
        HostRule(
            r"(?:[a-z0-9-]+\.)+accountview\.net",
            frozenset({443}),
            "https://www.accountview.net/api/v3",
        ),
    ),
    "exact": (
        HostRule(
            r"start\.exactonline\.(?:[a-z]{2,3}|co\.uk)",
            frozenset({443}),
            "https://start.exactonline.nl",
        ),
    ),
}


def register_vendor(kind: str, *rules: HostRule) -> None:
    """Declare the hosts of a connector kind (call it from the ERP's package)."""
    VENDOR_HOSTS[kind] = tuple(rules)


class AddressRefused(ConfigError):
    """An ERP address outside the vendor's hosts, or one that reaches a private network."""


@dataclass(frozen=True)
class Allowed:
    """One ``ERP_ALLOWED_HOSTS`` entry."""

    host: str
    port: int | None

    def matches(self, host: str, port: int) -> bool:
        if self.port is not None and self.port != port:
            return False
        if self.host.startswith("*."):
            return host.endswith(self.host[1:]) and host != self.host[2:]
        return host == self.host


def parse_allowed(value: str | Iterable[str] | None) -> tuple[Allowed, ...]:
    """``"127.0.0.1:8080, *.test.example, [::1]"`` → entries (junk entries are ignored)."""
    items = re.split(r"[,\s]+", value) if isinstance(value, str) else list(value or ())
    entries = []
    for item in (i.strip().lower() for i in items):
        if not item:
            continue
        try:
            parts = urlsplit(f"//{item}")
            host, port = parts.hostname, parts.port
        except ValueError:
            continue
        if host:
            entries.append(Allowed(host, port))
    return tuple(entries)


def allowed_hosts(config: Mapping[str, Any] | None = None) -> tuple[Allowed, ...]:
    """The operator's ``ERP_ALLOWED_HOSTS`` (none outside an app)."""
    if config is None:
        if not has_app_context():
            return ()
        config = current_app.config
    return parse_allowed(config.get("ERP_ALLOWED_HOSTS", ""))


def is_allowed(host: str, port: int, allowed: Iterable[Allowed] | None = None) -> bool:
    """True when the operator allowed ``host:port``."""
    entries = allowed_hosts() if allowed is None else allowed
    return any(entry.matches(host.lower(), port) for entry in entries)


def is_vendor(kind: str | None, host: str, port: int) -> bool:
    """True when ``host:port`` is one of the vendor's (any vendor's when ``kind`` is None)."""
    kinds = VENDOR_HOSTS if kind is None else {kind: VENDOR_HOSTS.get(kind, ())}
    return any(rule.matches(host.lower(), port) for rules in kinds.values() for rule in rules)


def is_public(address: str) -> bool:
    """False for loopback, link-local (metadata), private, shared, reserved and multicast."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified)


def _label(kind: str | None) -> str:
    return {"afas": "AFAS", "mplus": "MplusKASSA", "accountview": "AccountView",
            "exact": "Exact Online"}.get(kind or "", "your ERP")  # fmt: skip


def _example(kind: str | None) -> str:
    rules = VENDOR_HOSTS.get(kind or "", ())
    return f" (for example {rules[0].example})" if rules else ""


def check_url(kind: str | None, url: str, *, allowed: Iterable[Allowed] | None = None) -> str:
    """``url`` if an ERP connection of ``kind`` may use it; else AddressRefused saying why."""
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:
        raise AddressRefused(f"{text[:100]!r} is not a web address.") from None
    if parts.scheme.lower() not in SCHEMES or not host:
        raise AddressRefused(
            f"The {_label(kind)} address must be a web address starting with https://"
            f"{_example(kind)}."
        )
    if parts.username is not None or parts.password is not None or "\\" in text:
        raise AddressRefused(f"The {_label(kind)} address must not carry a user name or password.")
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    if is_allowed(host, port, allowed):
        return text
    if parts.scheme.lower() != "https":
        raise AddressRefused(
            f"The {_label(kind)} address must start with https://{_example(kind)}."
        )
    if not is_vendor(kind, host, port):
        raise AddressRefused(
            f"{host}{'' if port == 443 else f':{port}'} is not an address of {_label(kind)}; "
            f"enter the address {_label(kind)} gave you{_example(kind)}. (An operator can allow "
            "another host with ERP_ALLOWED_HOSTS.)"
        )
    return text


def check_host(kind: str | None, host: str, port: int = 443) -> str:
    """``host`` if an ERP connection of ``kind`` may connect to it on ``port``."""
    name = str(host or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9.\-\[\]:]{1,253}", name):
        raise AddressRefused(f"{name[:100]!r} is not a host name.")
    bracketed = f"[{name}]" if ":" in name and not name.startswith("[") else name
    check_url(kind, f"https://{bracketed}:{int(port)}/")
    return name


def form_check(spec: Mapping[str, Any], value: Any) -> None:
    """The settings form's check of a field marked ``x-erp-address`` (a URL) or
    ``x-erp-host`` (a host name): ValueError with the sentence to show."""
    try:
        if spec.get("x-erp-address"):
            check_url(spec["x-erp-address"], str(value))
        elif spec.get("x-erp-host"):
            check_host(spec["x-erp-host"], str(value))
    except AddressRefused as exc:
        raise ValueError(exc.message) from None


def public_addresses(host: str, port: int) -> list[str]:
    """``host``'s addresses, each checked; AddressRefused if any is not public.

    Every answer must be public: a name that also resolves to a private address is
    refused rather than tried on its public one only.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"could not resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    refused = [a for a in addresses if not is_public(a)]
    if refused or not addresses:
        raise AddressRefused(
            f"The ERP address {host} leads to {', '.join(refused) or 'nothing'}, which is not a "
            "public internet address; bcapp does not connect there. (An operator can allow a "
            "host with ERP_ALLOWED_HOSTS.)"
        )
    return addresses
