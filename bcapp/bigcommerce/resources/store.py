"""Store information v2 (the store's name, domain, currency, time zone, plan) and v3 channels."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bcapp.bigcommerce.resources import Resource


class StoreInformation(Resource):
    """``/v2/store``, ``/v2/time`` and ``/v3/channels``."""

    def info(self) -> dict[str, Any]:
        return self.api.v2("GET", "/store") or {}

    def time(self) -> int:
        """BigCommerce's clock (unix seconds), to check ours against."""
        return int((self.api.v2("GET", "/time") or {}).get("time", 0))

    def channels(self) -> Iterator[dict[str, Any]]:
        """The store's sales channels (storefronts, marketplaces, POS) with name and status."""
        return self.api.iter_v3("/channels")
