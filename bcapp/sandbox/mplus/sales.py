"""Simulated Mplus sales operations: relations, orders, invoices.

Rules enforced as Mplus does:

* ``createOrder`` needs a known ``employeeNumber`` (integrations use 999999),
  refuses a second order with the same ``extOrderId``
  (``CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS``), and needs every line's
  article and the relation to exist (``CREATE-ORDER-RESULT-FAILED`` with an
  ``errorMessage``).
* ``findRelationV2`` matches *partially* unless ``exactMatch`` is true: every
  field given in the request must occur (case-insensitively) inside the
  relation's field, so ``jan@example.nl`` also finds ``marjan@example.nl``.
"""

from __future__ import annotations

import copy
from typing import Any

from bcapp.sandbox.mplus.catalog import handles, page
from bcapp.sandbox.mplus.state import MplusState

#: Relation fields findRelationV2 compares (the rest of the request is ignored).
MATCH_FIELDS = (
    "name",
    "email",
    "zipcode",
    "telephone",
    "address",
    "city",
    "relationCode",
    "extRelationId",
    "companyName",
    "vatNumber",
)


@handles("createRelation")
def create_relation(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    relation = dict(body.get("relation") or {})
    wanted = relation.pop("relationNumber", 0)
    if wanted and wanted in state.relations:
        return {
            "result": "CREATE-RELATION-RESULT-FAILED-RELATION-NUMBER-ALREADY-TAKEN",
            "relationNumber": 0,
            "errorMessage": f"Relation number {wanted} is already taken.",
        }
    if not (relation.get("name") or "").strip():
        return {
            "result": "CREATE-RELATION-RESULT-FAILED",
            "relationNumber": 0,
            "errorMessage": "A relation needs a name.",
        }
    number = state.add_relation(relationNumber=wanted, **relation)
    return {
        "result": "CREATE-RELATION-RESULT-OK",
        "relationNumber": number,
        "syncMarker": state.relations[number]["syncMarker"],
        "errorMessage": "",
    }


@handles("updateRelation")
def update_relation(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    relation = dict(body.get("relation") or {})
    number = relation.get("relationNumber")
    if number not in state.relations:
        return {
            "result": "UPDATE-RELATION-RESULT-NOT-FOUND",
            "errorMessage": f"Relation {number} not found.",
        }
    state.relations[number].update(relation)
    state.relations[number]["syncMarker"] = state.next_marker()
    return {
        "result": "UPDATE-RELATION-RESULT-OK",
        "errorMessage": "",
        "syncMarker": state.relations[number]["syncMarker"],
    }


@handles("findRelationV2")
def find_relation_v2(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    exact = bool(request.get("exactMatch", False))
    wanted = {
        k: str(v).strip().lower()
        for k, v in request["relation"].items()
        if k in MATCH_FIELDS and str(v).strip()
    }
    if not wanted:
        return {"result": "FIND-RELATION-RESULT-NOT-FOUND"}
    for number in sorted(state.relations):
        relation = state.relations[number]
        if all(_matches(str(relation.get(k, "")).lower(), v, exact) for k, v in wanted.items()):
            return {"result": "FIND-RELATION-RESULT-OK", "relation": copy.deepcopy(relation)}
    return {"result": "FIND-RELATION-RESULT-NOT-FOUND"}


def _matches(stored: str, wanted: str, exact: bool) -> bool:
    return stored == wanted if exact else wanted in stored


@handles("createOrder")
def create_order(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    order = copy.deepcopy(body.get("order") or {})
    problem = _order_problem(state, order)
    if problem:
        return {
            "result": "CREATE-ORDER-RESULT-FAILED",
            "info": {"orderId": "", "orderString": ""},
            "errorMessage": problem,
        }
    ext = order.get("extOrderId")
    if ext and any(o.get("extOrderId") == ext for o in state.orders.values()):
        return {
            "result": "CREATE-ORDER-RESULT-EXT-ORDER-ID-ALREADY-EXISTS",
            "info": {"orderId": "", "orderString": ""},
            "errorMessage": f"An order with extOrderId {ext} already exists.",
        }
    number = state.next_id()
    order_id = f"{number:08d}-0000-4000-8000-000000000000"
    order.update(
        {
            "orderId": order_id,
            "syncMarker": state.next_marker(),
            "orderNumber": {"year": 2026, "number": number},
            "deliveryState": "ORDER-DELIVERY-STATE-NOTHING",
            "cancelState": "ORDER-CANCEL-STATE-NOTHING",
            "completeState": "ORDER-COMPLETE-STATE-NOTHING",
        }
    )
    state.orders[order_id] = order
    return {
        "result": "CREATE-ORDER-RESULT-OK",
        "info": {"orderId": order_id, "orderString": f"2026-{number}"},
        "errorMessage": "",
    }


def _order_problem(state: MplusState, order: dict[str, Any]) -> str:
    employee = order.get("employeeNumber")
    if employee not in state.employees:
        return f"Employee {employee} not found."
    branch = order.get("entryBranchNumber", 1)
    if branch not in state.branches:
        return f"Branch {branch} not found."
    relation = order.get("relationNumber")
    if relation and relation not in state.relations:
        return f"Relation {relation} not found."
    for line in order.get("lineList", {}).get("line", []):
        if line["articleNumber"] not in state.article_index:
            return f"Article {line['articleNumber']} not found."
        group = (line.get("data") or {}).get("turnoverGroup")
        if group is not None and group not in state.turnover_groups:
            return f"Turnover group {group} not found."
    return ""


def set_order_state(state: MplusState, order_id: str, **states: str) -> None:
    """Change an order's delivery/cancel/complete state (a shop employee at the till)."""
    state.orders[order_id].update(states)
    state.orders[order_id]["syncMarker"] = state.next_marker()


@handles("findOrder")
def find_order(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    ext = body["extOrderId"]
    for order in state.orders.values():
        if order.get("extOrderId") == ext:
            return {"result": "GET-ORDER-RESULT-OK", "order": copy.deepcopy(order)}
    return {"result": "GET-ORDER-RESULT-NOT-FOUND"}


@handles("getOrdersByExtOrderIds")
def get_orders_by_ext_order_ids(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    wanted = set(request.get("extOrderIds", {}).get("id", ()))
    rows = [o for o in state.orders.values() if o.get("extOrderId") in wanted]
    return {"orderList": {"order": [copy.deepcopy(o) for o in page(rows, request)]}}


@handles("getOrders")
def get_orders(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    rows = list(state.orders.values())
    if request.get("orderIds"):
        rows = [o for o in rows if o["orderId"] in set(request["orderIds"])]
    return {"orderList": {"order": [copy.deepcopy(o) for o in page(rows, request)]}}


@handles("getInvoices")
def get_invoices(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    rows = page(state.invoices.values(), request)
    return {"invoiceList": {"invoice": [copy.deepcopy(i) for i in rows]}}


@handles("getInvoice")
def get_invoice(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    """One invoice by ``invoiceId`` (``GET-INVOICE-RESULT-NOT-FOUND`` without ``invoice``)."""
    invoice = next(
        (i for i in state.invoices.values() if str(i.get("invoiceId")) == str(body["invoiceId"])),
        None,
    )
    if invoice is None:
        return {"result": "GET-INVOICE-RESULT-NOT-FOUND"}
    return {"result": "GET-INVOICE-RESULT-OK", "invoice": copy.deepcopy(invoice)}


@handles("saveInvoice")
def save_invoice(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    """A new invoice (no ``invoiceId``) booked at once; ``extInvoiceId`` is unique like
    ``extOrderId`` (``SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS``)."""
    invoice = copy.deepcopy(body.get("invoice") or {})
    refused = {"info": {"invoiceId": "", "invoiceString": ""}}
    problem = _order_problem(state, invoice)
    if problem:
        return {"result": "SAVE-INVOICE-RESULT-FAILED", **refused, "errorMessage": problem}
    ext = invoice.get("extInvoiceId")
    if ext and any(i.get("extInvoiceId") == ext for i in state.invoices.values()):
        return {"result": "SAVE-INVOICE-RESULT-EXT-INVOICE-ID-ALREADY-EXISTS", **refused,
                "errorMessage": f"An invoice with extInvoiceId {ext} already exists."}  # fmt: skip
    number = state.next_id()
    invoice_id = f"{number:08d}-0000-4000-9000-000000000000"
    invoice.update({"invoiceId": invoice_id, "syncMarker": state.next_marker(),
                    "invoiceNumber": {"year": 2026, "number": number}})  # fmt: skip
    invoice.setdefault("invoiceType", "INVOICE-TYPE-DIRECT-INVOICE")
    state.invoices[invoice_id] = invoice
    info = {"invoiceId": invoice_id, "invoiceString": f"2026-{number}"}
    return {"result": "SAVE-INVOICE-RESULT-OK", "info": info, "errorMessage": ""}


@handles("findInvoice")
def find_invoice(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    ext = body["extInvoiceId"]
    for invoice in state.invoices.values():
        if invoice.get("extInvoiceId") == ext:
            return {"result": "GET-INVOICE-RESULT-OK", "invoice": copy.deepcopy(invoice)}
    return {"result": "GET-INVOICE-RESULT-NOT-FOUND"}


@handles("saveProposal")
def save_proposal(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    """A new proposal (quotation); ``extProposalId`` is unique like ``extOrderId``."""
    proposal = copy.deepcopy(body.get("proposal") or {})
    refused = {"info": {"proposalId": "", "proposalString": ""}}
    problem = _order_problem(state, proposal)
    if problem:
        return {"result": "SAVE-PROPOSAL-RESULT-FAILED", **refused, "errorMessage": problem}
    ext = proposal.get("extProposalId")
    if ext and any(p.get("extProposalId") == ext for p in state.proposals.values()):
        return {"result": "SAVE-PROPOSAL-RESULT-EXT-PROPOSAL-ID-ALREADY-EXISTS", **refused,
                "errorMessage": f"A proposal with extProposalId {ext} already exists."}  # fmt: skip
    number = state.next_id()
    proposal_id = f"{number:08d}-0000-4000-a000-000000000000"
    proposal.update({"proposalId": proposal_id, "syncMarker": state.next_marker(),
                     "proposalNumber": {"year": 2026, "number": number}})  # fmt: skip
    state.proposals[proposal_id] = proposal
    info = {"proposalId": proposal_id, "proposalString": f"2026-{number}"}
    return {"result": "SAVE-PROPOSAL-RESULT-OK", "info": info, "errorMessage": ""}


@handles("getProposals")
def get_proposals(state: MplusState, body: dict[str, Any]) -> dict[str, Any]:
    request = body["request"]
    relations = set(request.get("relationNumbers") or ())
    rows = [p for p in state.proposals.values()
            if not relations or p.get("relationNumber") in relations]  # fmt: skip
    return {"proposalList": {"proposal": [copy.deepcopy(p) for p in page(rows, request)]}}
