"""What each GET endpoint serves: CRUD, sync and bulk views over a division's tables.

* CRUD (``logistics/Items``): ordered by key, **60** rows a page, ``$select`` or
  ``$top=1`` required; entities with a sync API also require a ``$filter``
  ("mandatory filtering", July 2021).
* Sync (``sync/Logistics/Items``): ordered by ``Timestamp``, **1,000** rows a page,
  ``$select`` required; rows carry ``Timestamp``. ``sync/SalesInvoice/SalesInvoices``
  has one row per invoice *line* with the header's fields on it.
* Bulk (``bulk/Logistics/Items``): CRUD rows, **1,000** a page, ``$select`` required,
  mandatory filtering like CRUD.

Pages link on with ``__next``: the same query plus ``$skiptoken`` (the last
Timestamp on sync views, ``guid'<last key>'`` elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from bcapp.sandbox.exact.odata import QueryError, parse_filter, parse_select, parse_top
from bcapp.sandbox.exact.schema import builtin
from bcapp.sandbox.exact.state import DivisionData, Row

PAGE_SIZES = {"crud": 60, "sync": 1000, "bulk": 1000}
SELECT_REQUIRED = "Please add a $select or a $top=1 statement to the query string."
FILTER_REQUIRED = (
    "Filtering is mandatory on this endpoint: add a $filter, or read all records through "
    "the sync API."
)
#: Entities that have a sync API, so their CRUD and bulk endpoints demand a $filter.
SYNCED = frozenset(
    {
        "Items",
        "SalesItemPrices",
        "ItemWarehouses",
        "Accounts",
        "Contacts",
        "Addresses",
        "SalesOrders",
        "SalesOrderLines",
        "GoodsDeliveries",
        "GoodsDeliveryLines",
        "SalesInvoices",
        "SalesInvoiceLines",
    }
)
STOCK_POSITION_FIELDS = {
    "Timestamp": "Edm.Int64",
    "ID": "Edm.Guid",
    "ItemId": "Edm.Guid",
    "ItemCode": "Edm.String",
    "ItemDescription": "Edm.String",
    "Warehouse": "Edm.Guid",
    "WarehouseCode": "Edm.String",
    "CurrentStock": "Edm.Double",
    "FreeStock": "Edm.Double",
    "ReservedStock": "Edm.Double",
    "PlanningIn": "Edm.Double",
    "PlanningOut": "Edm.Double",
    "ProjectedStock": "Edm.Double",
    "ReorderPoint": "Edm.Double",
    "Division": "Edm.Int32",
}
DELETED_FIELDS = {
    "Timestamp": "Edm.Int64",
    "ID": "Edm.Guid",
    "EntityKey": "Edm.Guid",
    "EntityType": "Edm.Int32",
    "DeletedBy": "Edm.Guid",
    "DeletedDate": "Edm.DateTime",
    "Division": "Edm.Int32",
}

Rows = Callable[[DivisionData], Iterable[Row]]


@dataclass(frozen=True)
class View:
    """One GET endpoint: its rows, field types, page size and ordering."""

    path: str
    kind: str  # crud, sync or bulk
    entity: str  # the model entity (for collections, keys and messages)
    types: Mapping[str, str]
    rows: Rows

    @property
    def page_size(self) -> int:
        return PAGE_SIZES[self.kind]

    @property
    def order_field(self) -> str:
        return "Timestamp" if self.kind == "sync" else builtin()[self.entity].key

    @property
    def model(self) -> str:
        prefix = "Sync." if self.kind == "sync" else ""
        return prefix + builtin()[self.entity].model if self.entity in builtin() else self.entity

    @property
    def mandatory_filter(self) -> bool:
        return self.kind in {"crud", "bulk"} and self.entity in SYNCED


def _types(entity: str, *, sync: bool = False, lines: bool = True) -> dict[str, str]:
    fields = builtin()[entity].fields.values()
    types = {f.name: f.type for f in fields if lines or not f.collection}
    return {"Timestamp": "Edm.Int64", **types} if sync else types


def _table(entity: str) -> Rows:
    return lambda div: div.rows(entity)


def _stock_positions(div: DivisionData) -> Iterable[Row]:
    for row in div.rows("ItemWarehouses"):
        item = div.get("Items", row["Item"]) or {}
        current, planned_out = row["CurrentStock"], row["PlannedStockOut"]
        yield {
            "Timestamp": row["Timestamp"],
            "ID": row["ID"],
            "ItemId": row["Item"],
            "ItemCode": row["ItemCode"],
            "ItemDescription": item.get("Description"),
            "Warehouse": row["Warehouse"],
            "WarehouseCode": row["WarehouseCode"],
            "CurrentStock": current,
            "FreeStock": current - row["ReservedStock"],
            "ReservedStock": row["ReservedStock"],
            "PlanningIn": row["PlannedStockIn"],
            "PlanningOut": planned_out,
            "ProjectedStock": row["ProjectedStock"],
            "ReorderPoint": row["ReorderPoint"],
            "Division": div.code,
        }


def _invoice_lines(div: DivisionData) -> Iterable[Row]:
    """One row per invoice line, the header's fields copied onto it (as Exact's sync does)."""
    for line in div.rows("SalesInvoiceLines"):
        header = div.get("SalesInvoices", line["InvoiceID"]) or {}
        yield {**header, **line, "ID": line["ID"], "Timestamp": line["Timestamp"]}


def _invoice_types() -> dict[str, str]:
    merged = {**_types("SalesInvoices", lines=False), **_types("SalesInvoiceLines")}
    return {"Timestamp": "Edm.Int64", **merged}


def _build() -> dict[str, View]:
    views: dict[str, View] = {}
    for entity in builtin().values():
        if entity.name not in {"Divisions", "StockPosition"}:
            views[entity.path] = View(
                entity.path, "crud", entity.name, _types(entity.name), _table(entity.name)
            )
    syncs = {
        "sync/Logistics/Items": "Items",
        "sync/Logistics/SalesItemPrices": "SalesItemPrices",
        "sync/Inventory/ItemWarehouses": "ItemWarehouses",
        "sync/CRM/Accounts": "Accounts",
        "sync/CRM/Contacts": "Contacts",
        "sync/CRM/Addresses": "Addresses",
        "sync/SalesOrder/SalesOrderHeaders": "SalesOrders",
        "sync/SalesOrder/SalesOrderLines": "SalesOrderLines",
        "sync/SalesOrder/GoodsDeliveries": "GoodsDeliveries",
        "sync/SalesOrder/GoodsDeliveryLines": "GoodsDeliveryLines",
    }
    for path, name in syncs.items():
        views[path] = View(path, "sync", name, _types(name, sync=True, lines=False), _table(name))
    views["sync/Inventory/StockPositions"] = View(
        "sync/Inventory/StockPositions",
        "sync",
        "ItemWarehouses",
        STOCK_POSITION_FIELDS,
        _stock_positions,
    )
    views["sync/SalesInvoice/SalesInvoices"] = View(
        "sync/SalesInvoice/SalesInvoices",
        "sync",
        "SalesInvoiceLines",
        _invoice_types(),
        _invoice_lines,
    )
    views["sync/Deleted"] = View(
        "sync/Deleted", "sync", "Deleted", DELETED_FIELDS, lambda div: div.deleted
    )
    for path in BULK:
        name = path.rsplit("/", 1)[1]
        views[path] = View(path, "bulk", name, _types(name), _table(name))
    return views


BULK = (
    "bulk/Logistics/Items",
    "bulk/Logistics/SalesItemPrices",
    "bulk/CRM/Accounts",
    "bulk/CRM/Contacts",
    "bulk/CRM/Addresses",
    "bulk/SalesOrder/SalesOrders",
    "bulk/SalesOrder/SalesOrderLines",
    "bulk/SalesOrder/GoodsDeliveries",
    "bulk/SalesOrder/GoodsDeliveryLines",
    "bulk/SalesInvoice/SalesInvoices",
    "bulk/SalesInvoice/SalesInvoiceLines",
)
_VIEWS: dict[str, View] = {}


def view_for(path: str) -> View | None:
    """The view of a path under the division (case-insensitive, as Exact's routing is)."""
    if not _VIEWS:
        _VIEWS.update({p.lower(): v for p, v in _build().items()})
    return _VIEWS.get(path.lower())


# -- running a query -----------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """Builds absolute addresses for ``__next``, ``__deferred`` and ``__metadata``."""

    base: str  # e.g. https://start.exactonline.nl/api/v1/1234567

    def next(self, view: View, args: Mapping[str, str], token: str, top: int | None) -> str:
        query = {k: v for k, v in args.items() if k not in {"$skiptoken", "$top"}}
        if top is not None:
            query["$top"] = str(top)
        query["$skiptoken"] = token
        return f"{self.base}/{view.path}?{urlencode(query, quote_via=quote, safe='$,()')}"

    def entry(self, view: View, row: Row) -> str:
        if view.kind == "sync":
            return f"{self.base}/{view.path}({row.get('Timestamp')}L)"
        return f"{self.base}/{view.path}(guid'{row.get(view.order_field)}')"


def run_query(
    view: View,
    div: DivisionData,
    args: Mapping[str, str],
    links: Links,
    *,
    mandatory_filtering: bool = True,
    page_size: int | None = None,
) -> dict[str, Any]:
    """The OData answer ``{"d": {"results": [...], "__next": ...}}`` for one page.

    ``page_size`` overrides Exact's (tests page through a few rows).
    """
    select = parse_select(args.get("$select"), set(view.types))
    top = parse_top(args.get("$top"))
    if select is None and (view.kind != "crud" or top != 1):
        raise QueryError(SELECT_REQUIRED)
    if mandatory_filtering and view.mandatory_filter and not args.get("$filter"):
        raise QueryError(FILTER_REQUIRED)
    rows = _matching(view, div, args)
    size = page_size or view.page_size
    size = min(size, top) if top is not None else size
    page = rows[:size]
    body: dict[str, Any] = {"results": [entry(view, div, r, select, args, links) for r in page]}
    remaining = None if top is None else top - len(page)
    if len(rows) > len(page) and (remaining is None or remaining > 0):
        body["__next"] = links.next(view, args, skiptoken(view, page[-1]), remaining)
    return {"d": body}


def _matching(view: View, div: DivisionData, args: Mapping[str, str]) -> list[Row]:
    rows = list(view.rows(div))
    text = args.get("$filter")
    if text:
        predicate = parse_filter(text, view.types)
        rows = [r for r in rows if predicate(r)]
    order = view.order_field
    token = args.get("$skiptoken")
    if view.kind == "sync":
        rows.sort(key=lambda r: int(r[order]))
        if token:
            after = _int_token(token)
            rows = [r for r in rows if int(r[order]) > after]
    else:
        rows.sort(key=lambda r: str(r[order]))
        if token:
            last = token.removeprefix("guid'").removesuffix("'").lower()
            rows = [r for r in rows if str(r[order]) > last]
    return rows


def _int_token(token: str) -> int:
    try:
        return int(token.rstrip("L"))
    except ValueError as exc:
        raise QueryError(f"Invalid value '{token}' for $skiptoken query option found.") from exc


def skiptoken(view: View, row: Row) -> str:
    value = row[view.order_field]
    return f"{value}L" if view.kind == "sync" else f"guid'{value}'"


def entry(
    view: View,
    div: DivisionData,
    row: Row,
    select: list[str] | None,
    args: Mapping[str, str],
    links: Links,
) -> dict[str, Any]:
    """One record as OData v2 JSON: ``__metadata``, the chosen fields, collections."""
    names = select or list(view.types)
    expand = {n.strip() for n in (args.get("$expand") or "").split(",") if n.strip()}
    uri = links.entry(view, row)
    out: dict[str, Any] = {"__metadata": {"uri": uri, "type": f"Exact.Web.Api.Models.{view.model}"}}
    collections = builtin()[view.entity].collections if view.entity in builtin() else {}
    for name in names:
        if name in collections and view.kind != "sync":
            out[name] = _collection(view, div, row, name, collections[name], name in expand, uri)
        else:
            out[name] = row.get(name)
    return out


def _collection(
    view: View, div: DivisionData, row: Row, name: str, child: str, expanded: bool, uri: str
) -> dict[str, Any]:
    if not expanded:
        return {"__deferred": {"uri": f"{uri}/{name}"}}
    parent_key = builtin()[view.entity].key
    lines = div.children(child, parent_key, row[parent_key])
    child_types = _types(child)
    return {"results": [{k: line.get(k) for k in child_types} for line in lines]}
