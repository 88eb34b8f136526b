"""POST/PUT/DELETE rules for items, relations and webhook subscriptions; generic CRUD.

Sales documents (orders, goods deliveries, invoices) live in :mod:`sales`. Every
handler gets a body that already passed :func:`validate.validate_body`, coerces
it to stored types, applies Exact's business rules (a :class:`WriteError` carries
the 400 message) and stamps the row through :meth:`DivisionData.save`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from bcapp.sandbox.exact.odata import parse_date_value
from bcapp.sandbox.exact.schema import builtin
from bcapp.sandbox.exact.state import DivisionData, Row, new_guid

#: What Exact shows for an item without a picture (mapping must not take it for an image).
PLACEHOLDER_PICTURE = "https://start.exactonline.nl/docs/images/placeholder_item.png"
#: The webhook topics the sandbox announces (E1 docblock, E6 list).
TOPICS = frozenset(
    {"Accounts", "Items", "StockPositions", "SalesOrders", "GoodsDeliveries", "SalesInvoices"}
)
#: Which topic a change of an entity announces.
ENTITY_TOPICS = {
    "Items": "Items",
    "Accounts": "Accounts",
    "SalesOrders": "SalesOrders",
    "GoodsDeliveries": "GoodsDeliveries",
    "SalesInvoices": "SalesInvoices",
    "ItemWarehouses": "StockPositions",
}
ACCOUNT_CODE_LENGTH = 18


class WriteError(Exception):
    """Exact refused the write; ``message`` is its error text (HTTP ``status``)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def coerce(entity: str, body: Mapping[str, Any]) -> Row:
    """The body's plain fields as stored values (dates parsed, guids lower-cased)."""
    fields = builtin()[entity].fields
    row: Row = {}
    for name, value in body.items():
        spec = fields.get(name)
        if spec is None or spec.collection:
            continue
        row[name] = _stored(spec.type, value)
    return row


def _stored(edm: str, value: Any) -> Any:
    if value is None:
        return None
    if edm == "Edm.DateTime":
        return parse_date_value(value)
    if edm == "Edm.Guid":
        return str(value).lower()
    if edm == "Edm.Double":
        return float(Decimal(str(value)))
    if edm in {"Edm.Int32", "Edm.Int16", "Edm.Int64", "Edm.Byte"}:
        return int(Decimal(str(value)))
    return value


def entity_path(div: DivisionData, entity: str, key: str) -> str:
    """``logistics/Items(guid'…')``: the record's address under the division."""
    return f"{builtin()[entity].path}(guid'{key}')"


def announce(div: DivisionData, entity: str, action: str, key: str) -> None:
    topic = ENTITY_TOPICS.get(entity)
    if topic:
        div.emit(topic, action, key, entity_path(div, entity, key))


def require(condition: Any, message: str) -> None:
    if not condition:
        raise WriteError(message)


# -- items ---------------------------------------------------------------------------------


def create_item(div: DivisionData, body: Mapping[str, Any]) -> Row:
    row = coerce("Items", body)
    code = str(row.get("Code") or "").strip()
    require(code, "Mandatory: Code")
    require(not div.find("Items", Code=code), f"Code: Item code '{code}' already exists")
    require(row.get("Description"), "Mandatory: Description")
    main_group = next(iter(div.rows("ItemGroups")), None)
    row = {
        "ID": row.get("ID") or new_guid(),
        "IsSalesItem": True,
        "IsStockItem": True,
        "IsWebshopItem": 1,
        "ItemGroup": main_group["ID"] if main_group else None,
        "SalesVatCode": "2",
        "Unit": "pc",
        "Barcode": "",
        "ExtraDescription": "",
        "Notes": "",
        "StartDate": div.now(),
        "EndDate": None,
        "NetWeight": None,
        "GrossWeight": None,
        "CostPriceStandard": 0.0,
        "PictureUrl": PLACEHOLDER_PICTURE,
        "Stock": 0.0,
        **row,
    }
    refresh_item(div, row)
    div.save("Items", row, created=True)
    announce(div, "Items", "Create", row["ID"])
    return row


def refresh_item(div: DivisionData, item: Row) -> None:
    """Recompute the item's read-only copies: group code/description and total stock."""
    group = div.get("ItemGroups", item.get("ItemGroup"))
    item["ItemGroupCode"] = group["Code"] if group else None
    item["ItemGroupDescription"] = group["Description"] if group else None
    item["Stock"] = float(
        sum(Decimal(str(w["CurrentStock"])) for w in div.find("ItemWarehouses", Item=item["ID"]))
    )


# -- relations -----------------------------------------------------------------------------


def padded_code(code: Any) -> str:
    """Account codes are 18 characters, numeric ones right-aligned with spaces."""
    text = str(code).strip()
    return text.rjust(ACCOUNT_CODE_LENGTH) if text.isdigit() else text


def create_account(div: DivisionData, body: Mapping[str, Any]) -> Row:
    row = coerce("Accounts", body)
    require(row.get("Name"), "Mandatory: Name")
    code = padded_code(row.get("Code") or div.next_number("account"))
    require(len(code) <= ACCOUNT_CODE_LENGTH, "Code: maximum length is 18 characters")
    require(not div.find("Accounts", Code=code), f"Code: Account code '{code.strip()}' exists")
    status = row.get("Status") or "C"
    row = {
        "ID": row.get("ID") or new_guid(),
        "Email": None,
        "Phone": None,
        "Country": "NL",
        "Blocked": False,
        "Language": "NL",
        **row,
        "Code": code,
        "Status": status,
        "IsSales": status == "C",
    }
    div.save("Accounts", row, created=True)
    announce(div, "Accounts", "Create", row["ID"])
    return row


def create_contact(div: DivisionData, body: Mapping[str, Any]) -> Row:
    row = coerce("Contacts", body)
    require(div.get("Accounts", row.get("Account")), "Account: Account does not exist")
    require(
        row.get("FirstName") or row.get("LastName"),
        "Provide at least first name or last name to create a new contact",
    )
    row.setdefault("ID", new_guid())
    row["FullName"] = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p)
    return div.save("Contacts", row, created=True)


def create_address(div: DivisionData, body: Mapping[str, Any]) -> Row:
    row = coerce("Addresses", body)
    require(div.get("Accounts", row.get("Account")), "Account: Account does not exist")
    require(row.get("Type") in {1, 2, 3, 4}, "Type: Visit=1, Postal=2, Invoice=3, Delivery=4")
    row.setdefault("ID", new_guid())
    row.setdefault("Main", False)
    return div.save("Addresses", row, created=True)


# -- webhook subscriptions -----------------------------------------------------------------


def create_subscription(
    div: DivisionData, body: Mapping[str, Any], *, client_id: str, app_domain: str
) -> Row:
    row = coerce("WebhookSubscriptions", body)
    topic, url = row.get("Topic"), str(row.get("CallbackURL") or "")
    require(topic in TOPICS, f"Topic: '{topic}' is not a supported webhook topic")
    parts = urlsplit(url)
    require(parts.scheme == "https", "CallbackURL: only https callback URLs are allowed")
    require(
        parts.hostname == app_domain,
        "CallbackURL: the domain must be the domain of the app's redirect URL",
    )
    duplicate = div.find("WebhookSubscriptions", Topic=topic, CallbackURL=url)
    require(not duplicate, "A subscription for this topic and callback URL already exists")
    row.update({"ID": new_guid(), "ClientID": client_id, "Description": "bcapp"})
    return div.save("WebhookSubscriptions", row, created=True)


# -- generic -------------------------------------------------------------------------------


def create_generic(div: DivisionData, entity: str, body: Mapping[str, Any]) -> Row:
    key = builtin()[entity].key
    row = coerce(entity, body)
    row.setdefault(key, new_guid())
    div.save(entity, row, created=True)
    announce(div, entity, "Create", row[key])
    return row


def update(div: DivisionData, entity: str, key: str, body: Mapping[str, Any]) -> None:
    """PUT: merge the given fields (embedded collections are not changed through a header)."""
    row = div.get(entity, key)
    if row is None:
        raise WriteError(f"Resource not found for the segment '{entity}'.", 404)
    changes = coerce(entity, body)
    if entity == "Accounts" and "Code" in changes:
        changes["Code"] = padded_code(changes["Code"])
    row.update(changes)
    if entity == "Items":
        refresh_item(div, row)
    div.save(entity, row)
    announce(div, entity, "Update", key)


def delete(div: DivisionData, entity: str, key: str) -> None:
    if div.delete(entity, key) is None:
        raise WriteError(f"Resource not found for the segment '{entity}'.", 404)
    announce(div, entity, "Delete", key)


Creator = Callable[[DivisionData, Mapping[str, Any]], Row]
CREATORS: dict[str, Creator] = {
    "Items": create_item,
    "Accounts": create_account,
    "Contacts": create_contact,
    "Addresses": create_address,
}
