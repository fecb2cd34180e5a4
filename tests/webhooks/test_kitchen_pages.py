"""The kitchen screen, printable tickets and the ask before an unpaid order is delivered."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select, update

from bot.outbound import queue_message
from orders_core.db import Database
from orders_core.models import Customer, Order, TimelineEvent
from orders_core.models.base import utcnow
from orders_core.services.tenants import get_tenant
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
    groups = [
        {"name": "Size", "min": 1, "max": 1,
         "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 50000}]},
        {"name": "Extras", "min": 0, "max": 1, "options": [{"name": "Chicken", "price": 150000}]},
    ]  # fmt: skip
    patched = client.patch("/v1/products/prod_jollof", json={"option_groups": groups},
                           headers=tenant.headers)  # fmt: skip
    assert patched.status_code == 200, patched.json
    place(
        status="confirmed",
        items=[{"product_id": "prod_jollof", "quantity": 2, "note": "no pepper",
                "options": ["Large", "Chicken"]}],
    )  # fmt: skip
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


def cards(html: str) -> dict[int, str]:
    """The board's cards by order number: each card's markup."""
    found = {}
    for chunk in html.split('<article class="card" data-order="')[1:]:
        found[int(chunk.split('"', 1)[0])] = chunk.split("</article>", 1)[0]
    return found


def column_numbers(html: str, status: str) -> list[int]:
    """The order numbers of one board column, top to bottom."""
    section = html.split(f'data-status="{status}"', 1)[1].split("</section>", 1)[0]
    return [int(n) for n in re.findall(r'<article class="card" data-order="(\d+)"', section)]


def number(order: dict[str, Any]) -> int:
    return int(order["id"].removeprefix("ord_"))


def test_board_cards_show_address_notes_and_age_and_open_columns_put_the_oldest_first(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    first = place(
        status="confirmed",
        notes="Gate code 4411",
        delivery={"address": "12 Admiralty Way, Lekki", "instructions": "Call on arrival"},
        items=[{"product_id": "prod_jollof", "quantity": 1, "note": "no pepper"}],
    )
    second = place(status="confirmed", delivery={"method": "pickup"})
    done = [place(status="delivered", payment={"amount": 850000}) for _ in range(2)]
    age(database, first, 25)
    sign_in(client, tenant.key)
    html = client.get("/dashboard/").get_data(as_text=True)
    card = cards(html)[number(first)]
    assert "12 Admiralty Way, Lekki" in card and "Gate code 4411" in card
    assert "Call on arrival" in card and re.search(r"<li>1× Jollof[^<]* \(no pepper\)</li>", card)
    assert 'data-level="red"' in card and "data-elapsed" in card and "25 min" in card
    assert "Pickup" in cards(html)[number(second)]
    assert column_numbers(html, "confirmed") == [number(first), number(second)]
    assert column_numbers(html, "delivered") == [number(done[1]), number(done[0])]
    assert 'data-level="ok"' in cards(html)[number(done[0])]


def set_customer(database: Database, phone: str, **values: Any) -> None:
    """Change the tenant's customer with that phone."""
    with database.write() as session:
        session.execute(update(Customer).where(Customer.phone == phone).values(**values))


def test_customers_who_will_not_be_told_are_flagged_on_their_cards(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    phones = [f"+23480100000{i:02d}" for i in range(5)]
    orders = [
        place(status="confirmed", channel="whatsapp", customer={"name": f"C{i}", "phone": p})
        for i, p in enumerate(phones)
    ]
    now = utcnow()
    set_customer(database, phones[0], opted_out=True, last_inbound_at=now)
    set_customer(database, phones[1], last_inbound_at=None)
    set_customer(database, phones[2], last_inbound_at=now - timedelta(hours=30))
    set_customer(database, phones[3], last_inbound_at=now - timedelta(hours=2))
    set_customer(database, phones[4], last_inbound_at=now - timedelta(hours=2))
    with database.write() as session:
        owner = get_tenant(session, tenant.id)
        queue_message(
            session, owner, to_phone=phones[4], channel="whatsapp", kind="notification",
            body="Your order is being prepared", status="skipped",
            order_id=session.scalar(select(Order.id).where(Order.number == number(orders[4]))),
        )  # fmt: skip
    sign_in(client, tenant.key)
    html = client.get("/dashboard/").get_data(as_text=True)
    shown = {number(o): cards(html)[number(o)] for o in orders}
    flags = [re.search(r'data-testid="not-told">.*?</span>([^<]+)</p>', c) for c in shown.values()]
    assert [f.group(1) if f else None for f in flags] == [
        "Opted out: will not be told",
        "Never wrote: needs a template",
        "Silent 24 h+: needs a template",
        None,
        "A notice was not sent (skipped)",
    ]
    # With an approved template for the next notice, silence no longer stops it.
    with database.write() as session:
        owner = get_tenant(session, tenant.id)
        sid = "HX" + "0" * 32
        owner.settings = {
            **(owner.settings or {}),
            "templates": {"order.preparing": {"content_sid": sid}},
        }
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "not-told" not in cards(html)[number(orders[2])]
    assert "Opted out" in cards(html)[number(orders[0])]


def test_messages_that_need_a_look_list_held_back_notices(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    sign_in(client, tenant.key)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert "nothing failed or was held back" in html
    with database.write() as session:
        held = queue_message(
            session, get_tenant(session, tenant.id), to_phone="+2348012345678",
            channel="whatsapp", kind="notification", body="Your order is on its way",
            status="skipped",
        )  # fmt: skip
        assert held is not None
        held.error_message = "customer opted out"
    trouble = client.get("/dashboard/").get_data(as_text=True).split('id="trouble-title"', 1)[1]
    assert "Your order is on its way" in trouble and "customer opted out" in trouble
    assert "nothing failed" not in trouble and "every message went out" not in trouble
