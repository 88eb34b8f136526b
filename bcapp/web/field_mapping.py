"""The field mapper's settings page: templates per ERP field, a live preview, versions.

``/app/settings/fields`` shows, for one record type at a time, every field the
ERP takes (from the connector: name, label, type, length, required), what the
app sends there today and the merchant's template. *Preview* evaluates the
templates on the form (unsaved) over a real record — the last order, an order
number or a SKU, read from BigCommerce in the request — and shows each value
beside the full request the ERP would receive. *Save* refuses a template whose
result cannot fit (naming the field) and otherwise adds a new version; the
version list compares any version with the one before and rolls back.

The ERP's field list is read like the mapping tables' codes (a short deadline,
cached per connection); the preview builds the ERP request without sending it.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import time
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request

from bcapp.bigcommerce import writable as bc_writable
from bcapp.bigcommerce.store import BigCommerceStore, MappingOptions
from bcapp.canonical import Order, Product
from bcapp.connectors import make_connector
from bcapp.connectors.base import ErpField, FieldSource, OrderInstructions
from bcapp.errors import BcappError
from bcapp.extensions import db
from bcapp.mapping import contexts, versions
from bcapp.mapping.fields import (
    FieldMappings,
    MappingFailure,
    build,
    check_rules,
    evaluate,
)
from bcapp.mapping.rules import rules_for
from bcapp.models import RECORD_TYPES
from bcapp.sync.field_mapping import map_store_values, order_instructions, product_fields
from bcapp.sync.order_reading import instructions_for, prepared
from bcapp.web import erp
from bcapp.web.access import edit_required
from bcapp.web.forms import SECTION_TITLES
from bcapp.web.session import app_url, store_required
from bcapp.web.store_facts import READ_ERRORS, bc_client

log = logging.getLogger(__name__)

bp = Blueprint("fields", __name__, url_prefix="/app/settings/fields")

RECORD_LABELS = {
    "order": "Order header",
    "order_line": "Order line",
    "customer": "Customer",
    "address": "Address",
    "product": "Product",
    "variant": "Variant",
    "store_product": "Product (ERP → store)",
}
#: Seconds the page waits for the ERP's field list; how long a list is kept.
FETCH_TIMEOUT = 3.0
CACHE_SECONDS = 300
_CACHE_KEY = "bcapp.erp_fields"


# -- the ERP's fields -------------------------------------------------------------------------


def _connector(kind: str, settings: dict[str, Any]) -> Any:
    kwargs: dict[str, Any] = {}
    transport = current_app.extensions.get("bcapp.erp_transport")
    if transport is not None:
        kwargs["transport"] = transport
    return make_connector(kind, settings, **kwargs)


def writable_fields() -> dict[str, list[ErpField]]:
    """Record type → the fields the store's ERP takes (empty when it cannot say), cached."""
    connection = erp.connection_of(g.store)
    if connection is None:
        return {}
    key = (connection.id, connection.kind, str(connection.updated_at))
    cache: dict[Any, tuple[float, dict[str, list[ErpField]]]] = current_app.extensions.setdefault(
        _CACHE_KEY, {}
    )
    hit = cache.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    connector = _connector(connection.kind, connection.connector_settings())
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    future = pool.submit(_read_fields, connector)
    try:
        lists = future.result(timeout=FETCH_TIMEOUT)
    except Exception:  # a slow or failing ERP must not break the page
        log.warning("the %s field list could not be read", connection.kind, exc_info=True)
        return {}
    finally:
        pool.shutdown(wait=False)
    cache[key] = (time.monotonic() + CACHE_SECONDS, lists)
    return lists


def _read_fields(connector: Any) -> dict[str, list[ErpField]]:
    """The ERP's fields per record type, and BigCommerce's for the ERP → store direction."""
    try:
        fields = {"store_product": bc_writable.product_fields()}
        if isinstance(connector, FieldSource):
            for record in RECORD_TYPES:
                if record != "store_product":
                    fields[record] = connector.writable_fields(record)
        return fields
    finally:
        _close(connector)


def _close(connector: Any) -> None:
    closer = getattr(connector, "close", None)
    if callable(closer):
        closer()


# -- the form ---------------------------------------------------------------------------------


def posted_templates(current: FieldMappings) -> dict[str, dict[str, str]]:
    """The saved templates with the posted record type's fields replaced by the form's."""
    templates = {r: {n: s.template for n, s in e.items()} for r, e in current.rules.items()}
    record = request.form.get("record", "order")
    if record in RECORD_TYPES:
        templates[record] = {
            key.split(".", 2)[2]: value
            for key, value in request.form.items()
            if key.startswith(f"t.{record}.") and value.strip()
        }
    return templates


def parse_tables(text: str) -> tuple[dict[str, dict[str, str]], str | None]:
    """Lookup tables from ``table: key = value`` lines (an error sentence, or None)."""
    tables: dict[str, dict[str, str]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        name, colon, rest = line.partition(":")
        key, equals, value = rest.partition("=")
        if not colon or not equals or not name.strip() or not key.strip():
            return {}, f"Line {number} of the lookup tables is not 'table: key = value'."
        tables.setdefault(name.strip(), {})[key.strip()] = value.strip()
    return tables, None


def tables_text(tables: dict[str, Any]) -> str:
    return "\n".join(f"{t}: {k} = {v}" for t, rows in tables.items() for k, v in rows.items())


def page(record: str, status: int = 200, **extra: Any) -> Any:
    """The mapper page for one record type."""
    connection = erp.connection_of(g.store)
    kind = connection.kind if connection else ""
    current = versions.current(g.store.id, kind)
    fields = writable_fields()
    templates = extra.pop("templates", None) or {
        r: {n: s.template for n, s in e.items()} for r, e in current.rules.items()
    }
    context = {
        "section": "fields",
        "sections": SECTION_TITLES,
        "title": "Field mapping",
        "active_section": "settings",
        "connection": connection,
        "erp_label": erp.label_of(kind) if connection else "",
        "record": record,
        "records": RECORD_LABELS,
        "fields": fields.get(record, []),
        "templates": templates.get(record, {}),
        "names": contexts.NAMES.get(record, ()),
        "current": current,
        "history": versions.history(g.store.id),
        "tables": extra.pop("tables", None) or tables_text(dict(current.tables)),
        "errors": {},
        "preview": None,
        "subject": request.form.get("subject", ""),
        **extra,
    }
    return render_template("settings/field_mapping.html", **context), status


@bp.get("")
@store_required
def index() -> Any:
    record = request.args.get("record", "order")
    if record not in RECORD_TYPES:
        abort(404)
    return page(record)


def _mappings_from_form() -> tuple[FieldMappings, dict[str, dict[str, str]], str | None]:
    connection = erp.connection_of(g.store)
    kind = connection.kind if connection else ""
    current = versions.current(g.store.id, kind)
    templates = posted_templates(current)
    tables, problem = parse_tables(request.form.get("tables", ""))
    writable = {r: {f.name: f for f in fs} for r, fs in writable_fields().items()}
    return build(kind, templates, writable, tables), templates, problem


@bp.post("/save")
@store_required
@edit_required
def save() -> Any:
    """Check every template against the ERP's field and a record, then add a version."""
    record = request.form.get("record", "order")
    if record not in RECORD_TYPES:
        abort(404)
    mappings, templates, problem = _mappings_from_form()
    writable = {r: {f.name: f for f in fs} for r, fs in writable_fields().items()}
    if record not in writable:
        errors = {"": "The ERP's field list could not be read; try again in a moment."}
        return page(record, 422, templates=templates, errors=errors)
    errors = check_rules(mappings, writable, _samples())
    if problem:
        errors["tables"] = problem
    if errors:
        return page(record, 422, templates=templates, errors=errors,
                    tables=request.form.get("tables", ""))  # fmt: skip
    row = versions.save(g.store.id, mappings, author=_author(), note=request.form.get("note", ""))
    db.session.commit()
    return page(record, saved=row.number)


def _author() -> str:
    user = g.get("user")
    return str(getattr(user, "email", "") or getattr(user, "bc_user_id", "") or "")


def _samples() -> dict[str, dict[str, Any]]:
    """Contexts to try templates on: the last order and its first product when readable."""
    try:
        store = _store()
        if store is None:
            return contexts.sample_contexts()
        last = store.last_order_id()
        order = store.order(last) if last else None
        return contexts.sample_contexts(order)
    except READ_ERRORS:
        return contexts.sample_contexts()


def _store() -> BigCommerceStore | None:
    client = bc_client(g.store)
    return BigCommerceStore(client) if client is not None else None


# -- preview ----------------------------------------------------------------------------------


@bp.post("/preview")
@store_required
def preview() -> Any:
    """The form's (unsaved) templates on a real record: values and the ERP's full request."""
    record = request.form.get("record", "order")
    if record not in RECORD_TYPES:
        abort(404)
    mappings, templates, problem = _mappings_from_form()
    subject = request.form.get("subject", "").strip()
    try:
        result = _preview(mappings, record, subject)
    except READ_ERRORS as exc:
        result = {"error": f"BigCommerce could not be read: {exc}"}
    except MappingFailure as exc:
        result = {"error": exc.sentence()}
    except BcappError as exc:
        result = {"error": str(exc)}
    if problem:
        result["error"] = problem
    return page(record, templates=templates, preview=result,
                tables=request.form.get("tables", ""))  # fmt: skip


def _preview(mappings: FieldMappings, record: str, subject: str) -> dict[str, Any]:
    store = _store()
    if store is None:
        return {"error": "The app has no access to the store (reinstall it)."}
    if record == "store_product":
        return _store_product_preview(mappings, subject)
    if record in ("product", "variant"):
        return _product_preview(store, mappings, record, subject)
    bc_id = int(subject) if subject.isdigit() else store.last_order_id()
    order = store.order(bc_id) if bc_id else None
    if order is None:
        return {"error": f"There is no order {subject}." if subject else "The store has no orders."}
    extras = store.order_extras(order.bc_id)
    ready = prepared(order, subscriptions=False)
    base = _instructions(ready)
    todo = order_instructions(mappings, ready, base, extras)
    customer = ready.customer
    if mappings.has("customer"):
        context = contexts.customer_context(customer, store.customer_extras(customer.bc_id), ready)
        values = evaluate(mappings, "customer", context)
        customer = replace(customer, erp_fields=tuple(values.items()))
    shown = {
        "order": dict(todo.fields),
        "order_line": {f"line {i + 1}: {k}": v for i, f in todo.line_fields.items()
                       for k, v in f.items()},
        "address": dict(todo.address_fields),
        "customer": dict(customer.erp_fields),
    }[record]  # fmt: skip
    return {
        "subject": f"Order {order.bc_id}",
        "values": shown,
        "request": _erp_request(ready, todo),
    }


def _instructions(order: Order) -> OrderInstructions:
    """The mapping tables' instructions, or none when a table lacks a value (preview anyway)."""
    try:
        return instructions_for(order, rules_for(g.store))
    except BcappError:
        return OrderInstructions()


def _erp_request(order: Order, todo: OrderInstructions) -> str:
    connection = erp.connection_of(g.store)
    if connection is None:
        return ""
    connector = _connector(connection.kind, connection.connector_settings())
    try:
        if not isinstance(connector, FieldSource):
            return ""
        body = connector.order_request(order, "(debtor)", todo)
    finally:
        _close(connector)
    return json.dumps(body, indent=2, default=str, ensure_ascii=False)


def _product_preview(
    store: BigCommerceStore, mappings: FieldMappings, record: str, sku: str
) -> dict[str, Any]:
    if not sku:
        return {"error": "Enter a product SKU to preview product fields."}
    found = store.product_for_mapping(sku)
    if found is None:
        return {"error": f"The store has no product with SKU {sku}."}
    bc_id, product = found
    mapped: Product = product_fields(mappings, product, store.product_extras(bc_id))
    if record == "product":
        values: dict[str, Any] = dict(mapped.erp_fields)
    else:
        values = {f"{v.sku}: {k}": val for v in mapped.variants for k, val in v.erp_fields}
    return {"subject": f"Product {sku}", "values": values, "request": ""}


def _store_product_preview(mappings: FieldMappings, code: str) -> dict[str, Any]:
    """The ERP article ``code`` as the catalog flow would write it to BigCommerce."""
    connection = erp.connection_of(g.store)
    if connection is None or not code:
        return {"error": "Enter the ERP article code to preview the store's product fields."}
    connector = _connector(connection.kind, connection.connector_settings())
    try:
        product = connector.fetch_product(code)
    finally:
        _close(connector)
    if product is None:
        return {"error": f"The ERP has no article {code}."}
    mapped = map_store_values(mappings, product)
    parts = BigCommerceStore.product_parts(mapped, MappingOptions())
    body = json.dumps(parts.create_payload(), indent=2,
                      default=str, ensure_ascii=False)  # fmt: skip
    return {"subject": f"ERP article {code}", "values": dict(mapped.store_fields), "request": body}


# -- versions ---------------------------------------------------------------------------------


@bp.get("/versions/<int:number>")
@store_required
def compare(number: int) -> Any:
    """What version ``number`` changed against the one before it (or ``?with=n``)."""
    newer = versions.get(g.store.id, number)
    if newer is None:
        abort(404)
    other = request.args.get("with", type=int) or number - 1
    older = versions.get(g.store.id, other) if other > 0 else None
    changes = versions.compare(older, newer)
    return render_template(
        "settings/field_mapping_compare.html", newer=newer, older=older, changes=changes,
        sections=SECTION_TITLES, section="fields", title="Field mapping",
        active_section="settings", records=RECORD_LABELS,
    )  # fmt: skip


@bp.post("/versions/<int:number>/rollback")
@store_required
@edit_required
def roll_back(number: int) -> Any:
    row = versions.roll_back(g.store.id, number, _author())
    if row is None:
        abort(404)
    db.session.commit()
    return redirect(app_url("fields.index", record=request.form.get("record", "order")))
