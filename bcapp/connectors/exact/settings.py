"""The merchant's Exact Online settings: the JSON Schema the settings page renders, typed.

Secrets (the app's client secret and webhook secret, and the OAuth tokens the
connect step stores under ``oauth``) are ``writeOnly``: stored encrypted, never
echoed to the browser. ``oauth`` and ``division`` are filled by the connect
step (``x-managed``), not typed by the merchant.

Defaults suit a Dutch webshop on Exact's standard setup: country site ``nl``,
the division the connected user works in, sales orders (not invoices), the
item's own VAT code unless the order settings map a tax class, and stock as
``CurrentStock`` minus ``PlanningOut`` (what open sales orders will take).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bcapp.connectors.exact.oauth import SITES
from bcapp.errors import ConfigError

#: Where the OAuth tokens live inside the connection's secrets (one encrypted object).
TOKENS_KEY = "oauth"
ORDER_TYPES = ("sales_order", "sales_invoice")
ON_HAND_FIELDS = ("CurrentStock", "FreeStock", "ProjectedStock")
RESERVED_FIELDS = ("PlanningOut", "ReservedStock", "")

SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Exact Online",
    "description": (
        "Connects to one Exact Online administration (division). Connect from the settings "
        "page: Exact asks you to log in and allow the app; the app then keeps its access "
        "renewed. Exact allows 5,000 calls a day per administration; the app keeps a share "
        "of them for orders."
    ),
    # The app registration may come from the deployment (the connect step fills it in), so
    # nothing is required on the form; ExactSettings.parse says what is missing.
    "required": ["site"],
    "properties": {
        "site": {
            "type": "string",
            "title": "Exact Online country",
            "enum": list(SITES),
            "x-enumNames": [SITES[k].removeprefix("https://") for k in SITES],
            "default": "nl",
            "description": "The Exact site your administration lives on.",
        },
        "division": {
            "type": "integer",
            "title": "Administration (division)",
            "default": 0,
            "minimum": 0,
            "x-managed": True,
            "description": "Chosen when you connect; 0 means the one you last worked in.",
        },
        "client_id": {"type": "string", "title": "App client ID", "minLength": 1},
        "client_secret": {
            "type": "string",
            "title": "App client secret",
            "writeOnly": True,
            "minLength": 1,
        },
        "redirect_uri": {
            "type": "string",
            "title": "App redirect URL",
            "format": "uri",
            "description": "As registered in Exact's app centre; webhooks use its domain.",
        },
        "webhook_secret": {
            "type": "string",
            "title": "App webhook secret",
            "writeOnly": True,
            "description": "From Exact's app centre: proves a callback comes from Exact.",
        },
        TOKENS_KEY: {
            "type": "object",
            "title": "Exact Online authorisation",
            "writeOnly": True,
            "x-managed": True,
            "description": "Stored by the connect step; never typed in.",
        },
        "warehouse": {
            "type": "string",
            "title": "Warehouse for orders (code)",
            "default": "",
            "description": "Empty: Exact's main warehouse.",
        },
        "item_groups": {
            "type": "array",
            "items": {"type": "string"},
            "default": [],
            "title": "Item groups to sell (codes)",
            "description": "Only items in these groups go to the store; empty means all.",
        },
        "shipping_item": {
            "type": "string",
            "title": "Shipping cost item (code)",
            "default": "",
            "description": "The order's shipping cost becomes a line on this item.",
        },
        "order_type": {
            "type": "string",
            "title": "Book store orders as",
            "enum": list(ORDER_TYPES),
            "x-enumNames": ["Sales order", "Sales invoice"],
            "default": "sales_order",
        },
        "invoice_journal": {
            "type": "string",
            "title": "Sales journal for invoices (code)",
            "default": "70",
            "description": "Used when orders are booked as sales invoices.",
        },
        "vat": {
            "type": "object",
            "title": "VAT codes",
            "description": (
                "Map BigCommerce tax classes to Exact VAT codes in the order settings (e.g. "
                "2 = high rate, 1 = low rate, 0 = none on a standard Dutch administration). "
                "Lines without a mapping use the item's own sales VAT code."
            ),
            "properties": {
                "shipping": {
                    "type": "string",
                    "title": "VAT code of the shipping line",
                    "default": "",
                    "description": "Empty: the shipping item's own VAT code.",
                },
            },
        },
        "stock": {
            "type": "object",
            "title": "Stock",
            "properties": {
                "on_hand": {
                    "type": "string",
                    "title": "Exact figure used as on hand",
                    "enum": list(ON_HAND_FIELDS),
                    "default": "CurrentStock",
                },
                "reserved": {
                    "type": "string",
                    "title": "Exact figure used as reserved",
                    "enum": list(RESERVED_FIELDS),
                    "x-enumNames": ["Planned out (open sales orders)", "Reserved stock", "None"],
                    "default": "PlanningOut",
                },
            },
        },
        "poll": {
            "type": "object",
            "title": "Calls and webhooks",
            "properties": {
                "webhooks": {
                    "type": "boolean",
                    "title": "Let Exact announce changes (webhooks)",
                    "default": True,
                },
                "order_reserve_percent": {
                    "type": "integer",
                    "title": "Share of the daily calls kept for orders (%)",
                    "default": 20,
                    "minimum": 0,
                    "maximum": 80,
                },
                "currency": {"type": "string", "title": "Price currency", "default": "EUR"},
            },
        },
    },
}


@dataclass(frozen=True)
class ExactSettings:
    """Typed, validated settings (see :data:`SETTINGS_SCHEMA` for their meanings)."""

    site: str
    client_id: str
    client_secret: str
    redirect_uri: str = ""
    webhook_secret: str = ""
    division: int = 0
    warehouse: str = ""
    item_groups: tuple[str, ...] = ()
    shipping_item: str = ""
    order_type: str = "sales_order"
    invoice_journal: str = "70"
    shipping_vat_code: str = ""
    on_hand_field: str = "CurrentStock"
    reserved_field: str = "PlanningOut"
    webhooks: bool = True
    reserve_fraction: float = 0.2
    currency: str = "EUR"

    @property
    def invoices(self) -> bool:
        """Orders are booked as sales invoices (no sales order, so no deliveries to follow)."""
        return self.order_type == "sales_invoice"

    @classmethod
    def parse(cls, values: Mapping[str, Any]) -> ExactSettings:
        """Validate ``values``; ConfigError with a merchant sentence on a bad one."""
        missing = [k for k in ("client_id", "client_secret") if not str(values.get(k) or "")]
        if missing:
            raise ConfigError(
                "Enter the Exact Online app's "
                + " and ".join(m.replace("_", " ") for m in missing)
                + " in the settings (from Exact's app centre)."
            )
        order_type = str(values.get("order_type") or "sales_order")
        if order_type not in ORDER_TYPES:
            raise ConfigError(f"Unknown Exact Online order type {order_type!r}.")
        vat, stock = _section(values, "vat"), _section(values, "stock")
        poll = _section(values, "poll")
        reserved = str(stock.get("reserved", "PlanningOut") or "")
        return cls(
            site=str(values.get("site") or "nl"),
            client_id=str(values["client_id"]),
            client_secret=str(values["client_secret"]),
            redirect_uri=str(values.get("redirect_uri") or ""),
            webhook_secret=str(values.get("webhook_secret") or ""),
            division=_int(values.get("division"), "division"),
            warehouse=str(values.get("warehouse") or "").strip(),
            item_groups=tuple(str(g).strip() for g in values.get("item_groups") or () if g),
            shipping_item=str(values.get("shipping_item") or "").strip(),
            order_type=order_type,
            invoice_journal=str(values.get("invoice_journal") or "70").strip(),
            shipping_vat_code=str(vat.get("shipping") or "").strip(),
            on_hand_field=_choice(stock.get("on_hand") or "CurrentStock", ON_HAND_FIELDS),
            reserved_field=_choice(reserved, RESERVED_FIELDS),
            webhooks=bool(poll.get("webhooks", True)),
            reserve_fraction=_int(poll.get("order_reserve_percent", 20), "reserve") / 100,
            currency=str(poll.get("currency") or "EUR"),
        )


def _section(values: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    section = values.get(name)
    return section if isinstance(section, Mapping) else {}


def _int(value: Any, name: str) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        raise ConfigError(f"The Exact Online setting {name!r} must be a whole number.") from None


def _choice(value: Any, allowed: tuple[str, ...]) -> str:
    text = str(value)
    if text not in allowed:
        raise ConfigError(f"Choose one of {', '.join(a for a in allowed if a)} (not {text!r}).")
    return text


def add_site(key: str, url: str, label: str = "") -> None:
    """Offer one more "country site" in the settings form: a sandbox's address (the demo).

    Exact's own sites are fixed (:data:`~bcapp.connectors.exact.oauth.SITES`); this lets
    a local simulator be chosen the same way. The outbound guard still applies: the
    operator must allow its host (``ERP_ALLOWED_HOSTS``).
    """
    SITES[key] = url.rstrip("/")
    spec = SETTINGS_SCHEMA["properties"]["site"]
    if key not in spec["enum"]:
        spec["enum"].append(key)
        spec["x-enumNames"].append(label or url.split("://", 1)[-1])
