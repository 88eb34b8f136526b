"""The REST resources under ``/api/v1/{division}/``: routing a request to a view or a write.

Answers are OData v2 JSON: lists ``{"d":{"results":[…],"__next":"…"}}``, single
records ``{"d":{…}}``, errors ``{"error":{"code":"","message":{"lang":"","value":"…"}}}``.
POST answers 201 with the created record (``Prefer: return=representation``), PUT
and DELETE 204 without a body.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import request

from bcapp.sandbox.exact import sales, writes
from bcapp.sandbox.exact.odata import QueryError, parse_select
from bcapp.sandbox.exact.schema import by_path
from bcapp.sandbox.exact.state import DivisionData, Row
from bcapp.sandbox.exact.validate import validate_body
from bcapp.sandbox.exact.views import Links, View, entry, run_query, view_for

if TYPE_CHECKING:
    from bcapp.sandbox.exact.sandbox import ExactSandbox

KEY = re.compile(r"^(?P<path>.+?)\((?:guid)?'?(?P<key>[^)']*)'?\)$")
WRITERS: dict[str, Callable[[DivisionData, Mapping[str, Any]], Row]] = {
    **writes.CREATORS,
    "SalesOrders": sales.create_sales_order,
    "GoodsDeliveries": sales.create_goods_delivery,
    "SalesInvoices": sales.create_sales_invoice,
}


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def error_body(message: str) -> dict[str, Any]:
    """Exact's error shape."""
    return {"error": {"code": "", "message": {"lang": "", "value": message}}}


def not_found(segment: str) -> Answer:
    return Answer(404, error_body(f"Resource not found for the segment '{segment}'."))


def handle_api(sb: ExactSandbox, division: int, resource: str, body: Any) -> Answer:
    """Route one authorised, counted API call."""
    match = KEY.match(resource)
    path, key = (match["path"], match["key"].lower()) if match else (resource, None)
    lowered = path.lower()
    try:
        if lowered == "current/me":
            return _me(sb)
        if lowered == "system/divisions":
            return _divisions(sb, division)
        if lowered == "read/logistics/stockposition":
            return _stock_position(sb.division(division))
        if request.method == "GET":
            return _get(sb, division, path, key)
        return _write(sb, division, path, key, body)
    except QueryError as exc:
        return Answer(400, error_body(str(exc)))
    except writes.WriteError as exc:
        return Answer(exc.status, error_body(exc.message))


def _links(division: int) -> Links:
    return Links(f"{request.scheme}://{request.host}/api/v1/{division}")


def _get(sb: ExactSandbox, division: int, path: str, key: str | None) -> Answer:
    view = view_for(path)
    if view is None:
        return not_found(path.rsplit("/", 1)[-1])
    div = sb.division(division)
    args = request.args.to_dict()
    if key is None:
        body = run_query(
            view, div, args, _links(division), mandatory_filtering=sb.mandatory_filtering,
            page_size=sb.page_sizes.get(view.kind),
        )  # fmt: skip
        return Answer(200, body)
    return _point_read(view, div, key, args, division)


def _point_read(
    view: View, div: DivisionData, key: str, args: dict[str, str], division: int
) -> Answer:
    if view.kind != "crud":
        return not_found(view.path)
    row = div.get(view.entity, key)
    if row is None:
        return not_found(view.entity)
    select = parse_select(args.get("$select"), set(view.types))
    return Answer(200, {"d": entry(view, div, row, select, args, _links(division))})


def _write(sb: ExactSandbox, division: int, path: str, key: str | None, body: Any) -> Answer:
    entity = by_path().get(path.lower())
    if entity is None:
        return not_found(path.rsplit("/", 1)[-1])
    method = request.method.lower()
    if method not in entity.methods or (method == "post") == (key is not None):
        return Answer(405, error_body(f"Method {request.method} is not allowed here."))
    div = sb.division(division)
    if method == "delete":
        writes.delete(div, entity.name, key or "")
        return Answer(204, None)
    errors = validate_body(entity.name, method, body)
    if errors:
        return Answer(400, error_body(errors[0]))
    if method == "put":
        writes.update(div, entity.name, key or "", body)
        return Answer(204, None)
    row = _create(sb, div, entity.name, body)
    view = view_for(entity.path)
    assert view is not None
    return Answer(201, {"d": entry(view, div, row, None, {}, _links(division))})


def _create(sb: ExactSandbox, div: DivisionData, entity: str, body: Mapping[str, Any]) -> Row:
    if entity == "WebhookSubscriptions":
        domain = sb.app.redirect_uri.split("/")[2].split(":")[0]
        return writes.create_subscription(div, body, client_id=sb.app.client_id, app_domain=domain)
    writer = WRITERS.get(entity)
    return writer(div, body) if writer else writes.create_generic(div, entity, body)


# -- special resources ---------------------------------------------------------------------


def _me(sb: ExactSandbox) -> Answer:
    row = {**sb.user, "CurrentDivision": sb.current_division}
    row["DivisionCustomerName"] = sb.division().description
    select = parse_select(request.args.get("$select"), set(row))
    chosen = {k: row[k] for k in select} if select else row
    meta = {"uri": f"{request.scheme}://{request.host}/api/v1/current/Me(guid'{row['UserID']}')"}
    return Answer(200, {"d": {"results": [{"__metadata": meta, **chosen}]}})


def _divisions(sb: ExactSandbox, division: int) -> Answer:
    rows = [
        {
            "Code": code,
            "Description": div.description,
            "Current": code == sb.current_division,
            "Country": "NL",
            "Currency": "EUR",
            "CustomerName": div.description,
            "IsMainDivision": code == next(iter(sb.divisions)),
        }
        for code, div in sb.divisions.items()
    ]
    args = request.args.to_dict()
    select = parse_select(args.get("$select"), set(rows[0]))
    if select is None and args.get("$top") != "1":
        return Answer(
            400, error_body("Please add a $select or a $top=1 statement to the query string.")
        )
    chosen = [{k: r[k] for k in (select or list(r))} for r in rows]
    return Answer(200, {"d": {"results": chosen}})


def _stock_position(div: DivisionData) -> Answer:
    """``read/logistics/StockPosition?itemId=guid'…'``: one item over all warehouses."""
    raw = request.args.get("itemId") or ""
    match = re.match(r"^guid'([0-9a-fA-F-]{36})'$", raw)
    if match is None:
        return Answer(400, error_body("Mandatory parameter 'itemId' is missing or invalid."))
    item_id = match.group(1).lower()
    rows = div.find("ItemWarehouses", Item=item_id)
    if div.get("Items", item_id) is None:
        return Answer(200, {"d": {"results": []}})
    total = {"ItemId": item_id, "InStock": 0.0, "PlanningIn": 0.0, "PlanningOut": 0.0}
    for row in rows:
        total["InStock"] += row["CurrentStock"]
        total["PlanningIn"] += row["PlannedStockIn"]
        total["PlanningOut"] += row["PlannedStockOut"]
    return Answer(200, {"d": {"results": [total]}})
