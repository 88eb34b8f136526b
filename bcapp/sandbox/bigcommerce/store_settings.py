"""The store's payment, shipping and tax settings as v2 reads them (read-only).

``GET /v2/payments/methods`` (``methods_payments.v2.yml``), ``GET /v2/shipping/zones``
and ``/v2/shipping/zones/{zone_id}/methods`` (``shipping.v2.yml``) and
``GET /v2/tax_classes`` (``tax_classes.v2.yml``), shaped like the specs' examples.
The sandbox's checkout uses these names: its orders pay by "Credit Card" (Stripe)
or an offline method and ship by "Flat Rate"; every store has the same settings.
Like BigCommerce, ``/v2/tax_classes`` does not list the built-in "Default Tax
Class" (id 0).
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.errors import not_found
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, v2_page

#: (code, name) of the enabled payment methods.
PAYMENT_METHODS = (
    ("stripe.card", "Credit Card"),
    ("bankdeposit", "Bank Deposit"),
    ("cod", "Cash on Delivery"),
    ("instore", "Pay in Store"),
)
TAX_CLASSES = ("Non-Taxable Products", "Shipping", "Gift Wrapping")
STAMP = "2026-01-01T08:00:00+00:00"

#: zone id → (name, countries, [(method id, name, type, settings)]).
ZONES: dict[int, tuple[str, tuple[str, ...], tuple[tuple[int, str, str, dict[str, Any]], ...]]] = {
    1: (
        "Netherlands",
        ("NL",),
        (
            (1, "Flat Rate", "perorder", {"rate": 4.95}),
            (2, "Pickup In Store", "total", {}),
        ),
    ),
    2: (
        "Europe",
        ("BE", "DE", "FR", "NO"),
        ((3, "Flat Rate", "perorder", {"rate": 9.95}), (4, "Ship by Weight", "weight", {})),
    ),
    3: ("Rest of the world", ("GB", "JP", "US"), ((5, "Free Shipping", "freeshipping", {}),)),
}


def payment_methods(call: Call) -> Reply:
    rows = [{"code": code, "name": name, "test_mode": True} for code, name in PAYMENT_METHODS]
    return v2_page(call, rows)


def tax_classes(call: Call) -> Reply:
    rows = [
        {"id": str(i), "name": name, "created_at": STAMP, "updated_at": STAMP}
        for i, name in enumerate(TAX_CLASSES, start=1)
    ]
    return v2_page(call, rows)


def zones(call: Call) -> Reply:
    return Reply(200, [_zone(zone_id) for zone_id in ZONES])


def zone(call: Call) -> Reply:
    return Reply(200, _zone(_zone_id(call)))


def zone_methods(call: Call) -> Reply:
    _, _, methods = ZONES[_zone_id(call)]
    return Reply(200, [_method(*m) for m in methods])


def _zone_id(call: Call) -> int:
    zone_id = call.params.get("zone_id", call.params.get("id"))
    if zone_id not in ZONES:
        raise not_found("shipping zone")
    return int(zone_id)


def _zone(zone_id: int) -> dict[str, Any]:
    name, countries, _ = ZONES[zone_id]
    return {
        "id": zone_id,
        "name": name,
        "type": "country",
        "locations": [{"id": zone_id * 10 + i, "country_iso2": c} for i, c in enumerate(countries)],
        "free_shipping": {
            "enabled": False,
            "minimum_sub_total": "0.0000",
            "exclude_fixed_shipping_products": False,
        },
        "handling_fees": {"display_separately": False, "fixed_surcharge": "0"},
        "enabled": True,
    }


def _method(method_id: int, name: str, kind: str, settings: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": method_id,
        "name": name,
        "type": kind,
        "settings": settings,
        "enabled": True,
        "handling_fees": {"fixed_surcharge": "0"},
        "is_fallback": False,
        "channel_ids": [1],
    }


ROUTES = [
    Route("GET", "/v2/payments/methods", payment_methods),
    Route("GET", "/v2/tax_classes", tax_classes),
    Route("GET", "/v2/shipping/zones", zones),
    Route("GET", "/v2/shipping/zones/{id}", zone),
    Route("GET", "/v2/shipping/zones/{zone_id}/methods", zone_methods),
]
