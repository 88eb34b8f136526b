"""Customers v3: list with filters, create and update in batches of at most 10,
delete, and customer addresses.

``first_name``, ``last_name`` and ``email`` are required on create. An e-mail is
unique per channel, not per store: a customer without ``channel_ids`` has global
access and so clashes with the address on every channel. ``customer_group_id`` must
name an existing group (or be 0); ``authentication.new_password`` sets the customer's
password (kept out of every answer; ``force_password_reset`` is shown).
"""

from __future__ import annotations

from typing import Any

from bcapp.sandbox.bigcommerce.clock import iso, parse_date
from bcapp.sandbox.bigcommerce.customer_groups import check_group_id
from bcapp.sandbox.bigcommerce.errors import ApiError, unprocessable
from bcapp.sandbox.bigcommerce.router import Call, Reply, Route, v3_page
from bcapp.sandbox.bigcommerce.state import SandboxStore

CUSTOMER_BATCH_MAX = 10
ADDRESSES_MAX = 10
CUSTOMER_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "company",
    "phone",
    "notes",
    "tax_exempt_category",
    "customer_group_id",
    "registration_ip_address",
    "accepts_product_review_abandoned_cart_emails",
    "channel_ids",
    "origin_channel_id",
)
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "address1",
    "address2",
    "city",
    "state_or_province",
    "postal_code",
    "country_code",
    "phone",
    "address_type",
)
COUNTRIES = {
    "NL": "Netherlands",
    "BE": "Belgium",
    "DE": "Germany",
    "US": "United States",
    "GB": "United Kingdom",
    "JP": "Japan",
    "NO": "Norway",
    "FR": "France",
}


def render_customer(store: SandboxStore, customer: dict[str, Any], includes: set[str]) -> dict:
    """A customer as v3 shows it, with addresses when included."""
    # no channel_ids means global access; the key is then absent (non-nullable in the spec)
    data = {k: v for k, v in customer.items() if not k.startswith("_") and v is not None}
    addresses = [a for a in store.addresses.values() if a["customer_id"] == customer["id"]]
    data["address_count"] = len(addresses)
    data["date_modified"] = iso(customer["_mtime"])
    form = data.pop("form_fields", None) or []
    if "formfields" in includes:  # the customer's account form fields, as v3 includes them
        data["form_fields"] = [dict(f) for f in form]
    if "addresses" in includes:
        data["addresses"] = [dict(a) for a in addresses]
    if "storecredit" in includes:
        data["store_credit_amounts"] = [{"amount": 0}]
    if "formfields" in includes:  # account sign-up form fields the merchant added
        data["form_fields"] = [dict(f) for f in customer.get("_form_fields") or []]
    return data


def _channels(customer: dict[str, Any]) -> set[int] | None:
    ids = customer.get("channel_ids")
    return None if ids is None else set(ids)


def email_clash(
    store: SandboxStore, email: str, channels: set[int] | None, own_id: int = 0
) -> bool:
    """True when another customer with ``email`` can sign in on one of ``channels``."""
    for other in store.customers.values():
        if other["id"] == own_id or other["email"].lower() != email.lower():
            continue
        theirs = _channels(other)
        if channels is None or theirs is None or channels & theirs:
            return True
    return False


def _check(store: SandboxStore, item: dict[str, Any], index: int, own_id: int = 0) -> None:
    if not own_id:
        missing = [f for f in ("first_name", "last_name", "email") if not item.get(f)]
        if missing:
            raise unprocessable(
                "Create customers failed: required fields are missing.",
                **{f"[{index}].{f}": f"{f} is required" for f in missing},
            )
    email = item.get("email")
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise unprocessable("Invalid email.", **{f"[{index}].email": "invalid"})
    addresses = item.get("addresses") or []
    if not isinstance(addresses, list) or not all(isinstance(a, dict) for a in addresses):
        raise unprocessable(
            "addresses must be an array of objects.", **{f"[{index}].addresses": "invalid"}
        )
    if len(addresses) > ADDRESSES_MAX:
        raise unprocessable(f"At most {ADDRESSES_MAX} addresses per customer.")
    check_group_id(store, item.get("customer_group_id"), index)
    current = store.customers.get(own_id, {})
    channels = item.get("channel_ids", current.get("channel_ids"))
    if email and email_clash(store, email, None if channels is None else set(channels), own_id):
        raise unprocessable(
            f"Email {email} is already in use on this channel.",
            **{f"[{index}].email": "already in use"},
        )


def create_customer(store: SandboxStore, item: dict[str, Any]) -> dict[str, Any]:
    """Store one customer (and its addresses) and emit store/customer/created."""
    now = store.now()
    customer_id = store.next_id("customer")
    customer = {
        "id": customer_id,
        "company": "",
        "phone": "",
        "notes": "",
        "tax_exempt_category": "",
        "customer_group_id": 0,
        "registration_ip_address": "",
        "accepts_product_review_abandoned_cart_emails": False,
        "authentication": {"force_password_reset": False},
        "origin_channel_id": 1,
        "channel_ids": None,
        "date_created": iso(now),
        "_mtime": now,
        "attribute_count": 0,
    }
    customer.update({k: item[k] for k in CUSTOMER_FIELDS if k in item})
    customer["form_fields"] = _form_fields(item)
    _authentication(customer, item)
    store.customers[customer_id] = customer
    store.emit("store/customer/created", {"type": "customer", "id": customer_id})
    for address in item.get("addresses") or []:
        add_address(store, customer_id, address)
    return customer


def _authentication(customer: dict[str, Any], item: dict[str, Any]) -> None:
    """``authentication``: a new password (kept as ``_password``) and the reset flag."""
    given = item.get("authentication")
    if not isinstance(given, dict):
        return
    if given.get("new_password"):
        customer["_password"] = str(given["new_password"])
    if "force_password_reset" in given:
        customer["authentication"] = {"force_password_reset": bool(given["force_password_reset"])}


def _form_fields(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The ``form_fields`` a create names ({name, value}; the store's custom form fields)."""
    return [{"name": str(f["name"]), "value": f["value"]} for f in item.get("form_fields") or ()]


def add_address(store: SandboxStore, customer_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Store one address and emit store/customer/address/created."""
    address_id = store.next_id("address")
    code = str(body.get("country_code", "NL")).upper()
    address = {
        "id": address_id,
        "customer_id": customer_id,
        "address2": "",
        "company": "",
        "phone": "",
        "state_or_province": "",
        "address_type": "residential",
        "country": COUNTRIES.get(code, code),
        "form_fields": [],
    }
    address.update({k: body[k] for k in ADDRESS_FIELDS if k in body})
    address["form_fields"] = _form_fields(body)
    address["country_code"] = code
    store.addresses[address_id] = address
    store.emit(
        "store/customer/address/created",
        {"type": "customer", "id": address_id, "address": {"customer_id": customer_id}},
    )
    return address


def _matches(customer: dict[str, Any], call: Call) -> bool:
    ids, emails = call.ids("id"), call.strings("email")
    if ids is not None and customer["id"] not in ids:
        return False
    if emails is not None and customer["email"].lower() not in {e.lower() for e in emails}:
        return False
    names = call.strings("name")
    full = f"{customer['first_name']} {customer['last_name']}"
    if names is not None and full not in names:
        return False
    low = parse_date(call.query.get("date_modified:min", ""))
    high = parse_date(call.query.get("date_modified:max", ""))
    return (low is None or customer["_mtime"] >= low) and (
        high is None or customer["_mtime"] <= high
    )


def list_customers(call: Call) -> Reply:
    store, includes = call.store, call.includes()
    rows = [c for c in store.customers.values() if _matches(c, call)]
    field, _, direction = call.query.get("sort", "id:asc").partition(":")
    key = {"date_modified": "_mtime", "date_created": "id", "last_name:asc": "last_name"}.get(
        field, field
    )
    if key in ("id", "_mtime", "last_name", "first_name"):
        rows.sort(key=lambda c: (c[key], c["id"]), reverse=direction == "desc")
    return v3_page(call, rows, lambda c: render_customer(store, c, includes))


def post_customers(call: Call) -> Reply:
    items = call.json_list(CUSTOMER_BATCH_MAX, "customers")
    for index, item in enumerate(items):
        _check(call.store, item, index)
        others = [i for i in items[:index] if i.get("email", "").lower() == item["email"].lower()]
        if others:
            raise unprocessable(
                "Email is duplicated in the request.", **{f"[{index}].email": "duplicate"}
            )
    created = [create_customer(call.store, item) for item in items]
    data = [render_customer(call.store, c, {"addresses"}) for c in created]
    return Reply(200, {"data": data, "meta": {}})


def put_customers(call: Call) -> Reply:
    items = call.json_list(CUSTOMER_BATCH_MAX, "customers")
    store = call.store
    for index, item in enumerate(items):
        if item.get("id") not in store.customers:
            raise unprocessable("Customer not found.", **{f"[{index}].id": "not found"})
        _check(store, item, index, own_id=item["id"])
    for item in items:
        customer = store.customers[item["id"]]
        customer.update({k: item[k] for k in CUSTOMER_FIELDS if k in item})
        _authentication(customer, item)
        customer["_mtime"] = store.now()
        store.emit("store/customer/updated", {"type": "customer", "id": customer["id"]})
    data = [render_customer(store, store.customers[i["id"]], set()) for i in items]
    return Reply(200, {"data": data, "meta": {}})


def delete_customers(call: Call) -> Reply:
    ids = call.ids("id")
    if not ids:
        raise ApiError(422, "The id:in filter is required.", {"id:in": "required"})
    for customer_id in ids:
        if call.store.customers.pop(customer_id, None) is not None:
            for address_id in [
                a for a, row in call.store.addresses.items() if row["customer_id"] == customer_id
            ]:
                del call.store.addresses[address_id]
            call.store.emit("store/customer/deleted", {"type": "customer", "id": customer_id})
    return Reply(204)


# -- addresses ------------------------------------------------------------------------
def list_addresses(call: Call) -> Reply:
    ids, customers = call.ids("id"), call.ids("customer_id")
    rows = [
        dict(a)
        for a in call.store.addresses.values()
        if (ids is None or a["id"] in ids) and (customers is None or a["customer_id"] in customers)
    ]
    return v3_page(call, rows)


def post_addresses(call: Call) -> Reply:
    items = call.json_list(ADDRESSES_MAX, "addresses")
    for index, item in enumerate(items):
        if item.get("customer_id") not in call.store.customers:
            raise unprocessable("Customer not found.", **{f"[{index}].customer_id": "not found"})
        missing = [
            f
            for f in ("first_name", "last_name", "address1", "city", "country_code")
            if not item.get(f)
        ]
        if missing:
            raise unprocessable(
                "Address fields are missing.", **{f"[{index}].{f}": "required" for f in missing}
            )
    created = [add_address(call.store, i["customer_id"], i) for i in items]
    return Reply(200, {"data": created, "meta": {}})


def put_addresses(call: Call) -> Reply:
    items = call.json_list(ADDRESSES_MAX, "addresses")
    for index, item in enumerate(items):
        if item.get("id") not in call.store.addresses:
            raise unprocessable("Address not found.", **{f"[{index}].id": "not found"})
    for item in items:
        address = call.store.addresses[item["id"]]
        address.update({k: item[k] for k in ADDRESS_FIELDS if k in item})
        call.store.emit(
            "store/customer/address/updated",
            {
                "type": "customer",
                "id": address["id"],
                "address": {"customer_id": address["customer_id"]},
            },
        )
    return Reply(200, {"data": [call.store.addresses[i["id"]] for i in items], "meta": {}})


def delete_addresses(call: Call) -> Reply:
    ids = call.ids("id")
    if not ids:
        raise ApiError(422, "The id:in filter is required.", {"id:in": "required"})
    for address_id in ids:
        address = call.store.addresses.pop(address_id, None)
        if address is not None:
            call.store.emit(
                "store/customer/address/deleted",
                {
                    "type": "customer",
                    "id": address_id,
                    "address": {"customer_id": address["customer_id"]},
                },
            )
    return Reply(204)


ROUTES = [
    Route("GET", "/v3/customers", list_customers),
    Route("POST", "/v3/customers", post_customers),
    Route("PUT", "/v3/customers", put_customers),
    Route("DELETE", "/v3/customers", delete_customers),
    Route("GET", "/v3/customers/addresses", list_addresses),
    Route("POST", "/v3/customers/addresses", post_addresses),
    Route("PUT", "/v3/customers/addresses", put_addresses),
    Route("DELETE", "/v3/customers/addresses", delete_addresses),
]
