"""Customers v3: lookups by e-mail or id, batched create/update (10 per call), addresses;
customer groups (v2)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from bcapp.bigcommerce.resources import Resource
from bcapp.bigcommerce.resources.paging import BatchResult, chunked

#: Customers per create/update request (BigCommerce's documented maximum).
CUSTOMER_BATCH = 10
#: Values per ``email:in``/``id:in`` lookup, keeping URLs short.
LOOKUP_BATCH = 50
ADDRESS_BATCH = 10


class Customers(Resource):
    """``/customers`` and ``/customers/addresses``. E-mail is unique per channel, not per store."""

    def iterate(
        self,
        filters: Mapping[str, Any] | None = None,
        *,
        include: Iterable[str] | None = ("addresses",),
    ) -> Iterator[dict[str, Any]]:
        params = {**(filters or {}), "include": list(include) if include else None}
        return self.api.iter_v3("/customers", params)

    def by_emails(
        self, emails: Iterable[str], *, include: Iterable[str] | None = ("addresses",)
    ) -> list[dict[str, Any]]:
        """Customers with any of ``emails`` (possibly several per e-mail, one per channel)."""
        found: list[dict[str, Any]] = []
        for batch in chunked(dict.fromkeys(e.strip().lower() for e in emails), LOOKUP_BATCH):
            found.extend(self.iterate({"email:in": batch}, include=include))
        return found

    def by_ids(
        self, customer_ids: Iterable[int], *, include: Iterable[str] | None = ("addresses",)
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for batch in chunked(dict.fromkeys(customer_ids), LOOKUP_BATCH):
            found.extend(self.iterate({"id:in": batch}, include=include))
        return found

    def create_many(self, customers: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Create customers, 10 per request (``first_name``, ``last_name``, ``email`` required)."""
        return self.api.batches("POST", "/customers", [dict(c) for c in customers], CUSTOMER_BATCH)

    def update_many(self, customers: Sequence[Mapping[str, Any]]) -> BatchResult:
        """Update customers, 10 per request; each needs ``id``."""
        if any("id" not in customer for customer in customers):
            raise ValueError("a customer update needs each customer's id")
        return self.api.batches("PUT", "/customers", [dict(c) for c in customers], CUSTOMER_BATCH)

    def addresses(self, customer_ids: Iterable[int]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for batch in chunked(dict.fromkeys(customer_ids), LOOKUP_BATCH):
            found.extend(self.api.iter_v3("/customers/addresses", {"customer_id:in": batch}))
        return found

    def create_addresses(self, addresses: Sequence[Mapping[str, Any]]) -> BatchResult:
        return self.api.batches(
            "POST", "/customers/addresses", [dict(a) for a in addresses], ADDRESS_BATCH
        )

    def update_addresses(self, addresses: Sequence[Mapping[str, Any]]) -> BatchResult:
        if any("id" not in address for address in addresses):
            raise ValueError("an address update needs each address's id")
        return self.api.batches(
            "PUT", "/customers/addresses", [dict(a) for a in addresses], ADDRESS_BATCH
        )

    def groups(self) -> Iterator[dict[str, Any]]:
        """Every customer group (``/v2/customer_groups``: id, name, is_default, ...)."""
        return self.api.iter_v2("/customer_groups")
