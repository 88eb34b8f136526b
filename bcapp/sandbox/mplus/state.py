"""What the Mplus simulator remembers: one installation's articles, stock, relations, orders.

Records are kept as the same dicts the SOAP codec reads and writes (keys are
the WSDL's element names), so a handler answers with what it stored. Every
change takes the next value of one monotonic ``syncMarker`` counter, which is
what Mplus's ``syncMarker`` paging reads (Mplus keeps one per table; one shared
counter is indistinguishable to a client that pages with ``>``).

Seeding helpers (:meth:`MplusState.add_product`, ...) are for tests and the demo.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: The employee Mplus integrations use for web orders by convention.
WEB_EMPLOYEE = 999999


@dataclass
class Injection:
    """A pending fault: "server_fault", "http_503", "latency" or "timeout".

    "timeout" needs the transport from :meth:`MplusSandbox.transport` (it raises
    httpx.ReadTimeout client-side, as a stalled connection would).
    """

    kind: str
    remaining: int
    seconds: float = 0.0
    operation: str | None = None  # None: any operation


#: The installation's turnover groups (a shop's usual few; 1000 is the articles' default).
TURNOVER_GROUPS = {1000: "Omzet algemeen", 1100: "Omzet webshop", 1200: "Omzet outlet"}


@dataclass
class MplusState:
    """The whole state of one simulated installation."""

    ident: str = "sandbox-ident"
    secret: str = "sandbox-secret"
    marker: int = 0
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    article_index: dict[int, int] = field(default_factory=dict)  # article → product
    groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    stock: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    relations: dict[int, dict[str, Any]] = field(default_factory=dict)
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[str, dict[str, Any]] = field(default_factory=dict)
    proposals: dict[str, dict[str, Any]] = field(default_factory=dict)
    employees: dict[int, str] = field(default_factory=lambda: {WEB_EMPLOYEE: "Webshop"})
    branches: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Turnover groups (omzetgroepen): number → name; articles and order lines book on one.
    turnover_groups: dict[int, str] = field(default_factory=lambda: dict(TURNOVER_GROUPS))
    injections: list[Injection] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)  # errorMessages for the next writes
    calls: list[str] = field(default_factory=list)  # operation names, in order
    stock_id: int = 0
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        if not self.branches:
            self.add_branch(1, "Winkel", workplaces=(1,))

    # -- counters ----------------------------------------------------------

    def next_marker(self) -> int:
        """The next syncMarker (strictly increasing)."""
        self.marker += 1
        return self.marker

    def next_id(self) -> int:
        """A fresh number for products, relations, orders, groups."""
        return next(self._ids)

    # -- seeding -----------------------------------------------------------

    def add_branch(self, number: int, name: str, workplaces: Iterable[int] = (1,)) -> None:
        """Add a branch (filiaal) with its workplaces (kassa's)."""
        self.branches[number] = {
            "branchNumber": number,
            "branchName": name,
            "abbreviation": name[:3].upper(),
            "countryCode": 528,
            "countryIso3": "NLD",
            "countryName": "Nederland",
            "workplaces": {
                "workplace": [
                    {"workplaceNumber": w, "workplaceName": f"Kassa {w}", "isMobile": False}
                    for w in workplaces
                ]
            },
        }

    def add_product(
        self,
        articles: Iterable[Mapping[str, Any]],
        *,
        description: str = "",
        group_numbers: Iterable[int] = (),
        product_number: int | None = None,
        extra_text: str = "",
    ) -> int:
        """Store a product with its articles (dicts with at least ``articleNumber``)."""
        number = product_number or self.next_id()
        rows = [self._article(a) for a in articles]
        for row in rows:
            self.article_index[row["articleNumber"]] = number
        self.products[number] = {
            "productNumber": number,
            "description": description or rows[0].get("description", ""),
            "extraText": extra_text,
            "articleList": {"article": rows},
            "groupNumbers": list(group_numbers),
            "syncMarker": self.next_marker(),
        }
        return number

    def _article(self, article: Mapping[str, Any]) -> dict[str, Any]:
        row = {"active": True, "webshop": True, "vatCode": 2, "vatPercentage": 2100}
        row.update(copy.deepcopy(dict(article)))
        row["articleNumber"] = int(row["articleNumber"])
        row["syncMarker"] = self.next_marker()
        return row

    def touch_product(self, number: int) -> None:
        """Give a product (and its articles) a new syncMarker, as any change does."""
        product = self.products[number]
        product["syncMarker"] = self.next_marker()
        for article in product["articleList"]["article"]:
            article["syncMarker"] = product["syncMarker"]

    def add_group(
        self,
        name: str,
        *,
        parent: int = 0,
        number: int | None = None,
        text: str = "",
        sort_order: int = 0,
    ) -> int:
        """Store an article group (``parent`` 0 is a root)."""
        number = number or self.next_id()
        self.groups[number] = {
            "groupNumber": number,
            "name": name,
            "text": text,
            "sortOrder": sort_order,
            "parent": parent,
            "syncMarker": self.next_marker(),
        }
        return number

    def set_stock(
        self,
        article: int,
        free: int,
        reserved: int = 0,
        *,
        branch: int = 1,
        decimal_places: int = 0,
    ) -> None:
        """Set an article's stock in a branch (integers with decimal places, as Mplus)."""
        self.stock_id += 1
        self.stock[(branch, article)] = {
            "branchNumber": branch,
            "articleNumber": article,
            "stockId": self.stock_id,
            "amountFree": free,
            "decimalPlacesFree": decimal_places,
            "amountReserved": reserved,
            "decimalPlacesReserved": decimal_places,
            "amountIncoming": 0,
            "decimalPlacesIncoming": 0,
            "isDayStockArticle": False,
        }

    def add_relation(self, **fields: Any) -> int:
        """Store a relation (name, email, ...) and return its number."""
        number = int(fields.pop("relationNumber", 0)) or self.next_id()
        self.relations[number] = {
            "relationNumber": number,
            "active": True,
            **fields,
            "syncMarker": self.next_marker(),
        }
        return number

    def add_credit_invoice(
        self, order_id: str, lines: Iterable[tuple[int, int, int]], *, invoice_id: str = ""
    ) -> str:
        """Store a credit invoice for an order: lines of (article, quantity, total cents)."""
        order = self.orders[order_id]
        invoice_id = invoice_id or f"inv-{self.next_id()}"
        self.invoices[invoice_id] = {
            "invoiceId": invoice_id,
            "orderIds": {"id": [order_id]},
            "extOrderIds": {"id": [order["extOrderId"]]} if order.get("extOrderId") else {},
            "invoiceType": "INVOICE-TYPE-CREDIT-INVOICE",
            "syncMarker": self.next_marker(),
            "totalInclAmount": -sum(total for _, _, total in lines),
            "lineList": {
                "line": [
                    {
                        "articleNumber": article,
                        "data": {
                            "quantity": -quantity,
                            "decimalPlaces": 0,
                            "totalInclAmount": -total,
                        },
                    }
                    for article, quantity, total in lines
                ]
            },
        }
        return invoice_id

    # -- fault injection -----------------------------------------------------

    def inject(
        self, kind: str, times: int = 1, *, seconds: float = 0.0, operation: str | None = None
    ) -> None:
        """Make the next ``times`` calls (of ``operation``, or any) fail or stall."""
        if kind not in ("server_fault", "http_503", "latency", "timeout"):
            raise ValueError(f"unknown injection {kind!r}")
        self.injections.append(Injection(kind, times, seconds, operation))

    def reject_next_write(self, message: str) -> None:
        """The next write answers its ``…-FAILED`` result with this ``errorMessage``."""
        self.rejections.append(message)

    def take_injection(
        self,
        operation: str | None,
        kinds: tuple[str, ...] = (
            "server_fault",
            "http_503",
            "latency",
        ),
    ) -> Injection | None:
        """The injection of one of ``kinds`` that applies to this call, consuming one use."""
        for injection in self.injections:
            if injection.kind not in kinds:
                continue
            if injection.operation in (None, operation) and injection.remaining > 0:
                injection.remaining -= 1
                if injection.remaining == 0:
                    self.injections.remove(injection)
                return injection
        return None
