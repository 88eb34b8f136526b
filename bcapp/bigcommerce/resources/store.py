"""Store information v2: the store's name, domain, currency, time zone, plan."""

from __future__ import annotations

from typing import Any

from bcapp.bigcommerce.resources import Resource


class StoreInformation(Resource):
    """``/v2/store`` and ``/v2/time``."""

    def info(self) -> dict[str, Any]:
        return self.api.v2("GET", "/store") or {}

    def time(self) -> int:
        """BigCommerce's clock (unix seconds), to check ours against."""
        return int((self.api.v2("GET", "/time") or {}).get("time", 0))
