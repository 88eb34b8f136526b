"""One simulated store: its data (plain dicts keyed by id), users, tokens and quota.

Everything a test may want to inspect lives here as public attributes:
``products``, ``variants``, ``customers``, ``orders``, ``hooks``, ``events``,
``deliveries`` and so on. Mutations happen under the sandbox's lock.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bcapp.sandbox.bigcommerce.ratelimit import RateWindow, quota_for

if TYPE_CHECKING:
    from bcapp.sandbox.bigcommerce.app import BigCommerceSandbox


@dataclass
class Failure:
    """An injected failure for the next request: a 5xx status or a timeout."""

    status: int = 500
    timeout: bool = False


class SandboxStore:
    """A store: catalog, customers, orders, hooks, and the shared rate quota."""

    def __init__(
        self,
        sandbox: BigCommerceSandbox,
        store_hash: str,
        plan: str,
        quota: int | None,
        store_id: int,
    ) -> None:
        self.sandbox = sandbox
        self.hash = store_hash
        self.store_id = str(store_id)
        self.plan = plan
        self.name = f"Sandbox store {store_hash}"
        self.rate = RateWindow(quota_for(plan, quota))
        self.installed = False
        self.tokens: dict[str, str] = {}  # token → client_id
        self.owner: dict[str, Any] = {
            "id": 1,
            "username": "owner",
            "email": f"owner@{store_hash}.example.com",
        }
        self.users = {
            1: self.owner,
            2: {"id": 2, "username": "staff", "email": f"staff@{store_hash}.example.com"},
        }
        self.failures: list[Failure] = []
        self._ids: dict[str, int] = defaultdict(int)
        self._init_data()

    def _init_data(self) -> None:
        #: (price list id, variant id or SKU, currency) → record (``pricelists.py``).
        self.price_records: dict[tuple[int, str, str], dict[str, Any]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.variants: dict[int, dict[str, Any]] = {}
        self.options: dict[int, dict[str, Any]] = {}
        self.images: dict[int, dict[str, Any]] = {}
        self.custom_fields: dict[int, dict[str, Any]] = {}
        self.metafields: dict[int, dict[str, Any]] = {}
        self.brands: dict[int, dict[str, Any]] = {}
        self.categories: dict[int, dict[str, Any]] = {}
        self.trees: dict[int, dict[str, Any]] = {1: {"id": 1, "name": "Default", "channels": [1]}}
        self._ids["tree"] = 1
        self.channels: dict[int, dict[str, Any]] = {1: {"id": 1, "name": "Default storefront"}}
        self.channel_assignments: set[tuple[int, int]] = set()
        self.locations: dict[int, dict[str, Any]] = {1: {"id": 1, "code": "BC-LOCATION-1"}}
        self.stock: dict[tuple[str, int, int], int] = {}  # (kind, id, location_id) → qty
        self.customers: dict[int, dict[str, Any]] = {}
        self.customer_groups: dict[int, dict[str, Any]] = {}
        self.addresses: dict[int, dict[str, Any]] = {}
        self.orders: dict[int, dict[str, Any]] = {}
        self.order_products: dict[int, dict[str, Any]] = {}
        self.order_addresses: dict[int, dict[str, Any]] = {}
        self.shipments: dict[int, dict[str, Any]] = {}
        self.refunds: dict[int, dict[str, Any]] = {}
        self.refund_quotes: dict[int, dict[str, Any]] = {}
        self.transactions: dict[int, dict[str, Any]] = {}
        self.status_labels: dict[int, str] = {}
        self.hooks: dict[int, dict[str, Any]] = {}
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[Any] = []
        self.notices: list[dict[str, Any]] = []
        self.admin_emails: list[str] = []
        self._ids["order"] = 100
        self._variants_by_product: dict[int, dict[int, None]] = defaultdict(dict)
        self._skus: dict[str, set[tuple[str, int]]] = defaultdict(set)
        self.product_names: dict[str, int] = {}
        self._owned: dict[str, dict[int, dict[int, None]]] = defaultdict(lambda: defaultdict(dict))

    def add_storefront(self, name: str, *, with_tree: bool = True) -> int:
        """A further storefront channel (multi-storefront), with its own category tree
        as the control panel sets one up; returns the channel id."""
        channel_id = max(self.channels) + 1
        self.channels[channel_id] = {"id": channel_id, "name": name}
        if with_tree:
            tree_id = self.next_id("tree")
            self.trees[tree_id] = {"id": tree_id, "name": name, "channels": [channel_id]}
        return channel_id

    # -- indexes (catalog writes keep them; lookups stay O(1) at catalog scale) ------
    def put_variant(self, record: dict[str, Any]) -> None:
        """Store a variant and index it by product and SKU."""
        self.variants[record["id"]] = record
        self._variants_by_product[record["product_id"]][record["id"]] = None
        self.index_sku(record["sku"], ("variant", record["id"]))

    def drop_variant(self, variant_id: int) -> dict[str, Any]:
        """Remove a variant from the store and its indexes."""
        record = self.variants.pop(variant_id)
        self._variants_by_product[record["product_id"]].pop(variant_id, None)
        self.unindex_sku(record["sku"], ("variant", variant_id))
        return record

    def variants_of(self, product_id: int) -> list[dict[str, Any]]:
        """A product's variants (base variant included), oldest first."""
        return [self.variants[i] for i in self._variants_by_product.get(product_id, {})]

    def put_owned(self, table: str, row: dict[str, Any]) -> None:
        """Store a product's image, custom field or option (``table`` names the dict)."""
        getattr(self, table)[row["id"]] = row
        self._owned[table][row["product_id"]][row["id"]] = None

    def drop_owned(self, table: str, row_id: int) -> dict[str, Any] | None:
        """Remove one row of a product's ``table``."""
        row = getattr(self, table).pop(row_id, None)
        if row is not None:
            self._owned[table][row["product_id"]].pop(row_id, None)
        return row

    def owned(self, table: str, product_id: int) -> list[dict[str, Any]]:
        """A product's rows of ``table`` (images, custom_fields, options), oldest first."""
        rows = getattr(self, table)
        return [rows[i] for i in self._owned[table].get(product_id, {})]

    def index_sku(self, sku: str | None, owner: tuple[str, int]) -> None:
        if sku:
            self._skus[sku.lower()].add(owner)

    def unindex_sku(self, sku: str | None, owner: tuple[str, int]) -> None:
        if sku:
            self._skus[sku.lower()].discard(owner)

    def sku_owners(self, sku: str) -> set[tuple[str, int]]:
        """Products and variants carrying ``sku`` (case-insensitive)."""
        return set(self._skus.get(sku.lower(), ()))

    # -- ids, tokens, clock -------------------------------------------------
    def next_id(self, kind: str) -> int:
        """The next id of ``kind`` (ids are per store and never reused)."""
        self._ids[kind] += 1
        return self._ids[kind]

    def now(self) -> float:
        """Simulated time."""
        return self.sandbox.clock.now()

    def issue_token(self, client_id: str) -> str:
        """A fresh token for ``client_id`` on this store (older ones of that client end)."""
        for token, owner in list(self.tokens.items()):
            if owner == client_id:
                self.sandbox.revoke_token(token)
        token = secrets.token_hex(16)
        self.tokens[token] = client_id
        self.sandbox.register_token(token, self.hash)
        return token

    @property
    def access_token(self) -> str:
        """The token of the sandbox's own app client (the one tests and the demo use)."""
        for token, client_id in self.tokens.items():
            if client_id == self.sandbox.client_id:
                return token
        return self.issue_token(self.sandbox.client_id)

    # -- test knobs ------------------------------------------------------------
    def consume_quota(self, n: int) -> None:
        """Simulate other apps' requests using ``n`` of this window's shared quota."""
        with self.sandbox.lock:
            self.rate.consume(self.now(), n)

    def fail_next(self, n: int = 1, status: int = 500, *, timeout: bool = False) -> None:
        """The next ``n`` API requests fail with ``status`` (or time out)."""
        with self.sandbox.lock:
            self.failures.extend(Failure(status, timeout) for _ in range(n))

    def emit(self, scope: str, data: dict[str, Any]) -> None:
        """Record a store event and queue deliveries to every matching active hook."""
        from bcapp.sandbox.bigcommerce.webhooks import record_event

        record_event(self, scope, data)
