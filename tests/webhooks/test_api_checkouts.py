"""/v1/checkouts: created, priced live, changed while open, completed into one order once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from orders_core.db import Database
from orders_core.models import Checkout, Order, utcnow
from tests.conftest import TenantInfo
from tests.webhooks.conftest import assert_error

ITEMS = [
    {"product_id": "prod_jollof", "quantity": 2, "note": "no onions"},
    {"product_id": "prod_chapman", "quantity": 1},
]


def checkout_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/checkouts body."""
    return {
        "customer": {"name": "Amara Obi", "phone": "+2348012345678"},
        "items": ITEMS,
    } | overrides


def create(client: FlaskClient, tenant: TenantInfo, **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/checkouts", json=checkout_body(**overrides), headers=tenant.headers)
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def price(client: FlaskClient, tenant: TenantInfo, code: str) -> int:
    return int(client.get(f"/v1/products/{code}", headers=tenant.headers).json["unit_price"])


def idle(database: Database, checkout_id: str, minutes: int) -> None:
    """Make the checkout look untouched for `minutes`."""
    with database.write() as session:
        session.execute(
            update(Checkout)
            .where(Checkout.public_id == checkout_id)
            .values(last_activity_at=utcnow() - timedelta(minutes=minutes))
        )


def order_count(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(Order)) or 0


def test_a_checkout_is_priced_from_the_catalog(client: FlaskClient, tenant: TenantInfo) -> None:
    jollof, chapman = price(client, tenant, "prod_jollof"), price(client, tenant, "prod_chapman")
    made = create(client, tenant, delivery_fee=50000, metadata={"cart": "web-77"})

    assert made["id"].startswith("chk_") and made["object"] == "checkout"
    assert (made["status"], made["channel"], made["source"], made["order_id"]) == (
        "open", "api", "api", None,
    )  # fmt: skip
    assert [(line["product_id"], line["quantity"], line["unit_price"], line["subtotal"])
            for line in made["items"]] == [
        ("prod_jollof", 2, jollof, 2 * jollof), ("prod_chapman", 1, chapman, chapman),
    ]  # fmt: skip
    assert made["items"][0]["note"] == "no onions" and made["items"][0]["available"] is True
    assert made["subtotal"] == 2 * jollof + chapman
    assert (made["delivery_fee"], made["total"]) == (50000, made["subtotal"] + 50000)
    assert made["currency"] == "NGN" and made["metadata"] == {"cart": "web-77"}
    again = client.get(f"/v1/checkouts/{made['id']}", headers=tenant.headers)
    assert again.status_code == 200 and again.json == made


def test_prices_are_live_until_completion(client: FlaskClient, tenant: TenantInfo) -> None:
    made = create(client, tenant)
    changed = client.patch("/v1/products/prod_chapman", json={"unit_price": 12345},
                           headers=tenant.headers)  # fmt: skip
    assert changed.status_code == 200, changed.json

    now = client.get(f"/v1/checkouts/{made['id']}", headers=tenant.headers).json
    assert now["items"][1]["unit_price"] == 12345
    assert now["subtotal"] == made["subtotal"] - made["items"][1]["subtotal"] + 12345
    order = client.post(f"/v1/checkouts/{made['id']}/complete", headers=tenant.headers).json
    assert order["total"] == now["total"]


def test_another_business_sees_404(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    made = create(client, tenant)
    for response in (
        client.get(f"/v1/checkouts/{made['id']}", headers=other_tenant.headers),
        client.patch(f"/v1/checkouts/{made['id']}", json={"notes": "x"},
                     headers=other_tenant.headers),
        client.post(f"/v1/checkouts/{made['id']}/complete", headers=other_tenant.headers),
    ):  # fmt: skip
        assert_error(response, 404, "not_found", "id")
    assert client.get("/v1/checkouts", headers=other_tenant.headers).json["data"] == []


def test_unknown_products_and_bad_bodies_are_refused(
    client: FlaskClient, tenant: TenantInfo, database: Database
) -> None:
    unknown = [{"product_id": "prod_nope", "quantity": 1}]
    response = client.post("/v1/checkouts", json=checkout_body(items=unknown),
                           headers=tenant.headers)  # fmt: skip
    assert_error(response, 422, "validation_error", "items[0].product_id")
    empty = client.post("/v1/checkouts", json=checkout_body(items=[]), headers=tenant.headers)
    assert empty.status_code == 400
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Checkout)) == 0


def test_patch_replaces_items_and_merges_metadata(client: FlaskClient, tenant: TenantInfo) -> None:
    made = create(client, tenant, metadata={"a": 1, "b": 2}, notes="ring twice")
    body = {
        "items": [{"product_id": "prod_suya", "quantity": 3}],
        "metadata": {"a": None, "c": 3},
        "notes": None,
        "delivery": {"address": "12 Allen Avenue, Ikeja"},
    }
    changed = client.patch(f"/v1/checkouts/{made['id']}", json=body, headers=tenant.headers)

    assert changed.status_code == 200, changed.json
    out = changed.json
    assert [(line["product_id"], line["quantity"]) for line in out["items"]] == [("prod_suya", 3)]
    assert out["metadata"] == {"b": 2, "c": 3} and out["notes"] is None
    assert out["delivery"]["address"] == "12 Allen Avenue, Ikeja"
    assert out["customer"] == made["customer"]
    bad = client.patch(f"/v1/checkouts/{made['id']}", json={"items": [{"product_id": "prod_x",
                       "quantity": 1}]}, headers=tenant.headers)  # fmt: skip
    assert_error(bad, 422, "validation_error", "items[0].product_id")


def test_completing_places_the_order_once(
    client: FlaskClient, tenant: TenantInfo, database: Database
) -> None:
    made = create(client, tenant, source="website", external_id="cart-9", external_number="W-9",
                  notes="gate code 4411", delivery={"address": "4 Adeola Odeku Street"},
                  delivery_fee=50000, metadata={"cart": "web-9"})  # fmt: skip
    first = client.post(f"/v1/checkouts/{made['id']}/complete", headers=tenant.headers)

    assert first.status_code == 200, first.json
    order = first.json
    assert order["object"] == "order" and order["status"] == "pending"
    assert (order["source"], order["external_id"], order["external_number"]) == (
        "website", "cart-9", "W-9",
    )  # fmt: skip
    assert order["total"] == made["total"] and order["delivery_fee"] == 50000
    assert order["notes"] == "Jollof Rice (Large): no onions; gate code 4411"
    assert order["metadata"] == {"cart": "web-9"}
    assert order["delivery"]["address"] == "4 Adeola Odeku Street"
    assert [(i["product_id"], i["quantity"]) for i in order["items"]] == [
        ("prod_jollof", 2), ("prod_chapman", 1),
    ]  # fmt: skip

    again = client.post(f"/v1/checkouts/{made['id']}/complete", headers=tenant.headers)
    assert again.status_code == 200 and again.json["id"] == order["id"]
    assert order_count(database) == 1
    done = client.get(f"/v1/checkouts/{made['id']}", headers=tenant.headers).json
    assert (done["status"], done["order_id"]) == ("completed", order["id"])
    assert done["completed_at"] is not None
    late = client.patch(f"/v1/checkouts/{made['id']}", json={"notes": "x"}, headers=tenant.headers)
    assert assert_error(late, 409, "checkout_not_open", "id")["details"] == {"status": "completed"}
    timeline = client.get(f"/v1/orders/{order['id']}/timeline", headers=tenant.headers).json
    assert made["id"] in [e["title"] for e in timeline["data"]][-1]


def test_two_completions_at_once_make_one_order(
    app: Flask, client: FlaskClient, tenant: TenantInfo, database: Database
) -> None:
    made = create(client, tenant)
    barrier = threading.Barrier(3)
    results: list[Any] = []

    def complete() -> None:
        own = app.test_client()
        barrier.wait()
        results.append(own.post(f"/v1/checkouts/{made['id']}/complete", headers=tenant.headers))

    threads = [threading.Thread(target=complete) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.status_code for r in results] == [200, 200, 200]
    assert len({r.json["id"] for r in results}) == 1
    assert order_count(database) == 1


def test_an_abandoned_checkout_is_not_completed_until_touched(
    client: FlaskClient, tenant: TenantInfo, database: Database
) -> None:
    made = create(client, tenant)
    idle(database, made["id"], 61)  # the business's abandoned_cart_minutes is 60

    assert client.get(f"/v1/checkouts/{made['id']}", headers=tenant.headers).json["status"] == (
        "abandoned"
    )
    listed = client.get("/v1/checkouts?status=abandoned", headers=tenant.headers).json["data"]
    assert [c["id"] for c in listed] == [made["id"]]
    assert client.get("/v1/checkouts?status=open", headers=tenant.headers).json["data"] == []
    refused = client.post(f"/v1/checkouts/{made['id']}/complete", headers=tenant.headers)
    assert assert_error(refused, 409, "checkout_not_open", "id")["details"] == {
        "status": "abandoned"
    }
    assert order_count(database) == 0

    touched = client.patch(f"/v1/checkouts/{made['id']}", json={}, headers=tenant.headers)
    assert touched.json["status"] == "open"
    done = client.post(f"/v1/checkouts/{made['id']}/complete", headers=tenant.headers)
    assert done.status_code == 200 and order_count(database) == 1


def test_an_expired_checkout_is_409(
    client: FlaskClient, tenant: TenantInfo, database: Database
) -> None:
    made = create(client, tenant)
    with database.write() as session:
        session.execute(update(Checkout).values(status="expired"))

    refused = client.post(f"/v1/checkouts/{made['id']}/complete", headers=tenant.headers)
    assert assert_error(refused, 409, "checkout_not_open")["details"] == {"status": "expired"}
    listed = client.get("/v1/checkouts?status=expired", headers=tenant.headers).json["data"]
    assert [c["id"] for c in listed] == [made["id"]]


def test_the_list_pages_with_cursors_and_filters(client: FlaskClient, tenant: TenantInfo) -> None:
    ids = [create(client, tenant, channel=c)["id"] for c in ("web", "api", "web")]

    page = client.get("/v1/checkouts?limit=2", headers=tenant.headers).json
    assert page["object"] == "list" and page["has_more"] is True
    assert [c["id"] for c in page["data"]] == [ids[2], ids[1]]
    rest = client.get(f"/v1/checkouts?limit=2&starting_after={page['next_cursor']}",
                      headers=tenant.headers).json  # fmt: skip
    assert [c["id"] for c in rest["data"]] == [ids[0]] and rest["has_more"] is False
    web = client.get("/v1/checkouts?channel=web", headers=tenant.headers).json["data"]
    assert [c["id"] for c in web] == [ids[2], ids[0]]
    bad = client.get("/v1/checkouts?status=lost", headers=tenant.headers)
    assert bad.status_code == 400


def test_the_same_external_id_again_is_409_naming_the_checkout(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    first = create(client, tenant, source="website", external_id="cart-1")
    again = client.post("/v1/checkouts", headers=tenant.headers,
                        json=checkout_body(source="website", external_id="cart-1"))  # fmt: skip
    error = assert_error(again, 409, "duplicate_external_id", "external_id")
    assert error["details"] == {"checkout_id": first["id"]}
    create(client, other_tenant, source="website", external_id="cart-1")


def test_a_retried_create_with_its_key_makes_one_checkout(
    client: FlaskClient, tenant: TenantInfo, database: Database
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "checkout-1"}
    first = client.post("/v1/checkouts", json=checkout_body(), headers=headers)
    second = client.post("/v1/checkouts", json=checkout_body(), headers=headers)

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json["id"] == first.json["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Checkout)) == 1


def test_checkouts_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/v1/checkouts"])
    assert {"get", "patch"} <= set(paths["/v1/checkouts/{checkout_id}"])
    assert "post" in paths["/v1/checkouts/{checkout_id}/complete"]
