"""Exact Online call budget: calls and simulated time for a first sync, an order day, a delta day.

Run: ``.venv/bin/python bench/exact.py [--items 10000] [--orders 500] [--poll-minutes 60]``.

Everything runs on the sandbox's simulated clock: each API call advances it by
``--call-ms`` (Exact's answer time), and the budget "sleeps" by advancing it, so
a day of traffic under the 60-a-minute and 5,000-a-day limits takes seconds.

What it drives is the wire client, the readers and the mappings of
``bcapp.connectors.exact`` with a small loop of its own (no Connector class and no
sync flows exist yet); it will be rewired to the real flows once they do. Phases:

1. **First sync**: item groups, then ``sync/`` Items, SalesItemPrices and
   StockPositions from Timestamp 0 (1,000 rows a page), and ``sync/Deleted``.
2. **Order day**: ``--orders`` store orders spread over 24 h; each is looked up by
   YourRef (crash recovery), its customer by e-mail (created when new) and then
   created with its lines and a shipping line (priority ORDERS). Exact delivers
   each order two hours later (the merchant's work, not counted); every poll
   interval reads goods deliveries and their lines (shipments) and the catalog
   deltas (items, prices, stock, deletions), priority CATALOG.
3. **Delta day**: ``--changed`` of the items change over 24 h; only the catalog polls run.
4. **Backlog**: the same orders exported back to back, to show the minute limit.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from bcapp.connectors.base import Address, Customer, MemoryCredentials, OrderLine
from bcapp.connectors.exact import mapping, payloads
from bcapp.connectors.exact.budget import LocalCallBudget, Priority
from bcapp.connectors.exact.client import ExactClient
from bcapp.connectors.exact.oauth import AppCredentials, TokenEndpoint, TokenManager, TokenSet
from bcapp.connectors.exact.odata import eq, string_literal
from bcapp.connectors.exact.reader import (
    DELETED_ITEMS,
    SYNC_DELIVERIES,
    SYNC_DELIVERY_LINES,
    SYNC_ITEMS,
    SYNC_PRICES,
    SYNC_STOCK,
    read_deleted,
    read_sync,
)
from bcapp.sandbox.exact import ExactSandbox

MONDAY = datetime(2026, 3, 2, tzinfo=UTC).timestamp()
DAY = 86_400.0
ORDER_PATHS = ("salesorder/SalesOrders", "crm/Accounts")


class ClockedTransport(httpx.BaseTransport):
    """The sandbox's transport, with each API call taking ``seconds`` of simulated time."""

    def __init__(self, sandbox: ExactSandbox, seconds: float) -> None:
        self.sandbox, self.seconds, self.inner = sandbox, seconds, sandbox.transport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/api/v1/" in request.url.path:
            self.sandbox.advance(self.seconds)
        return self.inner.handle_request(request)


@dataclass
class Cursors:
    """What a store would persist between runs."""

    items: int = 0
    prices: int = 0
    stock: int = 0
    deleted: int = 0
    deliveries: int = 0
    delivery_lines: int = 0
    order_refs: dict[int, str] = field(default_factory=dict)
    item_ids: dict[str, str] = field(default_factory=dict)
    shipments: int = 0


def build(args: argparse.Namespace) -> tuple[ExactSandbox, ExactClient, LocalCallBudget]:
    sandbox = ExactSandbox(speed=0, start=MONDAY, per_minute=args.per_minute, per_day=args.per_day)
    div = sandbox.division()
    div.seed_items(args.items, stock=25, groups=12)
    div.add_item("SHIP", "Verzendkosten", price="4.13", IsStockItem=False)
    credentials = MemoryCredentials(
        TokenSet.from_answer(sandbox.issue_tokens(), sandbox.clock.now()).to_values()
    )
    app = AppCredentials(sandbox.app.client_id, sandbox.app.client_secret, sandbox.app.redirect_uri)
    endpoint = TokenEndpoint.connect("nl", transport=sandbox.transport())
    tokens = TokenManager(endpoint, app, credentials, clock=sandbox.clock.now)
    budget = LocalCallBudget(
        str(sandbox.current_division),
        clock=sandbox.clock.now,
        sleep=sandbox.advance,
        max_wait=DAY,  # a long wait reschedules a job in production; here we just let time pass
        reserve_fraction=args.reserve,
    )
    transport = ClockedTransport(sandbox, args.call_ms / 1000)
    client = ExactClient.connect(
        "nl", tokens, division=sandbox.current_division, budget=budget, transport=transport
    )
    return sandbox, client, budget


# -- the work -----------------------------------------------------------------------------


def first_sync(client: ExactClient, cursors: Cursors) -> int:
    """Catalog from scratch; returns the number of products mapped."""
    groups = client.find("logistics/ItemGroups", select=mapping.GROUP_FIELDS)
    [mapping.category(g) for g in groups]
    return catalog_poll(client, cursors)


def catalog_poll(client: ExactClient, cursors: Cursors) -> int:
    """Items, prices, stock and deletions since the cursors (CATALOG priority)."""
    items = 0
    for page in read_sync(client, SYNC_ITEMS, mapping.ITEM_FIELDS, cursors.items):
        for row in page.rows:
            cursors.item_ids[row["Code"]] = row["ID"]
            mapping.product(row, price=None)
        items += len(page.rows)
        cursors.items = page.cursor
    for page in read_sync(client, SYNC_PRICES, mapping.PRICE_FIELDS, cursors.prices):
        mapping.prices_by_item(page.rows)
        cursors.prices = page.cursor
    for page in read_sync(client, SYNC_STOCK, mapping.STOCK_FIELDS, cursors.stock):
        mapping.stock_levels(page.rows)
        cursors.stock = page.cursor
    for page in read_deleted(client, DELETED_ITEMS, cursors.deleted):
        cursors.deleted = page.cursor
    return items


def shipments_poll(client: ExactClient, cursors: Cursors) -> None:
    """Goods deliveries and their lines since the cursors → shipments."""
    headers: list[dict[str, object]] = []
    for page in read_sync(client, SYNC_DELIVERIES, mapping.DELIVERY_FIELDS, cursors.deliveries):
        headers.extend(page.rows)
        cursors.deliveries = page.cursor
    lines: list[dict[str, object]] = []
    for page in read_sync(
        client, SYNC_DELIVERY_LINES, mapping.DELIVERY_LINE_FIELDS, cursors.delivery_lines
    ):
        lines.extend(page.rows)
        cursors.delivery_lines = page.cursor
    for header in headers:
        own = [line for line in lines if line["EntryID"] == header["EntryID"]]
        cursors.shipments += len(mapping.shipments(header, own, cursors.order_refs))


def customer(n: int) -> Customer:
    address = Address(
        street=f"Dorpsstraat {n}", postal_code="3833 LC", city="Leusden", country_code="NL"
    )
    return Customer(
        email=f"klant{n}@example.nl", first_name="Klant", last_name=str(n), addresses=(address,)
    )


def export_order(client: ExactClient, cursors: Cursors, n: int, customers: int) -> None:
    """One store order: find (crash recovery), customer, create with a shipping line."""
    reference = str(100_000 + n)
    orders = Priority.ORDERS
    found = client.first(
        "salesorder/SalesOrders",
        select=["OrderID"],
        filter=eq("YourRef", string_literal(reference)),
        priority=orders,
    )
    if found:
        return
    buyer = customer(n % customers)
    account = client.first(
        "crm/Accounts",
        select=["ID"],
        filter=eq("Email", string_literal(buyer.email)),
        priority=orders,
    )
    account_id = (
        account["ID"]
        if account
        else client.create("crm/Accounts", payloads.account_payload(buyer), priority=orders)["ID"]
    )
    skus = [f"I{(n * 7 + k) % len(cursors.item_ids) + 1:05d}" for k in (0, 1)]
    lines = [
        payloads.order_line(
            OrderLine(
                sku=s,
                name=s,
                quantity=Decimal(1),
                price_ex_tax=Decimal("12.40"),
                price_inc_tax=Decimal("15.00"),
                tax_rate=Decimal(21),
            ),
            item_id=cursors.item_ids[s],
            vat_code="2",
        )
        for s in skus
    ]
    lines.append(
        payloads.shipping_line(
            item_id=cursors.item_ids["SHIP"],
            amount_ex_tax=Decimal("4.13"),
            vat_code="2",
            description="PostNL",
        )
    )
    body = payloads.sales_order_payload(ordered_by=account_id, reference=reference, lines=lines)
    created = client.create("salesorder/SalesOrders", body, priority=orders)
    cursors.order_refs[int(created["OrderNumber"])] = reference


# -- the scenarios ------------------------------------------------------------------------


@dataclass
class Figures:
    calls: int
    seconds: float
    by_endpoint: Counter[str]
    refused: int


def measure(sandbox: ExactSandbox, work: object) -> Figures:
    before, started = len(sandbox.api_calls()), sandbox.clock.now()
    work()  # type: ignore[operator]
    calls = sandbox.api_calls()[before:]
    by_endpoint = Counter(c["path"].split("(")[0] for c in calls)
    refused = sum(1 for c in calls if c["status"] == 429)
    return Figures(len(calls), sandbox.clock.now() - started, by_endpoint, refused)


POLL, ORDER, DELIVERY, CHANGE = range(4)


def day_events(start: float, args: argparse.Namespace, orders: int) -> list[tuple[float, int, int]]:
    """(moment, kind, n) for one Exact budget day, midnight to midnight."""
    spacing = DAY / max(orders, 1)
    events = [(start + (n + 0.5) * spacing, ORDER, n) for n in range(orders)]
    events += [(t + 7200, DELIVERY, n) for t, _, n in events if t + 7200 < start + DAY]
    changed = int(args.items * args.changed) if orders == 0 else 0
    events += [(start + (k + 0.5) * DAY / max(changed, 1), CHANGE, k) for k in range(changed)]
    interval = args.poll_minutes * 60
    polls = int(DAY // interval)
    events += [(start + p * interval - 1, POLL, p) for p in range(1, polls + 1)]
    return sorted(events)


def run_day(
    sandbox: ExactSandbox,
    client: ExactClient,
    cursors: Cursors,
    args: argparse.Namespace,
    orders: int,
) -> int:
    """One day: orders arrive, Exact delivers each 2 h later, polls every interval.

    Returns the fewest calls the budget had left at any moment of the day.
    """
    div, lowest = sandbox.division(), args.per_day
    for moment, kind, n in day_events(sandbox.clock.now(), args, orders):
        sandbox.advance(max(0.0, moment - sandbox.clock.now()))
        reference = str(100_000 + n)
        if kind == ORDER:
            export_order(client, cursors, n, args.customers)
        elif kind == DELIVERY and reference in cursors.order_refs.values():
            div.add_goods_delivery(reference, tracking=f"3S{n:08d}")
        elif kind == CHANGE:
            code = f"I{n * 37 % args.items + 1:05d}"
            div.touch_item(code, Description=f"{code} (changed)")
        elif kind == POLL:
            if orders:
                shipments_poll(client, cursors)
            catalog_poll(client, cursors)
        left = client.budget.snapshot().daily_left
        lowest = min(lowest, args.per_day if left is None else left)
    return lowest


def next_midnight(sandbox: ExactSandbox) -> None:
    now = sandbox.clock.now()
    sandbox.advance((now // DAY + 1) * DAY - now)


def report(title: str, figures: Figures, extra: str = "") -> None:
    wall = figures.seconds
    if wall >= 3600:
        clock = f"{wall / 3600:.1f} h"
    else:
        clock = f"{wall / 60:.1f} min" if wall >= 60 else f"{wall:.0f} s"
    print(f"{title}: {figures.calls:,} calls, {clock} simulated, {figures.refused} got 429{extra}")
    top = ", ".join(f"{path} {n}" for path, n in figures.by_endpoint.most_common(6))
    print(f"    {top}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add = parser.add_argument
    add("--items", type=int, default=10_000)
    add("--orders", type=int, default=500)
    add("--customers", type=int, default=350, help="distinct buyers among the orders")
    add("--changed", type=float, default=0.02, help="share of items changed on the delta day")
    add("--poll-minutes", type=int, default=60, help="catalog and shipment poll interval")
    add("--per-minute", type=int, default=60)
    add("--per-day", type=int, default=5000)
    add("--reserve", type=float, default=0.2, help="share of the day kept for orders")
    add("--call-ms", type=float, default=400, help="simulated answer time of one call")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    real = time.perf_counter()
    sandbox, client, budget = build(args)
    cursors = Cursors()
    reserve = int(args.per_day * args.reserve)

    first = measure(sandbox, lambda: first_sync(client, cursors))
    report(f"first sync of {args.items:,} items with prices and stock", first)

    next_midnight(sandbox)
    tokens_before = len(sandbox.oauth.calls)
    lowest: list[int] = []
    day = measure(
        sandbox, lambda: lowest.append(run_day(sandbox, client, cursors, args, args.orders))
    )
    order_calls = sum(n for p, n in day.by_endpoint.items() if p.startswith(ORDER_PATHS))
    title = f"order day ({args.orders} orders, {cursors.shipments} shipments read that day)"
    report(title, day, f"; {order_calls / max(args.orders, 1):.2f} calls an order")
    intact = "intact" if lowest[0] >= reserve else "TOUCHED"
    print(
        f"    lowest left that day: {lowest[0]:,} of {args.per_day:,}; reserve {reserve:,} {intact}"
    )
    refreshes = len(sandbox.oauth.calls) - tokens_before
    print(f"    token refreshes that day: {refreshes} (token endpoint; Exact allows 200)")

    next_midnight(sandbox)
    delta = measure(sandbox, lambda: run_day(sandbox, client, cursors, args, 0))
    report(
        f"delta day ({args.changed:.0%} of items changed, polls every {args.poll_minutes} min)",
        delta,
    )

    next_midnight(sandbox)
    later = Cursors(item_ids=cursors.item_ids)

    def backlog() -> None:
        for n in range(args.orders, 2 * args.orders):
            export_order(client, later, n, args.customers)

    burst = measure(sandbox, backlog)
    report(f"backlog of {args.orders} orders exported back to back", burst)
    print(f"    {budget.snapshot().describe()}; real time {time.perf_counter() - real:.1f} s")


if __name__ == "__main__":
    main()
