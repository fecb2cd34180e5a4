"""The README's curl example, end to end."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import TenantInfo


def test_readme_curl_example_creates_order(client: FlaskClient, tenant: TenantInfo) -> None:
    body = {
        "customer": {"name": "Amara Obi", "phone": "+2348012345678"},
        "items": [
            {"product_id": "prod_jollof", "quantity": 2},
            {"product_id": "prod_chapman", "quantity": 1},
        ],
        "notes": "Extra spicy",
    }
    response = client.post("/v1/orders", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.json
    order = response.json
    assert order["id"] == "ord_1001"
    assert order["object"] == "order"
    assert order["status"] == "pending"
    assert [i["subtotal"] for i in order["items"]] == [700000, 150000]
    assert order["items"][0]["name"] == "Jollof Rice (Large)"
    assert order["total"] == 850000
    assert order["currency"] == "NGN"
    assert order["payment_status"] == "unpaid"
    assert order["channel"] == "api"
    fetched = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers)
    assert fetched.json == order
