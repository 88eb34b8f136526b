"""A BigCommerce order read and made ready for the ERP (the first half of an export).

:func:`prepared` checks the lines; :func:`instructions_for` applies the merchant's
mapping tables (payment, shipping, carrier, tax; an unmapped value is an import error naming
it) as the connector's :class:`~bcapp.connectors.base.OrderInstructions`;
:func:`with_article_numbers` adds the numbers the store → ERP catalog flow gave
letter SKUs; :func:`total_check` compares what the ERP order adds up to with
BigCommerce's total. The order itself comes from the store facade
(``ctx.store.order``); nothing here reads BigCommerce or writes.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from bcapp.connectors.base import Customer, DocumentType, Order, OrderInstructions, OrderLine
from bcapp.errors import FatalSyncError
from bcapp.mapping.rules import Mappings, StoreRules
from bcapp.sync.binder import Binder

#: The catalog flow's SKU ↔ ERP article number bindings (``catalog_to_erp.NUMBER``).
ARTICLE_NUMBER = "article_number"
#: ERP total vs BigCommerce total: differences up to this are rounding.
ROUNDING = Decimal("0.05")


def instructions_for(order: Order, rules: StoreRules) -> OrderInstructions:
    """The merchant's mapping tables applied to one order: the ERP codes the connector sends.

    A table the merchant filled in is a promise that every value is in it: an
    order with a value missing from a non-empty table is an import error naming
    the value. An empty table means the ERP's defaults apply.
    """
    tables = rules.mappings
    payment = delivery = carrier = None
    if tables.payment:
        payment = _required(
            tables.payment_code(order.payment_method), "Payment method", order.payment_method,
            "payment")  # fmt: skip
    if tables.shipping and order.shipping_method:
        delivery = _required(
            tables.shipping_code(order.shipping_method), "Shipping method", order.shipping_method,
            "shipping")  # fmt: skip
    if tables.carrier and order.shipping_method:
        carrier = _required(
            tables.carrier_code(order.shipping_method), "Shipping method", order.shipping_method,
            "carrier")  # fmt: skip
    terms = cost_centre = cost_carrier = None
    if tables.payment_terms:
        terms = _required(
            tables.payment_terms_for(order.payment_method), "Payment method",
            order.payment_method, "payment terms")  # fmt: skip
    if tables.cost_centre:
        cost_centre = _required(
            tables.cost_centre_for(order.channel_id), "Storefront", str(order.channel_id),
            "cost centre")  # fmt: skip
    if tables.cost_carrier:
        cost_carrier = _required(
            tables.cost_carrier_for(order.channel_id), "Storefront", str(order.channel_id),
            "cost carrier")  # fmt: skip
    country = destination_country(order)
    return OrderInstructions(
        payment_terms=terms,
        cost_centre=cost_centre,
        payment_method=payment,
        delivery_method=delivery,
        carrier=carrier,
        tax_codes=_tax_codes(order, tables) if tables.tax or tables.vat_country else {},
        shipping_article=rules.orders.shipping_cost_article or None,
        document_type=document_type_of(order, rules),
        **_accounts(order, rules, country),
        # a storefront without a row keeps the articles' own turnover groups
        turnover_group=tables.turnover_group_for(order.channel_id),
        cost_carrier=cost_carrier,
    )


def document_type_of(order: Order, rules: StoreRules) -> DocumentType:
    """What ``order`` becomes in the ERP: its storefront's document type, else the store's."""
    chosen = rules.mappings.document_type_for(order.channel_id, rules.orders.document_type)
    return DocumentType(chosen)


def _accounts(order: Order, rules: StoreRules, country: str) -> dict[str, Any]:
    """The ledger side of the instructions: revenue account per line, shipping and discount
    accounts, the sales journal and the payment's journal.

    A line without an account is left out rather than refused here: only a document that
    books on accounts (a journal entry) needs one, and its connector names the line.
    """
    tables, orders = rules.mappings, rules.orders
    revenue = {
        index: account
        for index, line in enumerate(order.lines)
        if (account := tables.revenue_account_for(country, line.tax_class)) is not None
    }
    return {
        "revenue_accounts": revenue,
        "shipping_account": orders.shipping_account or tables.revenue_account_for(country, ""),
        "discount_account": orders.discount_account or None,
        "sales_journal": orders.sales_journal or None,
        "payment_journal": tables.payment_journal_for(order.payment_method),
    }


def with_vat_code(customer: Customer, order: Order, tables: Mappings) -> Customer:
    """``customer`` with the VAT code of their country (``vat_country``), for a new debtor's
    VAT duty; the billing country decides (where the customer is, not where goods go)."""
    country = order.billing_address.country_code or destination_country(order)
    code = tables.vat_code_for_country(country) if tables.vat_country else None
    return replace(customer, vat_code=code) if code else customer


def check_document_type(instructions: OrderInstructions, offered: frozenset[DocumentType]) -> None:
    """An import error when the ERP cannot make the document the order settings ask for."""
    wanted = instructions.document_type
    if wanted not in offered:
        raise FatalSyncError(
            f"This ERP cannot book orders as {wanted.value.replace('_', ' ')}: choose one of "
            f"{', '.join(d.value.replace('_', ' ') for d in sorted(offered, key=str))} in the "
            "order settings, then retry the order.", details={"document_type": wanted.value},
        )  # fmt: skip


def _tax_codes(order: Order, tables: Mappings) -> dict[str, str]:
    """Tax class id → ERP VAT code for the order's lines; ``""``: lines charged no tax.

    The destination country's code (``vat_country``, one-stop-shop VAT) overrides the tax
    mapping for that country, except a row naming that country and class (``DE/Books``),
    which is more specific still.
    """
    country = destination_country(order)
    override = tables.vat_code_for_country(country) if country else None
    if override is not None:
        by_country = {
            line.tax_class: _country_class_code(tables, line, country) or override
            for line in order.lines
        }
        by_country.setdefault("", override)  # lines BigCommerce charged no tax on
        return by_country
    if not tables.tax:
        return {}  # only the country table is filled in, and not for this country
    codes: dict[str, str] = {}
    classes = {line.tax_class: line.tax_class_name for line in order.lines if line.tax_class}
    for tax_class, name in sorted(classes.items()):
        where = ", ".join([f"id {tax_class}"] * bool(name) + [f"to {country}"] * bool(country))
        codes[tax_class] = _required(
            tax_code_for(tables, (tax_class, name), country), "Tax class", name or tax_class,
            "tax", f" ({where})" if where else "")  # fmt: skip
    untaxed = country and any(not line.tax_class for line in order.lines)
    code = tables.tax_code(f"{country}/*") if untaxed else None
    if code is not None:  # an export BigCommerce charged no tax on: the country's code
        codes[""] = code
    return codes


def _country_class_code(tables: Mappings, line: OrderLine, country: str) -> str | None:
    """The tax mapping's row for this line's class to ``country`` exactly, if any."""
    names = [n for n in (line.tax_class, line.tax_class_name) if n]
    return next((c for n in names if (c := tables.tax_code(f"{country}/{n}")) is not None), None)


def destination_country(order: Order) -> str:
    """ISO code of the country the goods go to: the first shipping address, else billing."""
    for address in (*order.shipping_addresses, order.billing_address):
        if address.country_code:
            return address.country_code.strip().upper()
    return ""


def tax_code_for(tables: Mappings, tax_class: tuple[str, str], country: str) -> str | None:
    """The ERP VAT code of a tax class (id, name) for goods going to ``country``.

    The table names a class by its name as the control panel shows it ("Default Tax
    Class") or by its id ("0"). VAT depends on the destination (OSS rates within the
    EU, zero-rated exports), so ``"BE/Default Tax Class"`` (that class to Belgium) and
    ``"CH/*"`` (every class to Switzerland) come before the plain class.
    """
    names = [n for n in tax_class if n]
    keys = [f"{country}/{n}" for n in names] + [f"{country}/*"] if country else []
    for key in (*keys, *names):
        code = tables.tax_code(key)
        if code is not None:
            return code
    return None


def _required(code: str | None, what: str, value: str, table: str, context: str = "") -> str:
    if code is None or str(code).strip() == "":
        raise FatalSyncError(
            f'{what} "{value}"{context} has no ERP code: add it to the {table} mapping in the '
            "settings, then retry the order.", details={"unmapped": {table: value}},
        )  # fmt: skip
    return str(code)


def prepared(order: Order, subscriptions: bool) -> Order:
    """The order as the ERP gets it: checked lines, digital lines placed."""
    blank = [line.name or str(line.bc_line_id) for line in order.lines if not line.sku]
    if blank:
        raise FatalSyncError(
            f"Order line(s) without SKU: {', '.join(blank)}. Give the product a SKU the ERP "
            "knows, then retry the order.", details={"lines": blank})  # fmt: skip
    lines = order.lines
    if not subscriptions:  # no subscription in the ERP: digital products are ordinary lines
        lines = tuple(replace(line, is_digital=False) for line in lines)
    return replace(order, lines=lines)


def with_article_numbers(
    binder: Binder, order: Order, instructions: OrderInstructions
) -> OrderInstructions:
    """``instructions`` with the article numbers the catalog flow gave the order's SKUs.

    An ERP with numeric article numbers only (Mplus) knows a letter SKU by the
    number the store → ERP catalog flow bound to it. No such bindings (AFAS, or a
    SKU never sent): the instructions are unchanged.
    """
    skus = sorted({line.sku for line in order.lines if line.sku})
    numbers = binder.erp_ids_for(ARTICLE_NUMBER, skus)
    if not numbers:
        return instructions
    return replace(instructions, article_numbers=numbers)


def total_check(
    order: Order, *, books_shipping: bool = True, books_order_discount: bool = False
) -> dict[str, Any]:
    """What the ERP order adds up to beside BigCommerce's total (digital lines excluded).

    ``books_shipping`` False: no shipping-cost article is configured, so the ERP
    order lacks the shipping cost and the check says so. ``books_order_discount``: the
    document books a discount on the whole order (a journal entry does), so lines and
    shipping above BigCommerce's total are that discount, not a difference.
    """
    booked = sum((line.price_inc_tax * line.quantity - line.discount
                  for line in order.lines if not line.is_digital), Decimal("0"))  # fmt: skip
    digital = sum((line.price_inc_tax * line.quantity - line.discount
                   for line in order.lines if line.is_digital), Decimal("0"))  # fmt: skip
    erp_total = booked + (order.shipping_cost_inc_tax if books_shipping else Decimal("0"))
    expected = order.total_inc_tax - digital
    if books_order_discount and erp_total > expected:
        erp_total = expected
    difference = (erp_total - expected).quantize(Decimal("0.01"))
    return {"bigcommerce": str(expected), "erp": str(erp_total), "difference": str(difference),
            "ok": abs(difference) <= ROUNDING}  # fmt: skip
