"""Creating the BigCommerce products of unbound ERP articles (the create half of a batch).

One request per product (variants, images and custom fields ride along), up to
:data:`CREATE_WORKERS` in flight; each is bound and committed before the next is looked
at, so a run killed midway never creates it twice. A duplicate-SKU refusal means the
product exists already (a run died after creating it, or the merchant added it): it
is adopted and updated instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from bcapp.bigcommerce import catalog_mapping as cm
from bcapp.errors import FatalSyncError, RetryableSyncError, SyncError
from bcapp.sync.product_matching import ENTITY
from bcapp.sync.records import Outcome

if TYPE_CHECKING:
    from bcapp.sync.context import SyncContext
    from bcapp.sync.products import Item

#: Product creates in flight at once (the budget still spaces them to the store's quota).
CREATE_WORKERS = 4


class Creating:
    """Creates for :class:`~bcapp.sync.products.ProductSync` (a mixin, like ``Matching``)."""

    ctx: SyncContext
    # From ProductSync and Matching:
    _fail: Callable[[Item], None]
    _update: Callable[[list[Item]], None]
    _bind_skus: Callable[[int, dict[str, int]], None]
    _adopt: Callable[[Item, dict[str, Any]], None]
    _lookup_skus: Callable[[list[str]], dict[str, dict[str, Any]]]

    def _create_all(self, items: list[Item]) -> None:
        """One POST per product, up to :data:`CREATE_WORKERS` in flight; bound in order.

        A create is one request that waits on BigCommerce (it also fetches the
        images), so one at a time would leave the store's quota unused at real
        latencies. Only the HTTP runs in the pool; binding, logging and the
        commit after each product stay in the run's thread, in batch order.
        A retryable failure stops the run only after every create that did
        succeed is bound.
        """
        if len(items) < 2:
            for item in items:
                self._created(item, self._post(item))
            return
        retry: RetryableSyncError | None = None
        _ = self.ctx.bc  # build the client here, not in several threads at once
        with ThreadPoolExecutor(max_workers=CREATE_WORKERS) as pool:
            futures = [(item, pool.submit(self._post, item)) for item in items]
            for item, future in futures:
                outcome = future.result()
                if isinstance(outcome, RetryableSyncError):
                    retry = retry or outcome
                    continue
                self._created(item, outcome)
        if retry is not None:
            raise retry

    def _post(self, item: Item) -> dict[str, Any] | SyncError:
        """The create request alone (safe in a worker thread: no database)."""
        try:
            return self.ctx.bc.products.create(item.parts.create_payload())
        except SyncError as exc:
            return exc

    def _created(self, item: Item, created: dict[str, Any] | SyncError) -> None:
        if isinstance(created, RetryableSyncError):
            raise created
        if isinstance(created, SyncError):
            if _duplicate_sku(created) and self._recover_duplicate(item):
                return
            item.error = created
            self._fail(item)
            self.ctx.commit()
            return
        variant_ids = {str(v["sku"]): int(v["id"]) for v in created.get("variants") or []}
        data = cm.binding_data(
            item.parts, variant_ids=variant_ids,
            image_ids=_image_ids(item.parts.images, created.get("images") or []),
            field_ids={f["name"]: int(f["id"]) for f in created.get("custom_fields") or []},
        )  # fmt: skip
        data["channels"] = []  # created by us: storefronts.assign_storefronts sets exactly these
        self.ctx.binder.bind(ENTITY, created["id"], item.product.erp_id, sync_hash=item.digest,
                             data=data)  # fmt: skip
        self._bind_skus(int(created["id"]), variant_ids)
        self.ctx.record(
            Outcome.CREATED,
            ENTITY,
            created["id"],
            item.product.erp_id,
            f"Created {item.product.sku}.",
            request=_loggable(item.parts.create_payload()),
        )
        self.ctx.commit()  # durable before the next one: a crash never duplicates it

    def _create(self, item: Item) -> None:
        self._created(item, self._post(item))

    def _recover_duplicate(self, item: Item) -> bool:
        """The SKU exists already (a run died after creating it, or the merchant added it)."""
        found = self._lookup_skus([item.product.sku]).get(item.product.sku.lower())
        if found is None:
            return False
        self._adopt(item, found)
        if item.error is not None:
            return False
        self._update([item])
        return True


def _duplicate_sku(exc: FatalSyncError) -> bool:
    return exc.status == 409 and "sku" in str(exc.details.get("errors") or exc.message).lower()


def _image_ids(urls: Sequence[str], created: list[dict[str, Any]]) -> dict[str, int]:
    """BigCommerce answers a create with its images in the order we sent them."""
    ordered = sorted(created, key=lambda i: (i.get("sort_order", 0), i.get("id", 0)))
    return {url: int(image["id"]) for url, image in zip(urls, ordered, strict=False)}


def _loggable(payload: dict[str, Any]) -> dict[str, Any]:
    """The request for the log, without a long description."""
    out = dict(payload)
    if len(str(out.get("description", ""))) > 500:
        out["description"] = str(out["description"])[:500] + "…"
    return out
