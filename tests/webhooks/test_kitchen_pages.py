"""The kitchen screen, printable tickets and the ask before an unpaid order is delivered."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from orders_core.db import Database
from orders_core.models import Order, TimelineEvent
from orders_core.models.base import utcnow
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder
from tests.webhooks.test_pages import sign_in


def status(client: FlaskClient, tenant: TenantInfo, order: dict[str, Any]) -> str:
    """The order's status through the API."""
    return client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json["status"]


def age(database: Database, order: dict[str, Any], minutes: int) -> None:
    """Make the order `minutes` old."""
    number = int(order["id"].removeprefix("ord_"))
    with database.write() as session:
        session.execute(
            update(Order)
            .where(Order.number == number)
            .values(created_at=utcnow() - timedelta(minutes=minutes))
        )


def tickets(html: str) -> list[tuple[int, str]]:
    """The tickets on the kitchen screen: (order number, level), in page order."""
    return [
        (int(n), level)
        for level, n in re.findall(
            r'class="ticket ticket-\w+ level-(\w+)" data-order="(\d+)"', html
        )
    ]


def test_the_kitchen_sees_confirmed_and_preparing_orders_oldest_first_coloured_by_age(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    pending = place()
    fresh = place(status="confirmed")
    late = place(status="confirmed", notes="Ring twice")
    very_late = place(status="preparing")
    age(database, late, 12)
    age(database, very_late, 25)
    sign_in(client, tenant.key)
    html = client.get("/dashboard/kitchen").get_data(as_text=True)
    numbers = {
        o["id"]: int(o["id"].removeprefix("ord_")) for o in (pending, fresh, late, very_late)
    }
    assert tickets(html) == [
        (numbers[very_late["id"]], "red"),
        (numbers[late["id"]], "amber"),
        (numbers[fresh["id"]], "ok"),
    ]
    assert "Ring twice" in html and 'class="ticket-note"' in html
    assert "Start preparing" in html and ">Ready<" in html
    fragment = client.get("/dashboard/kitchen?fragment=1").get_data(as_text=True)
    assert "<html" not in fragment and tickets(fragment) == tickets(html)


def test_line_notes_and_options_show_on_the_ticket(
    client: FlaskClient, tenant: TenantInfo, place: PlaceOrder
) -> None:
    place(
        status="confirmed",
        items=[
            {
                "product_id": "prod_jollof",
                "quantity": 2,
                "metadata": {"note": "no pepper", "options": [{"name": "Large"}, "Chicken"]},
            }
        ],
    )
    sign_in(client, tenant.key)
    html = client.get("/dashboard/kitchen").get_data(as_text=True)
    assert '<span class="line-note">no pepper</span>' in html
    assert '<span class="options">Large, Chicken</span>' in html


def test_one_tap_moves_a_ticket_through_the_use_cases(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    delivery = place(status="confirmed")
    token = sign_in(client, tenant.key)
    url = f"/dashboard/kitchen/{delivery['id']}/advance"
    moved = client.post(url, data={"status": "preparing", "csrf_token": token})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("/dashboard/kitchen")
    assert status(client, tenant, delivery) == "preparing"
    # A second tap from a stale screen does not skip a step.
    client.post(url, data={"status": "preparing", "csrf_token": token})
    assert status(client, tenant, delivery) == "preparing"
    client.post(url, data={"status": "ready", "csrf_token": token})
    assert status(client, tenant, delivery) == "out_for_delivery"
    with database.read() as session:
        actors = session.scalars(
            TimelineEvent.__table__.select()
            .with_only_columns(TimelineEvent.actor)
            .where(TimelineEvent.kind == "status_changed")
        ).all()
    assert actors.count("kitchen") == 2
    assert f'data-order="{delivery["id"].removeprefix("ord_")}"' not in client.get(
        "/dashboard/kitchen"
    ).get_data(as_text=True)
    refused = client.post(url, data={"status": "preparing"})
    assert refused.status_code == 400


def test_ready_hands_a_paid_pickup_over_and_asks_for_an_unpaid_one(
    client: FlaskClient, tenant: TenantInfo, place: PlaceOrder
) -> None:
    paid = place(status="preparing", delivery={"method": "pickup"}, payment={"amount": 850000})
    unpaid = place(status="preparing", delivery={"method": "pickup"})
    token = sign_in(client, tenant.key)
    client.post(
        f"/dashboard/kitchen/{paid['id']}/advance", data={"status": "ready", "csrf_token": token}
    )
    assert status(client, tenant, paid) == "delivered"
    asked = client.post(
        f"/dashboard/kitchen/{unpaid['id']}/advance", data={"status": "ready", "csrf_token": token}
    )
    assert asked.status_code == 303 and "/deliver?next=" in asked.headers["Location"]
    assert status(client, tenant, unpaid) == "preparing"
    question = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "is not fully paid" in question and "₦8,500" in question
    yes = client.post(
        f"/dashboard/orders/{unpaid['id']}/status",
        data={"status": "delivered", "confirm_unpaid": "1", "next": "/dashboard/kitchen",
              "csrf_token": token},
    )  # fmt: skip
    assert yes.headers["Location"].endswith("/dashboard/kitchen")
    assert status(client, tenant, unpaid) == "delivered"


def test_the_board_asks_before_an_unpaid_order_is_marked_delivered(
    client: FlaskClient, tenant: TenantInfo, place: PlaceOrder
) -> None:
    unpaid = place(status="out_for_delivery")
    paid = place(status="out_for_delivery", payment={"amount": 850000})
    token = sign_in(client, tenant.key)
    asked = client.post(
        f"/dashboard/orders/{unpaid['id']}/status",
        data={"status": "delivered", "next": "/dashboard/?q=Amara", "csrf_token": token},
    )
    assert asked.status_code == 303
    assert f"/dashboard/orders/{unpaid['id']}/deliver" in asked.headers["Location"]
    assert status(client, tenant, unpaid) == "out_for_delivery"
    client.post(
        f"/dashboard/orders/{paid['id']}/status", data={"status": "delivered", "csrf_token": token}
    )
    assert status(client, tenant, paid) == "delivered"
    # The question's "record cash first" pays the balance; then delivered goes straight through.
    client.post(
        f"/dashboard/orders/{unpaid['id']}/pay", data={"method": "cash", "csrf_token": token}
    )
    client.post(
        f"/dashboard/orders/{unpaid['id']}/status",
        data={"status": "delivered", "csrf_token": token},
    )
    assert status(client, tenant, unpaid) == "delivered"


def test_the_printable_ticket_fits_58_or_80_mm(
    client: FlaskClient, tenant: TenantInfo, place: PlaceOrder
) -> None:
    order = place(
        status="confirmed", notes="Extra napkins", delivery={"address": "12 Admiralty Way"}
    )
    sign_in(client, tenant.key)
    narrow = client.get(f"/dashboard/orders/{order['id']}/ticket?width=58").get_data(as_text=True)
    assert "size: 58mm auto" in narrow and 'data-width="58"' in narrow
    assert "Extra napkins" in narrow and "12 Admiralty Way" in narrow and "2× Jollof" in narrow
    odd = client.get(f"/dashboard/orders/{order['id']}/ticket?width=33").get_data(as_text=True)
    assert "size: 80mm auto" in odd


def test_kitchen_pages_need_a_sign_in_and_keep_tenants_apart(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo, place: PlaceOrder
) -> None:
    theirs = place(as_tenant=other_tenant, status="confirmed")
    for path in ("/dashboard/kitchen", f"/dashboard/orders/{theirs['id']}/ticket"):
        assert "/dashboard/login" in client.get(path).headers["Location"]
    assert client.get("/dashboard/api/kitchen").status_code == 401
    token = sign_in(client, tenant.key)
    assert client.get(f"/dashboard/orders/{theirs['id']}/ticket").status_code == 404
    assert client.get(f"/dashboard/orders/{theirs['id']}/deliver").status_code == 404
    moved = client.post(
        f"/dashboard/kitchen/{theirs['id']}/advance",
        data={"status": "preparing", "csrf_token": token},
    )
    assert moved.status_code == 404
    assert status(client, other_tenant, theirs) == "confirmed"
    assert client.get("/dashboard/api/kitchen").json["numbers"] == []


def test_the_poll_names_the_orders_on_screen_and_changes_with_them(
    client: FlaskClient, tenant: TenantInfo, place: PlaceOrder
) -> None:
    sign_in(client, tenant.key)
    before = client.get("/dashboard/api/kitchen").json
    order = place(status="confirmed")
    after = client.get("/dashboard/api/kitchen").json
    assert after["numbers"] == [int(order["id"].removeprefix("ord_"))]
    assert after["version"] != before["version"]
