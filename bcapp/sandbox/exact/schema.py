"""Entity definitions: a compact built-in schema, refined by Exact's meta-data.json when present.

The sandbox must run from a user's checkout, where ``../shared`` is absent, so the
entities it serves are described here in a few lines each (``name:type:methods``,
methods ``g`` get, ``p`` post, ``u`` put). When
``../shared/erp-specs/exact/meta-data.json`` exists (or ``BCAPP_SHARED_DIR`` points
at a folder holding it), request bodies are validated against Exact's own field
list instead: every documented field, its OData type and the methods it takes part
in. The file is reference data and never ships.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TYPES = {
    "G": "Edm.Guid",
    "S": "Edm.String",
    "D": "Edm.Double",
    "I": "Edm.Int32",
    "H": "Edm.Int16",
    "L": "Edm.Int64",
    "B": "Edm.Boolean",
    "Y": "Edm.Byte",
    "T": "Edm.DateTime",
}
METHODS = {"g": "get", "p": "post", "u": "put"}
COMMON = "Division:I:g Created:T:g Modified:T:g"


@dataclass(frozen=True)
class Field:
    """One property: OData type (or a child entity name for collections) and its methods."""

    name: str
    type: str
    methods: frozenset[str]

    @property
    def collection(self) -> bool:
        """True for an embedded collection such as ``SalesOrderLines``."""
        return not self.type.startswith("Edm.")


@dataclass(frozen=True)
class Entity:
    """One CRUD endpoint: its path under the division, key, methods and fields."""

    name: str
    path: str
    key: str
    methods: frozenset[str]
    fields: dict[str, Field]
    model: str  # Exact's model name, as in its error messages

    @property
    def collections(self) -> dict[str, str]:
        """Navigation property → child entity name."""
        return {f.name: f.type for f in self.fields.values() if f.collection}


def _entity(name: str, path: str, key: str, methods: str, model: str, spec: str) -> Entity:
    fields = {}
    for token in f"{spec} {COMMON}".split():
        fname, code, letters = token.split(":")
        ftype = TYPES.get(code, code)
        fields[fname] = Field(fname, ftype, frozenset(METHODS[c] for c in letters))
    verbs = {"g": "get", "p": "post", "u": "put", "d": "delete"}
    return Entity(name, path, key, frozenset(verbs[c] for c in methods), fields, model)


_SPECS: tuple[tuple[str, str, str, str, str, str], ...] = (
    (
        "Items",
        "logistics/Items",
        "ID",
        "gpud",
        "Logistics.Item",
        "ID:G:gp Code:S:gpu Description:S:gpu ExtraDescription:S:gpu Barcode:S:gpu "
        "IsSalesItem:B:gpu IsStockItem:B:gpu IsWebshopItem:Y:gpu ItemGroup:G:gpu "
        "ItemGroupCode:S:g ItemGroupDescription:S:g SalesVatCode:S:gpu Unit:S:gpu "
        "NetWeight:D:gpu GrossWeight:D:gpu CostPriceStandard:D:gp Notes:S:gpu StartDate:T:gpu "
        "EndDate:T:gpu PictureUrl:S:g Stock:D:g",
    ),
    (
        "ItemGroups",
        "logistics/ItemGroups",
        "ID",
        "g",
        "Logistics.ItemGroup",
        "ID:G:g Code:S:g Description:S:g IsDefault:Y:g",
    ),
    (
        "SalesItemPrices",
        "logistics/SalesItemPrices",
        "ID",
        "gpud",
        "Logistics.SalesItemPrice",
        "ID:G:gp Item:G:gpu ItemCode:S:g Price:D:gpu Currency:S:gpu Quantity:D:gpu Unit:S:gpu "
        "Account:G:gpu StartDate:T:gpu EndDate:T:gpu",
    ),
    (
        "Warehouses",
        "inventory/Warehouses",
        "ID",
        "g",
        "Inventory.Warehouse",
        "ID:G:g Code:S:g Description:S:g Main:Y:g",
    ),
    (
        "ItemWarehouses",
        "inventory/ItemWarehouses",
        "ID",
        "gpud",
        "Inventory.ItemWarehouse",
        "ID:G:gp Item:G:gp ItemCode:S:g Warehouse:G:gp WarehouseCode:S:g CurrentStock:D:g "
        "ReservedStock:D:g PlannedStockIn:D:g PlannedStockOut:D:g ProjectedStock:D:g "
        "SafetyStock:D:gpu ReorderPoint:D:gpu",
    ),
    (
        "StockPosition",
        "read/logistics/StockPosition",
        "ItemId",
        "g",
        "Read.Logistics.StockPosition",
        "ItemId:G:g InStock:D:g PlanningIn:D:g PlanningOut:D:g",
    ),
    (
        "Accounts",
        "crm/Accounts",
        "ID",
        "gpud",
        "CRM.Account",
        "ID:G:gp Code:S:gpu Name:S:gpu Email:S:gpu Phone:S:gpu AddressLine1:S:gpu "
        "AddressLine2:S:gpu Postcode:S:gpu City:S:gpu Country:S:gpu State:S:gpu "
        "VATNumber:S:gpu Status:S:gpu IsSales:B:g Blocked:B:gpu Language:S:gpu "
        "SalesVATCode:S:gpu MainContact:G:gpu ChamberOfCommerce:S:gpu Remarks:S:gpu "
        "SearchCode:S:gpu TradeName:S:gpu Website:S:gpu PaymentConditionSales:S:gpu",
    ),
    (
        "Contacts",
        "crm/Contacts",
        "ID",
        "gpud",
        "CRM.Contact",
        "ID:G:gp Account:G:gpu FirstName:S:gpu LastName:S:gpu FullName:S:g Email:S:gpu Phone:S:gpu",
    ),
    (
        "Addresses",
        "crm/Addresses",
        "ID",
        "gpud",
        "CRM.Address",
        "ID:G:gp Account:G:gpu Contact:G:gpu Type:H:gpu Main:B:gpu AddressLine1:S:gpu "
        "AddressLine2:S:gpu Postcode:S:gpu City:S:gpu State:S:gpu Country:S:gpu Phone:S:gpu",
    ),
    (
        "SalesOrders",
        "salesorder/SalesOrders",
        "OrderID",
        "gpud",
        "SalesOrder.SalesOrder",
        "OrderID:G:gp OrderNumber:I:gpu OrderDate:T:gpu OrderedBy:G:gp OrderedByName:S:g "
        "DeliverTo:G:gp InvoiceTo:G:gp DeliveryAddress:G:gpu YourRef:S:gpu Description:S:gpu "
        "Remarks:S:gpu Currency:S:gpu WarehouseID:G:gpu ShippingMethod:G:gpu "
        "PaymentCondition:S:gpu PaymentReference:S:gpu Discount:D:gpu "
        "Status:H:g StatusDescription:S:g DeliveryStatus:H:g "
        "InvoiceStatus:H:g AmountFC:D:g AmountFCExclVat:D:g "
        "SalesOrderLines:SalesOrderLines:gpu",
    ),
    (
        "SalesOrderLines",
        "salesorder/SalesOrderLines",
        "ID",
        "gpud",
        "SalesOrder.SalesOrderLine",
        "ID:G:gp OrderID:G:gpu OrderNumber:I:g LineNumber:I:g Item:G:gpu ItemCode:S:g "
        "ItemDescription:S:g Description:S:gpu Quantity:D:gpu QuantityDelivered:D:g "
        "QuantityInvoiced:D:g NetPrice:D:gpu UnitPrice:D:gpu Discount:D:gpu AmountFC:D:gpu "
        "VATCode:S:gpu VATPercentage:D:gpu VATAmount:D:gpu DeliveryDate:T:gpu UnitCode:S:gpu "
        "Notes:S:gpu CostCenter:S:gpu CostUnit:S:gpu",
    ),
    (
        "GoodsDeliveries",
        "salesorder/GoodsDeliveries",
        "EntryID",
        "gpu",
        "SalesOrder.GoodsDelivery",
        "EntryID:G:gp DeliveryNumber:I:g DeliveryDate:T:gp DeliveryAccount:G:g "
        "DeliveryAccountCode:S:g DeliveryAccountName:S:g Description:S:gp TrackingNumber:S:gpu "
        "ShippingMethod:G:gp ShippingMethodCode:S:g ShippingMethodDescription:S:g "
        "Remarks:S:gpu Warehouse:G:g WarehouseCode:S:g "
        "GoodsDeliveryLines:GoodsDeliveryLines:gpu",
    ),
    (
        "GoodsDeliveryLines",
        "salesorder/GoodsDeliveryLines",
        "ID",
        "gpu",
        "SalesOrder.GoodsDeliveryLine",
        "ID:G:g EntryID:G:gp LineNumber:I:g Item:G:g ItemCode:S:g QuantityDelivered:D:gp "
        "QuantityOrdered:D:g SalesOrderLineID:G:gp SalesOrderLineNumber:I:g "
        "SalesOrderNumber:I:g TrackingNumber:S:gpu DeliveryDate:T:g Notes:S:gpu",
    ),
    (
        "SalesInvoices",
        "salesinvoice/SalesInvoices",
        "InvoiceID",
        "gpud",
        "SalesInvoice.SalesInvoice",
        "InvoiceID:G:gp InvoiceNumber:I:g InvoiceDate:T:g Type:I:gpu Journal:S:gp "
        "OrderedBy:G:gpu InvoiceTo:G:gpu DeliverTo:G:gpu YourRef:S:gpu Description:S:gpu "
        "Currency:S:gpu OrderDate:T:gpu OrderNumber:I:gpu Status:H:g AmountFC:D:g "
        "AmountFCExclVat:D:g VATAmountFC:D:g Remarks:S:gpu PaymentCondition:S:gpu "
        "PaymentReference:S:gpu Discount:D:gpu "
        "SalesInvoiceLines:SalesInvoiceLines:gpu",
    ),
    (
        "SalesInvoiceLines",
        "salesinvoice/SalesInvoiceLines",
        "ID",
        "gpud",
        "SalesInvoice.SalesInvoiceLine",
        "ID:G:gp InvoiceID:G:gp LineNumber:I:g Item:G:gpu ItemCode:S:g Description:S:gpu "
        "Quantity:D:gpu NetPrice:D:gpu UnitPrice:D:gpu AmountFC:D:gpu VATCode:S:gpu "
        "VATAmountFC:D:gpu VATPercentage:D:gpu SalesOrder:G:g SalesOrderNumber:I:g "
        "Notes:S:gpu CostCenter:S:gpu CostUnit:S:gpu UnitCode:S:gpu",
    ),
    (
        "VATCodes",
        "vat/VATCodes",
        "ID",
        "gpud",
        "VAT.VATCode",
        "ID:G:gp Code:S:gpu Description:S:gpu Percentage:D:g Type:S:gpu IsBlocked:B:gpu",
    ),
    (
        "WebhookSubscriptions",
        "webhooks/WebhookSubscriptions",
        "ID",
        "gpud",
        "Webhooks.WebhookSubscription",
        "ID:G:gp CallbackURL:S:gpu Topic:S:gpu ClientID:G:g Description:S:g",
    ),
    (
        "Divisions",
        "system/Divisions",
        "Code",
        "g",
        "System.Division",
        "Code:I:g Description:S:g Current:B:g Country:S:g Currency:S:g CustomerName:S:g "
        "IsMainDivision:B:g",
    ),
)


@functools.cache
def builtin() -> dict[str, Entity]:
    """Entity name → definition, for every entity the sandbox serves."""
    return {spec[0]: _entity(*spec) for spec in _SPECS}


def by_path() -> dict[str, Entity]:
    """Lower-cased path under the division → entity (Exact's paths are case-insensitive)."""
    return {e.path.lower(): e for e in builtin().values()}


# -- meta-data.json -----------------------------------------------------------------------


def shared_dir() -> Path | None:
    """``../shared`` beside the checkout (or ``BCAPP_SHARED_DIR``), when it holds Exact's file."""
    env = os.environ.get("BCAPP_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[3] / ".." / "shared")
    for path in candidates:
        if (path / "erp-specs" / "exact" / "meta-data.json").is_file():
            return path.resolve()
    return None


@functools.lru_cache(maxsize=2)
def load_meta(root: str | None = None) -> dict[str, Entity] | None:
    """Exact's meta-data.json as entity definitions keyed by entity name (None when absent)."""
    base = Path(root) if root else shared_dir()
    if base is None:
        return None
    raw = json.loads((base / "erp-specs" / "exact" / "meta-data.json").read_text("utf-8"))
    return {name: _from_meta(name, item) for name, item in raw.items()}


def _from_meta(name: str, item: dict[str, Any]) -> Entity:
    fields = {}
    key = ""
    for prop in item.get("properties", []):
        methods = frozenset(m for m, on in prop.get("supportedMethods", {}).items() if on)
        fields[prop["name"]] = Field(prop["name"], prop.get("type", "Edm.String"), methods)
        if prop.get("primaryKey") and not key:
            key = prop["name"]
    verbs = frozenset(m for m, on in item.get("supportedMethods", {}).items() if on)
    path = item.get("uri", "").split("/{division}/", 1)[-1]
    return Entity(name, path, key, verbs, fields, name)


def validation_entity(name: str) -> Entity:
    """The definition to validate ``name``'s request bodies with: Exact's own when present."""
    meta = load_meta()
    if meta is not None and name in meta:
        return meta[name]
    return builtin()[name]
