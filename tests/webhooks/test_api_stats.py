"""GET /v1/orders/stats on both databases: figures that add up (gross, net, counts, average,
cancelled apart, active orders), the same for the whole range and for each period, under
every filter, whatever the zone or the range."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import update

from orders_core.db import Database
from orders_core.domain import OrderStatus, PaymentStatus
from orders_core.models import Order
from tests.conftest import TenantInfo, make_tenant
from tests.webhooks.conftest import PlaceOrder, assert_error

FIGURES = ("total_orders", "order_count", "gross", "average_order_value", "cancelled_count",
           "cancelled_amount", "amount_paid", "amount_refunded", "net", "active_orders",
           "revenue")  # fmt: skip
PHONES = ("+2348011110001", "+2348022220002", "+2348033330003")
SOURCES = (None, "website", "pos")


def _stats(client: FlaskClient, tenant: TenantInfo, **params: str) -> dict[str, Any]:
    response = client.get("/v1/orders/stats", query_string=params, headers=tenant.headers)
    assert response.status_code == 200, response.json
    return response.json


def _set(database: Database, tenant: TenantInfo, order_id: str, **values: Any) -> None:
    with database.write() as session:
        session.execute(
            update(Order)
            .where(Order.tenant_id == tenant.id, Order.number == int(order_id[4:]))
            .values(**values)
        )


def _by_hand(orders: list[dict[str, Any]]) -> dict[str, int]:
    """The figures of `orders`, counted one order at a time."""
    live = [o for o in orders if o["status"] != "cancelled"]
    gone = [o for o in orders if o["status"] == "cancelled"]
    gross = sum(o["total"] for o in live)
    paid = sum(o["amount_paid"] for o in orders)
    refunded = sum(o["amount_refunded"] for o in orders)
    return {
        "total_orders": len(orders),
        "order_count": len(live),
        "gross": gross,
        "average_order_value": gross // len(live) if live else 0,
        "cancelled_count": len(gone),
        "cancelled_amount": sum(o["total"] for o in gone),
        "amount_paid": paid,
        "amount_refunded": refunded,
        "net": paid - refunded,
        "active_orders": sum(
            o["status"] not in ("delivered", "cancelled") and o["payment_status"] != "refunded"
            for o in orders
        ),
        "revenue": gross,
    }


def _matches(order: dict[str, Any], chosen: dict[str, str]) -> bool:
    """Whether `order` passes the stats filters `chosen`, decided by hand."""
    for name, value in chosen.items():
        if name in ("status", "payment_status", "channel"):
            if order[name] not in [s.strip() for s in value.split(",")]:
                return False
        elif name == "customer_phone":
            if order["customer_phone"] != value.replace(" ", ""):
                return False
        elif order[name] != value:
            return False
    return True


def _first_day(day: date, period: str) -> date:
    if period == "weekly":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1) if period == "monthly" else day


def test_stats_agree_with_a_count_by_hand(
    client: FlaskClient, database: Database, tenant: TenantInfo, other_tenant: TenantInfo,
    place: PlaceOrder,
) -> None:  # fmt: skip
    """Orders scattered over three months with every status, payment status, amount paid
    and refunded, channel, source and customer, counted in SQL and by hand for each filter
    and period; another business's orders count for nothing."""
    rng = random.Random(9)
    zone = ZoneInfo("Africa/Lagos")
    start = datetime(2024, 11, 20, tzinfo=UTC)
    statuses = [*(s.value for s in OrderStatus), "on_hold"]
    made = []
    for n in range(40):
        order = place(channel=rng.choice(["api", "web"]),
                      items=[{"product_id": "prod_jollof", "quantity": 1 + n % 3}])  # fmt: skip
        paid = rng.choice([0, order["total"] // 2, order["total"]])
        values = {
            "created_at": start + timedelta(minutes=rng.randrange(0, 90 * 24 * 60)),
            "status": statuses[n % len(statuses)],
            "payment_status": rng.choice(list(PaymentStatus)).value,
            "amount_paid": paid,
            "amount_refunded": rng.choice([0, paid // 3, paid]),
            "source": rng.choice(SOURCES),
            "external_id": f"ext-{n}",
            "customer_phone": rng.choice(PHONES),
        }
        _set(database, tenant, order["id"], **values)
        made.append({**values, "channel": order["channel"], "total": order["total"]})
    theirs = place(as_tenant=other_tenant, customer={"name": "A", "phone": PHONES[0]})
    _set(database, other_tenant, theirs["id"], created_at=start + timedelta(days=20))
    after, before = datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    filters: list[dict[str, str]] = [
        {}, {"channel": "web"}, {"source": "pos"}, {"customer_phone": "+234 802 222 0002"},
        {"status": "pending,confirmed"}, {"status": "cancelled"},
        {"status": "delivered, pending", "channel": "api", "source": "website"},
        {"payment_status": "paid,refunded", "channel": "api,web"},
    ]  # fmt: skip
    for period in ("daily", "weekly", "monthly"):
        for chosen in filters:
            params = {"created_after": after.isoformat(), "created_before": before.isoformat(),
                      "period": period, **chosen}  # fmt: skip
            got = _stats(client, tenant, **params)
            kept = [o for o in made if after <= o["created_at"] < before and _matches(o, chosen)]
            assert kept, chosen  # each filter finds something
            assert {f: got[f] for f in FIGURES} == _by_hand(kept), (period, chosen)
            assert got["by_status"] == dict.fromkeys(map(str, OrderStatus), 0) | Counter(
                o["status"] for o in kept
            )
            assert got["by_payment_status"] == dict.fromkeys(map(str, PaymentStatus), 0) | Counter(
                o["payment_status"] for o in kept
            )
            by_period: dict[str, list[dict[str, Any]]] = {}
            for o in sorted(kept, key=lambda o: o["created_at"]):
                first = _first_day(o["created_at"].astimezone(zone).date(), period)
                by_period.setdefault(first.isoformat(), []).append(o)
            assert [p["start"] for p in got["periods"]] == list(by_period), (period, chosen)
            for shown, (first, orders) in zip(got["periods"], by_period.items(), strict=True):
                assert shown == {"start": first, "orders": len(orders), **_by_hand(orders)}
            for figure in FIGURES:
                if figure != "average_order_value":  # the periods add up to the whole
                    assert sum(p[figure] for p in got["periods"]) == got[figure], figure


def test_stats_follow_payments_refunds_and_cancellations(
    client: FlaskClient, tenant: TenantInfo, place: PlaceOrder
) -> None:
    """Money moved through the API: a partial refund, a paid order cancelled (refunded in
    full), an unpaid one, and a delivered order refunded in full."""

    def post(path: str, body: dict[str, Any]) -> None:
        response = client.post(path, json=body, headers=tenant.headers)
        assert response.status_code in (200, 201), response.json

    a, b, c, d = (place() for _ in range(4))
    post(f"/v1/orders/{a['id']}/payments", {"method": "cash"})
    post(f"/v1/orders/{a['id']}/refunds", {"amount": 100_00})
    post(f"/v1/orders/{b['id']}/payments", {"method": "card"})
    post(f"/v1/orders/{b['id']}/cancel", {"reason": "customer_request"})
    post(f"/v1/orders/{d['id']}/payments", {"method": "transfer"})
    patched = client.patch(
        f"/v1/orders/{d['id']}", json={"status": "delivered"}, headers=tenant.headers
    )
    assert patched.status_code == 200, patched.json
    post(f"/v1/orders/{d['id']}/refunds", {"amount": d["total"]})
    got = _stats(client, tenant)
    assert {f: got[f] for f in FIGURES} == {
        "total_orders": 4,
        "order_count": 3,
        "gross": a["total"] + c["total"] + d["total"],
        "average_order_value": (a["total"] + c["total"] + d["total"]) // 3,
        "cancelled_count": 1,
        "cancelled_amount": b["total"],
        "amount_paid": a["total"] + b["total"] + d["total"],
        "amount_refunded": 100_00 + b["total"] + d["total"],
        "net": a["total"] - 100_00,
        "active_orders": 2,  # a (partially refunded) and c; not b, cancelled, nor d, delivered
        "revenue": a["total"] + c["total"] + d["total"],
    }
    assert got["by_payment_status"] == dict.fromkeys(map(str, PaymentStatus), 0) | {
        "unpaid": 1, "partially_refunded": 1, "refunded": 2,
    }  # fmt: skip
    assert [(p["orders"], p["order_count"], p["net"]) for p in got["periods"]] == [
        (4, 3, a["total"] - 100_00)
    ]
    active = _stats(client, tenant, status="pending,confirmed")
    assert (active["total_orders"], active["active_orders"], active["net"]) == (
        2, 2, a["total"] - 100_00,
    )  # fmt: skip


def test_a_fully_refunded_order_is_not_active(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    order = place()
    assert _stats(client, tenant)["active_orders"] == 1
    _set(database, tenant, order["id"], payment_status="refunded")
    assert _stats(client, tenant)["active_orders"] == 0
    _set(database, tenant, order["id"], payment_status="partially_refunded", status="on_hold")
    assert _stats(client, tenant)["active_orders"] == 1


def test_stats_filters_are_checked(client: FlaskClient, tenant: TenantInfo) -> None:
    for params, param in (
        ({"status": " , "}, "status"),
        ({"status": "pending,shipped"}, "status[1]"),
        ({"status": ""}, "status"),
        ({"customer_phone": "not a phone"}, "customer_phone"),
        ({"source": "Web Site"}, "source"),
        ({"channel": "web,fax"}, "channel[1]"),
        ({"payment_status": "owed"}, "payment_status[0]"),
        ({"created_after": "2025-02-01T00:00:00Z", "created_before": "2025-01-01T00:00:00Z"},
         "created_after"),
    ):  # fmt: skip
        response = client.get("/v1/orders/stats", query_string=params, headers=tenant.headers)
        assert_error(response, 400, "invalid_request", param)
    twice = client.get("/v1/orders/stats?status=pending&status=confirmed", headers=tenant.headers)
    assert_error(twice, 400, "invalid_request", "status")


def test_stats_periods_follow_daylight_saving(
    client: FlaskClient, database: Database, place: PlaceOrder
) -> None:
    """London moves to BST at 01:00 UTC on 31 March 2024: 23:30 UTC that day is already
    1 April there; local days, weeks and months are the same on both databases."""
    london = make_tenant(database, name="London", currency="GBP", timezone="Europe/London",
                         whatsapp_number="+447700900000", staff=[])  # fmt: skip
    moments = [datetime(2024, 3, 30, 23, 30, tzinfo=UTC), datetime(2024, 3, 31, 0, 30, tzinfo=UTC),
               datetime(2024, 3, 31, 23, 30, tzinfo=UTC), datetime(2024, 4, 1, 12, tzinfo=UTC)]  # fmt: skip
    for when in moments:
        order = place(as_tenant=london)
        _set(database, london, order["id"], created_at=when)
    base = {"created_after": "2024-03-01T00:00:00Z", "created_before": "2024-05-01T00:00:00Z"}
    daily = _stats(client, london, **base)
    assert [(p["start"], p["orders"]) for p in daily["periods"]] == [
        ("2024-03-30", 1), ("2024-03-31", 1), ("2024-04-01", 2),
    ]  # fmt: skip
    monthly = _stats(client, london, period="monthly", **base)
    assert [(p["start"], p["orders"]) for p in monthly["periods"]] == [
        ("2024-03-01", 2), ("2024-04-01", 2),
    ]  # fmt: skip
    weekly = _stats(client, london, period="weekly", **base)
    assert [(p["start"], p["orders"]) for p in weekly["periods"]] == [
        ("2024-03-25", 2), ("2024-04-01", 2),
    ]  # fmt: skip


def test_stats_range_edges_and_long_ranges(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    at = {
        "on_start": datetime(2024, 12, 31, 23, tzinfo=UTC),  # local midnight, 1 January
        "on_end": datetime(2025, 1, 31, 23, tzinfo=UTC),
        "old": datetime(1999, 12, 31, 12, tzinfo=UTC),
    }
    for when in at.values():
        _set(database, tenant, place()["id"], created_at=when)
    january = _stats(client, tenant, created_after="2024-12-31T23:00:00Z",
                     created_before="2025-01-31T23:00:00Z", period="monthly")  # fmt: skip
    assert january["total_orders"] == 1  # the start is in, the end is out
    assert [(p["start"], p["orders"]) for p in january["periods"]] == [("2025-01-01", 1)]
    decades = _stats(client, tenant, created_after="1990-01-01T00:00:00Z",
                     created_before="2025-03-01T00:00:00Z")  # fmt: skip
    assert [(p["start"], p["orders"]) for p in decades["periods"]] == [
        ("1999-12-31", 1), ("2025-01-01", 1), ("2025-02-01", 1),
    ]  # fmt: skip
    across_year = _stats(client, tenant, created_after="1999-12-01T00:00:00Z",
                         created_before="2000-02-01T00:00:00Z", period="monthly")  # fmt: skip
    assert [(p["start"], p["orders"]) for p in across_year["periods"]] == [("1999-12-01", 1)]
    empty = _stats(client, tenant, created_after="2030-01-01T00:00:00Z",
                   created_before="2030-02-01T00:00:00Z")  # fmt: skip
    assert {f: empty[f] for f in FIGURES} == dict.fromkeys(FIGURES, 0)
    assert empty["periods"] == []
    assert set(empty["by_status"]) == {s.value for s in OrderStatus}


def test_stats_count_what_the_list_lists(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    """The same filters find the same orders in the stats and in GET /v1/orders; the list's
    active=true is the stats' active_orders."""
    for n, (status, payment) in enumerate([("pending", "unpaid"), ("confirmed", "refunded"),
                                           ("delivered", "paid"), ("on_hold", "paid"),
                                           ("cancelled", "refunded"), ("pending", "paid")]):  # fmt: skip
        order = place(channel=("api", "web")[n % 2])
        _set(database, tenant, order["id"], status=status, payment_status=payment)

    def listed(**params: str) -> int:
        query = {"include": "total_count", **params}
        response = client.get("/v1/orders", query_string=query, headers=tenant.headers)
        assert response.status_code == 200, response.json
        return int(response.json["total_count"])

    assert _stats(client, tenant)["active_orders"] == listed(active="true") == 3
    for params in ({}, {"status": "pending,on_hold"}, {"channel": "web"},
                   {"payment_status": "paid,unpaid", "channel": "api"}):  # fmt: skip
        got = _stats(client, tenant, **params)
        assert got["total_orders"] == listed(**params), params
        assert got["active_orders"] == listed(active="true", **params), params
