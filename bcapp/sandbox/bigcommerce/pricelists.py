"""Price-list records, just enough to model the batch upsert's one-at-a-time rule.

``PUT /v3/pricelists/records`` upserts records of many price lists at once
(keyed by price list, variant id or SKU, and currency). BigCommerce allows one
such request per store at a time; a second one while the first is in flight is
refused with 429 (see ``concurrency.py``, ``bigcommerce-notes.md``). The app
does not sync price lists yet; the route lets tests show the client respects
the rule.
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.errors import unprocessable
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route

#: Records per batch upsert (the batch create's documented size; the upsert's is not stated).
BATCH = 1000


def _key(record: dict[str, Any]) -> tuple[int, str, str]:
    price_list = record.get("price_list_id")
    target = record.get("variant_id") or record.get("sku")
    currency = str(record.get("currency") or "").upper()
    if not isinstance(price_list, int) or not target or len(currency) != 3:
        raise unprocessable(
            "Each record needs price_list_id, variant_id or sku, and a currency code.",
            record="invalid",
        )
    return price_list, str(target), currency


def upsert_records(call: Call) -> Reply:
    """Create or replace every record of the batch (all or nothing)."""
    records = call.json_list(BATCH, "price records")
    keyed = [(_key(r), r) for r in records]
    for key, record in keyed:
        call.store.price_records[key] = dict(record)
    return Reply(200, {"data": [], "meta": {}})


def list_records(call: Call) -> Reply:
    price_list = int(call.params["price_list_id"])
    rows = [r for (pl, _t, _c), r in call.store.price_records.items() if pl == price_list]
    return Reply(200, {"data": rows, "meta": {"pagination": {"total": len(rows)}}})


ROUTES = [
    Route("PUT", "/v3/pricelists/records", upsert_records),
    Route("GET", "/v3/pricelists/{price_list_id}/records", list_records),
]
