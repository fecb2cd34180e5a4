"""The delivery block, per-line sku and metadata, and the smaller contract points of issue 10."""

from __future__ import annotations

from flask.testing import FlaskClient

from orders_core.db import Database
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body, row_counts

STRUCTURED = {
    "method": "delivery",
    "address": {"line1": "14 Admiralty Way", "area": "Lekki Phase 1", "city": "Lagos",
                "country": "NG"},
    "location": {"latitude": 6.4474, "longitude": 3.4720},
    "recipient_name": "Tunde",
    "recipient_phone": "+234 803 123 4567",
    "alternate_phone": "+2348098765432",
    "instructions": "Call at the gate",
}  # fmt: skip


def test_a_structured_delivery_block_is_stored_and_shown(
    place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(delivery=STRUCTURED)
    delivery = order["delivery"]
    assert delivery["address"] == "14 Admiralty Way, Lekki Phase 1, Lagos"
    assert delivery["address_fields"]["country"] == "NG"
    assert delivery["location"] == {"latitude": 6.4474, "longitude": 3.472}
    assert (delivery["recipient_name"], delivery["recipient_phone"]) == ("Tunde", "+2348031234567")
    assert delivery["alternate_phone"] == "+2348098765432"
    assert delivery["instructions"] == "Call at the gate"


def test_the_older_notes_field_is_kept_as_instructions(place: PlaceOrder) -> None:
    order = place(delivery={"address": "3 Marina", "notes": "blue gate"})
    assert order["delivery"] == {"method": "delivery", "address": "3 Marina",
                                 "instructions": "blue gate"}  # fmt: skip


def test_delivery_changes_until_the_order_is_on_its_way(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(delivery=STRUCTURED)
    url = f"/v1/orders/{order['id']}"
    changed = client.patch(
        url,
        json={"delivery": {"address": "7 Bourdillon Rd, Ikoyi", "instructions": None,
                           "alternate_phone": "+2348011112222"}},
        headers=tenant.headers,
    )  # fmt: skip
    assert changed.status_code == 200, changed.json
    delivery = changed.json["delivery"]
    assert delivery["address"] == "7 Bourdillon Rd, Ikoyi"
    assert "address_fields" not in delivery and "location" not in delivery  # the old pin went
    assert "instructions" not in delivery and delivery["recipient_name"] == "Tunde"
    assert delivery["alternate_phone"] == "+2348011112222"
    timeline = client.get(f"{url}/timeline", headers=tenant.headers).json["data"]
    assert timeline[-1]["title"] == "Delivery details changed"
    client.patch(url, json={"status": "out_for_delivery"}, headers=tenant.headers)
    late = client.patch(url, json={"delivery": {"instructions": "ring twice"}},
                        headers=tenant.headers)  # fmt: skip
    assert_error(late, 409, "conflict", "delivery")


def test_lines_carry_sku_and_metadata(place: PlaceOrder) -> None:
    order = place(items=[
        {"product_id": "prod_jollof", "quantity": 1, "sku": "JR-L", "metadata": {"pos_line": 3}},
        {"name": "Gift wrap", "unit_price": 50000, "quantity": 1},
    ])  # fmt: skip
    first, second = order["items"]
    assert (first["sku"], first["metadata"]) == ("JR-L", {"pos_line": 3})
    assert (second["sku"], second["metadata"]) == (None, {})


def test_a_status_note_goes_to_the_timeline_not_over_the_notes(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(notes="No pepper please")
    url = f"/v1/orders/{order['id']}"
    moved = client.patch(url, json={"status": "confirmed", "note": "Rider booked for 7pm"},
                         headers=tenant.headers)  # fmt: skip
    assert moved.json["notes"] == "No pepper please"
    client.patch(url, json={"note": "Customer called to ask"}, headers=tenant.headers)
    timeline = client.get(f"{url}/timeline", headers=tenant.headers).json["data"]
    confirmed = [e for e in timeline if e["title"] == "Order confirmed"]
    assert confirmed[0]["description"] == "Rider booked for 7pm"
    assert (timeline[-1]["title"], timeline[-1]["description"]) == (
        "Note", "Customer called to ask",
    )  # fmt: skip


def test_a_timeline_entry_wrapped_in_event_is_accepted(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    body = {"event": {"title": "Customer Called", "type": "info", "metadata": {"agent": "Ada"}}}
    added = client.post(f"/v1/orders/{order['id']}/timeline", json=body, headers=tenant.headers)
    assert added.status_code == 201
    assert (added.json["title"], added.json["metadata"]) == ("Customer Called", {"agent": "Ada"})
    mixed = client.post(f"/v1/orders/{order['id']}/timeline",
                        json={"event": {"title": "x"}, "title": "y"}, headers=tenant.headers)  # fmt: skip
    assert_error(mixed, 400, "invalid_request")


def test_an_order_needs_a_way_to_reach_the_customer_unless_it_is_a_till_sale(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    before = row_counts(database)
    nobody = client.post("/v1/orders", json=order_body(customer={"name": "Walk-in"}),
                         headers=tenant.headers)  # fmt: skip
    error = assert_error(nobody, 400, "invalid_request", "customer")
    assert "customer.phone or customer.email" in error["message"]
    assert row_counts(database) == before
    by_email = client.post("/v1/orders", json=order_body(customer={"email": "k@e.co"}),
                           headers=tenant.headers)  # fmt: skip
    assert by_email.status_code == 201
    till = client.post("/v1/orders", json=order_body(customer={}, channel="pos"),
                       headers=tenant.headers)  # fmt: skip
    assert till.status_code == 201 and till.json["channel"] == "pos"
