"""Store-side catalog facts the flows need: what the store has, and what a write did.

The canonical :class:`~bcapp.canonical.Product` and
:class:`~bcapp.canonical.Category` say what an ERP article or group
*is*. Syncing the catalog needs a little of the store's own state besides:
which product a SKU already is (matching, adoption), the ids BigCommerce gave
a created product, a channel's category tree, the stock the store shows. These
frozen records carry exactly that, typed, so no flow reads BigCommerce's JSON.
Batched writes answer with :class:`~bcapp.bigcommerce.store.batches.WriteResult`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from bcapp.canonical import Product
from bcapp.errors import FatalSyncError

# -- products ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreVariant:
    """One variant of a store product (the base variant of a product without options too)."""

    variant_id: int
    sku: str | None
    #: Its values as BigCommerce has them (for a dry run's field differences).
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class StoreImage:
    image_id: int
    url: str | None


@dataclass(frozen=True)
class StoreCustomField:
    field_id: int
    name: str
    value: Any


@dataclass(frozen=True)
class StoreProduct:
    """A product the store already has: found by SKU, EAN or id (matching, adoption, diffs).

    ``images`` and ``custom_fields`` are None when the read did not include them.
    """

    bc_id: int
    sku: str
    #: Made unavailable (``availability`` "disabled"): how the app hides a blocked article.
    blocked: bool = False
    variants: tuple[StoreVariant, ...] = ()
    images: tuple[StoreImage, ...] | None = None
    custom_fields: tuple[StoreCustomField, ...] | None = None
    #: Product-level values as BigCommerce has them (for a dry run's field differences).
    values: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def variant_ids(self) -> dict[str, int]:
        """SKU → variant id of every variant that has a SKU (the base variant's too)."""
        return {str(v.sku): v.variant_id for v in self.variants if v.sku}


@dataclass(frozen=True)
class CreatedProduct:
    """What BigCommerce answered a product create with."""

    bc_id: int
    #: SKU → id of the variants it made (the base variant's too).
    variant_ids: Mapping[str, int]
    #: What the binding should remember of the write (opaque to flows; see ``plan_update``).
    written: Mapping[str, Any]


@dataclass(frozen=True)
class ProductExtras:
    """The one-per-request part of an update: new variants, images and custom fields."""

    variant_ids: Mapping[str, int] = field(default_factory=dict)  # SKU → new variant id
    image_ids: Mapping[str, int] = field(default_factory=dict)  # URL → new image id
    field_ids: Mapping[str, int] = field(default_factory=dict)  # name → new custom field id
    #: BigCommerce's refusal that stopped the rest (None: all written).
    error: FatalSyncError | None = None


@dataclass(frozen=True)
class ModifiedProduct:
    """A store product changed since a cursor, as the canonical record the ERP receives."""

    bc_id: int
    #: BigCommerce's modification time (the cursor after it; ISO 8601 as sent).
    modified: str | None
    product: Product


@dataclass(frozen=True)
class Brand:
    brand_id: int
    name: str


@dataclass(frozen=True)
class Assignment:
    """A product to put on the catalog's storefronts."""

    product_id: int
    #: Created by the app: BigCommerce put it on the first storefront, which it leaves
    #: unless that one is chosen too.
    created: bool = False


# -- categories ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreCategory:
    """One category of a channel's tree."""

    category_id: int
    parent_id: int  # 0 at the top of the tree
    name: str
    sort_order: int = 0
    description: str = ""


@dataclass(frozen=True)
class CategoryWrite:
    """One ERP group as the tree will hold it: a create, or an update of ``category_id``."""

    #: The name as BigCommerce stores it (trimmed, at most 50 characters).
    name: str
    parent_id: int
    #: What a rename, move or re-sort changes (kept as the binding's sync hash).
    digest: str
    body: Mapping[str, Any] = field(compare=False, repr=False)
    category_id: int | None = None

    def as_update(self, category_id: int) -> CategoryWrite:
        """The same write as an update of the tree's category ``category_id``."""
        return replace(self, category_id=category_id)

    @property
    def request(self) -> dict[str, Any]:
        """The request item (for the log and a dry run's preview)."""
        if self.category_id is None:
            return dict(self.body)
        return {"category_id": self.category_id, **self.body}


# -- stock ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreLevel:
    """One SKU's stock as BigCommerce shows it, with where it came from (for the log)."""

    sku: str
    quantity: int
    product_id: int
    variant_id: int | None = None
    #: Why this SKU cannot be sent (untracked, ...); empty when it can.
    skip: str = ""


@dataclass(frozen=True)
class StockSetting:
    """An absolute stock level to set for one SKU."""

    sku: str
    quantity: int
