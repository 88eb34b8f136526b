"""Sales documents: orders with embedded lines, goods deliveries, sales (credit) invoices.

Amounts follow Exact's arithmetic for VAT codes of type E (excluding): a line's
``AmountFC`` is quantity x net price, its VAT that times the code's percentage
(a fraction, 0.21), rounded to cents. An order plans stock out of its warehouse
(``PlannedStockOut``); a delivery moves it out (``CurrentStock``) and sets the
order's status: 12 Open, 20 Partial, 21 Complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bcapp.sandbox.exact.state import DivisionData, Row, new_guid
from bcapp.sandbox.exact.writes import announce, coerce, refresh_item, require

CENT = Decimal("0.01")
ORDER_STATUS = {12: "Open", 20: "Partial", 21: "Complete", 45: "Cancelled"}
CREDIT_TYPES = frozenset({8021, 8024})


def money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def dec(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def vat_percentage(div: DivisionData, code: str | None) -> Decimal:
    """The fraction of a VAT code (0.21); WriteError for an unknown code."""
    if not code:
        return Decimal(0)
    found = div.find("VATCodes", Code=code)
    require(found, f"VAT code: '{code}' does not exist")
    return dec(found[0]["Percentage"])


def default_price(div: DivisionData, item_id: str) -> Decimal:
    prices = [p for p in div.find("SalesItemPrices", Item=item_id) if not p.get("Account")]
    return dec(prices[0]["Price"]) if prices else Decimal(0)


def main_warehouse(div: DivisionData) -> Row:
    rows = sorted(div.rows("Warehouses"), key=lambda w: -int(w.get("Main") or 0))
    require(rows, "Warehouse: no warehouse exists")
    return rows[0]


def _line(div: DivisionData, entity: str, body: Mapping[str, Any], number: int) -> Row:
    """A sales line with Exact's computed fields (item copies, amounts, VAT)."""
    line = coerce(entity, body)
    item = div.get("Items", line.get("Item"))
    require(item, "Item: Item does not exist")
    assert item is not None
    require(line.get("Quantity") is not None, "Mandatory: Quantity")
    price = line.get("NetPrice")
    if price is None:
        unit = line.get("UnitPrice")
        base = dec(unit) if unit is not None else default_price(div, item["ID"])
        price = base * (1 - dec(line.get("Discount")))
    amount = dec(line["Quantity"]) * dec(price)
    vat_code = line.get("VATCode") or item.get("SalesVatCode")
    percentage = vat_percentage(div, vat_code)
    vat_field = "VATAmount" if entity == "SalesOrderLines" else "VATAmountFC"
    line.update(
        {
            "ID": line.get("ID") or new_guid(),
            "LineNumber": number,
            "ItemCode": item["Code"],
            "ItemDescription": item["Description"],
            "Description": line.get("Description") or item["Description"],
            "NetPrice": float(dec(price)),
            "UnitPrice": line.get("UnitPrice", float(dec(price))),
            "AmountFC": money(amount),
            "VATCode": vat_code,
            "VATPercentage": float(percentage),
            vat_field: money(amount * percentage),
        }
    )
    return line


def _totals(lines: list[Row], vat_field: str) -> dict[str, float]:
    net = sum((dec(x["AmountFC"]) for x in lines), Decimal(0))
    vat = sum((dec(x[vat_field]) for x in lines), Decimal(0))
    return {"AmountFCExclVat": money(net), "AmountFC": money(net + vat)}


# -- orders --------------------------------------------------------------------------------


def create_sales_order(div: DivisionData, body: Mapping[str, Any]) -> Row:
    header = coerce("SalesOrders", body)
    account = div.get("Accounts", header.get("OrderedBy"))
    require(header.get("OrderedBy"), "Mandatory: Ordered by")
    require(account, "Ordered by: Account does not exist")
    assert account is not None
    raw_lines = body.get("SalesOrderLines") or []
    require(raw_lines, "A sales order needs at least one line")
    number = header.get("OrderNumber") or div.next_number("order")
    require(not div.find("SalesOrders", OrderNumber=number), f"Order number {number} exists")
    warehouse = div.get("Warehouses", header.get("WarehouseID")) or main_warehouse(div)
    order_id = header.get("OrderID") or new_guid()
    lines = [_line(div, "SalesOrderLines", raw, i) for i, raw in enumerate(raw_lines, 1)]
    header.update(
        {
            "OrderID": order_id,
            "OrderNumber": number,
            "OrderDate": header.get("OrderDate") or div.now(),
            "OrderedByName": account["Name"],
            "DeliverTo": header.get("DeliverTo") or account["ID"],
            "InvoiceTo": header.get("InvoiceTo") or account["ID"],
            "Currency": header.get("Currency") or "EUR",
            "WarehouseID": warehouse["ID"],
            "YourRef": header.get("YourRef"),
            "Description": header.get("Description") or "",
            "Status": 12,
            "StatusDescription": ORDER_STATUS[12],
            "DeliveryStatus": 12,
            "InvoiceStatus": 12,
            **_totals(lines, "VATAmount"),
        }
    )
    div.save("SalesOrders", header, created=True)
    for line in lines:
        line.update({"OrderID": order_id, "OrderNumber": number, "QuantityDelivered": 0.0})
        line.update({"QuantityInvoiced": 0.0})
        div.save("SalesOrderLines", line, created=True)
        plan_stock(div, line["Item"], warehouse["ID"], planned_out=dec(line["Quantity"]))
    announce(div, "SalesOrders", "Create", order_id)
    return header


def plan_stock(
    div: DivisionData,
    item_id: str,
    warehouse_id: str,
    *,
    planned_out: Decimal = Decimal(0),
    delivered: Decimal = Decimal(0),
) -> None:
    """Move an item's per-warehouse figures: planned out by orders, out by deliveries."""
    item = div.get("Items", item_id)
    if item is None or not item.get("IsStockItem"):
        return
    row = item_warehouse(div, item, warehouse_id)
    row["PlannedStockOut"] = float(dec(row["PlannedStockOut"]) + planned_out - delivered)
    row["CurrentStock"] = float(dec(row["CurrentStock"]) - delivered)
    row["ProjectedStock"] = float(
        dec(row["CurrentStock"]) + dec(row["PlannedStockIn"]) - dec(row["PlannedStockOut"])
    )
    div.save("ItemWarehouses", row)
    refresh_item(div, item)
    div.save("Items", item)
    announce(div, "ItemWarehouses", "Update", item["ID"])


def item_warehouse(div: DivisionData, item: Row, warehouse_id: str) -> Row:
    """The item's row for one warehouse (created at zero when missing)."""
    found = div.find("ItemWarehouses", Item=item["ID"], Warehouse=warehouse_id)
    if found:
        return found[0]
    warehouse = div.get("Warehouses", warehouse_id)
    require(warehouse, "Warehouse: Warehouse does not exist")
    assert warehouse is not None
    row = {
        "ID": new_guid(),
        "Item": item["ID"],
        "ItemCode": item["Code"],
        "Warehouse": warehouse["ID"],
        "WarehouseCode": warehouse["Code"],
        **dict.fromkeys(("CurrentStock", "ReservedStock", "PlannedStockIn"), 0.0),
        **dict.fromkeys(("PlannedStockOut", "ProjectedStock", "SafetyStock"), 0.0),
        "ReorderPoint": 0.0,
    }
    return div.save("ItemWarehouses", row, created=True)


# -- goods deliveries ----------------------------------------------------------------------


def create_goods_delivery(div: DivisionData, body: Mapping[str, Any]) -> Row:
    header = coerce("GoodsDeliveries", body)
    raw_lines = body.get("GoodsDeliveryLines") or []
    require(raw_lines, "A goods delivery needs at least one line")
    entry_id = new_guid()
    tracking = header.get("TrackingNumber") or ""
    lines = [_delivery_line(div, raw, i, entry_id, tracking) for i, raw in enumerate(raw_lines, 1)]
    orders = _orders_of(div, lines)
    order = orders[0]
    account = div.get("Accounts", order["DeliverTo"]) or {}
    warehouse = div.get("Warehouses", order["WarehouseID"]) or {}
    header.update(
        {
            "EntryID": entry_id,
            "DeliveryNumber": div.next_number("delivery"),
            "DeliveryDate": header.get("DeliveryDate") or div.now(),
            "DeliveryAccount": account.get("ID"),
            "DeliveryAccountCode": account.get("Code"),
            "DeliveryAccountName": account.get("Name"),
            "Description": header.get("Description") or "",
            "TrackingNumber": tracking,
            "Warehouse": warehouse.get("ID"),
            "WarehouseCode": warehouse.get("Code"),
        }
    )
    div.save("GoodsDeliveries", header, created=True)
    for line in lines:
        line["DeliveryDate"] = header["DeliveryDate"]
        div.save("GoodsDeliveryLines", line, created=True)
        _deliver(div, line)
    for each in orders:
        _order_status(div, each)
    announce(div, "GoodsDeliveries", "Create", entry_id)
    return header


def _delivery_line(
    div: DivisionData, body: Mapping[str, Any], number: int, entry_id: str, tracking: str
) -> Row:
    line = coerce("GoodsDeliveryLines", body)
    order_line = div.get("SalesOrderLines", line.get("SalesOrderLineID"))
    require(order_line, "Sales order line: does not exist")
    assert order_line is not None
    quantity = dec(line.get("QuantityDelivered"))
    open_quantity = dec(order_line["Quantity"]) - dec(order_line["QuantityDelivered"])
    require(quantity > 0, "Quantity delivered must be more than 0")
    require(quantity <= open_quantity, "Quantity delivered exceeds the quantity still to deliver")
    line.update(
        {
            "ID": new_guid(),
            "EntryID": entry_id,
            "LineNumber": number,
            "Item": order_line["Item"],
            "ItemCode": order_line["ItemCode"],
            "QuantityOrdered": order_line["Quantity"],
            "SalesOrderLineID": order_line["ID"],
            "SalesOrderLineNumber": order_line["LineNumber"],
            "SalesOrderNumber": order_line["OrderNumber"],
            "TrackingNumber": line.get("TrackingNumber") or tracking,
        }
    )
    return line


def _orders_of(div: DivisionData, lines: list[Row]) -> list[Row]:
    """The sales orders a delivery's lines belong to (a delivery may span several)."""
    orders: dict[str, Row] = {}
    for line in lines:
        order_line = div.get("SalesOrderLines", line["SalesOrderLineID"]) or {}
        order = div.get("SalesOrders", order_line.get("OrderID"))
        if order is not None:
            orders[order["OrderID"]] = order
    return list(orders.values())


def _deliver(div: DivisionData, line: Row) -> None:
    order_line = div.get("SalesOrderLines", line["SalesOrderLineID"])
    assert order_line is not None
    order = div.get("SalesOrders", order_line["OrderID"])
    assert order is not None
    quantity = dec(line["QuantityDelivered"])
    order_line["QuantityDelivered"] = float(dec(order_line["QuantityDelivered"]) + quantity)
    div.save("SalesOrderLines", order_line)
    plan_stock(div, line["Item"], order["WarehouseID"], delivered=quantity)


def _order_status(div: DivisionData, order: Row) -> None:
    lines = div.children("SalesOrderLines", "OrderID", order["OrderID"])
    done = [dec(x["QuantityDelivered"]) >= dec(x["Quantity"]) for x in lines]
    status = 21 if all(done) else 20
    order.update({"Status": status, "StatusDescription": ORDER_STATUS[status]})
    order["DeliveryStatus"] = status
    div.save("SalesOrders", order)
    announce(div, "SalesOrders", "Update", order["OrderID"])


# -- invoices ------------------------------------------------------------------------------


def create_sales_invoice(div: DivisionData, body: Mapping[str, Any]) -> Row:
    header = coerce("SalesInvoices", body)
    require(header.get("Journal"), "Mandatory: Journal")
    account = div.get("Accounts", header.get("OrderedBy") or header.get("InvoiceTo"))
    require(account, "Ordered by: Account does not exist")
    assert account is not None
    raw_lines = body.get("SalesInvoiceLines") or []
    require(raw_lines, "A sales invoice needs at least one line")
    invoice_id = new_guid()
    lines = [_line(div, "SalesInvoiceLines", raw, i) for i, raw in enumerate(raw_lines, 1)]
    header.update(
        {
            "InvoiceID": invoice_id,
            "InvoiceNumber": div.next_number("invoice"),
            "InvoiceDate": div.now(),
            "Type": header.get("Type") or 8020,
            "OrderedBy": account["ID"],
            "InvoiceTo": header.get("InvoiceTo") or account["ID"],
            "DeliverTo": header.get("DeliverTo") or account["ID"],
            "Currency": header.get("Currency") or "EUR",
            "Status": 20,
            **_totals(lines, "VATAmountFC"),
        }
    )
    header["VATAmountFC"] = money(dec(header["AmountFC"]) - dec(header["AmountFCExclVat"]))
    div.save("SalesInvoices", header, created=True)
    for line in lines:
        line["InvoiceID"] = invoice_id
        div.save("SalesInvoiceLines", line, created=True)
    announce(div, "SalesInvoices", "Create", invoice_id)
    return header
