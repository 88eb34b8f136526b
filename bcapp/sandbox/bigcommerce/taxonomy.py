"""Catalog v3 categories (the older single-tree API) and category trees.

Every category lives in a tree; tree 1 belongs to channel 1 and is what the older
``/catalog/categories`` API shows. Tree category writes take arrays; names are at
most 50 characters and trees at most 8 deep.
"""

from __future__ import annotations

import uuid
from typing import Any

from bcapp.sandbox.bigcommerce.errors import conflict, not_found, unprocessable
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, one, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

CATEGORY_NAME_MAX, MAX_DEPTH, TREES_MAX = 50, 8, 50
CATEGORY_FIELDS = (
    "description",
    "views",
    "sort_order",
    "page_title",
    "meta_keywords",
    "meta_description",
    "layout_file",
    "image_url",
    "is_visible",
    "search_keywords",
    "default_product_sort",
)
CATEGORY_DEFAULTS: dict[str, Any] = {
    "description": "",
    "views": 0,
    "sort_order": 0,
    "page_title": "",
    "meta_keywords": [],
    "meta_description": "",
    "layout_file": "category.html",
    "image_url": "",
    "is_visible": True,
    "search_keywords": "",
    "default_product_sort": "use_store_settings",
}


# -- categories ---------------------------------------------------------------------
def _depth(store: SandboxStore, parent_id: int) -> int:
    depth = 0
    while parent_id:
        depth += 1
        parent_id = store.categories[parent_id]["parent_id"]
    return depth


def check_category(
    store: SandboxStore, body: dict[str, Any], tree_id: int, own_id: int = 0
) -> None:
    """422 for a bad name, parent, tree or depth; 409 for a sibling with the same name."""
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > CATEGORY_NAME_MAX:
        raise unprocessable(
            f"A category name of 1 to {CATEGORY_NAME_MAX} characters is required.", name="invalid"
        )
    if tree_id not in store.trees:
        raise unprocessable(f"Tree {tree_id} does not exist.", tree_id="does not exist")
    parent_id = int(body.get("parent_id") or 0)
    if parent_id and (
        parent_id not in store.categories
        or store.categories[parent_id]["tree_id"] != tree_id
        or parent_id == own_id
    ):
        raise unprocessable(f"Parent category {parent_id} does not exist.", parent_id="invalid")
    if _depth(store, parent_id) + 1 > MAX_DEPTH:
        raise unprocessable(f"Categories nest at most {MAX_DEPTH} deep.", parent_id="too deep")
    if any(
        c["name"] == name
        and c["parent_id"] == parent_id
        and c["tree_id"] == tree_id
        and c["id"] != own_id
        for c in store.categories.values()
    ):
        raise conflict("A category with this name already exists at this level.", name="duplicate")


def create_category(store: SandboxStore, body: dict[str, Any], tree_id: int = 1) -> dict[str, Any]:
    """Create a category in ``tree_id`` and emit store/category/created."""
    check_category(store, body, tree_id)
    category_id = store.next_id("category")
    path = body.get("url", {}).get("path") if isinstance(body.get("url"), dict) else None
    path = (
        path
        or (body.get("custom_url") or {}).get("url")
        or f"/{body['name'].lower().replace(' ', '-')}-{category_id}/"
    )
    category = {
        **CATEGORY_DEFAULTS,
        "id": category_id,
        "uuid": str(uuid.uuid4()),
        "tree_id": tree_id,
        "parent_id": int(body.get("parent_id") or 0),
        "name": body["name"],
        "url_path": path,
        "url_customized": False,
    }
    category.update({k: body[k] for k in CATEGORY_FIELDS if k in body})
    store.categories[category_id] = category
    store.emit("store/category/created", {"type": "category", "id": category_id})
    return category


def update_category(store: SandboxStore, category: dict[str, Any], body: dict[str, Any]) -> None:
    """Apply an update and emit store/category/updated."""
    merged = {"name": category["name"], "parent_id": category["parent_id"], **body}
    check_category(store, merged, category["tree_id"], category["id"])
    category.update({k: body[k] for k in (*CATEGORY_FIELDS, "name", "parent_id") if k in body})
    url = body.get("url") or {}
    if isinstance(url, dict) and url.get("path"):
        category["url_path"], category["url_customized"] = url["path"], True
    store.emit("store/category/updated", {"type": "category", "id": category["id"]})


def delete_category(store: SandboxStore, category_id: int) -> None:
    """Delete a category with its subtree; products lose the link."""
    children = [c["id"] for c in store.categories.values() if c["parent_id"] == category_id]
    for child in children:
        delete_category(store, child)
    store.categories.pop(category_id, None)
    for product in store.products.values():
        if category_id in product["categories"]:
            product["categories"] = [c for c in product["categories"] if c != category_id]
    store.emit("store/category/deleted", {"type": "category", "id": category_id})


def legacy_view(category: dict[str, Any]) -> dict[str, Any]:
    """A category as ``/catalog/categories`` shows it."""
    base = {k: category[k] for k in CATEGORY_FIELDS}
    return {
        "id": category["id"],
        "parent_id": category["parent_id"],
        "name": category["name"],
        **base,
        "custom_url": {"url": category["url_path"], "is_customized": category["url_customized"]},
    }


def tree_view(category: dict[str, Any]) -> dict[str, Any]:
    """A category as ``/catalog/trees/categories`` shows it."""
    base = {k: category[k] for k in CATEGORY_FIELDS}
    return {
        "category_id": category["id"],
        "category_uuid": category["uuid"],
        "parent_id": category["parent_id"],
        "tree_id": category["tree_id"],
        "name": category["name"],
        **base,
        "url": {"path": category["url_path"], "is_customized": category["url_customized"]},
    }


def _find_category(store: SandboxStore, category_id: int) -> dict[str, Any]:
    category = store.categories.get(category_id)
    if category is None:
        raise not_found("category")
    return category


def list_legacy(call: Call) -> Reply:
    ids, parents = call.ids("id"), call.ids("parent_id")
    rows = [
        legacy_view(c)
        for c in call.store.categories.values()
        if c["tree_id"] == 1
        and (ids is None or c["id"] in ids)
        and (parents is None or c["parent_id"] in parents)
        and ("name" not in call.query or c["name"] == call.query["name"])
    ]
    return v3_page(call, rows)


def post_legacy(call: Call) -> Reply:
    return one(legacy_view(create_category(call.store, call.json_object(), 1)))


def get_legacy(call: Call) -> Reply:
    return one(legacy_view(_find_category(call.store, call.params["category_id"])))


def put_legacy(call: Call) -> Reply:
    category = _find_category(call.store, call.params["category_id"])
    update_category(call.store, category, call.json_object())
    return one(legacy_view(category))


def delete_legacy(call: Call) -> Reply:
    _find_category(call.store, call.params["category_id"])
    delete_category(call.store, call.params["category_id"])
    return Reply(204)


# -- category trees -------------------------------------------------------------------
def list_tree_categories(call: Call) -> Reply:
    ids, trees, parents = call.ids("category_id"), call.ids("tree_id"), call.ids("parent_id")
    rows = [
        tree_view(c)
        for c in sorted(call.store.categories.values(), key=lambda c: c["id"])
        if (ids is None or c["id"] in ids)
        and (trees is None or c["tree_id"] in trees)
        and (parents is None or c["parent_id"] in parents)
    ]
    return v3_page(call, rows)


def post_tree_categories(call: Call) -> Reply:
    items = call.json_list(1000, "categories")
    for item in items:
        if "tree_id" not in item:
            raise unprocessable("Each category needs a tree_id.", tree_id="required")
    created = [create_category(call.store, item, int(item["tree_id"])) for item in items]
    return Reply(201, {"data": [tree_view(c) for c in created], "meta": {}})


def put_tree_categories(call: Call) -> Reply:
    items = call.json_list(1000, "categories")
    categories = [_find_category(call.store, int(item.get("category_id") or 0)) for item in items]
    for category, item in zip(categories, items, strict=True):
        update_category(call.store, category, item)
    return Reply(200, {"data": [tree_view(c) for c in categories], "meta": {}})


def delete_tree_categories(call: Call) -> Reply:
    ids, trees = call.ids("category_id"), call.ids("tree_id")
    if ids is None and trees is None:
        raise unprocessable("A category_id:in or tree_id:in filter is required.")
    doomed = [
        c["id"]
        for c in call.store.categories.values()
        if (ids is None or c["id"] in ids) and (trees is None or c["tree_id"] in trees)
    ]
    for category_id in doomed:
        if category_id in call.store.categories:
            delete_category(call.store, category_id)
    return Reply(204)


def _node(store: SandboxStore, category: dict[str, Any], depth: int, path: list[int]) -> dict:
    children = [c for c in store.categories.values() if c["parent_id"] == category["id"]]
    return {
        "id": category["id"],
        "parent_id": category["parent_id"],
        "depth": depth,
        "path": path,
        "name": category["name"],
        "is_visible": category["is_visible"],
        "url": category["url_path"],
        "children": [_node(store, c, depth + 1, [*path, c["id"]]) for c in children],
    }


def tree_of(call: Call) -> Reply:
    tree_id = call.params["tree_id"]
    if tree_id not in call.store.trees:
        raise not_found("category tree")
    roots = [
        c for c in call.store.categories.values() if c["tree_id"] == tree_id and not c["parent_id"]
    ]
    return Reply(200, {"data": [_node(call.store, c, 1, [c["id"]]) for c in roots], "meta": {}})


def list_trees(call: Call) -> Reply:
    ids, channels = call.ids("id"), call.ids("channel_id")
    rows = [
        dict(t)
        for t in call.store.trees.values()
        if (ids is None or t["id"] in ids)
        and (channels is None or set(t["channels"]) & set(channels))
    ]
    return Reply(200, {"data": rows, "meta": {}})


def put_trees(call: Call) -> Reply:
    items = call.json_list(TREES_MAX, "trees")
    saved = []
    for item in items:
        if not item.get("name"):
            raise unprocessable("A tree needs a name.", name="required")
        tree_id = int(item.get("id") or 0) or call.store.next_id("tree")
        tree = call.store.trees.setdefault(tree_id, {"id": tree_id, "name": "", "channels": []})
        tree.update(name=item["name"], channels=list(item.get("channels") or tree["channels"]))
        saved.append(dict(tree))
    return Reply(200, {"data": saved, "meta": {}})


def delete_trees(call: Call) -> Reply:
    ids = call.ids("id")
    if not ids:
        raise unprocessable("An id:in filter is required.", **{"id:in": "required"})
    for tree_id in ids:
        if tree_id in call.store.trees:
            for category_id in [
                c["id"]
                for c in call.store.categories.values()
                if c["tree_id"] == tree_id and c["id"] in call.store.categories
            ]:
                delete_category(call.store, category_id)
            del call.store.trees[tree_id]
    return Reply(204)


ROUTES = [
    Route("GET", "/v3/catalog/categories", list_legacy),
    Route("POST", "/v3/catalog/categories", post_legacy),
    Route("GET", "/v3/catalog/categories/{category_id}", get_legacy),
    Route("PUT", "/v3/catalog/categories/{category_id}", put_legacy),
    Route("DELETE", "/v3/catalog/categories/{category_id}", delete_legacy),
    Route("GET", "/v3/catalog/trees", list_trees),
    Route("PUT", "/v3/catalog/trees", put_trees),
    Route("DELETE", "/v3/catalog/trees", delete_trees),
    Route("GET", "/v3/catalog/trees/categories", list_tree_categories),
    Route("POST", "/v3/catalog/trees/categories", post_tree_categories),
    Route("PUT", "/v3/catalog/trees/categories", put_tree_categories),
    Route("DELETE", "/v3/catalog/trees/categories", delete_tree_categories),
    Route("GET", "/v3/catalog/trees/{tree_id}/categories", tree_of),
]
