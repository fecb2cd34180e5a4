"""Orders created in a given state, paid in part, on hold, and what happened to them on the order."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from orders_core.db import Database
from orders_core.models import OutboxEvent
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body, row_counts

TOTAL = 850000  # order_body: 2 jollof and a chapman


def _events(database: Database, order_number: int) -> list[tuple[str, dict[str, Any]]]:
    with database.read() as session:
        rows = session.execute(
            select(OutboxEvent.type, OutboxEvent.data).order_by(OutboxEvent.id)
        ).all()
    return [(t, d) for t, d in rows if d["order"]["number"] == order_number]


def _get(client: FlaskClient, tenant: TenantInfo, order_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/orders/{order_id}", headers=tenant.headers)
    assert response.status_code == 200
    return response.json


def test_a_paid_web_checkout_is_created_confirmed_and_paid_in_one_call(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(
        status="confirmed",
        payment={"amount": TOTAL, "method": "card", "reference": "PSK-8841"},
    )
    assert (order["status"], order["payment_status"], order["amount_due"]) == (
        "confirmed", "paid", 0,
    )  # fmt: skip
    assert order["confirmed_at"] and order["delivered_at"] is None
    assert order["payment_reference"] == "PSK-8841"
    [payment] = order["payments"]
    assert (payment["amount"], payment["method"], payment["reference"]) == (
        TOTAL, "card", "PSK-8841",
    )  # fmt: skip
    assert order["refunds"] == [] and order["fulfillments"] == []
    kinds = [kind for kind, _ in _events(database, order["number"])]
    assert kinds == ["order.created", "payment.recorded"]
    created = _events(database, order["number"])[0][1]
    assert created["order"]["status"] == "confirmed" and "imported" not in created
    titles = [e["title"] for e in client.get(
        f"/v1/orders/{order['id']}/timeline", headers=tenant.headers).json["data"]]  # fmt: skip
    assert titles == ["Order placed", "Order confirmed", "Payment received"]
    found = client.get("/v1/orders", query_string={"q": "PSK-8841"}, headers=tenant.headers)
    assert [o["id"] for o in found.json["data"]] == [order["id"]]


def test_an_import_of_a_delivered_order_is_history_the_customer_is_not_told_again(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(status="delivered", payment_reference="MPESA-QX12")
    assert (order["status"], order["payment_status"], order["fulfillment_status"]) == (
        "delivered", "paid", "fulfilled",
    )  # fmt: skip
    assert order["delivered_at"] and order["confirmed_at"]
    assert order["payments"][0]["reference"] == "MPESA-QX12"
    events = _events(database, order["number"])
    assert [kind for kind, _ in events] == ["order.created", "payment.recorded"]
    assert all(data.get("imported") is True for _, data in events)


def test_an_import_of_a_cancelled_order_cannot_carry_a_payment(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    cancelled = place(status="cancelled", status_note="customer never collected")
    assert (cancelled["cancel_reason"], cancelled["cancel_note"]) == (
        "other", "customer never collected",
    )  # fmt: skip
    assert cancelled["cancelled_at"] and cancelled["amount_due"] == 0
    before = row_counts(database)
    body = order_body(status="cancelled", payment={"amount": 1000})
    refused = client.post("/v1/orders", json=body, headers=tenant.headers)
    assert_error(refused, 422, "validation_error", "payment")
    assert row_counts(database) == before


def test_a_payment_above_the_total_on_create_writes_nothing(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    before = row_counts(database)
    body = order_body(status="confirmed", payment={"amount": TOTAL + 1})
    assert_error(
        client.post("/v1/orders", json=body, headers=tenant.headers), 422, "validation_error"
    )
    assert row_counts(database) == before


def test_paid_in_part_is_partially_paid_with_the_amount_due(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    assert (order["payment_status"], order["amount_due"]) == ("unpaid", TOTAL)
    client.post(f"/v1/orders/{order['id']}/payments", json={"amount": 300000},
                headers=tenant.headers)  # fmt: skip
    midway = _get(client, tenant, order["id"])
    assert (midway["payment_status"], midway["amount_due"]) == ("partially_paid", 550000)
    listed = client.get("/v1/orders", query_string={"payment_status": "partially_paid"},
                        headers=tenant.headers).json["data"]  # fmt: skip
    assert [o["id"] for o in listed] == [order["id"]]
    client.post(f"/v1/orders/{order['id']}/payments", json={}, headers=tenant.headers)
    paid = _get(client, tenant, order["id"])
    assert (paid["payment_status"], paid["amount_due"], len(paid["payments"])) == ("paid", 0, 2)


def test_hold_and_resume_return_to_where_the_order_was(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    client.patch(f"/v1/orders/{order['id']}", json={"status": "preparing"}, headers=tenant.headers)
    held = client.patch(
        f"/v1/orders/{order['id']}",
        json={"status": "on_hold", "note": "waiting for the customer to confirm the address"},
        headers=tenant.headers,
    )
    assert held.status_code == 200
    assert (held.json["status"], held.json["held_from"], held.json["hold_reason"]) == (
        "on_hold", "preparing", "waiting for the customer to confirm the address",
    )  # fmt: skip
    assert held.json["notes"] is None  # the note went to the timeline, not over the notes
    wrong = client.patch(f"/v1/orders/{order['id']}", json={"status": "confirmed"},
                         headers=tenant.headers)  # fmt: skip
    error = assert_error(wrong, 409, "illegal_transition", "status")
    assert set(error["details"]["allowed"]) == {"preparing", "cancelled"}
    resumed = client.post(f"/v1/orders/{order['id']}/resume", headers=tenant.headers)
    assert (resumed.json["status"], resumed.json["held_from"]) == ("preparing", None)
    again = client.post(f"/v1/orders/{order['id']}/resume", headers=tenant.headers)
    assert_error(again, 409, "conflict", "status")
    events = _events(database, order["number"])
    changes = [(d["previous_status"], d["order"]["status"]) for k, d in events
               if k == "order.status_changed"]  # fmt: skip
    assert changes == [("pending", "preparing"), ("preparing", "on_hold"), ("on_hold", "preparing")]
    timeline = client.get(f"/v1/orders/{order['id']}/timeline", headers=tenant.headers).json
    held_entry = [e for e in timeline["data"] if e["title"] == "Order put on hold"]
    assert held_entry[0]["description"] == "waiting for the customer to confirm the address"


def test_hold_by_post_then_cancel_and_no_hold_once_on_the_road(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    held = client.post(f"/v1/orders/{order['id']}/hold", json={"reason": "kitchen busy"},
                       headers=tenant.headers)  # fmt: skip
    assert (held.json["status"], held.json["hold_reason"]) == ("on_hold", "kitchen busy")
    cancelled = client.post(f"/v1/orders/{order['id']}/cancel", json={}, headers=tenant.headers)
    assert (cancelled.json["status"], cancelled.json["held_from"]) == ("cancelled", None)
    road = place()
    client.patch(f"/v1/orders/{road['id']}", json={"status": "out_for_delivery"},
                 headers=tenant.headers)  # fmt: skip
    refused = client.post(f"/v1/orders/{road['id']}/hold", json={}, headers=tenant.headers)
    assert_error(refused, 409, "illegal_transition", "status")


def test_confirmed_and_delivered_times_and_fulfillment_status(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    assert (order["fulfillment_status"], order["confirmed_at"]) == ("unfulfilled", None)
    jollof = order["items"][0]["id"]
    client.patch(f"/v1/orders/{order['id']}", json={"status": "confirmed"}, headers=tenant.headers)
    shipped = client.post(
        f"/v1/orders/{order['id']}/fulfillments",
        json={"items": [{"item_id": jollof, "quantity": 2}], "tracking_number": "GIG-77"},
        headers=tenant.headers,
    )
    assert shipped.status_code == 201
    partial = _get(client, tenant, order["id"])
    assert partial["fulfillment_status"] == "partial" and partial["confirmed_at"]
    assert partial["fulfillments"][0]["tracking"]["number"] == "GIG-77"
    client.post(f"/v1/orders/{order['id']}/fulfillments", json={}, headers=tenant.headers)
    client.patch(f"/v1/orders/{order['id']}", json={"status": "delivered"}, headers=tenant.headers)
    done = _get(client, tenant, order["id"])
    assert done["fulfillment_status"] == "fulfilled" and done["delivered_at"]
    assert len(done["fulfillments"]) == 2
    by_status = client.get("/v1/orders", query_string={"fulfillment_status": "fulfilled"},
                           headers=tenant.headers).json["data"]  # fmt: skip
    assert [o["id"] for o in by_status] == [order["id"]]


def test_refunding_the_unshipped_rest_makes_a_partial_order_fulfilled(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(payment={"amount": TOTAL})
    jollof, chapman = (item["id"] for item in order["items"])
    client.post(f"/v1/orders/{order['id']}/fulfillments",
                json={"items": [{"item_id": jollof, "quantity": 2}]}, headers=tenant.headers)  # fmt: skip
    client.post(f"/v1/orders/{order['id']}/refunds",
                json={"items": [{"item_id": chapman, "quantity": 1}]}, headers=tenant.headers)  # fmt: skip
    after = _get(client, tenant, order["id"])
    assert (after["fulfillment_status"], after["payment_status"]) == (
        "fulfilled", "partially_refunded",
    )  # fmt: skip
    assert [r["amount"] for r in after["refunds"]] == [150000]


def test_lists_stay_lean_unless_expanded(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    paid = place(payment={"amount": 1000, "reference": "R-1"})
    place()
    lean = client.get("/v1/orders", headers=tenant.headers).json["data"]
    assert all("payments" not in o and "refunds" not in o for o in lean)
    wide = client.get("/v1/orders?expand[]=payments&expand[]=fulfillments",
                      headers=tenant.headers).json["data"]  # fmt: skip
    by_id = {o["id"]: o for o in wide}
    assert [p["reference"] for p in by_id[paid["id"]]["payments"]] == ["R-1"]
    assert all("refunds" not in o and o["fulfillments"] == [] for o in wide)
    comma = client.get("/v1/orders", query_string={"expand": "refunds"}, headers=tenant.headers)
    assert all(o["refunds"] == [] and "payments" not in o for o in comma.json["data"])
    bad = client.get("/v1/orders", query_string={"expand": "customer"}, headers=tenant.headers)
    assert_error(bad, 400, "invalid_request", "expand[0]")


def test_returns_are_on_the_order_and_a_returned_unit_was_shipped(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(payment={"amount": TOTAL})
    url = f"/v1/orders/{order['id']}"
    jollof, chapman = (item["id"] for item in order["items"])
    assert "returns" in order and order["items"][0]["returnable_quantity"] == 0
    client.post(f"{url}/fulfillments", json={"items": [{"item_id": jollof, "quantity": 1}]},
                headers=tenant.headers)  # fmt: skip
    sent_back = client.post(f"{url}/returns", headers=tenant.headers,
                            json={"items": [{"item_id": jollof, "quantity": 1}], "reason": "damaged"})  # fmt: skip
    assert sent_back.status_code == 201, sent_back.json
    return_id = sent_back.json["id"]
    client.post(f"/v1/returns/{return_id}/receive", json={}, headers=tenant.headers)
    refunded = client.post(f"/v1/returns/{return_id}/refund", json={}, headers=tenant.headers)
    assert refunded.status_code == 200, refunded.json
    after = _get(client, tenant, order["id"])
    assert [r["id"] for r in after["returns"]] == [return_id]
    assert after["returns"][0]["status"] == "refunded"
    assert [r["amount"] for r in after["refunds"]] == [350000]
    lines = {item["id"]: item for item in after["items"]}
    assert lines[jollof]["returnable_quantity"] == 0
    # The returned jollof had been shipped: one jollof and the chapman are still to go.
    assert after["fulfillment_status"] == "partial"
    rest = client.post(f"{url}/fulfillments", json={}, headers=tenant.headers)
    assert rest.json["items"] == [
        {"item_id": jollof, "quantity": 1}, {"item_id": chapman, "quantity": 1},
    ]  # fmt: skip
    listed = client.get("/v1/orders", query_string={"expand": "returns"},
                        headers=tenant.headers).json["data"]  # fmt: skip
    assert listed[0]["returns"][0]["id"] == return_id
    assert [i["returnable_quantity"] for i in listed[0]["items"]] == [1, 1]
    lean = client.get("/v1/orders", headers=tenant.headers).json["data"]
    assert "returnable_quantity" not in lean[0]["items"][0]
