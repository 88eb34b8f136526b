"""The ERP classification of a customer, from their BigCommerce customer group.

Merchants sort customers into groups in BigCommerce (retail, wholesale, VIP) and want
the ERP relation classified the same way (AFAS: the sales relation type ``VaTp``). The
mappings' ``classification`` table names the ERP code per group id (``0``: no group, a
guest; ``*``: every other group). The flow resolves the code and hands it to the
connector on the canonical :class:`~bcapp.canonical.Customer`, so no connector reads the
store's settings.

An order carries the buyer's customer id but not their group (BigCommerce's v2 order has
no group), so for an order's customer the group is read from the customer record; only
when the table has rows and the connector takes a classification, and only for a relation
about to be created or updated, never for one that is merely looked up.
"""

from __future__ import annotations

from dataclasses import replace

from bcapp.canonical import Customer, OrderFeature
from bcapp.sync.context import SyncContext


def takes_classification(ctx: SyncContext) -> bool:
    """Whether the merchant maps groups and the connector hands a classification to its ERP."""
    features: frozenset[OrderFeature] = getattr(ctx.connector, "order_features", frozenset())
    return bool(ctx.rules.mappings.classification) and OrderFeature.CLASSIFICATION in features


def classified(ctx: SyncContext, customer: Customer) -> Customer:
    """``customer`` with the classification of their customer group ("" when none applies)."""
    if not takes_classification(ctx):
        return customer
    group = customer.bc_group_id
    if group is None:
        group = _group_of(ctx, customer)
    code = ctx.rules.mappings.classification_for(group)
    return replace(customer, bc_group_id=group, classification=code or "")


def _group_of(ctx: SyncContext, customer: Customer) -> int:
    """The customer group of a registered customer (0 for a guest or a deleted account)."""
    if not customer.bc_id:
        return 0
    stored = ctx.store.customer(int(customer.bc_id))
    return int(stored.bc_group_id or 0) if stored is not None else 0
