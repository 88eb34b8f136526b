"""The merchant's Mplus settings: the JSON Schema the settings page renders, and a typed view.

The secret is marked ``writeOnly`` so it is stored encrypted and never echoed
to the browser. Defaults follow what Mplus integrations expect: orders are
booked by employee 999999 at branch 1, workplace 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bcapp.errors import ConfigError
from bcapp.netguard import check_host, check_url

WEB_EMPLOYEE = 999999
#: xsd:long, the type of Mplus article numbers.
MAX_ARTICLE_NUMBER = 2**63 - 1

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "MplusKASSA",
    "description": (
        "Connects to the MplusKASSA API of your installation. Product images are not sent "
        "to Mplus: Mplus does not support images through its API. Mplus article numbers "
        "are numeric only; a store SKU with letters gets a number from the range below."
    ),
    "required": ["port", "ident", "secret"],
    "properties": {
        "host": {
            "type": "string",
            "title": "API host",
            "default": "api.mpluskassa.nl",
            "x-erp-host": "mplus",  # bcapp.netguard: Mplus's own hosts only
        },
        "port": {
            "type": "integer",
            "title": "API port",
            "minimum": 1,
            "maximum": 65535,
            "description": "The port Mplus assigned to your installation.",
        },
        "base_url": {
            "type": "string",
            "title": "Base URL (advanced)",
            "format": "uri",
            "description": "Overrides host and port, e.g. for a test installation.",
            "x-erp-address": "mplus",
        },
        "ident": {"type": "string", "title": "API ident", "minLength": 1},
        "secret": {"type": "string", "title": "API secret", "writeOnly": True, "minLength": 1},
        "employee_number": {
            "type": "integer",
            "title": "Employee number for web orders",
            "default": WEB_EMPLOYEE,
            "description": "Mplus books every order on an employee; 999999 is the usual one.",
        },
        "branch_number": {"type": "integer", "title": "Branch (filiaal)", "default": 1},
        "workplace_number": {"type": "integer", "title": "Workplace (kassa)", "default": 1},
        "stock_branches": {
            "type": "array",
            "items": {"type": "integer"},
            "default": [],
            "title": "Branches whose stock counts",
            "description": "Empty means the branch above.",
        },
        "article_number_min": {
            "type": "integer",
            "title": "Article numbers for letter SKUs: from",
            "default": 9_000_000,
            "minimum": 1,
        },
        "article_number_max": {
            "type": "integer",
            "title": "Article numbers for letter SKUs: to",
            "default": 9_999_999,
            "minimum": 1,
        },
        "update_existing_articles": {
            "type": "boolean",
            "title": "Update existing articles in Mplus",
            "default": False,
            "description": (
                "Off: articles that already exist in Mplus keep what was entered there "
                "(descriptions enriched in Mplus are not overwritten). Images are never sent: "
                "Mplus does not support them."
            ),
        },
        "shipping_article_number": {
            "type": "integer",
            "title": "Article for shipping costs",
            "description": "Shipping costs become an order line with this Mplus article.",
        },
        "catalog_direction": {
            "type": "string",
            "title": "Products lead from",
            "default": "mplus",
            "enum": ["mplus", "store"],
        },
        "stock_direction": {
            "type": "string",
            "title": "Stock leads from",
            "default": "mplus",
            "enum": ["mplus", "store"],
        },
        "timezone": {
            "type": "string",
            "title": "Time zone of the till",
            "default": "Europe/Amsterdam",
        },
        "page_size": {
            "type": "integer",
            "default": 250,
            "minimum": 1,
            "maximum": 1000,
            "title": "Records per request",
        },
    },
}


@dataclass(frozen=True)
class MplusSettings:
    """Typed, validated settings (see :data:`SETTINGS_SCHEMA` for meanings)."""

    ident: str
    secret: str
    port: int | None = None
    host: str = "api.mpluskassa.nl"
    base_url: str = ""
    employee_number: int = WEB_EMPLOYEE
    branch_number: int = 1
    workplace_number: int = 1
    stock_branches: tuple[int, ...] = ()
    article_number_min: int = 9_000_000
    article_number_max: int = 9_999_999
    update_existing_articles: bool = False
    shipping_article_number: int | None = None
    catalog_direction: str = "mplus"
    stock_direction: str = "mplus"
    timezone: str = "Europe/Amsterdam"
    page_size: int = 250

    @property
    def article_range(self) -> range:
        """The inclusive article-number range for letter SKUs, as a range."""
        return range(self.article_number_min, self.article_number_max + 1)

    @property
    def branches(self) -> tuple[int, ...]:
        """Branches whose stock is read (the order branch when none are chosen)."""
        return self.stock_branches or (self.branch_number,)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> MplusSettings:
        """Validate merchant input; raise ConfigError with a sentence naming the field."""
        known = {
            k: v for k, v in values.items() if k in cls.__dataclass_fields__ and v not in (None, "")
        }
        for name in ("ident", "secret"):
            if not str(known.get(name, "")).strip():
                raise ConfigError(f"Enter the Mplus API {name}.")
        try:
            settings = cls(**{**known, **_ints(known)})
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"The Mplus settings are not valid: {exc}") from None
        settings._check_range()
        settings._check_address()
        return settings

    def _check_address(self) -> None:
        if self.base_url:
            check_url("mplus", self.base_url)
        else:
            check_host("mplus", self.host, self.port or 443)

    def _check_range(self) -> None:
        if not 0 < self.article_number_min <= self.article_number_max <= MAX_ARTICLE_NUMBER:
            raise ConfigError(
                "The article-number range for letter SKUs must run from a positive number "
                "up to a larger one."
            )


def _ints(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in (
        "port",
        "employee_number",
        "branch_number",
        "workplace_number",
        "article_number_min",
        "article_number_max",
        "shipping_article_number",
        "page_size",
    ):
        if name in values:
            out[name] = int(values[name])
    if "stock_branches" in values:
        out["stock_branches"] = tuple(int(b) for b in values["stock_branches"])
    if "update_existing_articles" in values:
        out["update_existing_articles"] = bool(values["update_existing_articles"])
    return out
