"""Board cards and kitchen tickets say how an order reaches the customer: pickup, or the
delivery zone its address fell in."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.conftest import TenantInfo
from tests.webhooks.conftest import order_body
from tests.webhooks.test_pages import sign_in

ZONES = {"settings": {"pickup": True, "delivery_zones": [
    {"name": "Island", "areas": ["Victoria Island", "Ikoyi"], "fee": 150000},
]}}  # fmt: skip


def test_cards_and_tickets_name_the_zone_or_say_pickup(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    assert client.patch("/v1/settings", json=ZONES, headers=tenant.headers).status_code == 200
    delivered = client.post(
        "/v1/orders", headers=tenant.headers,
        json=order_body(delivery={"address": "5 Akin Adesola Street, Victoria Island"}),
    )  # fmt: skip
    assert delivered.status_code == 201, delivered.json
    assert delivered.json["delivery"]["zone"] == "Island"
    picked = client.post(
        "/v1/orders", json=order_body(delivery={"method": "pickup"}), headers=tenant.headers
    )
    assert picked.status_code == 201, picked.json
    for order in (delivered.json, picked.json):  # the kitchen cooks confirmed orders
        confirm = {"status": "confirmed"}
        client.patch(f"/v1/orders/{order['id']}", json=confirm, headers=tenant.headers)
    sign_in(client, tenant.key)

    board = client.get("/dashboard/").get_data(as_text=True)
    kitchen = client.get("/dashboard/kitchen").get_data(as_text=True)

    assert 'data-testid="zone">Island</span>' in board
    assert '<span class="badge">Pickup</span>' in board and "Pickup" in kitchen
    assert "Delivery · Island" in kitchen
