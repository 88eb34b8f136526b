"""Customers ERP → BigCommerce: debtors become (B2B) store accounts (issue 17, point 5).

``customers_from_erp`` (group "customers_from_erp", off until the merchant switches it
on; every 60 min) polls the connector's changed relations
(:class:`~bcapp.connectors.base.CustomerSource`, ``Capability.CUSTOMERS_FROM_ERP``) from
the saved cursor and, per debtor with an e-mail address:

1. **skips** it at no cost when the debtor hashes as it did when this flow (or the
   store → ERP flow, which records the debtor after writing it) last saw it, or when
   its change does not touch anything written to the store (a VAT number);
2. **matches** the BigCommerce account by e-mail on the first of the merchant's
   storefronts (an e-mail is unique per storefront, not per store), or the account it
   is bound to;
3. **creates** the account (on those storefronts, with the debtor's addresses) or
   **updates** the fields that differ, never a field the merchant excluded and never
   the password (the facade never sends one), adds addresses the account lacks, and
   puts it in the BigCommerce group the merchant mapped the debtor's group to;
4. **binds** debtor and account with both sides' hashes: the ERP side (``erp_hash``),
   what was written (``to_store``) and the account as BigCommerce holds it afterwards
   (``sync_hash``, read back), so the ``store/customer/*`` webhook our own write causes
   is recognised by the store → ERP flow and goes nowhere (:mod:`bcapp.sync.customers`).

Writes go out 10 per request; a request BigCommerce refuses is re-sent item by item
and the refused debtor is logged with BigCommerce's words. A debtor whose group maps
to a BigCommerce group that does not exist is skipped, naming the group. The log's
entity is ``debtor`` (its Retry reads the debtor again); the binding's is ``customer``,
shared with the store → ERP direction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bcapp.bigcommerce.store import CustomerWrite, StoreCustomer, WriteResult
from bcapp.connectors.base import Address, Capability, Customer, CustomerSource
from bcapp.errors import ConfigError, SkipRecord
from bcapp.mapping.rules import CustomersFromErpRules
from bcapp.models import Binding
from bcapp.sync.context import SyncContext
from bcapp.sync.customers import CUSTOMER, customer_key, erp_digest, store_digest
from bcapp.sync.records import Direction, Outcome, payload_hash
from bcapp.sync.registry import register_flow, register_retry

FLOW = "customers_from_erp"
#: The log's entity for this direction (its Retry reads the debtor again).
DEBTOR = "debtor"


def customer_source(ctx: SyncContext) -> CustomerSource:
    """The connector as one that lists the ERP's relations (ConfigError otherwise)."""
    connector = ctx.connector
    if not isinstance(connector, CustomerSource):
        raise ConfigError(f"The {connector.label} connection cannot list its debtors.")
    return connector


def address_key(address: Address) -> tuple[str, ...]:
    """Street, postal code and country, without spaces or case: the same place."""
    parts = (address.street, address.street2, address.postal_code, address.country_code)
    return tuple("".join(p.split()).casefold() for p in parts)


def usable(address: Address) -> bool:
    """What BigCommerce needs of an address: a street, a city and a country."""
    return bool(address.street and address.city and address.country_code)


def names(debtor: Customer) -> tuple[str, str]:
    """First and last name for BigCommerce (both required): the contact's, else the name.

    A one-word name is the first name; a missing last name is "-".
    """
    first, last = debtor.first_name.strip(), debtor.last_name.strip()
    if not first:
        first, last = last or debtor.company or debtor.email.split("@")[0], ""
    return first, last or "-"


@dataclass(eq=False)  # by identity: a pending debtor keys the store's write results
class Pending:
    """One debtor on its way to the store."""

    debtor: Customer
    binding: Binding | None
    erp_hash: str
    group_id: int | None
    wanted: dict[str, Any] = field(default_factory=dict)
    account: StoreCustomer | None = None

    @property
    def to_store(self) -> str:
        return payload_hash(self.wanted)


class CustomersToStore:
    """One run's ERP → store customer sync (see the module docstring)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.rules: CustomersFromErpRules = ctx.rules.customers_from_erp
        self._groups: dict[str, int] | None = None

    def sync(self, debtors: Sequence[Customer]) -> None:
        """One batch of changed debtors: skip by hash, match, write, bind."""
        due = self._due(debtors)
        if not due:
            return
        accounts = self.ctx.store.customers_by_email(p.debtor.email for p in due)
        self._moved(due, accounts)
        writes: list[tuple[Pending, CustomerWrite]] = []
        for pending in due:
            try:
                write = self._plan(pending, accounts.get(pending.debtor.email.lower(), []))
            except SkipRecord as exc:
                self._record(pending, Outcome.SKIPPED, exc.message)
                continue
            if write is None:
                self._settled(pending, pending.account, Outcome.UNCHANGED,
                              "The store account already has the debtor's data.")  # fmt: skip
            elif self.ctx.dry_run:
                self._preview(pending, write)
            else:
                writes.append((pending, write))
        for result in self.ctx.store.write_customers(writes) if writes else ():
            self._written(result, dict(writes))
            self.ctx.commit()  # bound before the webhook our write causes is handled

    def _moved(self, due: list[Pending], accounts: dict[str, list[StoreCustomer]]) -> None:
        """Bound accounts not found under the debtor's e-mail (it changed in the ERP)."""
        found = {a.bc_id for listed in accounts.values() for a in listed}
        missing = {p: _bound_id(p) for p in due if _bound_id(p) and _bound_id(p) not in found}
        if not missing:
            return
        by_id = self.ctx.store.customers_by_id(missing.values())
        for pending, bc_id in missing.items():
            if bc_id in by_id:
                accounts.setdefault(pending.debtor.email.lower(), []).append(by_id[bc_id])

    def _preview(self, pending: Pending, write: CustomerWrite) -> None:
        account = pending.account
        before = account.customer if account else None
        bc_id = account.bc_id if account else None
        self.ctx.preview(DEBTOR, before, write, bc_id=bc_id, erp_id=pending.debtor.erp_id)

    # -- deciding -------------------------------------------------------------------------

    def _due(self, debtors: Iterable[Customer]) -> list[Pending]:
        with_email = [d for d in debtors if self._has_email(d)]
        bound = self.ctx.binder.many_by_erp(CUSTOMER, [d.erp_id for d in with_email])
        due: list[Pending] = []
        emails: set[str] = set()
        for debtor in with_email:
            binding = bound.get(str(debtor.erp_id))
            pending = Pending(debtor, binding, erp_digest(debtor), None)
            if binding is not None and (binding.data or {}).get("erp_hash") == pending.erp_hash:
                self._record(pending, Outcome.UNCHANGED,
                             "No change since bcapp last wrote or read this debtor.")  # fmt: skip
                continue
            if debtor.email.lower() in emails:
                self._record(pending, Outcome.SKIPPED, "Another debtor in this batch has the "
                             f"same e-mail address ({debtor.email}).")  # fmt: skip
                continue
            try:
                pending.group_id = self._group_id(debtor)
            except SkipRecord as exc:
                self._record(pending, Outcome.SKIPPED, exc.message)
                continue
            pending.wanted = self._wanted(debtor, pending.group_id)
            if binding is not None and (binding.data or {}).get("to_store") == pending.to_store:
                self._touch(binding, pending)  # changed in the ERP, not in what the store shows
                self._record(pending, Outcome.UNCHANGED, "The change does not concern the store.")
                continue
            emails.add(debtor.email.lower())
            due.append(pending)
        return due

    def _has_email(self, debtor: Customer) -> bool:
        if debtor.email.strip():
            return True
        self.ctx.record(Outcome.SKIPPED, DEBTOR, None, debtor.erp_id,
                        f"Debtor {debtor.erp_id} has no e-mail address; store accounts are "
                        "matched by e-mail.", direction=Direction.ERP_TO_BC)  # fmt: skip
        return False

    def _group_id(self, debtor: Customer) -> int | None:
        wanted = self.rules.group_for(debtor.group) if self.rules.writes("group") else None
        if wanted is None:
            return None
        if wanted.isdigit():
            return int(wanted)
        if self._groups is None:
            groups = self.ctx.store.customer_groups()
            self._groups = {g.name.casefold(): g.group_id for g in groups}
        found = self._groups.get(wanted.casefold())
        if found is None:
            raise SkipRecord(
                f"BigCommerce has no customer group '{wanted}' (for the debtor group "
                f"'{debtor.group}'): create it in BigCommerce or change the group mapping."
            )
        return found

    def _wanted(self, debtor: Customer, group_id: int | None) -> dict[str, Any]:
        """What the store should show of the debtor (the fields this flow may write)."""
        first, last = names(debtor)
        rules = self.rules
        wanted: dict[str, Any] = {
            "email": debtor.email.lower(),
            "first_name": first,
            "last_name": last,
        }
        if rules.writes("company"):
            wanted["company"] = debtor.company
        if rules.writes("phone"):
            wanted["phone"] = debtor.phone
        if group_id is not None:
            wanted["customer_group_id"] = group_id
        if rules.writes("addresses"):
            wanted["addresses"] = sorted({address_key(a) for a in debtor.addresses if usable(a)})
        return wanted

    def _plan(self, pending: Pending, accounts: list[StoreCustomer]) -> CustomerWrite | None:
        """The write that makes the store show the debtor; None when it already does."""
        debtor, channel = pending.debtor, self.rules.channels[0]
        bound_id, email = _bound_id(pending), debtor.email.lower()
        same = [a for a in accounts if a.customer.email == email and a.signs_in_on(channel)]
        account = next((a for a in accounts if a.bc_id == bound_id), None) or next(iter(same), None)
        pending.account = account
        owner = account.customer if account else Customer(debtor.email, channel_id=channel)
        key = customer_key(owner)
        holder = self.ctx.binder.by_bc(CUSTOMER, key)
        if holder is not None and holder.erp_id != str(debtor.erp_id):
            raise SkipRecord(
                f"The store account {debtor.email} is already linked to debtor {holder.erp_id}."
            )
        addresses = tuple(a for a in debtor.addresses if usable(a))[:10]
        wanted = pending.wanted
        if account is None:
            fields = {k: v for k, v in wanted.items() if k not in ("addresses", "email")}
            group = fields.pop("customer_group_id", None)
            return CustomerWrite(
                debtor.email.lower(),
                None,
                group_id=group,
                channels=self.rules.channels,
                addresses=addresses if "addresses" in wanted else (),
                **fields,
            )
        return self._update(account, debtor.email.lower(), wanted, addresses)

    def _update(
        self,
        account: StoreCustomer,
        email: str,
        wanted: dict[str, Any],
        addresses: tuple[Address, ...],
    ) -> CustomerWrite | None:
        current = account.customer
        names_ok = self.rules.writes("name") or not (current.first_name and current.last_name)
        changes: dict[str, Any] = {"new_email": email} if current.email != email else {}
        for name in ("first_name", "last_name", "company", "phone"):
            if name in wanted and getattr(current, name) != wanted[name]:
                if name in ("first_name", "last_name") and not names_ok:
                    continue
                changes[name] = wanted[name]
        if "customer_group_id" in wanted and account.group_id != wanted["customer_group_id"]:
            changes["group_id"] = wanted["customer_group_id"]
        have = {address_key(a) for a in current.addresses}
        new = tuple(a for a in addresses if address_key(a) not in have)
        new = new[: max(0, 10 - len(current.addresses))] if "addresses" in wanted else ()
        if not changes and not new:
            return None
        return CustomerWrite(email, account.bc_id, addresses=new, **changes)

    # -- recording ------------------------------------------------------------------------

    def _written(self, result: WriteResult[Pending], writes: dict[Pending, CustomerWrite]) -> None:
        """Log refusals; read the written accounts back (one request) and bind them."""
        for item in result.failed:
            assert item.error is not None
            self._record(item.key, Outcome.FAILED, item.error.message, request=item.request)
        ids = {w.key: w.key.account.bc_id if w.key.account else w.bc_id for w in result.done}
        accounts = self.ctx.store.customers_by_id(i for i in ids.values() if i)
        for pending, bc_id in ids.items():
            created = pending.account is None
            verb = "Created" if created else "Updated"
            self._settled(
                pending,
                accounts.get(int(bc_id or 0)),
                Outcome.CREATED if created else Outcome.UPDATED,
                f"{verb} the store account of {pending.debtor.email}.",
                request=writes[pending],
            )

    def _settled(
        self,
        pending: Pending,
        account: StoreCustomer | None,
        outcome: Outcome,
        message: str,
        *,
        request: Any = None,
    ) -> None:
        """Bind debtor and account with both sides' hashes, and log the outcome."""
        if account is None:
            self._record(pending, Outcome.FAILED, "BigCommerce did not return the account.")
            return
        key, erp_id = customer_key(account.customer), str(pending.debtor.erp_id)
        data = {"bc_id": account.bc_id, "erp_hash": pending.erp_hash, "to_store": pending.to_store}
        digest = store_digest(self.ctx, account.customer)
        binding = pending.binding
        if binding is not None and binding.bc_id != key:
            binding = self.ctx.binder.rebind(CUSTOMER, key, erp_id, sync_hash=digest, data=data)
        elif binding is None:
            binding = self.ctx.binder.bind(CUSTOMER, key, erp_id, sync_hash=digest, data=data)
        else:
            self.ctx.binder.touch(binding, digest, data)
        pending.binding = binding
        self._record(pending, outcome, message, bc_id=account.bc_id, request=request)

    def _touch(self, binding: Binding, pending: Pending) -> None:
        self.ctx.binder.touch(binding, data={"erp_hash": pending.erp_hash})

    def _record(
        self,
        pending: Pending,
        outcome: Outcome,
        message: str,
        *,
        bc_id: int | None = None,
        request: Any = None,
    ) -> None:
        if bc_id is None and pending.binding is not None:
            bc_id = (pending.binding.data or {}).get("bc_id")
        self.ctx.record(outcome, DEBTOR, bc_id, pending.debtor.erp_id, message,
                        request=request, direction=Direction.ERP_TO_BC)  # fmt: skip


def _bound_id(pending: Pending) -> int:
    """The store account the debtor's binding names (0: none)."""
    data = pending.binding.data if pending.binding is not None else None
    return int((data or {}).get("bc_id") or 0)


def run_batches(ctx: SyncContext) -> None:
    """Every changed debtor after the cursor, a connector batch at a time."""
    source, sync = customer_source(ctx), CustomersToStore(ctx)
    for batch in source.fetch_customers(ctx.load_cursor()):
        ctx.add_total(len(batch.records))
        sync.sync(batch.records)
        ctx.commit(cursor=batch.cursor)


@register_flow(FLOW, requires={Capability.CUSTOMERS_FROM_ERP}, queue="default",
               lock="customers-from-erp", group=FLOW, direction=Direction.ERP_TO_BC,
               every=60)  # fmt: skip
def sync_customers_from_erp(ctx: SyncContext, **_: Any) -> str | None:
    """ERP debtors changed since the cursor → BigCommerce customers."""
    if not ctx.rules.enabled(FLOW):
        return "Customers from the ERP are switched off (Flows settings)."
    run_batches(ctx)
    return None


@register_retry(DEBTOR, requires={Capability.CUSTOMERS_FROM_ERP}, lock="customers-from-erp",
                direction=Direction.ERP_TO_BC)  # fmt: skip
def retry_debtor(
    ctx: SyncContext, *, bc_id: Any = None, erp_id: Any = None, payload: Any = None
) -> str:
    """The log's Retry on a debtor: read it from the ERP again and sync it."""
    if erp_id is None:
        raise SkipRecord("This log entry names no ERP debtor.")
    debtor = customer_source(ctx).fetch_customer(str(erp_id))
    if debtor is None:
        raise SkipRecord(f"The ERP has no debtor {erp_id} (any more).")
    CustomersToStore(ctx).sync([debtor])
    return f"Debtor {erp_id} synced again."
