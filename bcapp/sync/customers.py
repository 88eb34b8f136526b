"""Customers BigCommerce → ERP: the debtor an order is booked on, and customer upserts.

Matching. BigCommerce makes an e-mail unique per *channel*, not per store, and
guests have no customer id at all, so a customer's key in the binding table is
``"{channel_id}:{email}"`` (or ``"order:{id}"`` for an order without e-mail).
The ERP is asked by e-mail (``find_customer``) before anything is created, so a
worker that died between creating a relation and binding it finds that relation
again instead of creating a second one.

Person or organisation: a company name makes an organisation with a contact
person, unless the merchant switched ``company_as_organisation`` off. With
``customer_mode = default_debtor`` every order goes to one debtor and no
relation is ever created.

Updates (``store/customer/updated`` and the ``store/customer/address/*`` events)
follow per-field rules: the name and e-mail always go; the fields of the customers
settings' ``update_fields`` (phone and addresses by default) go too; the rest is
written only when the relation is created, because the ERP's copy may have been
corrected by hand. A write that would change nothing is skipped by hash.

The VAT number comes from the store form field the merchant names and is checked for
its country's shape first (:mod:`bcapp.sync.vat`); a malformed one is logged, not sent.

Both directions share one binding per relation (entity ``customer``), each keeping
the hash of what it last saw of its side: ``sync_hash`` is the store side
(:func:`store_digest`: what this flow would send), ``data["erp_hash"]`` the ERP side
(:func:`erp_digest` of the debtor as the ERP lists it). The ERP → store flow
(:mod:`bcapp.sync.customers_to_store`) sets ``sync_hash`` to the customer as
BigCommerce holds it after its write, so the webhook that write causes finds no
change here; and after a write to the ERP this flow reads the debtor back and sets
``erp_hash`` (only when that flow is on), so the ERP → store flow finds no change
there. A change written by one direction never echoes back through the other.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from typing import Any

from bcapp.config import current_settings
from bcapp.connectors.base import (
    Address,
    Capability,
    Customer,
    CustomerSource,
    DeliveryAddressBook,
    Order,
    OrderFeature,
)
from bcapp.errors import ConfigError, RetryableSyncError, SkipRecord
from bcapp.extensions import redis_ext
from bcapp.locks import RunLock
from bcapp.mapping.rules import CUSTOMER_UPDATE_FIELDS, StoreRules, rules_for
from bcapp.models import Binding
from bcapp.sync.classification import classified
from bcapp.sync.context import SyncContext
from bcapp.sync.field_mapping import map_customer
from bcapp.sync.records import Direction, Outcome, payload_hash, to_jsonable
from bcapp.sync.registry import register_flow, register_retry
from bcapp.sync.vat import with_vat_number

CUSTOMER = "customer"
#: Fields an update may overwrite in the ERP (besides name and e-mail).
UPDATABLE_FIELDS = CUSTOMER_UPDATE_FIELDS


def customer_key(customer: Customer, order_id: int | None = None) -> str:
    """The binding key: channel and e-mail (a guest has no BigCommerce id)."""
    email = customer.email.strip().lower()
    if email:
        return f"{customer.channel_id}:{email}"
    if order_id is None:
        raise SkipRecord("The customer has no e-mail address, so the ERP cannot match them.")
    return f"order:{order_id}"


def as_erp_customer(customer: Customer, rules: StoreRules) -> Customer:
    """The customer as the merchant wants the ERP to see them (organisation or person)."""
    if customer.company and not rules.orders.company_as_organisation:
        return replace(customer, company="")
    return customer


def update_fields(settings: dict[str, Any]) -> frozenset[str]:
    """The merchant's per-field update rule (unknown names are ignored)."""
    return rules_for(settings).customers.update_fields


def checked_vat(ctx: SyncContext, customer: Customer, country: str = "") -> Customer:
    """The customer with the VAT number of the merchant's form field, shape-checked.

    ``country``: the billing country (an order's); else the customer's first address's.
    A malformed number is noted in the run's log and left out.
    """
    if not country and customer.addresses:
        country = customer.addresses[0].country_code
    checked, problem = with_vat_number(customer, ctx.rules.customers.vat_number_field, country)
    if problem:
        ctx.note(problem)
    return checked


def for_update(customer: Customer, fields: frozenset[str]) -> Customer:
    """Blank what must not be overwritten (connectors leave blank fields untouched)."""
    changes: dict[str, Any] = {}
    if "phone" not in fields:
        changes["phone"] = ""
    if "vat_number" not in fields:
        changes["vat_number"] = ""
    if "addresses" not in fields:
        changes["addresses"] = ()
    if "classification" not in fields:  # the group then only classifies new relations
        changes["classification"] = ""
        changes["bc_group_id"] = None
    return replace(customer, **changes)


def address_key(address: Address) -> str:
    """A short fingerprint of a postal address (who and where, not its BigCommerce id)."""
    parts = (address.first_name, address.last_name, address.company, address.street,
             address.street2, address.postal_code, address.city, address.country_code)  # fmt: skip
    return payload_hash([p.strip().casefold() for p in parts])[:16]


def delivery_update(
    ctx: SyncContext, customer: Customer, binding: Binding | None, *, own_address: bool
) -> tuple[Customer, list[str]]:
    """The addresses an update sends, and the delivery addresses the relation then has.

    Only delivery addresses the relation lacks go (the ERP adds each one it is sent);
    ``own_address`` False blanks the first one, which leaves the relation's own alone.
    Without the rule or the connector feature the addresses are left as they are.
    """
    known = list((binding.data or {}).get("delivery_addresses") or []) if binding else []
    if not customer.addresses or not delivers(ctx):
        return customer, known
    main, *rest = customer.addresses
    current = {address_key(a): a for a in rest if a.street and address_key(a) != address_key(main)}
    new = [a for key, a in current.items() if key not in known]
    head = main if own_address else Address()
    kept = [key for key in known if key in current] + [address_key(a) for a in new]
    return replace(customer, addresses=(head, *new)), kept


def delivers(ctx: SyncContext) -> bool:
    """Whether new delivery addresses go to the ERP relation (rule and connector agree)."""
    features: frozenset[OrderFeature] = getattr(ctx.connector, "order_features", frozenset())
    return ctx.rules.customers.delivery_addresses and OrderFeature.DELIVERY_ADDRESSES in features


def _book_keys(customer: Customer) -> set[str]:
    """Keys of a customer's delivery addresses (every address but the first, with a street)."""
    if not customer.addresses:
        return set()
    main, *rest = customer.addresses
    return {address_key(a) for a in rest if a.street and address_key(a) != address_key(main)}


def address_book(
    ctx: SyncContext,
    binding: Binding | None,
    added: list[Address],
    *,
    book: Customer | None = None,
) -> str:
    """Keep the ERP ids of the relation's delivery addresses in step; a note for the log.

    Remembers the ERP id of each address in ``added`` (the connector finds it after the
    write that added it). With ``book`` (the customer's whole address book, from
    BigCommerce): a delivery address that was in the book and no longer is was deleted
    in the store, and is removed from the ERP relation (AFAS blocks it: it deletes no
    contact). Addresses only ever seen on orders are never removed: they were not in
    the book. Needs a connector with a :class:`DeliveryAddressBook`.
    """
    connector = ctx.connector
    if binding is None or ctx.dry_run or not isinstance(connector, DeliveryAddressBook):
        return ""
    ids: dict[str, list[Any]] = dict((binding.data or {}).get("delivery_address_ids") or {})
    for address in added:
        found = connector.find_delivery_address(binding.erp_id, address)
        if found:
            ids[address_key(address)] = [found, False]
    removed: list[str] = []
    if book is not None:
        current = _book_keys(book)
        for key in list(ids):
            if key in current:
                ids[key] = [ids[key][0], True]  # in the book now: a deletion removes it
            elif ids[key][1]:
                connector.remove_delivery_address(binding.erp_id, str(ids.pop(key)[0]))
                removed.append(key)
    # a removed address is no longer the relation's: sent again if it comes back
    known = [k for k in (binding.data or {}).get("delivery_addresses") or [] if k not in removed]
    ctx.binder.touch(binding, data={"delivery_address_ids": ids, "delivery_addresses": known})
    if not removed:
        return ""
    count = len(removed)
    return f" Removed {count} delivery address{'es' if count > 1 else ''} deleted in the store."


def store_digest(ctx: SyncContext, customer: Customer) -> str:
    """The hash of what this flow would send the ERP for a BigCommerce customer."""
    erp_view = as_erp_customer(customer, ctx.rules)
    country = customer.addresses[0].country_code if customer.addresses else ""
    erp_view, _ = with_vat_number(erp_view, ctx.rules.customers.vat_number_field, country)
    view = to_jsonable(for_update(erp_view, update_fields(ctx.settings)))
    # the group counts only where updates classify; the code itself follows from the group.
    # Left out when unset, so relations bound before these fields existed keep their hash.
    view.pop("classification", None)
    if view.get("bc_group_id") is None:
        view.pop("bc_group_id", None)
    return payload_hash(view)


def erp_digest(debtor: Customer) -> str:
    """The hash of an ERP relation as the connector lists it (``fetch_customers``)."""
    return payload_hash(debtor)


def note_erp_state(ctx: SyncContext, binding: Binding | None) -> None:
    """After a write to the ERP: remember the relation as the ERP now holds it (``erp_hash``).

    Only when the ERP → store customer flow is on (one read more per write): it then
    recognises the change as ours and does not write it back to the store.
    """
    if binding is None or ctx.dry_run or not reverse_flow_on(ctx):
        return
    connector = ctx.connector
    if not isinstance(connector, CustomerSource):
        return
    debtor = connector.fetch_customer(binding.erp_id)
    if debtor is not None:
        ctx.binder.touch(binding, data={"erp_hash": erp_digest(debtor)})


def reverse_flow_on(ctx: SyncContext) -> bool:
    """Whether debtors also flow ERP → store for this store."""
    return ctx.can(Capability.CUSTOMERS_FROM_ERP) and ctx.rules.enabled("customers_from_erp")


# -- the order's debtor -------------------------------------------------------------------------


def debtor_for_order(
    ctx: SyncContext, customer: Customer, order_id: int, *, order: Order | None = None
) -> str:
    """The ERP debtor an order is booked on: default debtor, bound, found, or created now.

    Commits the customer binding at once, so it survives a later failure of the order.
    A relation created here gets the merchant's customer field mapping (``order``: the
    order it is created for, which the templates may read).
    """
    rules = ctx.rules
    if rules.orders.uses_default_debtor:
        if not rules.orders.default_debtor:
            raise ConfigError("Orders go to one default debtor, but none is set in the settings.")
        return rules.orders.default_debtor
    customer = as_erp_customer(customer, rules)
    key = customer_key(customer, order_id)
    binding = ctx.binder.by_bc(CUSTOMER, key)
    if binding is not None and not _has_new_delivery_address(ctx, customer, binding):
        return binding.erp_id
    customer = map_customer(ctx, customer, order)
    # Two orders of one new customer at once must not create two relations.
    with RecordLock(ctx, "customer-" + hashlib.sha256(key.encode()).hexdigest()[:24], key):
        if binding is not None:
            return _add_delivery_addresses(ctx, customer, key, order_id)
        return _find_or_create(ctx, customer, key, order_id)


def _has_new_delivery_address(ctx: SyncContext, customer: Customer, binding: Binding) -> bool:
    if not delivers(ctx):
        return False
    update, _ = delivery_update(ctx, customer, binding, own_address=False)
    return len(update.addresses) > 1


def _add_delivery_addresses(ctx: SyncContext, customer: Customer, key: str, order_id: int) -> str:
    """An order's delivery address the bound relation lacks becomes one of its addresses.

    Create-or-update: the relation exists, so only what is new is sent (name and e-mail
    go with every update); the relation's own address is left alone.
    """
    binding = ctx.binder.by_bc(CUSTOMER, key)
    if binding is None:  # unbound meanwhile (an ERP switch): find or create instead
        return _find_or_create(ctx, customer, key, order_id)
    update, known = delivery_update(ctx, customer, binding, own_address=False)
    if len(update.addresses) < 2 or ctx.dry_run:
        return binding.erp_id
    sent = replace(for_update(update, frozenset()), addresses=update.addresses)
    ctx.connector.upsert_customer(sent, binding.erp_id)
    ctx.binder.touch(binding, data={"delivery_addresses": known})
    address_book(ctx, binding, list(update.addresses[1:]))
    count = len(update.addresses) - 1
    ctx.record(Outcome.UPDATED, CUSTOMER, key, binding.erp_id,
               f"Added {count} delivery address{'es' if count > 1 else ''} of order {order_id} "
               f"to {binding.erp_id}.", request=sent, direction=Direction.BC_TO_ERP)  # fmt: skip
    note_erp_state(ctx, binding)
    ctx.commit()
    return binding.erp_id


def _find_or_create(ctx: SyncContext, customer: Customer, key: str, order_id: int) -> str:
    binding = ctx.binder.by_bc(CUSTOMER, key)  # again, under the lock
    if binding is not None:
        return binding.erp_id
    erp_id = ctx.connector.find_customer(customer.email) if customer.email else None
    outcome = Outcome.UNCHANGED
    if erp_id is None:
        customer = classified(ctx, customer)
        erp_id = ctx.connector.upsert_customer(customer, searched=True)
        outcome = Outcome.CREATED
    bound = _bind(ctx, key, erp_id, customer)
    if outcome == Outcome.CREATED:
        address_book(ctx, bound, _delivery_sent(customer))
        note_erp_state(ctx, bound)
    message = ("Created" if outcome == Outcome.CREATED else "Matched") + (
        f" {customer.kind.value} {erp_id} for {customer.email or 'order ' + str(order_id)}"
    )
    ctx.record(outcome, CUSTOMER, key, erp_id, message, direction=Direction.BC_TO_ERP)
    ctx.commit()
    return erp_id


def _delivery_sent(customer: Customer) -> list[Address]:
    """The delivery addresses a new relation is created with (``_bind`` keeps their keys)."""
    main = address_key(customer.addresses[0]) if customer.addresses else ""
    unique = {address_key(a): a for a in customer.addresses[1:] if a.street}
    return [a for key, a in unique.items() if key != main]


def _bind(
    ctx: SyncContext, key: str, erp_id: str, customer: Customer, digest: str | None = None
) -> Binding | None:
    """Bind unless the ERP relation is already bound to another key (same e-mail, other channel)."""
    other = ctx.binder.by_erp(CUSTOMER, erp_id)
    if other is not None and other.bc_id != key:
        return None  # one ERP relation serves both channels; the first key keeps the binding
    main = address_key(customer.addresses[0]) if customer.addresses else ""
    sent = [address_key(a) for a in customer.addresses[1:] if a.street]  # created with them
    data = {"bc_id": customer.bc_id, "delivery_addresses": [k for k in sent if k != main]}
    return ctx.binder.bind(CUSTOMER, key, erp_id, sync_hash=digest, data=data)


class RecordLock:
    """A per-record Redis lock shared by every worker: waits up to ``ORDER_LOCK_WAIT`` s.

    Contention past the wait is a RetryableSyncError (the job is retried). The TTL
    (``ORDER_LOCK_TTL``) is renewed while held, so a killed worker frees it.
    """

    def __init__(self, ctx: SyncContext, name: str, label: str) -> None:
        config = current_settings()
        self.ttl, self.wait = config.order_lock_ttl, config.order_lock_wait
        self.ctx, self.name, self.label = ctx, name, label
        self.lock: RunLock | None = None

    def __enter__(self) -> RunLock:
        deadline = time.monotonic() + self.wait
        while True:
            lock = RunLock(redis_ext.client, self.ctx.install.id, self.name, ttl=self.ttl)
            try:
                self.lock = lock.acquire()
                return self.lock
            except RetryableSyncError:
                if time.monotonic() >= deadline:
                    raise RetryableSyncError(
                        f"{self.label} is being synced by another worker.", retry_after=5
                    ) from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        if self.lock is not None:
            self.lock.release()


# -- customer created/updated in BigCommerce -----------------------------------------------------


def upsert_customer(ctx: SyncContext, customer: Customer) -> Outcome:
    """Create or update the ERP relation of a BigCommerce customer (per-field update rules)."""
    rules = ctx.rules
    if rules.orders.uses_default_debtor:
        ctx.note(f"Customer {customer.email} not sent: every order goes to the default debtor.")
        return Outcome.SKIPPED
    if not rules.orders.from_exported_channel(customer.channel_id):
        ctx.note(f"Customer {customer.email} not sent: storefront {customer.channel_id}'s orders "
                 "do not go to this ERP (order settings).")  # fmt: skip
        return Outcome.SKIPPED
    customer = map_customer(ctx, checked_vat(ctx, as_erp_customer(customer, rules)))
    key = customer_key(customer)
    binding = ctx.binder.by_bc(CUSTOMER, key)
    erp_id = binding.erp_id if binding else ctx.connector.find_customer(customer.email)
    if erp_id is None:
        return _create(ctx, key, customer)
    fields = update_fields(ctx.settings)
    digest = store_digest(ctx, customer)
    if binding is not None and binding.sync_hash == digest:
        ctx.record(Outcome.UNCHANGED, CUSTOMER, key, erp_id, "No change for the ERP.")
        return Outcome.UNCHANGED
    if "classification" in fields:
        customer = classified(ctx, customer)
    update, known = for_update(customer, fields), list[str]()
    if "addresses" in fields:
        update, known = delivery_update(ctx, customer, binding, own_address=True)
        update = replace(for_update(update, fields - {"addresses"}), addresses=update.addresses)
    if not ctx.dry_run:
        ctx.connector.upsert_customer(update, erp_id)
    if binding is None:
        binding = _bind(ctx, key, erp_id, customer, digest)
    else:
        ctx.binder.touch(binding, digest)
    removed = ""
    if binding is not None and "addresses" in fields:
        ctx.binder.touch(binding, data={"delivery_addresses": known})
        if delivers(ctx):
            removed = address_book(ctx, binding, list(update.addresses[1:]), book=customer)
    note_erp_state(ctx, binding)
    ctx.record(Outcome.UPDATED, CUSTOMER, key, erp_id, f"Updated {customer.email}.{removed}",
               request=update)  # fmt: skip
    return Outcome.UPDATED


def _create(ctx: SyncContext, key: str, customer: Customer) -> Outcome:
    customer = classified(ctx, customer)
    if ctx.dry_run:
        ctx.preview(CUSTOMER, None, customer, bc_id=key)
        return Outcome.CREATED
    erp_id = ctx.connector.upsert_customer(customer)
    bound = _bind(ctx, key, erp_id, customer, store_digest(ctx, customer))
    address_book(ctx, bound, _delivery_sent(customer), book=customer)
    note_erp_state(ctx, bound)
    message = f"Created {customer.kind.value} {erp_id} for {customer.email}."
    ctx.record(Outcome.CREATED, CUSTOMER, key, erp_id, message, request=customer)
    return Outcome.CREATED


def fetch_customer(ctx: SyncContext, customer_id: int) -> Customer:
    """The BigCommerce customer with addresses, as a canonical record."""
    customer = ctx.store.customer(customer_id)
    if customer is None:
        raise SkipRecord(f"BigCommerce has no customer {customer_id} (deleted?).")
    return customer


@register_flow("customer_export", requires={Capability.CUSTOMERS}, queue="orders",
               group="customers", direction=Direction.BC_TO_ERP, per_record=True)  # fmt: skip
def export_customer_flow(ctx: SyncContext, *, customer_id: int) -> str:
    """One customer created or updated in BigCommerce → the ERP (webhook-driven)."""
    if not ctx.rules.enabled("customers"):
        return "Customer sync is switched off."
    outcome = upsert_customer(ctx, fetch_customer(ctx, customer_id))
    return f"Customer {customer_id}: {outcome.value}."


@register_retry(CUSTOMER, requires={Capability.CUSTOMERS}, queue="orders",
                direction=Direction.BC_TO_ERP)  # fmt: skip
def retry_customer(
    ctx: SyncContext, *, bc_id: Any = None, erp_id: Any = None, payload: Any = None
) -> str:
    """The log's Retry on a customer: re-read them from BigCommerce and upsert again."""
    binding = ctx.binder.by_bc(CUSTOMER, bc_id) if bc_id is not None else None
    customer_id = (binding.data or {}).get("bc_id") if binding else None
    if customer_id is None and str(bc_id or "").isdigit():
        customer_id = int(bc_id)
    if customer_id is None:
        raise ConfigError("This customer came from a guest order: retry the order instead.")
    return export_customer_flow(ctx, customer_id=int(customer_id))
