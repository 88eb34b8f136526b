"""A deterministic seed: catalog (brands, categories, variants, images, custom fields),
customers and orders, including the cases integrations get wrong.

The same ``seed`` number gives the same store every time. Orders cover: several
statuses, a guest checkout, a company buyer, a digital product, a coupon plus a
discount, two shipping addresses, non-ASCII names and addresses (Zoë Ødegård,
東京) and an offline payment (bank deposit, cash on delivery).
"""

from __future__ import annotations

import random
from typing import Any

from bcapp.sandbox.bigcommerce.brands import create_brand
from bcapp.sandbox.bigcommerce.catalog import create_product
from bcapp.sandbox.bigcommerce.checkout import create_order
from bcapp.sandbox.bigcommerce.customers import create_customer
from bcapp.sandbox.bigcommerce.state import SandboxStore
from bcapp.sandbox.bigcommerce.taxonomy import create_category

ADJECTIVES = ("Classic", "Organic", "Rugged", "Compact", "Deluxe", "Everyday", "Nordic", "Urban")
NOUNS = ("T-shirt", "Hoodie", "Backpack", "Mug", "Notebook", "Sneaker", "Scarf", "Lamp")
COLOURS = ("Red", "Blue", "Black", "Oatmeal")
SIZES = ("S", "M", "L")
PEOPLE = [
    ("Zoë", "Ødegård", "", "Storgata 5", "Oslo", "0155", "NO"),
    ("Hana", "Sato", "", "1-1 Marunouchi", "東京", "100-0005", "JP"),
    ("Jan", "de Vries", "De Vries Techniek B.V.", "Damrak 1", "Amsterdam", "1012 LG", "NL"),
    ("Amélie", "Dubois", "", "12 Rue de Rivoli", "Paris", "75001", "FR"),
    ("Liam", "Peeters", "Peeters & Zonen BVBA", "Meir 10", "Antwerpen", "2000", "BE"),
    ("Sophie", "Müller", "", "Hauptstraße 3", "Berlin", "10115", "DE"),
    ("Oliver", "Smith", "", "10 Downing Street", "London", "SW1A 2AA", "GB"),
    ("Emma", "Jansen", "", "Oudegracht 20", "Utrecht", "3511 AP", "NL"),
]
COUNTRIES = {
    "NO": "Norway",
    "JP": "Japan",
    "NL": "Netherlands",
    "FR": "France",
    "BE": "Belgium",
    "DE": "Germany",
    "GB": "United Kingdom",
    "US": "United States",
}


#: Marks the seed's own products: their SKUs (SKU-0001 ...) are unknown to the ERP sandboxes.
SEEDED = "_seeded"


class NoErpProducts(LookupError):
    """No product in the store came from the ERP yet (the catalog has not synced)."""


def seed_store(
    store: SandboxStore, products: int = 12, customers: int = 8, orders: int = 10, seed: int = 42
) -> dict[str, list[int]]:
    """Fill ``store``; returns the ids created per kind."""
    rng = random.Random(seed)
    product_ids = _catalog(store, rng, products)
    customer_ids = [create_customer(store, _customer(i))["id"] for i in range(customers)]
    order_ids = [
        create_order(store, spec)["id"]
        for spec in order_specs(store, rng, product_ids, customer_ids, orders)
    ]
    return {"products": product_ids, "customers": customer_ids, "orders": order_ids}


def _catalog(store: SandboxStore, rng: random.Random, count: int) -> list[int]:
    brand_ids = [create_brand(store, {"name": n})["id"] for n in ("Acme", "Nordkapp", "Hikari")]
    root = create_category(store, {"name": "Shop", "parent_id": 0})["id"]
    leaves = [
        create_category(store, {"name": n, "parent_id": root})["id"]
        for n in ("Clothing", "Home", "Downloads")
    ]
    ids = []
    for index in range(count):
        product_id = create_product(store, _product(rng, index, brand_ids, leaves))["id"]
        store.products[product_id][SEEDED] = True  # underscore keys stay out of the API
        ids.append(product_id)
    return ids


def _product(rng: random.Random, index: int, brands: list[int], categories: list[int]) -> dict:
    name = f"{ADJECTIVES[index % len(ADJECTIVES)]} {NOUNS[(index * 3) % len(NOUNS)]} {index + 1}"
    sku = f"SKU-{index + 1:04d}"
    body: dict[str, Any] = {
        "name": name,
        "sku": sku,
        "type": "physical",
        "weight": round(rng.uniform(0.1, 3), 2),
        "price": round(rng.uniform(5, 120), 2),
        "cost_price": round(rng.uniform(2, 40), 2),
        "brand_id": brands[index % len(brands)],
        "categories": [categories[index % 2]],
        "description": f"<p>{name}: seeded sandbox product.</p>",
        "inventory_tracking": "product",
        "inventory_level": rng.randint(0, 80),
        "upc": f"8712345{index:06d}",
        "images": [
            {"image_url": f"https://picsum.photos/seed/bcapp{index}/600/600", "is_thumbnail": True}
        ],
        "custom_fields": [{"name": "Material", "value": rng.choice(["Cotton", "Wool", "Steel"])}],
    }
    if index == 0:  # the digital product
        body.update(
            name=f"E-book: Sync guide {index + 1}",
            type="digital",
            weight=0,
            categories=[categories[2]],
            inventory_tracking="none",
        )
        body.pop("inventory_level")
    elif index % 3 == 1:  # products with variants
        body["inventory_tracking"] = "variant"
        body.pop("inventory_level")
        body["variants"] = [
            {
                "sku": f"{sku}-{colour[:3].upper()}-{size}",
                "inventory_level": rng.randint(0, 25),
                "option_values": [
                    {"option_display_name": "Colour", "label": colour},
                    {"option_display_name": "Size", "label": size},
                ],
            }
            for colour in COLOURS[:2]
            for size in SIZES
        ]
    return body


def _customer(index: int) -> dict[str, Any]:
    first, last, company, street, city, postcode, country = PEOPLE[index % len(PEOPLE)]
    suffix = "" if index < len(PEOPLE) else str(index)
    email = f"{_ascii(first)}.{_ascii(last)}{suffix}@example.com".lower().replace(" ", "")
    return {
        "first_name": first,
        "last_name": last,
        "email": email,
        "company": company,
        "phone": f"+31 6 {10000000 + index}",
        "addresses": [
            {
                "first_name": first,
                "last_name": last,
                "company": company,
                "address1": street,
                "city": city,
                "postal_code": postcode,
                "country_code": country,
                "address_type": "commercial" if company else "residential",
            }
        ],
    }


def _ascii(text: str) -> str:
    table = str.maketrans({"ë": "e", "Ø": "O", "ø": "o", "å": "a", "é": "e", "ü": "u"})
    return text.translate(table)


def billing_for(store: SandboxStore, customer_id: int) -> dict[str, Any]:
    """A billing address from a stored customer (or a guest when ``customer_id`` is 0)."""
    if not customer_id:
        return {
            "first_name": "Guest",
            "last_name": "Shopper",
            "street_1": "Kerkstraat 7",
            "city": "Haarlem",
            "zip": "2011 AB",
            "country": "Netherlands",
            "country_iso2": "NL",
            "email": "guest.shopper@example.com",
            "phone": "",
        }
    customer = store.customers[customer_id]
    address = next((a for a in store.addresses.values() if a["customer_id"] == customer_id), {})
    return {
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "company": customer["company"],
        "street_1": address.get("address1", ""),
        "city": address.get("city", ""),
        "zip": address.get("postal_code", ""),
        "country": COUNTRIES.get(address.get("country_code", "NL"), "Netherlands"),
        "country_iso2": address.get("country_code", "NL"),
        "email": customer["email"],
        "phone": customer["phone"],
    }


def _lines(store: SandboxStore, rng: random.Random, product_ids: list[int], n: int) -> list[dict]:
    lines = []
    physical = [p for p in product_ids if store.products[p]["type"] == "physical"]
    for product_id in rng.sample(physical, min(n, len(physical))):
        variants = [v for v in store.variants_of(product_id) if not v.get("_base")]
        line = {"product_id": product_id, "quantity": rng.randint(1, 3)}
        if variants:
            line["variant_id"] = rng.choice(variants)["id"]
        lines.append(line)
    return lines


def order_specs(
    store: SandboxStore,
    rng: random.Random,
    product_ids: list[int],
    customer_ids: list[int],
    count: int,
) -> list[dict[str, Any]]:
    """Order descriptions: the tricky cases first, then ordinary ones."""

    def customer(i: int) -> int:
        return customer_ids[i % len(customer_ids)] if customer_ids else 0

    specs: list[dict[str, Any]] = [
        {"customer_id": customer(0), "status_id": 11, "tax_rate": 0.25},  # Zoë Ødegård
        {"customer_id": 0, "status_id": 11},  # guest
        {"customer_id": customer(2), "status_id": 9, "tax_rate": 0.21},  # company buyer
        {
            "customer_id": customer(1),
            "status_id": 10,
            "digital": True,  # 東京, digital
            "lines": [{"product_id": product_ids[0], "quantity": 1}],
        },
        {
            "customer_id": customer(3),
            "status_id": 11,
            "coupon": {"code": "WELCOME5", "amount": 5},
            "discount_amount": 2.5,
        },
        {"customer_id": customer(4), "status_id": 11, "two_addresses": True},
        {"customer_id": customer(5), "status_id": 7, "payment_method": "Bank Deposit"},
        {"customer_id": customer(6), "status_id": 11, "payment_method": "Cash on Delivery"},
        {"customer_id": customer(7), "status_id": 0},  # incomplete
        {"customer_id": customer(0), "status_id": 5},  # cancelled
    ]
    while len(specs) < count:
        specs.append({"customer_id": customer(len(specs)), "status_id": rng.choice([1, 9, 10, 11])})
    return [_complete(store, rng, product_ids, spec) for spec in specs[:count]]


def _complete(store: SandboxStore, rng: random.Random, product_ids: list[int], spec: dict) -> dict:
    spec = dict(spec)
    spec["billing_address"] = billing_for(store, spec["customer_id"])
    spec.setdefault("lines", _lines(store, rng, product_ids, rng.randint(1, 3)))
    if spec.pop("two_addresses", False):
        other = {
            **spec["billing_address"],
            "street_1": "Postbus 99",
            "zip": "1000 AA",
            "city": "Amsterdam",
            "first_name": "Warehouse",
            "last_name": "Receiving",
        }
        spec["shipping_addresses"] = [spec["billing_address"], other]
        spec["lines"] = _lines(store, rng, product_ids, 2)
        spec["lines"][-1]["address"] = 1
    return spec


def erp_products(store: SandboxStore) -> list[int]:
    """Physical products that did not come from the seed: the ones the catalog sync created
    from the ERP's articles, so the ERP knows their SKUs."""
    return [
        pid
        for pid, p in store.products.items()
        if not p.get(SEEDED) and p.get("type") == "physical" and not p.get("is_deleted")
    ]


def test_order(store: SandboxStore, *, unknown_sku: bool = False) -> dict[str, Any]:
    """A simulated checkout for the control panel's "place a test order".

    Its lines are products the ERP has (synced from it), so a first test order shows
    the happy path; ``unknown_sku`` adds a line whose SKU the ERP lacks (one of the
    seed's own products), to see an import error and Retry.

    Raises:
        NoErpProducts: no product came from the ERP yet (and no unknown SKU was asked for).
    """
    rng = random.Random(len(store.orders) + 1000)
    known = erp_products(store)
    if not known and not unknown_sku:
        raise NoErpProducts(
            "No product from your ERP is in the store yet: run the catalog sync first "
            "(or place an order with an unknown SKU)."
        )
    seeded = [pid for pid in store.products if pid not in known]
    if unknown_sku and not seeded:
        seeded = seed_store(store, products=2, customers=0, orders=0)["products"]
    customer_ids = list(store.customers)
    customer_id = rng.choice([*customer_ids, 0]) if customer_ids else 0
    spec: dict[str, Any] = {"customer_id": customer_id, "status_id": 11, "tax_rate": 0.21}
    lines = _lines(store, rng, known, rng.randint(1, 2)) if known else []
    if unknown_sku:
        lines += _lines(store, rng, seeded, 1)
    spec["lines"] = lines
    return create_order(store, _complete(store, rng, list(store.products), spec))
