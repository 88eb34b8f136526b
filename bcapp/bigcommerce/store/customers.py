"""The customer side of the store facade: customers by e-mail, groups, and batched writes.

For the ERP → store customer flow. A customer's e-mail is unique per storefront, not per
store, so a lookup by e-mail answers every account with that address, each as a
:class:`StoreCustomer` (the canonical :class:`~bcapp.canonical.Customer` plus which
storefronts it may sign in on and its group); the flow picks the one on its storefront.

Writes go out 10 customers per request (BigCommerce's maximum), creates and updates
separately, a refused batch re-sent item by item (:func:`~.batches.isolating`), lazily,
one :class:`~.batches.WriteResult` per request. An update sends only the fields its
:class:`CustomerWrite` carries (None: leave the store's value), and addresses to add go
to the address endpoint afterwards. Nothing here ever sends ``authentication``: the
password a customer set in the store is theirs.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from bcapp.bigcommerce.client import BigCommerceClient
from bcapp.bigcommerce.mapping import customer_from_bc
from bcapp.bigcommerce.resources.customers import ADDRESS_BATCH, CUSTOMER_BATCH
from bcapp.bigcommerce.store.batches import Body, WriteResult, Written, isolating
from bcapp.canonical import Address, Customer

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class CustomerGroup:
    """A BigCommerce customer group (``/v2/customer_groups``)."""

    group_id: int
    name: str
    is_default: bool = False


@dataclass(frozen=True)
class StoreCustomer:
    """A registered customer as the store has it."""

    #: The canonical record: ``bc_id``, ``channel_id`` (the storefront it registered on),
    #: addresses with their ``bc_id``.
    customer: Customer
    #: Storefronts it may sign in on; None: every storefront.
    channel_ids: tuple[int, ...] | None = None
    group_id: int = 0

    @property
    def bc_id(self) -> int:
        return int(self.customer.bc_id or 0)

    def signs_in_on(self, channel_id: int) -> bool:
        """Whether the account is usable on storefront ``channel_id``."""
        if self.channel_ids is None:
            return True
        return channel_id in self.channel_ids or channel_id == self.customer.channel_id


@dataclass(frozen=True)
class CustomerWrite:
    """One customer to create (``bc_id`` None) or update; a None field is not sent.

    ``addresses``: on a create, the address book; on an update, addresses to add.
    ``channels``: on a create, the storefronts the account may sign in on (the first is
    where it is registered); ignored on an update.
    """

    email: str
    bc_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    company: str | None = None
    phone: str | None = None
    group_id: int | None = None
    addresses: tuple[Address, ...] = ()
    channels: tuple[int, ...] = (1,)
    #: On an update: the account's new e-mail address (None: keep it).
    new_email: str | None = None

    def fields(self) -> dict[str, Any]:
        """The customer fields this write sends (never a password)."""
        values = {
            "email": self.new_email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "company": self.company,
            "phone": self.phone,
            "customer_group_id": self.group_id,
        }
        return {k: v for k, v in values.items() if v is not None}


def store_customer(raw: dict[str, Any]) -> StoreCustomer:
    """A v3 customer (``include=addresses``) → :class:`StoreCustomer`."""
    channels = raw.get("channel_ids")
    return StoreCustomer(
        customer=customer_from_bc(raw),
        channel_ids=tuple(int(c) for c in channels) if isinstance(channels, list) else None,
        group_id=int(raw.get("customer_group_id") or 0),
    )


def address_body(address: Address, owner: CustomerWrite | None = None) -> dict[str, Any]:
    """A canonical address as a v3 customer address (names fall back to the customer's)."""
    first = address.first_name or (owner.first_name if owner else "") or ""
    last = address.last_name or (owner.last_name if owner else "") or ""
    body = {
        "first_name": first or last or "-",
        "last_name": last or "-",
        "company": address.company,
        "address1": address.street,
        "address2": address.street2,
        "city": address.city,
        "state_or_province": address.state,
        "postal_code": address.postal_code,
        "country_code": address.country_code.upper(),
        "phone": address.phone,
        "address_type": "commercial" if address.company else "residential",
    }
    return {k: v for k, v in body.items() if v != ""}


def create_body(write: CustomerWrite) -> dict[str, Any]:
    """The POST body of one new customer (registered on the first of its storefronts)."""
    body: dict[str, Any] = {"email": write.email, **write.fields()}
    body["origin_channel_id"] = write.channels[0]
    body["channel_ids"] = list(write.channels)
    if write.addresses:
        body["addresses"] = [address_body(a, write) for a in write.addresses[:10]]
    return body


class CustomerSide:
    """Customers and customer groups (a side of the store facade)."""

    client: BigCommerceClient

    #: Customers per create/update request (BigCommerce's documented maximum).
    customer_batch: ClassVar[int] = CUSTOMER_BATCH

    def customers_by_email(self, emails: Iterable[str]) -> dict[str, list[StoreCustomer]]:
        """Every registered account per (lower-case) e-mail, on any storefront (50 per read)."""
        found: dict[str, list[StoreCustomer]] = {}
        for raw in self.client.customers.by_emails(e for e in emails if e.strip()):
            account = store_customer(raw)
            found.setdefault(account.customer.email, []).append(account)
        return found

    def customers_by_id(self, bc_ids: Iterable[int]) -> dict[int, StoreCustomer]:
        """Registered customers by id, with addresses (50 per read)."""
        return {
            account.bc_id: account
            for account in (store_customer(raw) for raw in self.client.customers.by_ids(bc_ids))
        }

    def customer_groups(self) -> list[CustomerGroup]:
        """The store's customer groups."""
        return [
            CustomerGroup(int(g["id"]), str(g.get("name") or ""), bool(g.get("is_default")))
            for g in self.client.customers.groups()
            if "id" in g
        ]

    def write_customers(
        self, writes: Sequence[tuple[K, CustomerWrite]]
    ) -> Iterator[WriteResult[K]]:
        """Create and update customers, 10 per request; lazily, one result per request.

        A created item's ``bc_id`` is the new customer's id. An update whose addresses
        BigCommerce refuses counts as refused (its fields were written, its address not).
        """
        creates = [(key, create_body(w)) for key, w in writes if w.bc_id is None]
        yield from isolating(creates, self.customer_batch, self._create)
        adds = {key: w for key, w in writes if w.bc_id is not None and w.addresses}
        updates = [(key, {"id": w.bc_id, **w.fields()}) for key, w in writes if w.bc_id]
        for result in isolating(updates, self.customer_batch, self._update):
            yield self._add_addresses(result, adds)

    def _create(self, bodies: list[Body]) -> list[int]:
        created = self.client.customers.create_many(bodies)
        return [int(row["id"]) for row in created.data]

    def _update(self, bodies: list[Body]) -> None:
        changed = [b for b in bodies if len(b) > 1]  # an id alone: only addresses to add
        if changed:
            self.client.customers.update_many(changed)

    def _add_addresses(
        self, result: WriteResult[K], adds: dict[K, CustomerWrite]
    ) -> WriteResult[K]:
        entries = [
            (item.key, {"customer_id": adds[item.key].bc_id, **address_body(a, adds[item.key])})
            for item in result.done
            if item.key in adds
            for a in adds[item.key].addresses
        ]
        if not entries:
            return result
        refused: dict[K, Written[K]] = {}
        for added in isolating(entries, ADDRESS_BATCH, self._send_addresses):
            refused.update({w.key: w for w in added.failed})
        return WriteResult(tuple(refused.get(item.key, item) for item in result.items))

    def _send_addresses(self, bodies: list[Body]) -> None:
        self.client.customers.create_addresses(bodies)
