"""A division with test helpers: seed items with stock and prices, accounts, documents.

Seeding goes through the same rules as the API (``writes``/``sales``), so seeded
data looks exactly like data an app created: numbered, stamped, announced to
webhook subscribers. A fresh division has a main warehouse ``1``, a default item
group, and the usual Dutch sales VAT codes (sandbox defaults, not facts of Exact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from bcapp.sandbox.bigcommerce.clock import SandboxClock
from bcapp.sandbox.exact import sales, writes
from bcapp.sandbox.exact.state import DivisionData, Row, new_guid

#: (code, description, fraction, type): E = prices exclude VAT, I = include, N = none.
VAT_CODES = (
    ("0", "Geen BTW", "0", "N"),
    ("1", "BTW laag, exclusief", "0.09", "E"),
    ("2", "BTW hoog, exclusief", "0.21", "E"),
    ("3", "BTW laag, inclusief", "0.09", "I"),
    ("4", "BTW hoog, inclusief", "0.21", "I"),
)


class Division(DivisionData):
    """One division plus seed helpers (see the package docstring for the list)."""

    def __init__(self, code: int, clock: SandboxClock, description: str = "") -> None:
        super().__init__(code, clock, description)
        self.add_warehouse("1", "Hoofdmagazijn", main=True)
        self.add_item_group("DEFAULT", "Default item group", default=True)
        for code_, text, fraction, kind in VAT_CODES:
            row: Row = {"ID": new_guid(), "Code": code_, "Description": text}
            row.update({"Percentage": float(fraction), "Type": kind, "IsBlocked": False})
            self.save("VATCodes", row, created=True)

    # -- reference data -----------------------------------------------------------------

    def add_warehouse(self, code: str, description: str = "", *, main: bool = False) -> str:
        row: Row = {"ID": new_guid(), "Code": code, "Description": description or code}
        row["Main"] = 1 if main else 0
        return str(self.save("Warehouses", row, created=True)["ID"])

    def add_item_group(self, code: str, description: str = "", *, default: bool = False) -> str:
        row: Row = {"ID": new_guid(), "Code": code, "Description": description or code}
        row["IsDefault"] = 1 if default else 0
        return str(self.save("ItemGroups", row, created=True)["ID"])

    def warehouse_id(self, code: str) -> str:
        found = self.find("Warehouses", Code=code)
        return str(found[0]["ID"]) if found else self.add_warehouse(code)

    def item(self, code: str) -> Row:
        """The item row with ``code`` (KeyError when absent)."""
        found = self.find("Items", Code=code)
        if not found:
            raise KeyError(code)
        return found[0]

    # -- items, prices, stock -------------------------------------------------------------

    def add_item(
        self,
        code: str,
        description: str = "",
        *,
        price: Any = "10.00",
        group: str | None = None,
        stock: Any = None,
        vat_code: str = "2",
        barcode: str = "",
        webshop: bool = True,
        **fields: Any,
    ) -> str:
        """An item with a default sales price and, when ``stock`` is given, stock.

        ``stock`` is a quantity for the main warehouse or ``{warehouse code: quantity}``.
        Extra ``fields`` are Exact field names (``ExtraDescription``, ``NetWeight`` …).
        """
        body: dict[str, Any] = {"Code": code, "Description": description or f"Item {code}"}
        body.update({"SalesVatCode": vat_code, "Barcode": barcode, "IsWebshopItem": int(webshop)})
        if group:
            found = self.find("ItemGroups", Code=group)
            body["ItemGroup"] = found[0]["ID"] if found else self.add_item_group(group)
        body.update(fields)
        item = writes.create_item(self, body)
        if price is not None:
            self.set_price(code, price)
        per_warehouse = stock if isinstance(stock, Mapping) else {"1": stock}
        for warehouse, quantity in per_warehouse.items():
            if quantity is not None:
                self.set_stock(code, quantity, warehouse=warehouse)
        return str(item["ID"])

    def seed_items(self, count: int, *, stock: Any = 10, groups: int = 3) -> list[str]:
        """Items I00001… with prices 10.00 + n, spread over ``groups`` item groups."""
        codes = []
        for n in range(1, count + 1):
            code = f"I{n:05d}"
            group = f"G{n % groups}" if groups else None
            self.add_item(code, price=Decimal(10) + n, group=group, stock=stock)
            codes.append(code)
        return codes

    def touch_item(self, code: str, **changes: Any) -> Row:
        """Change an item (new Timestamp and Modified, an Items webhook event)."""
        item = self.item(code)
        writes.update(self, "Items", item["ID"], changes)
        return item

    def set_price(self, code: str, price: Any, currency: str = "EUR") -> None:
        """The item's default sales price (a SalesItemPrices row without account)."""
        item = self.item(code)
        found = [p for p in self.find("SalesItemPrices", Item=item["ID"]) if not p["Account"]]
        row = found[0] if found else {"ID": new_guid(), "Item": item["ID"], "Account": None}
        row.update({"ItemCode": code, "Price": float(Decimal(str(price))), "Currency": currency})
        row.update({"Quantity": 1.0, "Unit": item["Unit"], "StartDate": None, "EndDate": None})
        self.save("SalesItemPrices", row, created=not found)

    def set_stock(
        self,
        code: str,
        on_hand: Any,
        *,
        warehouse: str = "1",
        planned_out: Any = None,
        planned_in: Any = None,
    ) -> None:
        """Set an item's stock in one warehouse (a StockPositions webhook event)."""
        item = self.item(code)
        row = sales.item_warehouse(self, item, self.warehouse_id(warehouse))
        row["CurrentStock"] = float(Decimal(str(on_hand)))
        if planned_out is not None:
            row["PlannedStockOut"] = float(Decimal(str(planned_out)))
        if planned_in is not None:
            row["PlannedStockIn"] = float(Decimal(str(planned_in)))
        sales.plan_stock(self, item["ID"], row["Warehouse"])

    def delete_item(self, code: str) -> None:
        """Delete an item (a ``sync/Deleted`` row with EntityType 9)."""
        writes.delete(self, "Items", self.item(code)["ID"])

    # -- relations and documents ----------------------------------------------------------

    def add_account(self, name: str, email: str = "", **fields: Any) -> str:
        """A customer account (``Code`` auto-numbered and padded unless given)."""
        return str(writes.create_account(self, {"Name": name, "Email": email, **fields})["ID"])

    def add_sales_order(
        self, account_id: str, reference: str, lines: Iterable[tuple[str, Any]], **fields: Any
    ) -> Row:
        """A sales order; lines are (item code, quantity) at the item's default price."""
        body_lines = [{"Item": self.item(c)["ID"], "Quantity": float(q)} for c, q in lines]
        body = {"OrderedBy": account_id, "YourRef": reference, "SalesOrderLines": body_lines}
        return sales.create_sales_order(self, {**body, **fields})

    def order(self, number_or_reference: int | str) -> Row:
        """A sales order by OrderNumber (int) or YourRef (str)."""
        field = "OrderNumber" if isinstance(number_or_reference, int) else "YourRef"
        found = self.find("SalesOrders", **{field: number_or_reference})
        if not found:
            raise KeyError(number_or_reference)
        return found[0]

    def add_goods_delivery(
        self,
        order: int | str,
        lines: Iterable[tuple[str, Any]] | None = None,
        *,
        tracking: str = "",
    ) -> str:
        """Deliver an order: ``lines`` (item code, quantity), or everything still open."""
        header = self.order(order)
        open_lines = self.children("SalesOrderLines", "OrderID", header["OrderID"])
        wanted = dict(lines) if lines is not None else None
        body_lines = []
        for line in open_lines:
            left = Decimal(str(line["Quantity"])) - Decimal(str(line["QuantityDelivered"]))
            quantity = left if wanted is None else Decimal(str(wanted.get(line["ItemCode"], 0)))
            if quantity > 0:
                body_lines.append({"SalesOrderLineID": line["ID"], "QuantityDelivered": quantity})
        body = {"TrackingNumber": tracking, "GoodsDeliveryLines": body_lines}
        return str(sales.create_goods_delivery(self, body)["EntryID"])

    def add_credit_invoice(
        self, order: int | str, lines: Iterable[tuple[str, Any, Any]], *, journal: str = "70"
    ) -> str:
        """A credit invoice for an order; lines are (item code, quantity, net price per unit).

        Exact books credits with negative quantities; the invoice carries the order's
        YourRef and its lines point at the order.
        """
        header = self.order(order)
        body_lines = [
            {"Item": self.item(c)["ID"], "Quantity": -float(q), "NetPrice": float(p)}
            for c, q, p in lines
        ]
        body = {"OrderedBy": header["OrderedBy"], "Journal": journal, "Type": 8021}
        body.update({"YourRef": header["YourRef"], "SalesInvoiceLines": body_lines})
        invoice = sales.create_sales_invoice(self, body)
        for line in self.children("SalesInvoiceLines", "InvoiceID", invoice["InvoiceID"]):
            line.update(
                {"SalesOrder": header["OrderID"], "SalesOrderNumber": header["OrderNumber"]}
            )
        return str(invoice["InvoiceID"])
