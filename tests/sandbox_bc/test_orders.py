"""Orders v2 (list, filters, statuses, shipments) and v3 refunds and transactions."""

from __future__ import annotations

import httpx
import pytest

from bcapp.sandbox.bigcommerce import BigCommerceSandbox, SandboxStore
from bcapp.sandbox.bigcommerce.checkout import create_order
from tests.sandbox_bc.conftest import product_body


@pytest.fixture
def order_of(api: httpx.Client, store: SandboxStore):
    """Place an order for two lines (2 and 1 pieces) on one address; returns a maker."""
    product = api.post("/v3/catalog/products", json=product_body(price=10)).json()["data"]
    other = api.post("/v3/catalog/products", json=product_body("Mug", "MUG", price=5)).json()[
        "data"
    ]

    def make(**spec: object) -> dict:
        lines = [
            {"product_id": product["id"], "quantity": 2},
            {"product_id": other["id"], "quantity": 1},
        ]
        base = {
            "customer_id": 0,
            "status_id": 11,
            "shipping_cost": 5,
            "lines": lines,
            "billing_address": {
                "first_name": "Zoë",
                "last_name": "Ødegård",
                "email": "zoe@example.com",
                "country_iso2": "NO",
            },
        }
        return create_order(store, {**base, **spec})

    return make


def test_list_filters_sort_and_204_past_the_end(
    sb: BigCommerceSandbox, api: httpx.Client, order_of
) -> None:
    first = order_of()
    sb.clock.advance(3600)
    second = order_of(status_id=1)
    listed = api.get("/v2/orders")
    assert [o["id"] for o in listed.json()] == [first["id"], second["id"]]
    assert listed.json()[0]["status"] == "Awaiting Fulfillment"
    assert listed.json()[0]["billing_address"]["first_name"] == "Zoë"
    assert [o["id"] for o in api.get("/v2/orders", params={"status_id": 1}).json()] == [
        second["id"]
    ]
    assert [o["id"] for o in api.get("/v2/orders", params={"min_id": second["id"]}).json()] == [
        second["id"]
    ]
    modified = api.get(
        "/v2/orders", params={"min_date_modified": listed.json()[1]["date_modified"]}
    )
    assert [o["id"] for o in modified.json()] == [second["id"]]
    desc = api.get("/v2/orders", params={"sort": "id:desc"}).json()
    assert [o["id"] for o in desc] == [second["id"], first["id"]]
    assert api.get("/v2/orders", params={"page": 2, "limit": 2}).status_code == 204
    assert api.get("/v2/orders", params={"limit": 251}).status_code == 422


def test_order_detail_products_and_addresses(api: httpx.Client, order_of) -> None:
    order = order_of()
    detail = api.get(f"/v2/orders/{order['id']}").json()
    assert detail["products"]["resource"] == f"/orders/{order['id']}/products"
    assert detail["total_inc_tax"] == "30.0000" and detail["items_total"] == 3
    lines = api.get(f"/v2/orders/{order['id']}/products").json()
    assert [line["quantity"] for line in lines] == [2, 1]
    addresses = api.get(f"/v2/orders/{order['id']}/shipping_addresses").json()
    assert len(addresses) == 1 and addresses[0]["items_total"] == 3


def test_order_taxes_name_each_line_tax_class_with_details(api: httpx.Client, order_of) -> None:
    untaxed = order_of()
    assert api.get(f"/v2/orders/{untaxed['id']}/taxes").status_code == 204
    order = order_of(tax_rate=0.21)
    url = f"/v2/orders/{order['id']}/taxes"
    plain = api.get(url).json()
    assert len(plain) == 2 and "order_product_id" not in plain[0]
    rows = api.get(url, params={"details": "true"}).json()
    lines = api.get(f"/v2/orders/{order['id']}/products").json()
    assert [r["order_product_id"] for r in rows] == [str(line["id"]) for line in lines]
    assert {(r["tax_class_id"], r["class"], r["line_item_type"]) for r in rows} == {
        (0, "Default Tax Class", "item")
    }
    assert rows[0]["rate"] == "21.0000"


def test_status_update_emits_and_uses_custom_labels(
    api: httpx.Client, store: SandboxStore, order_of
) -> None:
    order = order_of()
    store.status_labels[10] = "Afgerond"
    response = api.put(f"/v2/orders/{order['id']}", json={"status_id": 10})
    assert response.json()["status"] == "Afgerond"
    status_event = [e for e in store.events if e["scope"] == "store/order/statusUpdated"][-1]
    assert status_event["data"]["status"] == {"previous_status_id": 11, "new_status_id": 10}
    statuses = api.get("/v2/order_statuses").json()
    assert [s["id"] for s in statuses] == list(range(15))
    assert statuses[10]["custom_label"] == "Afgerond" and statuses[10]["name"] == "Completed"
    assert api.put(f"/v2/orders/{order['id']}", json={"status_id": 99}).status_code == 400


def test_shipments_validate_quantities_and_move_status(
    api: httpx.Client, store: SandboxStore, order_of
) -> None:
    order = order_of()
    url = f"/v2/orders/{order['id']}/shipments"
    assert api.get(url).status_code == 204
    lines = api.get(f"/v2/orders/{order['id']}/products").json()
    address_id = lines[0]["order_address_id"]
    too_many = api.post(
        url,
        json={
            "order_address_id": address_id,
            "items": [{"order_product_id": lines[0]["id"], "quantity": 3}],
        },
    )
    assert too_many.status_code == 400 and isinstance(too_many.json(), list)
    bad_address = api.post(
        url,
        json={
            "order_address_id": 999,
            "items": [{"order_product_id": lines[0]["id"], "quantity": 1}],
        },
    )
    assert bad_address.status_code == 400
    part = api.post(
        url,
        json={
            "order_address_id": address_id,
            "tracking_number": "3S123",
            "items": [{"order_product_id": lines[0]["id"], "quantity": 2}],
        },
    )
    assert part.status_code == 201
    assert api.get(f"/v2/orders/{order['id']}").json()["status_id"] == 3
    rest = api.post(
        url,
        json={
            "order_address_id": address_id,
            "items": [{"order_product_id": lines[1]["id"], "quantity": 1}],
        },
    )
    assert rest.status_code == 201
    shipped = api.get(f"/v2/orders/{order['id']}").json()
    assert shipped["status_id"] == 2 and shipped["items_shipped"] == 3 and shipped["date_shipped"]
    assert len(api.get(url).json()) == 2
    created = [e for e in store.events if e["scope"] == "store/shipment/created"]
    assert created[0]["data"]["orderId"] == order["id"]


def test_refund_quote_then_refund(api: httpx.Client, store: SandboxStore, order_of) -> None:
    order = order_of()
    line = api.get(f"/v2/orders/{order['id']}/products").json()[0]
    items = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 1}]
    base = f"/v3/orders/{order['id']}/payment_actions"
    quote = api.post(f"{base}/refund_quotes", json={"items": items})
    assert quote.status_code == 201
    assert quote.json()["data"]["total_refund_amount"] == 10.0
    provider = quote.json()["data"]["refund_methods"][0][0]
    assert provider["provider_id"] == "stripe" and provider["offline"] is False
    mismatch = api.post(
        f"{base}/refunds",
        json={
            "items": items,
            "payments": [{"provider_id": "stripe", "amount": 12, "offline": False}],
        },
    )
    assert mismatch.status_code == 422 and mismatch.json()["data"][0]["status"] == 422
    refund = api.post(
        f"{base}/refunds",
        json={
            "items": items,
            "payments": [{"provider_id": "stripe", "amount": 10, "offline": False}],
        },
    )
    assert refund.status_code == 201
    detail = api.get(f"/v2/orders/{order['id']}").json()
    assert detail["status_id"] == 14 and detail["refunded_amount"] == "10.0000"
    assert [e for e in store.events if e["scope"] == "store/order/refund/created"]
    transactions = api.get(f"/v3/orders/{order['id']}/transactions").json()["data"]
    assert [t["event"] for t in transactions] == ["purchase", "refund"]


def test_refund_more_than_paid_or_left_is_refused(api: httpx.Client, order_of) -> None:
    order = order_of()
    line = api.get(f"/v2/orders/{order['id']}/products").json()[0]
    base = f"/v3/orders/{order['id']}/payment_actions"
    too_many = [{"item_type": "PRODUCT", "item_id": line["id"], "quantity": 3}]
    assert api.post(f"{base}/refund_quotes", json={"items": too_many}).status_code == 422
    too_much = [{"item_type": "ORDER", "item_id": order["id"], "amount": 30.01}]
    assert api.post(f"{base}/refund_quotes", json={"items": too_much}).status_code == 422
    everything = [{"item_type": "ORDER", "item_id": order["id"], "amount": 30}]
    ok = api.post(
        f"{base}/refunds",
        json={
            "items": everything,
            "payments": [{"provider_id": "stripe", "amount": 30, "offline": False}],
        },
    )
    assert ok.status_code == 201
    assert api.get(f"/v2/orders/{order['id']}").json()["status_id"] == 4
    again = [{"item_type": "ORDER", "item_id": order["id"], "amount": 1}]
    assert api.post(f"{base}/refund_quotes", json={"items": again}).status_code == 422


def test_offline_payment_cannot_refund_through_the_provider(api: httpx.Client, order_of) -> None:
    order = order_of(payment_method="Cash on Delivery", customer_id=0)
    base = f"/v3/orders/{order['id']}/payment_actions"
    items = [{"item_type": "ORDER", "item_id": order["id"], "amount": 5}]
    methods = api.post(f"{base}/refund_quotes", json={"items": items}).json()["data"][
        "refund_methods"
    ]
    assert [[o["provider_id"] for o in m] for m in methods] == [["cod"]]
    assert methods[0][0]["offline_provider"] is True
    online = api.post(
        f"{base}/refunds",
        json={"items": items, "payments": [{"provider_id": "cod", "amount": 5, "offline": False}]},
    )
    assert online.status_code == 422
    assert "offline" in online.json()["data"][0]["title"]
    credit = api.post(
        f"{base}/refunds",
        json={
            "items": items,
            "payments": [{"provider_id": "storecredit", "amount": 5, "offline": False}],
        },
    )
    assert (
        credit.json()["data"][0]["title"] == "Unable to provide store credit for a guest customer."
    )
    offline = api.post(
        f"{base}/refunds",
        json={"items": items, "payments": [{"provider_id": "cod", "amount": 5, "offline": True}]},
    )
    assert offline.status_code == 201


def test_unpaid_order_cannot_be_refunded(api: httpx.Client, order_of) -> None:
    order = order_of(payment_method="Bank Deposit", status_id=7)
    items = [{"item_type": "ORDER", "item_id": order["id"], "amount": 1}]
    response = api.post(
        f"/v3/orders/{order['id']}/payment_actions/refund_quotes", json={"items": items}
    )
    assert response.status_code == 422


def test_store_information(api: httpx.Client, store: SandboxStore) -> None:
    info = api.get("/v2/store").json()
    assert info["id"] == "abc123" and info["plan_name"] == "Standard"
    assert info["admin_email"] == store.owner["email"]


def test_order_created_takes_stock(api: httpx.Client, order_of) -> None:
    api.put(
        "/v3/inventory/adjustments/absolute",
        json={"items": [{"location_id": 1, "sku": "SH-1", "quantity": 10}]},
    )
    order_of()
    products = api.get("/v3/catalog/products", params={"sku": "SH-1"}).json()["data"]
    assert products[0]["inventory_level"] == 8


def test_create_order_through_the_api(api: httpx.Client, store: SandboxStore) -> None:
    product = api.post("/v3/catalog/products", json=product_body(price=10)).json()["data"]
    billing = {
        "first_name": "Jan",
        "last_name": "Jansen",
        "street_1": "Damrak 1",
        "city": "Amsterdam",
        "zip": "1012 LG",
        "country": "Netherlands",
        "country_iso2": "NL",
        "email": "jan@example.com",
    }
    body = {
        "billing_address": billing,
        "external_source": "bcapp-pos",
        "products": [
            {"product_id": product["id"], "quantity": 2},
            {"name": "Gift wrap", "quantity": 1, "price_inc_tax": 2.5, "price_ex_tax": 2.5},
        ],
    }
    response = api.post("/v2/orders", json=body)
    assert response.status_code == 200
    order = response.json()
    assert order["status_id"] == 1 and order["external_source"] == "bcapp-pos"
    assert order["total_inc_tax"] == "22.5000" and order["payment_method"] == "Manual"
    lines = api.get(f"/v2/orders/{order['id']}/products").json()
    assert [(line["name"], line["quantity"]) for line in lines] == [("Shirt", 2), ("Gift wrap", 1)]
    assert store.events[-1] == {
        **store.events[-1],
        "scope": "store/order/created",
        "data": {"type": "order", "id": order["id"]},
    }
    assert api.post("/v2/orders", json={"products": body["products"]}).json() == [
        {"status": 400, "message": "The required field 'billing_address' was not supplied."}
    ]
    unknown = api.post("/v2/orders", json={**body, "products": [{"product_id": 999}]})
    assert unknown.status_code == 400
