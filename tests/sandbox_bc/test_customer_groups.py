"""Customer groups v2 in the sandbox, and customers pointing at them (v3)."""

from __future__ import annotations

import httpx

from bcapp.sandbox.bigcommerce import SandboxStore
from bcapp.sandbox.bigcommerce.customers import create_customer


def test_groups_are_listed_created_and_named_once(api: httpx.Client) -> None:
    assert api.get("/v2/customer_groups").status_code == 204  # none yet: v2's empty answer
    made = api.post("/v2/customer_groups", json={"name": "Wholesale"})
    assert made.status_code == 201 and made.json()["name"] == "Wholesale"
    assert api.post("/v2/customer_groups", json={"name": "wholesale"}).status_code == 409
    assert api.post("/v2/customer_groups", json={"name": ""}).status_code == 400
    listed = api.get("/v2/customer_groups").json()
    assert [g["name"] for g in listed] == ["Wholesale"] and "date_created" in listed[0]
    assert api.get("/v2/customer_groups", params={"name": "Retail"}).status_code == 204
    assert api.get("/v2/customer_groups/count").json() == {"count": 1}
    assert api.get("/v2/customer_groups/999").status_code == 404


def test_customers_must_name_an_existing_group_and_keep_their_password(
    api: httpx.Client, store: SandboxStore
) -> None:
    group = api.post("/v2/customer_groups", json={"name": "Wholesale"}).json()["id"]
    body = {"first_name": "Els", "last_name": "Bol", "email": "els@example.com"}
    refused = api.post("/v3/customers", json=[{**body, "customer_group_id": group + 1}])
    assert refused.status_code == 422 and "does not exist" in refused.json()["title"]
    made = api.post(
        "/v3/customers",
        json=[
            {**body, "customer_group_id": group, "authentication": {"new_password": "Secret-123"}}
        ],
    )
    customer = made.json()["data"][0]
    assert customer["customer_group_id"] == group and "_password" not in customer
    assert store.customers[customer["id"]]["_password"] == "Secret-123"
    api.put("/v3/customers", json=[{"id": customer["id"], "phone": "06-1"}])
    assert store.customers[customer["id"]]["_password"] == "Secret-123"
    api.delete(f"/v2/customer_groups/{group}")
    assert store.customers[customer["id"]]["customer_group_id"] == 0
    with_group = create_customer(store, {**body, "email": "kees@example.com"})
    assert with_group["customer_group_id"] == 0
