"""/v1/orders: every use case over HTTP against a real database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from orders_core.db import Database
from orders_core.models import Order, OutboxEvent
from orders_core.services import queries
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body, row_counts


def _pay(client: FlaskClient, tenant: TenantInfo, order_id: str, **body: Any) -> Any:
    return client.post(f"/v1/orders/{order_id}/payments", json=body, headers=tenant.headers)


def _outbox_types(database: Database, number: int) -> list[str]:
    with database.read() as session:
        order = session.scalars(select(Order).where(Order.number == number)).one()
        return list(
            session.scalars(
                select(OutboxEvent.type)
                .where(OutboxEvent.order_id == order.id)
                .order_by(OutboxEvent.id)
            )
        )


def _set_created(database: Database, order_id: str, when: datetime) -> None:
    with database.write() as session:
        session.execute(
            update(Order).where(Order.number == int(order_id[4:])).values(created_at=when)
        )


# --- placing orders -----------------------------------------------------------------------


def test_a_large_catering_order_fits_in_64_bit_money(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    """₦50,000,000 is 5e9 kobo: beyond a 32-bit column, stored and paid exactly."""
    body = order_body(
        items=[{"name": "Wedding catering", "unit_price": 5_000_000_000, "quantity": 1}]
    )
    order = client.post("/v1/orders", json=body, headers=tenant.headers).json

    paid = _pay(client, tenant, order["id"])

    assert order["total"] == 5_000_000_000
    assert paid.status_code == 201 and paid.json["amount"] == 5_000_000_000
    fetched = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert (fetched["amount_paid"], fetched["payment_status"]) == (5_000_000_000, "paid")


def test_catalog_items_override_and_adhoc_lines_are_priced(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    body = order_body(
        items=[
            {"product_id": "prod_jollof", "quantity": 2},
            {"product_id": "prod_chapman", "quantity": 1, "unit_price": 120000},
            {"name": "Birthday cake", "unit_price": 1500000, "quantity": 1},
        ],
        discount=50000,
        tax=10000,
        delivery_fee=100000,
        channel="web",
        notes="Extra spicy",
        metadata={"source": "website"},
        delivery={"method": "delivery", "address": "12 Admiralty Way, Lekki"},
    )
    response = client.post("/v1/orders", json=body, headers=tenant.headers)
    assert response.status_code == 201, response.json
    order = response.json
    lines = [(i["product_id"], i["name"], i["quantity"], i["unit_price"], i["subtotal"])
             for i in order["items"]]  # fmt: skip
    assert lines == [
        ("prod_jollof", "Jollof Rice (Large)", 2, 350000, 700000),
        ("prod_chapman", "Chapman", 1, 120000, 120000),
        (None, "Birthday cake", 1, 1500000, 1500000),
    ]
    assert order["subtotal"] == 2320000
    assert order["total"] == 2320000 - 50000 + 10000 + 100000
    assert (order["channel"], order["status"], order["payment_status"]) == (
        "web",
        "pending",
        "unpaid",
    )
    assert order["metadata"] == {"source": "website"}
    assert order["delivery"]["address"] == "12 Admiralty Way, Lekki"
    assert order["customer"] == {"name": "Amara Obi", "phone": "+2348012345678"}
    assert _outbox_types(database, order["number"]) == ["order.created"]
    timeline = client.get(f"/v1/orders/{order['id']}/timeline", headers=tenant.headers).json
    assert [e["kind"] for e in timeline["data"]] == ["status_changed"]
    customers = client.get("/v1/customers", headers=tenant.headers).json["data"]
    assert [(c["phone"], c["name"]) for c in customers] == [("+2348012345678", "Amara Obi")]


def test_order_numbers_count_up_per_tenant(
    place: PlaceOrder, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    assert [place()["id"] for _ in range(3)] == ["ord_1001", "ord_1002", "ord_1003"]
    assert place(as_tenant=other_tenant)["id"] == "ord_1001"


def test_retrieve_accepts_the_forms_staff_use(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    for form in ("ord_1001", "1001", "%231001"):
        response = client.get(f"/v1/orders/{form}", headers=tenant.headers)
        assert response.status_code == 200, form
        assert response.json == order


def test_patch_replaces_notes_and_merges_metadata(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(metadata={"a": 1, "b": 2})
    response = client.patch(
        f"/v1/orders/{order['id']}",
        json={"notes": "Gate code 4411", "metadata": {"b": None, "c": "three"}},
        headers=tenant.headers,
    )
    assert response.status_code == 200
    assert response.json["notes"] == "Gate code 4411"
    assert response.json["metadata"] == {"a": 1, "c": "three"}
    assert response.json["status"] == "pending"
    assert _outbox_types(database, order["number"]) == ["order.created", "order.updated"]


# --- payments, cancellation, refunds --------------------------------------------------------


def test_payments_partial_then_the_balance(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    first = _pay(client, tenant, order["id"], amount=200000, method="transfer", reference="TRF-1")
    assert first.status_code == 201
    assert first.json["amount"] == 200000 and first.json["id"].startswith("pay_")
    assert first.json["reference"] == "TRF-1"
    midway = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert (midway["amount_paid"], midway["payment_status"]) == (200000, "partially_paid")
    rest = _pay(client, tenant, order["id"], method="cash")
    assert rest.json["amount"] == order["total"] - 200000
    paid = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert (paid["amount_paid"], paid["payment_status"]) == (order["total"], "paid")
    assert_error(_pay(client, tenant, order["id"], amount=1), 409, "conflict")


def test_overpayment_is_refused(client: FlaskClient, place: PlaceOrder, tenant: TenantInfo) -> None:
    order = place()
    error = assert_error(
        _pay(client, tenant, order["id"], amount=order["total"] + 1),
        422,
        "validation_error",
        "amount",
    )
    assert error["details"] == {"amount_due": order["total"]}


def test_cancelling_a_paid_order_refunds_it(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    _pay(client, tenant, order["id"])
    response = client.post(
        f"/v1/orders/{order['id']}/cancel",
        json={"reason": "out_of_stock", "note": "No more rice today"},
        headers=tenant.headers,
    )
    assert response.status_code == 200, response.json
    cancelled = response.json
    assert cancelled["status"] == "cancelled"
    assert cancelled["payment_status"] == "refunded"
    assert cancelled["amount_refunded"] == order["total"]
    assert cancelled["cancel_reason"] == "out_of_stock"
    assert cancelled["cancel_note"] == "No more rice today"
    assert cancelled["cancelled_at"] is not None
    assert _outbox_types(database, order["number"]) == [
        "order.created", "payment.recorded", "refund.created", "order.status_changed",
        "order.cancelled",
    ]  # fmt: skip
    kinds = [e["kind"] for e in client.get(
        f"/v1/orders/{order['id']}/timeline", headers=tenant.headers).json["data"]]  # fmt: skip
    assert kinds == ["status_changed", "payment", "refund", "status_changed"]
    again = client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=tenant.headers)
    assert_error(again, 409, "illegal_transition")


def test_cancelling_an_unpaid_order_refunds_nothing(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    response = client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=tenant.headers)
    assert response.status_code == 200
    assert (response.json["payment_status"], response.json["amount_refunded"]) == ("unpaid", 0)
    assert response.json["cancel_reason"] == "other"


def test_refunded_units_are_never_shipped(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()  # 2 jollof + 1 chapman
    _pay(client, tenant, order["id"])
    jollof, chapman = order["items"][0]["id"], order["items"][1]["id"]
    refund = {"items": [{"item_id": jollof, "quantity": 1}, {"item_id": chapman, "quantity": 1}]}
    url = f"/v1/orders/{order['id']}"
    assert client.post(f"{url}/refunds", json=refund, headers=tenant.headers).status_code == 201

    named = {"items": [{"item_id": chapman, "quantity": 1}]}
    refused = client.post(f"{url}/fulfillments", json=named, headers=tenant.headers)
    assert assert_error(refused, 422, "validation_error", "items[0].quantity")["details"] == {
        "available": 0
    }
    rest = client.post(f"{url}/fulfillments", json={}, headers=tenant.headers)
    assert rest.status_code == 201
    assert rest.json["items"] == [{"item_id": jollof, "quantity": 1}]  # the chapman was refunded
    assert client.get(url, headers=tenant.headers).json["status"] == "out_for_delivery"
    again = client.post(f"{url}/fulfillments", json={}, headers=tenant.headers)
    assert_error(again, 409, "conflict", "items")


def test_refunds_by_amount_and_items_never_exceed_what_was_paid(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()  # 2 jollof (700000) + 1 chapman (150000) = 850000
    url = f"/v1/orders/{order['id']}/refunds"
    assert_error(client.post(url, json={"amount": 1000}, headers=tenant.headers), 409, "conflict")
    _pay(client, tenant, order["id"])
    jollof, chapman = order["items"][0]["id"], order["items"][1]["id"]

    by_amount = client.post(url, json={"amount": 100000, "reason": "late"}, headers=tenant.headers)
    assert by_amount.status_code == 201
    assert (by_amount.json["amount"], by_amount.json["status"]) == (100000, "processed")
    by_items = client.post(
        url, json={"items": [{"item_id": jollof, "quantity": 1}]}, headers=tenant.headers
    )
    assert by_items.json["amount"] == 350000
    assert by_items.json["items"] == [{"item_id": jollof, "quantity": 1}]
    both = client.post(
        url, json={"amount": 50000, "items": [{"item_id": chapman, "quantity": 1}]},
        headers=tenant.headers,
    )  # fmt: skip
    assert both.json["amount"] == 50000
    state = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert state["payment_status"] == "partially_refunded"
    assert state["amount_refunded"] == 500000
    assert [i["refunded_quantity"] for i in state["items"]] == [1, 1]

    before = row_counts(database)
    too_much = client.post(url, json={"amount": 350001}, headers=tenant.headers)
    assert assert_error(too_much, 422, "validation_error", "amount")["details"] == {
        "refundable": 350000
    }
    too_many = client.post(
        url, json={"items": [{"item_id": chapman, "quantity": 1}]}, headers=tenant.headers
    )
    assert_error(too_many, 422, "validation_error", "items[0].quantity")
    unknown = client.post(
        url, json={"items": [{"item_id": "item_999999", "quantity": 1}]}, headers=tenant.headers
    )
    assert_error(unknown, 422, "validation_error", "items[0].item_id")
    assert row_counts(database) == before

    rest = client.post(url, json={"amount": 350000}, headers=tenant.headers)
    assert rest.status_code == 201
    final = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert (final["payment_status"], final["amount_refunded"]) == ("refunded", final["amount_paid"])
    assert_error(client.post(url, json={"amount": 1}, headers=tenant.headers), 409, "conflict")


def test_refund_needs_an_amount_or_items(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    response = client.post(f"/v1/orders/{order['id']}/refunds", json={}, headers=tenant.headers)
    assert_error(response, 400, "invalid_request")


# --- fulfillment and timeline -------------------------------------------------------------


def test_fulfilling_everything_with_tracking_sends_it_out(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    client.patch(f"/v1/orders/{order['id']}", json={"status": "preparing"}, headers=tenant.headers)
    response = client.post(
        f"/v1/orders/{order['id']}/fulfillments",
        json={"tracking_number": "GIG-123", "tracking_company": "GIG Logistics",
              "tracking_url": "https://track.example.com/GIG-123", "notify_customer": False},
        headers=tenant.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.json
    fulfillment = response.json
    assert fulfillment["tracking"] == {
        "number": "GIG-123", "company": "GIG Logistics", "url": "https://track.example.com/GIG-123",
    }  # fmt: skip
    assert fulfillment["notify_customer"] is False
    assert {i["item_id"]: i["quantity"] for i in fulfillment["items"]} == {
        order["items"][0]["id"]: 2, order["items"][1]["id"]: 1,
    }  # fmt: skip
    state = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert state["status"] == "out_for_delivery"
    assert [i["fulfilled_quantity"] for i in state["items"]] == [2, 1]
    assert _outbox_types(database, order["number"])[-2:] == [
        "fulfillment.created", "order.status_changed",
    ]  # fmt: skip
    again = client.post(f"/v1/orders/{order['id']}/fulfillments", json={}, headers=tenant.headers)
    assert_error(again, 409, "conflict", "items")
    cancel = client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=tenant.headers)
    assert_error(cancel, 409, "illegal_transition")


def test_partial_fulfillment_keeps_the_status_and_pickup_completes(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(delivery={"method": "pickup"})
    jollof = order["items"][0]["id"]
    url = f"/v1/orders/{order['id']}/fulfillments"
    part = client.post(
        url, json={"items": [{"item_id": jollof, "quantity": 1}]}, headers=tenant.headers
    )
    assert part.status_code == 201
    assert (
        client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json["status"] == "pending"
    )
    too_many = client.post(
        url, json={"items": [{"item_id": jollof, "quantity": 2}]}, headers=tenant.headers
    )
    assert_error(too_many, 422, "validation_error", "items[0].quantity")
    assert client.post(url, json={}, headers=tenant.headers).status_code == 201
    assert (
        client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json["status"]
        == "delivered"
    )


def test_timeline_entries_can_be_added_and_read_back(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    url = f"/v1/orders/{order['id']}/timeline"
    added = client.post(
        url,
        json={"title": "Customer called", "description": "Wants it before 6pm", "type": "pending",
              "metadata": {"agent": "Tolu"}},
        headers=tenant.headers,
    )  # fmt: skip
    assert added.status_code == 201
    assert added.json["id"].startswith("evt_") and added.json["kind"] == "note"
    entries = client.get(url, headers=tenant.headers).json["data"]
    assert [(e["title"], e["type"]) for e in entries] == [
        ("Order placed", "pending"), ("Customer called", "pending"),
    ]  # fmt: skip
    assert entries[1]["metadata"] == {"agent": "Tolu"}
    assert entries[1]["description"] == "Wants it before 6pm"
    assert_error(
        client.post(url, json={"title": ""}, headers=tenant.headers),
        400,
        "invalid_request",
        "title",
    )
    assert_error(client.post(url, json={"title": "x", "type": "fatal"}, headers=tenant.headers),
                 400, "invalid_request", "type")  # fmt: skip


# --- listing and pagination ---------------------------------------------------------------


@pytest.fixture
def assorted(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo,
    other_tenant: TenantInfo,
) -> dict[str, str]:  # fmt: skip
    """Five orders that differ in one attribute each, plus one of another tenant."""
    ids = {
        "plain": place()["id"],
        "web": place(channel="web", customer={"name": "Bola Ade", "phone": "+2348099999999"})["id"],
        "paid": place(notes="leave at the gate")["id"],
        "confirmed": place()["id"],
        "old": place(customer={"name": "Chidi", "phone": "+2348011111111"})["id"],
    }
    _pay(client, tenant, ids["paid"])
    client.patch(
        f"/v1/orders/{ids['confirmed']}", json={"status": "confirmed"}, headers=tenant.headers
    )
    _set_created(database, ids["old"], datetime(2024, 1, 15, 12, tzinfo=UTC))
    place(as_tenant=other_tenant, channel="web")
    return ids


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["old", "confirmed", "paid", "web", "plain"]),
        ("status=confirmed", ["confirmed"]),
        ("status=pending", ["old", "paid", "web", "plain"]),
        ("payment_status=paid", ["paid"]),
        ("channel=web", ["web"]),
        ("customer_phone=%2B2348099999999", ["web"]),
        ("customer_phone=%2B234%20809%209999%20999", ["web"]),
        ("created_before=2025-01-01T00:00:00Z", ["old"]),
        ("created_after=2025-01-01", ["confirmed", "paid", "web", "plain"]),
        ("created_after=2024-01-15T11:00:00%2B00:00&created_before=2024-01-15T13:00:00Z", ["old"]),
        ("q=bola", ["web"]),
        ("q=gate", ["paid"]),
        ("q=ord_1004", ["confirmed"]),
        ("q=99999", ["web"]),
        ("q=%25", []),
        ("status=pending&channel=api&q=chidi", ["old"]),
    ],
)
def test_list_filters(
    client: FlaskClient,
    tenant: TenantInfo,
    assorted: dict[str, str],
    query: str,
    expected: list[str],
) -> None:
    response = client.get(f"/v1/orders?{query}", headers=tenant.headers)
    assert response.status_code == 200, response.json
    names = {v: k for k, v in assorted.items()}
    assert [names[o["id"]] for o in response.json["data"]] == expected
    assert response.json["has_more"] is False


def test_cursor_pagination_walks_every_order_once(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    for _ in range(7):
        place()
    seen, cursor, pages = [], None, 0
    while True:
        url = "/v1/orders?limit=3" + (f"&starting_after={cursor}" if cursor else "")
        page = client.get(url, headers=tenant.headers).json
        pages += 1
        seen += [o["id"] for o in page["data"]]
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
        assert cursor == page["data"][-1]["id"]
    assert pages == 3
    assert seen == [f"ord_{n}" for n in range(1007, 1000, -1)]
    exact = client.get("/v1/orders?limit=7", headers=tenant.headers).json
    assert len(exact["data"]) == 7 and exact["has_more"] is False
    assert len(client.get("/v1/orders", headers=tenant.headers).json["data"]) == 7


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("starting_after=abc", "starting_after"),
        ("starting_after=", "starting_after"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("status=shipped", "status[0]"),
        ("payment_status=owing", "payment_status[0]"),
        ("channel=fax", "channel[0]"),
        ("customer_phone=12", "customer_phone"),
        ("created_after=yesterday", "created_after"),
        ("created_after=1700000000", "created_after"),
        ("limit=1&limit=2", "limit"),
        ("sort=price", "sort"),
    ],
)
def test_list_rejects_bad_query_parameters(
    client: FlaskClient, tenant: TenantInfo, query: str, param: str
) -> None:
    response = client.get(f"/v1/orders?{query}", headers=tenant.headers)
    assert_error(response, 400, "invalid_request", param)


# --- stats ----------------------------------------------------------------------------------


def test_stats_by_status_period_revenue_and_aov(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    one = {"items": [{"product_id": "prod_jollof", "quantity": 1}]}  # 350000
    two = {"items": [{"product_id": "prod_jollof", "quantity": 2}]}  # 700000
    orders = {
        "mon": place(**one)["id"], "tue": place(**two)["id"], "next_week": place(**two)["id"],
        "cancelled": place(**one)["id"], "next_month": place(**one)["id"], "outside": place(**one)["id"],
    }  # fmt: skip
    # Lagos is UTC+1: 23:30 UTC on Monday 2 Sept is already Tuesday 3 Sept locally.
    when = {
        "mon": datetime(2024, 9, 2, 9, tzinfo=UTC),
        "tue": datetime(2024, 9, 2, 23, 30, tzinfo=UTC),
        "next_week": datetime(2024, 9, 10, 12, tzinfo=UTC),
        "cancelled": datetime(2024, 9, 10, 13, tzinfo=UTC),
        "next_month": datetime(2024, 10, 1, 12, tzinfo=UTC),
        "outside": datetime(2024, 12, 1, 12, tzinfo=UTC),
    }
    for name, moment in when.items():
        _set_created(database, orders[name], moment)
    client.post(f"/v1/orders/{orders['cancelled']}/cancel", json={}, headers=tenant.headers)
    _pay(client, tenant, orders["tue"])
    client.patch(
        f"/v1/orders/{orders['mon']}", json={"status": "delivered"}, headers=tenant.headers
    )
    base = "/v1/orders/stats?created_after=2024-09-01T00:00:00Z&created_before=2024-11-01T00:00:00Z"

    daily = client.get(base, headers=tenant.headers)
    assert daily.status_code == 200, daily.json
    stats = daily.json
    assert stats["total_orders"] == 5
    assert stats["revenue"] == 350000 + 700000 + 700000 + 350000
    assert stats["average_order_value"] == stats["revenue"] // 4
    assert stats["currency"] == "NGN"
    assert stats["by_status"] == {
        "pending": 3, "confirmed": 0, "preparing": 0, "out_for_delivery": 0, "delivered": 1,
        "cancelled": 1, "on_hold": 0,
    }  # fmt: skip
    assert stats["by_payment_status"] == {
        "unpaid": 4, "partially_paid": 0, "paid": 1, "partially_refunded": 0, "refunded": 0,
    }  # fmt: skip
    assert [(p["start"], p["orders"], p["revenue"]) for p in stats["periods"]] == [
        ("2024-09-02", 1, 350000), ("2024-09-03", 1, 700000), ("2024-09-10", 2, 700000),
        ("2024-10-01", 1, 350000),
    ]  # fmt: skip
    weekly = client.get(base + "&period=weekly", headers=tenant.headers).json
    assert [(p["start"], p["orders"]) for p in weekly["periods"]] == [
        ("2024-09-02", 2), ("2024-09-09", 2), ("2024-09-30", 1),
    ]  # fmt: skip
    monthly = client.get(base + "&period=monthly", headers=tenant.headers).json
    assert [(p["start"], p["orders"], p["revenue"]) for p in monthly["periods"]] == [
        ("2024-09-01", 4, 1750000), ("2024-10-01", 1, 350000),
    ]  # fmt: skip
    web = client.get(base + "&channel=web", headers=tenant.headers).json
    assert (web["total_orders"], web["revenue"], web["average_order_value"]) == (0, 0, 0)
    backwards = client.get(
        "/v1/orders/stats?created_after=2024-10-01T00:00:00Z&created_before=2024-09-01T00:00:00Z",
        headers=tenant.headers,
    )
    assert_error(backwards, 400, "invalid_request", "created_after")
    assert_error(client.get("/v1/orders/stats?period=yearly", headers=tenant.headers),
                 400, "invalid_request", "period")  # fmt: skip


def test_stats_default_to_the_last_30_days(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    place()
    stats = client.get("/v1/orders/stats", headers=tenant.headers).json
    assert stats["total_orders"] == 1
    start = datetime.fromisoformat(stats["range"]["start"])
    end = datetime.fromisoformat(stats["range"]["end"])
    assert (end - start).days == 30


# --- export ---------------------------------------------------------------------------------


def test_export_streams_every_matching_order_as_csv(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo, other_tenant: TenantInfo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)
    for _ in range(4):
        place()
    place(channel="web", customer={"name": '=HYPERLINK("http://evil")', "phone": "+2348022222222"})
    place(as_tenant=other_tenant)
    response = client.get("/v1/orders/export", headers=tenant.headers)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=orders-")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["id"] for r in rows] == [f"ord_{n}" for n in range(1005, 1000, -1)]
    assert rows[0]["customer_name"] == '\'=HYPERLINK("http://evil")'
    assert rows[1]["items"] == "2x Jollof Rice (Large); 1x Chapman"
    assert rows[1]["total"] == "850000"
    assert rows[1]["customer_phone"] == "+2348012345678"
    web = client.get("/v1/orders/export?channel=web", headers=tenant.headers)
    assert [r["id"] for r in csv.DictReader(io.StringIO(web.get_data(as_text=True)))] == [
        "ord_1005"
    ]
    assert_error(client.get("/v1/orders/export?status=lost", headers=tenant.headers),
                 400, "invalid_request", "status[0]")  # fmt: skip


def test_export_of_nothing_is_just_the_header(client: FlaskClient, tenant: TenantInfo) -> None:
    response = client.get("/v1/orders/export", headers=tenant.headers)
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 1 and lines[0].startswith("id,number,status")
