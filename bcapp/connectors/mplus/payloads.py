"""Canonical records → Mplus payload dicts for the writes (pure functions; no I/O).

Relations for createRelation/updateRelation, the Order for createOrder (money
in cents, quantities as value + decimalPlaces, VAT in hundredths, the order
reference as ``extOrderId``), and Product/Article dicts for
createProduct/updateProduct (a letter SKU rides in ``extArticleId``; images are
never sent, Mplus has no images in its API).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from bcapp.connectors.base import Address, Customer, Order, OrderInstructions, Product
from bcapp.connectors.mplus import units


def _full_name(first: str, last: str) -> str:
    return " ".join(p for p in (first.strip(), last.strip()) if p)


def relation_from_customer(customer: Customer) -> dict[str, Any]:
    """A Relation dict for createRelation/updateRelation (company or person)."""
    person = _full_name(customer.first_name, customer.last_name)
    billing = customer.addresses[0] if customer.addresses else Address()
    delivery = customer.addresses[1] if len(customer.addresses) > 1 else None
    relation: dict[str, Any] = {
        "name": customer.company.strip() or person or customer.email,
        "contact": person if customer.company.strip() else "",
        "address": _street(billing),
        "zipcode": billing.postal_code,
        "city": billing.city,
        "country": billing.country_code,
        "telephone": customer.phone or billing.phone,
        "email": customer.email,
        "vatNumber": customer.vat_number,
        "companyName": customer.company.strip(),
    }
    if customer.bc_id:
        relation["extRelationId"] = str(customer.bc_id)
    relation.update(customer.erp_fields)  # the merchant's field mapping wins
    if delivery is not None:
        relation.update(
            {
                "deliveryAddress": _street(delivery),
                "deliveryZipcode": delivery.postal_code,
                "deliveryCity": delivery.city,
                "deliveryCountry": delivery.country_code,
            }
        )
    return {k: v for k, v in relation.items() if v not in ("", None)}


def _street(address: Address) -> str:
    return " ".join(p for p in (address.street.strip(), address.street2.strip()) if p)


def address_to_mplus(address: Address, mapped: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An order Address dict (``mapped``: the merchant's address fields, which win)."""
    person = _full_name(address.first_name, address.last_name)
    out = {
        "name": address.company or person,
        "contact": person if address.company else "",
        "address": _street(address),
        "zipcode": address.postal_code,
        "city": address.city,
        "country": address.country_code,
        "companyName": address.company,
        **(mapped or {}),
    }
    return {k: v for k, v in out.items() if v not in ("", None)}


def order_line(
    article_number: int,
    text: str,
    quantity: Decimal,
    price_inc: Decimal,
    price_ex: Decimal,
    tax_rate: Decimal,
    discount: Decimal = Decimal("0"),
    vat_code: str = "",
    turnover_group: str | None = None,
) -> dict[str, Any]:
    """One order Line: quantities exact, money in cents, VAT in hundredths (and the
    merchant's Mplus VAT code, when the tax mapping gives one; and the storefront's
    turnover group, when the mappings give one: else Mplus books the article's own)."""
    value, places = units.to_quantity(quantity)
    data: dict[str, Any] = {
        "quantity": value,
        "decimalPlaces": places,
        "price": units.to_cents(price_inc),
        "priceExcl": units.to_cents(price_ex),
        "vatPercentage": units.to_percentage(tax_rate),
    }
    if vat_code.isdigit():
        data["vatCode"] = int(vat_code)
    if turnover_group and turnover_group.isdigit():
        data["turnoverGroup"] = int(turnover_group)
    if discount:
        data["discountAmount"] = units.to_cents(discount)
    return {"articleNumber": article_number, "text": text[:250], "data": data}


def order_to_mplus(
    order: Order,
    relation_number: int | None,
    *,
    employee: int,
    branch: int,
    workplace: int,
    article_number: Callable[[str], int],
    shipping_article: int | None = None,
    zone: str = "Europe/Amsterdam",
    instructions: OrderInstructions | None = None,
) -> dict[str, Any]:
    """An Mplus Order dict for createOrder (``extOrderId`` is the order reference).

    ``instructions`` (the merchant's mappings) give the lines' VAT codes, the
    delivery method and the payment method; without them the store's own names go.
    """
    todo = instructions or OrderInstructions()
    lines = [
        _mapped(
            order_line(
                article_number(ln.sku),
                ln.name,
                ln.quantity,
                ln.price_inc_tax,
                ln.price_ex_tax,
                ln.tax_rate,
                ln.discount,
                todo.tax_code(ln) or "",
                todo.turnover_group,
            ),
            todo.line_fields.get(index, {}),
        )
        for index, ln in enumerate(order.lines)
    ]
    if shipping_article and order.shipping_cost_inc_tax:
        rate = _rate(order.shipping_cost_ex_tax, order.shipping_cost_inc_tax)
        lines.append(
            order_line(
                shipping_article,
                order.shipping_method or "Shipping",
                Decimal(1),
                order.shipping_cost_inc_tax,
                order.shipping_cost_ex_tax,
                rate,
                turnover_group=todo.turnover_group,
            )
        )
    created = order.created_at or datetime.now(UTC)
    out: dict[str, Any] = {
        "orderId": "",
        "extOrderId": order.reference,
        "orderType": "ORDER-TYPE-SALES-ORDER",
        "entryBranchNumber": branch,
        "employeeNumber": employee,
        "entryTimestamp": units.to_mplus_datetime(created, zone),
        "relationNumber": relation_number,
        "deliveryAddress": address_to_mplus(order.shipping_addresses[0], todo.address_fields)
        if order.shipping_addresses
        else None,
        "invoiceAddress": address_to_mplus(order.billing_address, todo.address_fields),
        "financialDate": units.to_mplus_date(created.astimezone(UTC).date()),
        "financialBranchNumber": branch,
        "workplaceNumber": workplace,
        "reference": (order.customer_message or "")[:250] or None,
        "totalInclAmount": units.to_cents(order.total_inc_tax),
        "totalExclAmount": units.to_cents(order.total_ex_tax),
        "vatMethod": "VAT-METHOD-INCLUSIVE",
        "deliveryMethod": todo.delivery_method or order.shipping_method or None,
        "lineList": {"line": lines},
    }
    method = todo.payment_method or order.payment_method
    if method and order.total_inc_tax:
        out["paymentMethod"] = method
        out["paymentList"] = {
            "payment": [{"method": method, "amount": units.to_cents(order.total_inc_tax)}]
        }
    out.update(todo.fields)  # the merchant's field mapping wins
    return {k: v for k, v in out.items() if v is not None}


def _mapped(data: dict[str, Any], fields: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the merchant's mapped fields written over it (None: left out)."""
    if not fields:
        return data
    merged = {**data, **fields}
    return {k: v for k, v in merged.items() if v is not None}


def _rate(ex: Decimal, inc: Decimal) -> Decimal:
    return ((inc - ex) / ex * 100).quantize(Decimal("0.01")) if ex else Decimal("0")


def article_to_mplus(
    sku: str,
    number: int,
    name: str,
    price: Decimal,
    vat_rate: Decimal,
    ean: str,
    options: Iterable[tuple[str, str]] = (),
    *,
    texts: bool = True,
    includes_vat: bool = True,
) -> dict[str, Any]:
    """An Article dict for createProduct/updateProduct (the SKU rides in extArticleId)."""
    price_key = "priceIncl" if includes_vat else "priceExcl"
    article: dict[str, Any] = {"articleNumber": number, price_key: units.to_cents(price)}
    if str(number) != sku:
        article["extArticleId"] = sku
    if texts:
        article["description"] = name[:250]
        if ean:
            article["barcode"] = ean
        if vat_rate:
            article["vatPercentage"] = units.to_percentage(vat_rate)
    for label, value in options:
        key = {"colour": "colour", "color": "colour", "size": "size"}.get(label.strip().lower())
        if key:
            article[key] = value
    return article


def product_to_mplus(
    product: Product,
    numbers: Mapping[str, int],
    *,
    product_number: int | None = None,
    texts: bool = True,
) -> dict[str, Any]:
    """A Product dict for createProduct/updateProduct; ``numbers`` maps SKU → article number.

    ``texts`` False leaves descriptions, barcodes and VAT out (Mplus keeps
    what the merchant enriched there); prices and numbers always go.
    """
    if product.variants:
        articles = [
            _mapped(
                article_to_mplus(
                    v.sku,
                    numbers[v.sku],
                    f"{product.name} {' '.join(o for _, o in v.options)}",
                    v.price if v.price is not None else product.price,
                    product.vat_rate,
                    v.ean,
                    v.options,
                    texts=texts,
                    includes_vat=product.price_includes_vat,
                ),
                {**dict(product.erp_fields), **dict(v.erp_fields)},
            )
            for v in product.variants
        ]
    else:
        articles = [
            _mapped(
                article_to_mplus(
                    product.sku,
                    numbers[product.sku],
                    product.name,
                    product.price,
                    product.vat_rate,
                    product.ean,
                    texts=texts,
                    includes_vat=product.price_includes_vat,
                ),
                dict(product.erp_fields),
            )
        ]
    out: dict[str, Any] = {"articleList": {"article": articles}}
    if product_number:
        out["productNumber"] = product_number
    if texts:
        out["description"] = product.name[:250]
        if product.description:
            out["extraText"] = product.description
    groups = [int(c) for c in product.category_erp_ids if c.isdigit()]
    if groups:
        out["groupNumbers"] = groups
    return out


#: Order fields a direct invoice has no place for (an Mplus Invoice is not delivered or typed
#: as an order; its payment method is in the payment list).
NOT_ON_INVOICE = ("orderId", "extOrderId", "orderType", "deliveryMethod", "paymentMethod")


def invoice_to_mplus(order_payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Mplus Invoice for saveInvoice made from :func:`order_to_mplus`'s Order.

    Same relation, employee, branch, lines and payment; ``extInvoiceId`` is the order
    reference (findInvoice finds it again).
    """
    invoice = {k: v for k, v in order_payload.items() if k not in NOT_ON_INVOICE}
    invoice["extInvoiceId"] = order_payload["extOrderId"]
    invoice["invoiceType"] = "INVOICE-TYPE-DIRECT-INVOICE"
    return invoice


#: Order fields a Proposal has too (it has no delivery method, order type or payments).
ON_PROPOSAL = (
    "employeeNumber", "entryTimestamp", "relationNumber", "deliveryAddress", "invoiceAddress",
    "financialDate", "financialBranchNumber", "workplaceNumber", "entryBranchNumber",
    "reference", "totalInclAmount", "totalExclAmount", "vatMethod", "lineList",
)  # fmt: skip


def proposal_to_mplus(order_payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Mplus Proposal (a quotation) for saveProposal made from :func:`order_to_mplus`'s
    Order; ``extProposalId`` is the order reference."""
    proposal = {k: v for k, v in order_payload.items() if k in ON_PROPOSAL}
    proposal["extProposalId"] = order_payload["extOrderId"]
    proposal["proposalType"] = "PROPOSAL-TYPE-PROPOSAL"
    return proposal
