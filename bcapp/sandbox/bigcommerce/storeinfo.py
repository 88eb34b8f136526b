"""Store information v2 (``GET /v2/store``): what the app reads to name and link the store."""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.state import SandboxStore


def store_information(store: SandboxStore) -> dict[str, Any]:
    """The store profile as ``/v2/store`` answers it."""
    domain = f"store-{store.hash}.example.com"
    return {
        "id": store.hash,
        "account_uuid": "00000000-0000-4000-8000-000000000001",
        "domain": domain,
        "secure_url": f"https://{domain}",
        "control_panel_base_url": f"https://store-{store.hash}.mybigcommerce.com",
        "status": "live",
        "name": store.name,
        "first_name": "Sandbox",
        "last_name": "Owner",
        "address": "Keizersgracht 1, Amsterdam",
        "country": "Netherlands",
        "country_code": "NL",
        "phone": "+31 20 000 0000",
        "admin_email": store.owner["email"],
        "order_email": store.owner["email"],
        "favicon_url": "",
        "language": "en",
        "timezone": {
            "name": "Europe/Amsterdam",
            "raw_offset": 3600,
            "dst_offset": 7200,
            "date_format": {
                "display": "jS M Y",
                "export": "M jS Y",
                "extended_display": "M jS Y @ g:i A",
            },
        },
        "currency": "EUR",
        "currency_symbol": "€",
        "decimal_separator": ",",
        "thousands_separator": ".",
        "decimal_places": 2,
        "currency_symbol_location": "left",
        "weight_units": "kg",
        "dimension_units": "Centimeters",
        "dimension_decimal_places": 2,
        "dimension_decimal_token": ",",
        "dimension_thousands_token": ".",
        "plan_name": store.plan.title(),
        "plan_level": store.plan.title(),
        "plan_is_trial": False,
        "industry": "Retail",
        "logo": [],
        "is_price_entered_with_tax": False,
        "store_id": int(store.store_id),
        "default_channel_id": 1,
        "default_site_id": 1000,
        "active_comparison_modules": [],
        "features": {
            "stencil_enabled": True,
            "sitewidehttps_enabled": True,
            "facebook_catalog_id": "",
            "checkout_type": "optimized",
            "wishlists_enabled": True,
            "graphql_storefront_api_enabled": True,
            "shopper_consent_tracking_enabled": True,
            "multi_storefront_enabled": True,
            "storefront_limits": {"active": 1, "total_including_inactive": 1},
        },
    }
