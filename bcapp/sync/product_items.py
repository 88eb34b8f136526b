"""One ERP article on its way through a product batch (:class:`Item`), and the entity names.

Kept apart from :mod:`bcapp.sync.products` so that the phase's mixins
(matching, creating, updating) can use it without importing the class they
are mixed into.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bcapp.bigcommerce.store import ProductExtras, ProductParts, StoreProduct, UpdatePlan
from bcapp.connectors.base import Product
from bcapp.errors import SyncError
from bcapp.models import Binding

#: Binding entity: ERP article ↔ BigCommerce product (``data``: the written state).
ENTITY = "product"
#: Binding entity: SKU ↔ BigCommerce variant id (the stock phase's list of SKUs it may set).
SKU_ENTITY = "sku"


@dataclass(eq=False)  # by identity: an item keys the store's batch results
class Item:
    """One article on its way through a batch."""

    product: Product
    parts: ProductParts
    digest: str
    binding: Binding | None = None
    #: An existing BigCommerce product to adopt (found by SKU or EAN).
    found: StoreProduct | None = None
    plan: UpdatePlan | None = None
    error: SyncError | None = None
    #: New variants, images and custom fields an update made.
    extras: ProductExtras = field(default_factory=ProductExtras)

    @property
    def bc_id(self) -> int | None:
        if self.binding is not None:
            return int(self.binding.bc_id)
        return self.found.bc_id if self.found else None
