"""BigCommerce v2 order JSON → canonical Order, on the documented field names."""

from __future__ import annotations

from decimal import Decimal

from bcapp.bigcommerce.mapping import customer_from_bc, order_from_bc
from bcapp.connectors.base import CustomerKind

ORDER = {
    "id": 250,
    "customer_id": 0,
    "date_created": "Tue, 05 Mar 2024 10:11:12 +0000",
    "status_id": 11,
    "channel_id": 1,
    "currency_code": "EUR",
    "payment_method": "Bank deposit",
    "subtotal_ex_tax": "100.0000",
    "shipping_cost_ex_tax": "5.0000",
    "shipping_cost_inc_tax": "6.0500",
    "total_ex_tax": "95.0000",
    "total_inc_tax": "114.9500",
    "total_tax": "19.9500",
    "discount_amount": "0.0000",
    "coupon_discount": "10.0000",
    "customer_message": "Ring twice",
    "billing_address": {
        "first_name": "Zoë",
        "last_name": "Ødegård",
        "company": "Fjord BV",
        "street_1": "Keizersgracht 1",
        "street_2": "",
        "city": "Amsterdam",
        "state": "",
        "zip": "1015 AA",
        "country": "Netherlands",
        "country_iso2": "NL",
        "phone": "+31 20 000",
        "email": "Zoe@Example.com",
    },
}
PRODUCTS = [
    {
        "id": 1,
        "product_id": 77,
        "variant_id": 501,
        "name": "Shirt M",
        "sku": "SHIRT-M",
        "quantity": 2,
        "price_ex_tax": "50.0000",
        "price_inc_tax": "60.5000",
        "type": "physical",
        "applied_discounts": [{"id": "coupon", "amount": "10.0000", "code": "SAVE10"}],
    },
    {
        "id": 2,
        "product_id": 78,
        "variant_id": 502,
        "name": "E-book",
        "sku": "EBOOK",
        "quantity": 1,
        "price_ex_tax": "0.0000",
        "price_inc_tax": "0.0000",
        "type": "digital",
        "applied_discounts": [],
    },
]
SHIPPING = [
    {
        "id": 9,
        "first_name": "Zoë",
        "last_name": "Ødegård",
        "street_1": "Dam 1",
        "city": "Amsterdam",
        "zip": "1012 JS",
        "country_iso2": "NL",
        "shipping_method": "PostNL",
    }
]


def test_guest_company_order_maps_to_canonical_order():
    order = order_from_bc(ORDER, PRODUCTS, SHIPPING, [{"code": "SAVE10"}])
    assert order.reference == "250" and order.status_id == 11
    assert order.customer.bc_id is None  # guest checkout
    assert order.customer.email == "zoe@example.com"
    assert order.customer.kind is CustomerKind.ORGANISATION
    assert order.billing_address.first_name == "Zoë"
    assert order.shipping_addresses[0].street == "Dam 1"
    assert order.shipping_method == "PostNL"
    assert order.total_inc_tax == Decimal("114.9500")
    assert order.discount_total == Decimal("10.0000")
    assert order.coupon_codes == ("SAVE10",)
    shirt, ebook = order.lines
    assert (shirt.sku, shirt.quantity, shirt.tax_rate) == ("SHIRT-M", Decimal(2), Decimal("21.00"))
    assert shirt.discount == Decimal("10.0000") and shirt.bc_line_id == 1
    assert ebook.is_digital and not shirt.is_digital
    assert order.created_at.year == 2024


def test_v3_customer_maps_addresses():
    customer = customer_from_bc(
        {
            "id": 5,
            "email": "A@B.NL",
            "first_name": "Ann",
            "last_name": "Bee",
            "company": "",
            "origin_channel_id": 2,
            "addresses": [
                {
                    "id": 3,
                    "address1": "Straat 1",
                    "city": "Utrecht",
                    "postal_code": "3511",
                    "country_code": "nl",
                    "first_name": "Ann",
                    "last_name": "Bee",
                }
            ],
        }
    )
    assert customer.email == "a@b.nl" and customer.kind is CustomerKind.PERSON
    assert customer.channel_id == 2
    assert customer.addresses[0].country_code == "NL" and customer.addresses[0].bc_id == 3
