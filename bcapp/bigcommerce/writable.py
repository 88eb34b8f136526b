"""The BigCommerce product fields a merchant may fill from the ERP (the field mapper's
ERP → store direction), with the types and lengths of BigCommerce's catalog API.

From ``product_Base_PUT`` of BigCommerce's published OpenAPI (a test compares this
table with ``../shared/bigcommerce-openapi/products_catalog.v3.yml`` when present):
the texts, numbers and flags a merchant may set per product. What the catalog flow
needs for itself (SKU, type, price, categories, stock tracking, visibility from the
ERP's blocked flag) is not offered; the name and description are, and show what the
flow sends today.
"""

from __future__ import annotations

from bcapp.canonical import ErpField

#: (field, kind, length, what the catalog flow sends today).
PRODUCT_FIELDS: tuple[tuple[str, str, int | None, str], ...] = (
    ("name", "string", 250, "{{ product.name }}"),
    ("description", "string", None, "{{ product.description }}"),
    ("page_title", "string", 255, ""),
    ("search_keywords", "string", 65535, ""),
    ("warranty", "string", 65535, ""),
    ("availability_description", "string", 255, ""),
    ("bin_picking_number", "string", 255, ""),
    ("mpn", "string", None, ""),
    ("product_tax_code", "string", 255, ""),
    ("preorder_message", "string", 255, ""),
    ("price_hidden_label", "string", 200, ""),
    ("cost_price", "number", None, ""),
    ("retail_price", "number", None, ""),
    ("sale_price", "number", None, ""),
    ("width", "number", None, ""),
    ("height", "number", None, ""),
    ("depth", "number", None, ""),
    ("sort_order", "integer", None, ""),
    ("order_quantity_minimum", "integer", None, ""),
    ("order_quantity_maximum", "integer", None, ""),
    ("is_featured", "boolean", None, ""),
)


def product_fields() -> list[ErpField]:
    """The BigCommerce product fields a template may fill (ERP → store)."""
    return [
        ErpField(name=name, label=name.replace("_", " "), kind=kind, length=length, builtin=builtin)
        for name, kind, length, builtin in PRODUCT_FIELDS
    ]
