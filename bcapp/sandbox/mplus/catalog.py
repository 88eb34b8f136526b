"""Simulated Mplus catalog operations: products, article groups, stock, version, branches.

Each handler takes the state and the decoded request body (a dict of the
operation's input element) and returns the dict of its output element.
Mplus's rules enforced here: article numbers are numeric (xsd:long; the
decoder refuses anything else before we get here), unique over the whole
installation, and ``syncMarker`` paging returns records with a marker strictly
greater than the one asked for, oldest first, at most ``syncMarkerLimit``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from bcapp.sandbox.mplus.state import MplusState

Handler = Callable[[MplusState, dict[str, Any]], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for one operation."""

    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def page(rows: Iterable[dict[str, Any]], request: dict[str, Any]) -> list[dict[str, Any]]:
    """syncMarker paging: markers > the request's, ascending, at most syncMarkerLimit."""
    rows = sorted(rows, key=lambda r: r.get("syncMarker", 0))
    if "syncMarker" in request:
        rows = [r for r in rows if r.get("syncMarker", 0) > request["syncMarker"]]
    limit = request.get("syncMarkerLimit")
    return rows[:limit] if limit else rows


@handles("getApiVersion")
def get_api_version(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    return {"majorNumber": 1, "minorNumber": 42, "revisionNumber": 0, "inDebugMode": False}


@handles("getBranches")
def get_branches(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    return {"branches": {"branch": [copy.deepcopy(b) for b in state.branches.values()]}}


@handles("getEmployees")
def get_employees(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    rows = [
        {"employeeNumber": n, "name": name, "active": True} for n, name in state.employees.items()
    ]
    return {"employeeList": {"employee": rows}}


@handles("getProducts")
def get_products(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    rows = list(state.products.values())
    if request.get("productNumbers"):
        rows = [p for p in rows if p["productNumber"] in set(request["productNumbers"])]
    if request.get("articleNumbers"):
        wanted = {state.article_index.get(a) for a in request["articleNumbers"]}
        rows = [p for p in rows if p["productNumber"] in wanted]
    if request.get("groupNumbers"):
        groups = set(request["groupNumbers"])
        rows = [p for p in rows if groups & set(p.get("groupNumbers", ()))]
    if request.get("onlyActive"):
        rows = [p for p in rows if any(a.get("active") for a in _articles(p))]
    return {"productList": {"product": [copy.deepcopy(p) for p in page(rows, request)]}}


def _articles(product: dict[str, Any]) -> list[dict[str, Any]]:
    return product.get("articleList", {}).get("article", [])


def _taken(state: MplusState, articles: list[dict[str, Any]], own: int | None) -> list[int]:
    return [
        a["articleNumber"]
        for a in articles
        if "articleNumber" in a and state.article_index.get(a["articleNumber"], own) != own
    ]


@handles("createProduct")
def create_product(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    product = body["product"]
    articles = _articles(product)
    if not articles:
        return _product_failed(
            "CREATE-PRODUCT-RESULT-FAILED", "A product needs at least one article."
        )
    number = product.get("productNumber")
    if number and number in state.products:
        return _product_failed(
            "CREATE-PRODUCT-RESULT-FAILED-PRODUCT-NUMBER-ALREADY-TAKEN",
            f"Product number {number} is already taken.",
        )
    taken = _taken(state, articles, None)
    if taken:
        return _product_failed(
            "CREATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN",
            f"Article number {taken[0]} is already taken.",
        )
    for article in articles:
        article.setdefault("articleNumber", state.next_id() + 100000)
    number = state.add_product(
        articles,
        description=product.get("description", ""),
        product_number=number,
        group_numbers=product.get("groupNumbers", ()),
        extra_text=product.get("extraText", ""),
    )
    return {
        "result": "CREATE-PRODUCT-RESULT-OK",
        "productNumber": number,
        "articleNumbers": [a["articleNumber"] for a in articles],
        "syncMarker": state.products[number]["syncMarker"],
        "errorMessage": "",
    }


def _product_failed(result: str, message: str) -> dict[str, Any]:
    return {"result": result, "productNumber": 0, "errorMessage": message}


@handles("updateProduct")
def update_product(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    product = body["product"]
    number = product.get("productNumber")
    if number not in state.products:
        return {
            "result": "UPDATE-PRODUCT-RESULT-NOT-FOUND",
            "errorMessage": f"Product {number} not found.",
        }
    articles = _articles(product)
    taken = _taken(state, articles, number)
    if taken:
        return {
            "result": "UPDATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN",
            "errorMessage": f"Article number {taken[0]} belongs to another product.",
        }
    stored = state.products[number]
    for key in ("description", "extraText", "groupNumbers"):
        if key in product:
            stored[key] = product[key]
    existing, new = _merge_articles(state, stored, articles, number)
    state.touch_product(number)
    return {
        "result": "UPDATE-PRODUCT-RESULT-OK",
        "existingArticleNumbers": existing,
        "newArticleNumbers": new,
        "syncMarker": stored["syncMarker"],
        "errorMessage": "",
    }


def _merge_articles(
    state: MplusState, stored: dict[str, Any], articles: list[dict[str, Any]], number: int
) -> tuple[list[int], list[int]]:
    rows = {a["articleNumber"]: a for a in _articles(stored)}
    existing: list[int] = []
    new: list[int] = []
    for article in articles:
        row = rows.get(article.get("articleNumber"))
        if row is not None:
            row.update(article)  # fields not sent stay as they are
            existing.append(row["articleNumber"])
            continue
        fresh = state._article(article)
        stored["articleList"]["article"].append(fresh)
        state.article_index[fresh["articleNumber"]] = number
        new.append(fresh["articleNumber"])
    return existing, new


@handles("getArticleGroups")
def get_article_groups(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    wanted = set(request.get("groupNumbers", ())) or None
    roots = [
        g for g in state.groups.values() if g["parent"] == 0 or g["parent"] not in state.groups
    ]
    if "syncMarker" in request:
        roots = [g for g in roots if _subtree_marker(state, g) > request["syncMarker"]]
    tree = [_group_tree(state, g, wanted) for g in sorted(roots, key=_group_key)]
    return {"articleGroupList": {"articleGroups": [t for t in tree if t]}}


def _group_key(group: dict[str, Any]) -> tuple[int, int]:
    return group["sortOrder"], group["groupNumber"]


def _children(state: MplusState, number: int) -> list[dict[str, Any]]:
    return sorted((g for g in state.groups.values() if g["parent"] == number), key=_group_key)


def _subtree_marker(state: MplusState, group: dict[str, Any]) -> int:
    markers = [group["syncMarker"]]
    markers += [_subtree_marker(state, c) for c in _children(state, group["groupNumber"])]
    return max(markers)


def _group_tree(
    state: MplusState, group: dict[str, Any], wanted: set[int] | None
) -> dict[str, Any]:
    subs = [_group_tree(state, c, wanted) for c in _children(state, group["groupNumber"])]
    subs = [s for s in subs if s]
    if wanted is not None and group["groupNumber"] not in wanted and not subs:
        return {}
    return {
        "groupNumber": group["groupNumber"],
        "syncMarker": group["syncMarker"],
        "name": group["name"],
        "text": group["text"],
        "subGroupList": {"articleGroups": subs},
        "sortOrder": group["sortOrder"],
    }


@handles("newArticleGroup")
def new_article_group(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    parent = request["parentGroupNumber"]
    if parent and parent not in state.groups:
        return {"result": "NEW-ARTICLE-GROUP-RESULT-PARENT-NOTFOUND", "groupNumber": 0}
    number = state.add_group(
        request["name"],
        parent=parent,
        text=request.get("text", ""),
        sort_order=request.get("sortOrder", 0),
    )
    return {"result": "NEW-ARTICLE-GROUP-RESULT-OK", "groupNumber": number}


@handles("updateArticleGroup")
def update_article_group(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    group = state.groups.get(request["groupNumber"])
    if group is None:
        return {"result": "SAVE-ARTICLE-GROUP-RESULT-NOT-FOUND"}
    for key, target in (
        ("name", "name"),
        ("text", "text"),
        ("sortOrder", "sortOrder"),
        ("parentGroupNumber", "parent"),
    ):
        if key in request:
            group[target] = request[key]
    group["syncMarker"] = state.next_marker()
    return {"result": "SAVE-ARTICLE-GROUP-RESULT-OK"}


@handles("getStock")
def get_stock(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    branches = set(request.get("branchNumbers", {}).get("branchNumber", ())) or {
        request["branchNumber"]
    }
    articles = set(request.get("articleNumbers", {}).get("articleNumbers", ()))
    since = request.get("stockId", 0)
    rows = [
        copy.deepcopy(row)
        for (branch, article), row in sorted(state.stock.items())
        if branch in branches and (not articles or article in articles) and row["stockId"] > since
    ]
    return {"articleStocks": sorted(rows, key=lambda r: r["stockId"])}


@handles("setStock")
def set_stock(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    branch, article = request["branchNumber"], request["articleNumber"]
    if branch not in state.branches:
        return {"result": "SET-STOCK-RESULT-BRANCH-NOT-FOUND"}
    if article not in state.article_index:
        return {"result": "SET-STOCK-RESULT-ARTICLE-NOT-FOUND"}
    row = next(
        a
        for a in _articles(state.products[state.article_index[article]])
        if a["articleNumber"] == article
    )
    if row.get("stockArticle") is False:
        return {"result": "SET-STOCK-RESULT-NO-STOCK-ARTICLE"}
    # setStock sets the total; what open orders reserve stays reserved (same decimal places)
    current = state.stock.get((branch, article), {})
    places = max(request.get("decimalPlaces", 0), current.get("decimalPlacesReserved", 0))
    amount = request["amount"] * 10 ** (places - request.get("decimalPlaces", 0))
    reserved = current.get("amountReserved", 0) * 10 ** (
        places - current.get("decimalPlacesReserved", 0)
    )
    state.set_stock(article, amount - reserved, reserved, branch=branch, decimal_places=places)
    return {"result": "SET-STOCK-RESULT-OK", "stockId": state.stock_id}
