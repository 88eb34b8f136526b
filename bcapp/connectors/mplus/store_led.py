"""Store → Mplus writes: article groups, products (numeric article numbers) and stock.

For shops where BigCommerce leads the catalog (``Capability.CATALOG_TO_ERP``,
``STOCK_TO_ERP``). Mixed into :class:`~.connector.MplusConnector`; needs
``self.client`` (:class:`~.client.MplusClient`) and ``self.settings``.

Safe to repeat: ``ARTICLE-NUMBER-ALREADY-TAKEN`` on create means the article
exists (a crash between create and bind, or the merchant made it in Mplus), so
the product is updated instead. With "update existing articles" off, an
existing product keeps everything Mplus has (descriptions enriched there) and
only articles Mplus lacks (a new variant) are added.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

from bcapp.connectors.base import Category, Product
from bcapp.connectors.mplus import mapping, payloads, units
from bcapp.connectors.mplus.client import check_result
from bcapp.connectors.mplus.numbers import allocate_article_number, numeric_sku
from bcapp.errors import ConfigError, FatalSyncError, SkipRecord

if TYPE_CHECKING:
    from bcapp.connectors.mplus.client import MplusClient
    from bcapp.connectors.mplus.settings import MplusSettings


class StoreLedWrites:
    """upsert_category, upsert_product and set_stock for :class:`~.connector.MplusConnector`."""

    client: MplusClient
    settings: MplusSettings

    def article_number(self, sku: str, taken: Callable[[str], bool]) -> str:
        """The Mplus article number for ``sku`` (itself when numeric, else from the range)."""
        number = allocate_article_number(sku, lambda n: taken(str(n)), self.settings.article_range)
        return str(number)

    def sku_article(self, sku: str) -> str | None:
        """The SKU as an Mplus article number when it is one exactly (digits, no sign)."""
        number = numeric_sku(sku)
        return str(number) if number is not None else None

    @property
    def stock_location(self) -> str:
        """The branch stock is set in (the order branch)."""
        return f"branch {self.settings.branch_number}"

    def upsert_category(self, category: Category) -> str:
        """Create or update an article group; returns its group number."""
        parent = int(category.parent_erp_id) if category.parent_erp_id else 0
        if category.erp_id:
            request = {
                "groupNumber": int(category.erp_id),
                "name": category.name,
                "text": category.description,
                "sortOrder": category.sort_order,
                "parentGroupNumber": parent,
            }
            answer = self.client.call("updateArticleGroup", {"request": request})
            if answer.get("result") != "SAVE-ARTICLE-GROUP-RESULT-NOT-FOUND":
                check_result("updateArticleGroup", answer)
                return category.erp_id
        request = {
            "parentGroupNumber": parent,
            "name": category.name,
            "text": category.description,
            "sortOrder": category.sort_order,
        }
        answer = self.client.call("newArticleGroup", {"request": request})
        check_result("newArticleGroup", answer)
        return str(answer["groupNumber"])

    def upsert_product(
        self, product: Product, article_number: str | int | Mapping[str, str | int]
    ) -> str:
        """Create the product in Mplus, or update it; returns the Mplus product number.

        Args:
            product: the store product (variants become articles of one product).
            article_number: the article number of a simple product, or SKU →
                number for a product with variants (see :meth:`article_number`).
        """
        given = (
            {product.sku: article_number}
            if isinstance(article_number, str | int)
            else dict(article_number)
        )
        numbers = {sku: int(n) for sku, n in given.items()}
        if product.erp_id:
            return self._update_product(product, numbers, int(product.erp_id))
        answer = self.client.call(
            "createProduct", {"product": payloads.product_to_mplus(product, numbers)}
        )
        if answer.get("result") == "CREATE-PRODUCT-RESULT-FAILED-ARTICLE-NUMBER-ALREADY-TAKEN":
            existing = self._product_of(next(iter(numbers.values())))
            return self._update_product(product, numbers, existing)
        check_result("createProduct", answer)
        return str(answer["productNumber"])

    def _product_of(self, article: int) -> int:
        answer = self.client.call("getProducts", {"request": {"articleNumbers": [article]}})
        products = answer.get("productList", {}).get("product", [])
        if not products:
            raise FatalSyncError(f"Mplus says article {article} is taken but does not return it.")
        return int(products[0]["productNumber"])

    def _update_product(self, product: Product, numbers: dict[str, int], number: int) -> str:
        """Update all fields, or (setting off) only add articles Mplus lacks."""
        if not self.settings.update_existing_articles:
            current = self.client.call("getProducts", {"request": {"productNumbers": [number]}})
            rows = current.get("productList", {}).get("product", [])
            have = {a["articleNumber"] for p in rows for a in mapping.articles_of(p)}
            missing = {sku: n for sku, n in numbers.items() if n not in have}
            if not missing:
                return str(number)
            product = _only_skus(product, set(missing))
            numbers = missing
        payload = payloads.product_to_mplus(
            product, numbers, product_number=number, texts=self.settings.update_existing_articles
        )
        answer = self.client.call("updateProduct", {"product": payload})
        check_result("updateProduct", answer)
        return str(number)

    def set_stock(self, sku: str, quantity: Decimal, erp_id: str = "") -> None:
        """Set an article's stock in the order branch (store leads stock)."""
        number = int(erp_id) if erp_id.isdigit() else numeric_sku(sku)
        if number is None:
            raise SkipRecord(f"SKU {sku!r} has no Mplus article number; sync the product first.")
        value, places = units.to_quantity(quantity)
        s = self.settings
        request = {
            "branchNumber": s.branch_number,
            "articleNumber": number,
            "amount": value,
            "decimalPlaces": places,
            "employeeNumber": s.employee_number,
            "reference": "BigCommerce",
        }
        answer = self.client.call("setStock", {"request": request})
        result = answer.get("result", "")
        if result == "SET-STOCK-RESULT-BRANCH-NOT-FOUND":
            raise ConfigError(f"Mplus has no branch {s.branch_number}; check the Mplus settings.")
        if result in ("SET-STOCK-RESULT-ARTICLE-NOT-FOUND", "SET-STOCK-RESULT-NO-STOCK-ARTICLE"):
            raise SkipRecord(f"Mplus did not take stock for article {number}: {result}.")
        check_result("setStock", answer)


def _only_skus(product: Product, skus: set[str]) -> Product:
    if product.variants:
        return replace(product, variants=tuple(v for v in product.variants if v.sku in skus))
    return product
